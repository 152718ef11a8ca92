package corpusdelta

import (
	"fmt"
	"slices"
	"testing"
)

func corpus(n int) [][]byte {
	var lines [][]byte
	for i := range n {
		lines = append(lines, fmt.Appendf(nil, `{"id":"doc-%03d","text":"text %d"}`, i, i))
	}
	return lines
}

func TestSplitSharesOrderAndDeterminism(t *testing.T) {
	lines := corpus(330)
	d, err := Split(lines, 0.10, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	// 330 = |V1| + |Added| with |Added| = 0.1 |V1|: 300 and 30; 5% of 300 removed.
	if len(d.V1) != 300 || len(d.Added) != 30 || len(d.Removed) != 15 || len(d.V2) != 315 {
		t.Fatalf("v1 %d, added %d, removed %d, v2 %d; want 300, 30, 15, 315", len(d.V1), len(d.Added), len(d.Removed), len(d.V2))
	}
	in := func(set [][]byte, l []byte) bool {
		return slices.ContainsFunc(set, func(x []byte) bool { return string(x) == string(l) })
	}
	for _, l := range d.Added {
		if in(d.V1, l) || !in(d.V2, l) {
			t.Errorf("added %s: in v1 %v, in v2 %v", l, in(d.V1, l), in(d.V2, l))
		}
	}
	for _, l := range d.Removed {
		if !in(d.V1, l) || in(d.V2, l) {
			t.Errorf("removed %s: in v1 %v, in v2 %v", l, in(d.V1, l), in(d.V2, l))
		}
	}
	for _, v := range [][][]byte{d.V1, d.V2} { // the file's order
		if !slices.IsSortedFunc(v, func(a, b []byte) int { return slices.Compare(a, b) }) {
			t.Error("a version is not in the file's order")
		}
	}
	again, _ := Split(slices.Clone(lines), 0.10, 0.05)
	if fmt.Sprint(again) != fmt.Sprint(d) {
		t.Error("two splits of one corpus differ")
	}
	// A document stays in or out whatever else the corpus holds: the choice is by id.
	more, _ := Split(append(slices.Clone(lines), corpus(400)[330:]...), 0.10, 0.05)
	kept := 0
	for _, l := range d.Added {
		if in(more.Added, l) {
			kept++
		}
	}
	if kept < len(d.Added)*2/3 {
		t.Errorf("only %d of %d added documents are still added in a larger corpus", kept, len(d.Added))
	}
}

func TestSplitRefusesBadInput(t *testing.T) {
	for name, lines := range map[string][][]byte{
		"not JSON":    {[]byte(`{"id":"a"}`), []byte(`{broken`)},
		"repeated id": {[]byte(`{"id":"a"}`), []byte(`{"id":"a"}`)},
	} {
		if _, err := Split(lines, 0.1, 0.05); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := Split(corpus(3), 1, 0); err == nil {
		t.Error("a share of 1: no error")
	}
	d, err := Split(append(corpus(3), []byte("  "), []byte(`{"text":"no id"}`)), 0, 0)
	if err != nil || len(d.V1) != 4 || len(d.V2) != 4 {
		t.Errorf("blank line and id-less line: %d, %d, %v", len(d.V1), len(d.V2), err)
	}
}
