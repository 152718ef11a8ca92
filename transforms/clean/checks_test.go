package clean

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/testenv"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/transforms/langid"
	"github.com/xinstruct/xinstruct/transforms/quality"
)

func init() {
	register.Function1x1(formatDoc)
	register.Function1x1(formatRejected)
}

func formatDoc(d record.Doc) string { return fmt.Sprintf("%+v", d) }

func formatRejected(r record.Rejected) string { return fmt.Sprintf("%+v", r) }

func testCheckParams() CheckParams {
	return CheckParams{
		Length:  DefaultLengthParams(),
		Lang:    langid.Params{Languages: strings.Split("fi,id,th,tr,vi,bn,hi,sw,ta,ur", ","), MinConfidence: langid.DefaultMinConfidence},
		Script:  DefaultScriptParams(),
		Quality: quality.DefaultParams(),
	}
}

// checksInput returns documents that reach every outcome of the checks: the shared real
// corpora (a third of them, when present), and one document per rejection reason.
func checksInput(t *testing.T) []record.Doc {
	fi := strings.Repeat("Kesällä Suomessa aurinko paistaa lähes ympäri vuorokauden, ja monet perheet viettävät lomansa mökillä. ", 3)
	sw := strings.Repeat("Mvua za masika zinapoanza, wakulima wengi hupanda mahindi na maharagwe katika mashamba yao. ", 3)
	de := strings.Repeat("Im Herbst verfärben sich die Blätter der Bäume in leuchtenden Farben, und viele Menschen gehen spazieren. ", 3)
	hiMixed := "मुंबई में आज सुबह से भारी बारिश हो रही है और कई इलाकों में पानी भर गया है। लोग दफ्तर जाने के लिए घंटों इंतजार करते रहे। " +
		"The local train services were delayed by forty minutes and commuters waited on platforms."
	docs := []record.Doc{
		{ID: "ok-fi", Lang: "fi", Text: "  " + fi + "\r\n"},
		{ID: "ok-sw-undeclared", Text: sw},
		{ID: "ok-sw-tag", Lang: "sw-KE", Text: sw},
		{ID: "blank", Lang: "fi", Text: " \n\t\u200B "},
		{ID: "short", Lang: "fi", Text: "Liian lyhyt."},
		{ID: "long-chars", Lang: "fi", Text: strings.Repeat(fi, 20)},
		{ID: "long-bytes", Lang: "fi", Text: strings.Repeat("ä", 20000)},
		{ID: "other-language", Text: de},
		{ID: "mismatch", Lang: "id", Text: sw},
		{ID: "undetermined", Text: strings.Repeat("1234 5678 90 ", 30)},
		{ID: "greek", Text: strings.Repeat("Καλημέρα σας, τι κάνετε σήμερα; ", 10)},
		{ID: "wrong-script", Lang: "hi", Text: hiMixed},
		{ID: "menu", Lang: "fi", Text: strings.Repeat("Etusivu\nUutiset\nUrheilu\nSää\nYhteystiedot\n", 8)},
		{ID: "repeated", Lang: "fi", Text: fi + strings.Repeat("!", 40)},
		{ID: "bad-utf8", Lang: "fi", Text: fi + "\xff\xfe"},
	}
	for i := range docs {
		docs[i].Source, docs[i].Line = "test.jsonl", int64(i+1)
	}
	files, _ := filepath.Glob(testenv.Shared("corpora", "*.jsonl"))
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for n := int64(1); sc.Scan(); n++ {
			if n%3 != 0 { // a third of the corpora covers every language and keeps the test fast
				continue
			}
			var d struct{ ID, Lang, Text string }
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				t.Fatal(err)
			}
			docs = append(docs, record.Doc{ID: d.ID, Lang: d.Lang, Text: d.Text, Source: f, Line: n})
		}
		fh.Close()
	}
	return docs
}

