package topics

import "testing"

func TestLemmas(t *testing.T) {
	verbs := []struct{ w, tag, want string }{
		{"write", "VB", "write"}, {"writes", "VBZ", "write"}, {"written", "VBN", "write"}, {"given", "VBN", "give"},
		{"described", "VBN", "describe"}, {"recorded", "VBN", "record"}, {"focused", "VBN", "focus"},
		{"collapsed", "VBD", "collapse"}, {"carried", "VBN", "carry"}, {"spoken", "VBN", "speak"},
		{"stopped", "VBD", "stop"}, {"created", "VBN", "create"}, {"translated", "VBN", "translate"},
		{"provided", "VBN", "provide"}, {"used", "VBN", "use"}, {"analyzes", "VBZ", "analyze"},
		{"summarizing", "VBG", "summarize"}, {"making", "VBG", "make"}, {"explained", "VBN", "explain"},
		{"defined", "VBN", "define"}, {"required", "VBN", "require"}, {"compared", "VBN", "compare"},
		{"appeared", "VBD", "appear"}, {"looked", "VBD", "look"}, {"discussed", "VBN", "discuss"},
		{"solving", "VBG", "solve"}, {"changed", "VBN", "change"}, {"handled", "VBN", "handle"},
		{"computed", "VBN", "compute"}, {"completed", "VBN", "complete"}, {"fixes", "VBZ", "fix"},
		{"classifies", "VBZ", "classify"}, {"goes", "VBZ", "go"}, {"is", "VBZ", "be"}, {"repeated", "VBN", "repeat"},
	}
	for _, c := range verbs {
		if got := lemmaVerb(c.w, c.tag); got != c.want {
			t.Errorf("lemmaVerb(%q, %s) = %q, want %q", c.w, c.tag, got, c.want)
		}
	}
	nouns := []struct{ w, tag, want string }{
		{"skills", "NNS", "skill"}, {"responsibilities", "NNS", "responsibility"}, {"classes", "NNS", "class"},
		{"boxes", "NNS", "box"}, {"matches", "NNS", "match"}, {"analysis", "NN", "analysis"}, {"sizes", "NNS", "size"},
		{"status", "NNS", "status"}, {"people", "NNS", "people"}, {"movies", "NNS", "movie"}, {"news", "NN", "news"},
		{"basics", "NNS", "basic"}, {"courses", "NNS", "course"},
	}
	for _, c := range nouns {
		if got := lemmaNoun(c.w, c.tag); got != c.want {
			t.Errorf("lemmaNoun(%q, %s) = %q, want %q", c.w, c.tag, got, c.want)
		}
	}
}
