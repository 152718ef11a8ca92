package launch

import "testing"

func TestParsePrice(t *testing.T) {
	p, err := ParsePrice("0.15, 0.60")
	if err != nil || p.InputPerM != 0.15 || p.OutputPerM != 0.6 {
		t.Fatalf("%+v %v", p, err)
	}
	for _, bad := range []string{"", "1", "a,b", "-1,2", "1,2,3"} {
		if _, err := ParsePrice(bad); err == nil {
			t.Errorf("ParsePrice(%q) succeeded", bad)
		}
	}
}