// TestChecksMatchesSeparateTransforms runs the same documents through Checks and through
// the transforms it fuses, in sequence, and compares every output field and counter.
func TestChecksMatchesSeparateTransforms(t *testing.T) {
	in := checksInput(t)
	cp := testCheckParams()
	separate := func(s beam.Scope, docs beam.PCollection) (kept, rejected beam.PCollection) {
		d1, r1 := Normalize(s, docs)
		d2, r2 := Length(s, cp.Length, d1)
		d3, r3 := langid.Identify(s, cp.Lang, d2)
		d4, r4 := Script(s, cp.Script, d3)
		kept, r5 := quality.Filter(s, cp.Quality, d4)
		return kept, beam.Flatten(s, r1, r2, r3, r4, r5)
	}

	p, s, docs := ptest.CreateList(in)
	fusedKept, fusedRejected := Checks(s, cp, docs)
	sepKept, sepRejected := separate(s.Scope("separate"), docs)
	passert.Equals(s, beam.ParDo(s, formatDoc, fusedKept), beam.ParDo(s, formatDoc, sepKept))
	passert.Equals(s, beam.ParDo(s, formatRejected, fusedRejected), beam.ParDo(s, formatRejected, sepRejected))
	ptest.RunAndValidate(t, p)

	// Counters: one pipeline each, since runners name steps by id.
	counters := func(build func(beam.Scope, beam.PCollection) (beam.PCollection, beam.PCollection)) map[string]int64 {
		p, s, docs := ptest.CreateList(in)
		build(s, docs)
		m := map[string]int64{}
		for _, c := range ptest.RunAndValidate(t, p).Metrics().AllMetrics().Counters() {
			if c.Key.Namespace == "ingest" || c.Key.Namespace == "quality" {
				m[c.Key.Namespace+"/"+c.Key.Name] += c.Result()
			}
		}
		return m
	}
	fused := counters(func(s beam.Scope, docs beam.PCollection) (beam.PCollection, beam.PCollection) {
		return Checks(s, cp, docs)
	})
	if want := counters(separate); fmt.Sprint(fused) != fmt.Sprint(want) {
		t.Errorf("counters of Checks: %v\nof the separate transforms: %v", fused, want)
	}
	for _, want := range []string{"missing_text", "too_short", "too_long", "other_language", "lang_mismatch",
		"undetermined_language", "wrong_script"} {
		if fused["ingest/rejected_"+want] == 0 {
			t.Errorf("no document was rejected as %s: the test input misses a case", want)
		}
	}
	if fused["quality/kept"] == 0 || fused["quality/rejected_repeated_lines"] == 0 || fused["quality/rejected_repeated_chars"] == 0 {
		t.Errorf("quality counters %v: the test input misses a case", fused)
	}
}

// TestChecksBundleSizes checks that every document comes out once, whatever the
// number of documents relative to the batch size.
func TestChecksBundleSizes(t *testing.T) {
	fi := strings.Repeat("Kesällä Suomessa aurinko paistaa lähes ympäri vuorokauden, ja monet perheet viettävät lomansa mökillä. ", 3)
	for _, n := range []int{1, checkBatch, 2*checkBatch + 3} {
		var in []record.Doc
		for i := range n {
			text := fi
			if i%7 == 3 {
				text = "lyhyt"
			}
			in = append(in, record.Doc{ID: fmt.Sprint(i), Lang: "fi", Text: text, Source: "x", Line: int64(i)})
		}
		p, s, docs := ptest.CreateList(in)
		kept, rejected := Checks(s, testCheckParams(), docs)
		passert.Count(s, kept, "kept", n-(n+3)/7)
		passert.Count(s, rejected, "rejected", (n+3)/7)
		ptest.RunAndValidate(t, p)
	}
}

// TestChecksLargeDocuments checks batches cut by size: 1 MB documents, too long.
func TestChecksLargeDocuments(t *testing.T) {
	big := strings.Repeat("a", 1<<20)
	var in []record.Doc
	for i := range 11 {
		in = append(in, record.Doc{ID: fmt.Sprint(i), Lang: "fi", Text: big, Source: "x", Line: int64(i)})
	}
	p, s, docs := ptest.CreateList(in)
	kept, rejected := Checks(s, testCheckParams(), docs)
	passert.Empty(s, kept)
	passert.Count(s, rejected, "rejected", len(in))
	ptest.RunAndValidate(t, p)
}

func TestCheckParamsValidate(t *testing.T) {
	p := testCheckParams()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	p.Lang.Languages = []string{"xx"}
	if err := p.Validate(); err == nil || !strings.HasPrefix(err.Error(), "language:") {
		t.Errorf("Validate() = %v, want a language error", err)
	}
}
