package record

import (
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/codertest"
)

// TestDocCoder sends a Doc with every field set through its registered coder: a field
// added to Doc and not to AppendDoc and DecodeDoc fails it.
func TestDocCoder(t *testing.T) { codertest.RoundTrip[Doc](t) }

func TestDocRoundTrip(t *testing.T) {
	docs := []Doc{
		{},
		{ID: "a:1", Lang: "th", Text: "สวัสดี\n\nโลก", URL: "https://x", Source: "gs://b/c.jsonl", Line: 12, Meta: `{"k":1}`, LangConfidence: 0.97},
		{Text: strings.Repeat("x", 1<<20), Line: -1},
	}
	for _, d := range docs {
		got, err := DecodeDoc(AppendDoc(nil, d))
		if err != nil {
			t.Fatal(err)
		}
		if got != d {
			t.Errorf("round trip changed the doc: got %+v", got.ID)
		}
	}
}

func TestDecodeDocRejectsTruncated(t *testing.T) {
	b := AppendDoc(nil, Doc{ID: "x", Text: "hello", Line: 3})
	for i := 0; i < len(b); i++ {
		if _, err := DecodeDoc(b[:i]); err == nil {
			t.Fatalf("decoding %d of %d bytes succeeded", i, len(b))
		}
	}
}

func TestExcerpt(t *testing.T) {
	long := strings.Repeat("ก", 1000) // 3 bytes each: the cut must not split a rune
	got := Excerpt(long)
	if len(got) > MaxRecordExcerpt || !strings.HasPrefix(long, got) || len(got)%3 != 0 {
		t.Fatalf("Excerpt cut to %d bytes", len(got))
	}
	if Excerpt("short") != "short" {
		t.Fatal("short text changed")
	}
}
