package record

import "testing"

func TestHasDefaultID(t *testing.T) {
	for _, tt := range []struct {
		d    Doc
		want bool
	}{
		{Doc{ID: DefaultID("gs://b/fi/part-0.jsonl", 12), Source: "gs://b/fi/part-0.jsonl", Line: 12}, true},
		{Doc{ID: "part-0.jsonl:12", Source: "part-0.jsonl", Line: 12}, true},
		{Doc{ID: "notes.txt", Source: "/x/notes.txt", Line: 1}, true}, // a whole text file
		{Doc{ID: "part-0.jsonl:12", Source: "part-0.jsonl", Line: 13}, false},
		{Doc{ID: "part-0.jsonl:", Source: "part-0.jsonl", Line: 0}, false},
		{Doc{ID: "other.jsonl:12", Source: "part-0.jsonl", Line: 12}, false},
		{Doc{ID: "doc-12", Source: "part-0.jsonl", Line: 12}, false},
		{Doc{ID: "", Source: "part-0.jsonl", Line: 12}, false},
	} {
		if got := HasDefaultID(tt.d); got != tt.want {
			t.Errorf("HasDefaultID(%+v) = %v, want %v", tt.d, got, tt.want)
		}
	}
	if got := DefaultID("a/b/c.jsonl", 7); got != "c.jsonl:7" {
		t.Errorf("DefaultID = %q, want c.jsonl:7", got)
	}
}
