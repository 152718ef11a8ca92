package plant

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestSentencesJoinBack(t *testing.T) {
	for _, c := range []struct {
		text, lang string
		n          int
	}{
		{"One. Two! Three? Four", "fi", 4},
		{"এক। দুই। তিন", "bn", 3},
		{"ایک۔ دو۔ تین", "ur", 3},
		{"ภาษาไทย ไม่มี จุด", "th", 3},
		{"line one\nline two", "sw", 2},
	} {
		ss := Sentences(c.text, c.lang)
		if len(ss) != c.n || strings.Join(ss, "") != c.text {
			t.Errorf("Sentences(%q) = %q, want %d parts joining back", c.text, ss, c.n)
		}
	}
}

func TestEditChangesText(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	text := "First sentence here. Second one follows. Third closes it. Fourth, to be sure."
	other := "Another text entirely. With its own words."
	for _, k := range Kinds {
		got, ok := Edit(r, k, text, "fi", other)
		if !ok || got == text {
			t.Errorf("%s: %q, %v", k, got, ok)
		}
	}
	if _, ok := Edit(r, Reorder, "Just one.", "fi", other); ok {
		t.Error("Reorder of one sentence: ok")
	}
}
