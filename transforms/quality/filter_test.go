package quality

import (
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/record"
)

func TestMain(m *testing.M) { ptest.Main(m) }

func init() {
	register.Function1x1(docID)
	register.Function1x1(rejectedSummary)
}

func docID(d record.Doc) string { return d.ID }

// rejectedSummary is "id stage reason", and "!detail" when the detail is empty.
func rejectedSummary(r record.Rejected) string {
	s := r.ID + " " + r.Stage + " " + r.Reason
	if r.Detail == "" || r.Record == "" {
		s += " !incomplete"
	}
	return s
}

func TestFilter(t *testing.T) {
	docs := []record.Doc{
		{ID: "th", Lang: "th", Text: para("th", 0) + "\n\n" + para("th", 1), Source: "a.jsonl", Line: 1},
		{ID: "ur", Lang: "ur", Text: prose("ur", 800), Source: "a.jsonl", Line: 2},
		{ID: "ta", Lang: "ta", Text: prose("ta", 600), Source: "a.jsonl", Line: 3},
		{ID: "numbers", Lang: "fi", Text: "12.5 | 13.7 | 15.2\n18.9 | 22.1 | 30.4", Source: "a.jsonl", Line: 4},
		{ID: "menu", Lang: "id", Text: "Beranda\nBerita\nOlahraga\nEkonomi\nHiburan\nKontak", Source: "a.jsonl", Line: 5},
		{ID: "cookies", Lang: "sw", Text: para("sw", 0) + " We use cookies. Privacy Policy. Terms of Use.", Source: "a.jsonl", Line: 6},
		{ID: "laugh", Lang: "th", Text: para("th", 2) + " 5555555555555555", Source: "a.jsonl", Line: 7},
	}
	p, s, col := ptest.CreateList(docs)
	kept, rejected := Filter(s, DefaultParams(), col)
	passert.Equals(s, beam.ParDo(s, docID, kept), "th", "ur", "ta")
	passert.Equals(s, beam.ParDo(s, rejectedSummary, rejected),
		"numbers ingest low_quality:letter_share",
		"menu ingest low_quality:short_lines",
		"cookies ingest low_quality:boilerplate",
		"laugh ingest low_quality:repeated_chars",
	)
	ptest.RunAndValidate(t, p)
}

func TestFilterPanicsOnInvalidParams(t *testing.T) {
	defer func() {
		r := recover()
		if r == nil {
			t.Fatal("Filter did not panic on invalid params")
		}
		if msg, _ := r.(string); !strings.Contains(msg, "MaxDigitShare") {
			t.Errorf("panic %v does not name the bad field", r)
		}
	}()
	p := DefaultParams()
	p.MaxDigitShare = 1.5
	_, s := beam.NewPipelineWithRoot()
	Filter(s, p, beam.Create(s, record.Doc{ID: "x", Text: "x"}))
}
