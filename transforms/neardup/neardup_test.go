package neardup

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/plant"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/testenv"
)

func init() {
	register.Function1x1(keptLine)
	register.Function1x1(rejectedLine)
}

func TestMain(m *testing.M) { ptest.Main(m) }

func keptLine(d record.Doc) string { return d.ID }
func rejectedLine(r record.Rejected) string {
	return r.ID + "\t" + r.Reason + "\t" + r.Source + ":" + fmt.Sprint(r.Line) + "\t" + r.Detail
}

// outcome is what Remove did: the kept IDs and, per rejected ID, "reason\tsource:line\tdetail".
type outcome struct {
	kept     []string
	rejected map[string]string
}

// run runs Remove over docs and reads back what it kept and rejected.
func run(t *testing.T, threshold float64, docs []record.Doc) outcome {
	t.Helper()
	dir := t.TempDir()
	p, s, col := ptest.CreateList(docs)
	kept, rejected := Remove(s, Params{Threshold: threshold, TempDir: filepath.Join(dir, "tmp")}, col)
	textio.Write(s, filepath.Join(dir, "kept.txt"), beam.ParDo(s, keptLine, kept))
	textio.Write(s, filepath.Join(dir, "rejected.txt"), beam.ParDo(s, rejectedLine, rejected))
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
	o := outcome{kept: readLines(t, filepath.Join(dir, "kept.txt")), rejected: map[string]string{}}
	slices.Sort(o.kept)
	for _, l := range readLines(t, filepath.Join(dir, "rejected.txt")) {
		id, rest, _ := strings.Cut(l, "\t")
		o.rejected[id] = rest
	}
	if n := len(o.kept) + len(o.rejected); n != len(docs) {
		t.Errorf("kept %d + rejected %d = %d documents, %d went in", len(o.kept), len(o.rejected), n, len(docs))
	}
	return o
}

// readLines reads a textio.Write output; an empty collection writes no file.
func readLines(t *testing.T, path string) []string {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
}

// corpus reads the first n documents of the shared real corpus of lang, or skips the test.
func corpus(t *testing.T, lang string, n int) []record.Doc {
	t.Helper()
	path := testenv.Shared("corpora", lang+".jsonl")
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("no shared corpora (%v): this test needs ../shared/corpora beside the project", err)
	}
	defer f.Close()
	var docs []record.Doc
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() && len(docs) < n {
		var j struct{ ID, Lang, Text string }
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, record.Doc{ID: j.ID, Lang: j.Lang, Text: j.Text, Source: "corpora/" + lang + ".jsonl", Line: int64(len(docs) + 1)})
	}
	return docs
}

// copyOf is a planted copy: its document, the original's ID, the edit and the exact
// Jaccard of their shingle sets.
type copyOf struct {
	doc    record.Doc
	of     string
	kind   string
	jexact float64
	jother float64 // with the document whose sentence or words went in
}

// plantCopies makes one edited copy of every document for every edit kind that applies,
// in a source that sorts after the originals'.
func plantCopies(docs []record.Doc, seed uint64) []copyOf {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []copyOf
	for i, d := range docs {
		for _, k := range plant.Kinds {
			text, ok := plant.Edit(r, k, d.Text, d.Lang, docs[(i+1)%len(docs)].Text)
			if !ok {
				continue
			}
			c := d
			c.Text, c.ID, c.Source, c.Line = text, d.ID+"~"+k, "planted/"+d.Lang+".jsonl", int64(len(out)+1)
			set := shingleSet(text, ShingleRunes)
			out = append(out, copyOf{doc: c, of: d.ID, kind: k,
				jexact: exactJaccard(shingleSet(d.Text, ShingleRunes), set),
				jother: exactJaccard(shingleSet(docs[(i+1)%len(docs)].Text, ShingleRunes), set)})
		}
	}
	return out
}

// TestRemovesPlantedCopies plants edited copies of real documents in Finnish, Thai (no
// spaces between words), Tamil and Urdu, and checks that every copy clearly past the
// threshold is rejected as a near-duplicate of its original, that no original is, and
// that the details name the original.
func TestRemovesPlantedCopies(t *testing.T) {
	var docs []record.Doc
	var copies []copyOf
	for _, lang := range []string{"fi", "th", "ta", "ur"} {
		orig := corpus(t, lang, 40)
		docs = append(docs, orig...)
		copies = append(copies, plantCopies(orig, 1)...)
	}
	in := slices.Clone(docs)
	for _, c := range copies {
		in = append(in, c.doc)
	}
	o := run(t, DefaultThreshold, in)
	for _, d := range docs {
		if why, ok := o.rejected[d.ID]; ok {
			t.Errorf("original %s rejected: %s", d.ID, why)
		}
	}
	// Clearly past 0.8: 4 standard errors of the 256-bin estimate at 0.9.
	clear, caught := map[string]int{}, map[string]int{}
	near, nearCaught := 0, 0 // copies at exact Jaccard in [0.8, 0.9)
	for _, c := range copies {
		why, rejected := o.rejected[c.doc.ID]
		if rejected && !strings.HasPrefix(why, record.ReasonNearDuplicate+"\t") {
			t.Errorf("%s rejected as %s", c.doc.ID, why)
		}
		// A replaced sentence can be most of a short text: the copy then resembles the
		// document the sentence came from more than its original.
		if rejected && !strings.Contains(why, "near-duplicate of "+c.of+" (") && c.jother < 0.6 {
			t.Errorf("%s: detail %q does not name %s", c.doc.ID, why, c.of)
		}
		if c.jexact >= 0.9 {
			clear[c.kind+" "+c.doc.Lang]++
			if !rejected {
				t.Errorf("%s (exact Jaccard %.3f) kept", c.doc.ID, c.jexact)
			} else {
				caught[c.kind+" "+c.doc.Lang]++
			}
		}
		if c.jexact >= 0.8 && c.jexact < 0.9 {
			near++
			if rejected {
				nearCaught++
			}
		}
		if max(c.jexact, c.jother) < 0.6 && rejected {
			t.Errorf("%s (exact Jaccard %.3f) rejected: %s", c.doc.ID, c.jexact, why)
		}
	}
	// The planted set must hold clear copies of every language and of the edits that
	// keep most of a text, or the test would pass on nothing.
	for _, lang := range []string{"fi", "th", "ta", "ur"} {
		for _, k := range []string{plant.Word, plant.Boilerplate, plant.Reorder} {
			if clear[k+" "+lang] < 5 {
				t.Errorf("%s %s: only %d planted copies at exact Jaccard ≥ 0.9", lang, k, clear[k+" "+lang])
			}
		}
	}
	// Around the threshold the estimate decides; most of them are still over it.
	if near < 20 || float64(nearCaught) < 0.5*float64(near) {
		t.Errorf("copies at exact Jaccard 0.8-0.9: %d of %d caught, want at least half of 20 or more", nearCaught, near)
	}
	t.Logf("clear copies caught by edit and language: %v of %v; at 0.8-0.9: %d of %d", caught, clear, nearCaught, near)
}

// TestKeepsFirstBySourceAndLine plants the copy in a source that sorts first: the copy
// is kept, and the original rejected with a detail naming it.
func TestKeepsFirstBySourceAndLine(t *testing.T) {
	docs := corpus(t, "th", 5)
	first := docs[2]
	first.ID, first.Source, first.Line, first.Text = "early", "a-first.jsonl", 9, first.Text+" "+"ข่าวล่าสุด"
	o := run(t, DefaultThreshold, append(slices.Clone(docs), first))
	want := "near_duplicate\tcorpora/th.jsonl:3\tnear-duplicate of early (a-first.jsonl:9), estimated Jaccard "
	if got := o.rejected[docs[2].ID]; !strings.HasPrefix(got, want) {
		t.Errorf("original: %q, want %q...", got, want)
	}
	if len(o.rejected) != 1 {
		t.Errorf("rejected %v, want only the original", o.rejected)
	}
}

// TestDistinctDocumentsKept runs the real corpora of all ten languages as they are: no
// two documents there are near-duplicates by exact Jaccard, so all are kept.
func TestDistinctDocumentsKept(t *testing.T) {
	var docs []record.Doc
	for _, lang := range []string{"fi", "id", "th", "tr", "vi", "bn", "hi", "sw", "ta", "ur"} {
		docs = append(docs, corpus(t, lang, 400)...)
	}
	o := run(t, DefaultThreshold, docs)
	if len(o.rejected) != 0 {
		t.Errorf("%d of %d distinct documents rejected, e.g. %v", len(o.rejected), len(docs), firstOf(o.rejected))
	}
}

func firstOf(m map[string]string) string {
	for k, v := range m {
		return k + ": " + v
	}
	return ""
}

// TestLanguagesNeverGrouped gives one text under two languages: both are kept.
func TestLanguagesNeverGrouped(t *testing.T) {
	text := strings.Repeat("Sama teksti kahdella kielellä, joka on tarpeeksi pitkä. ", 6)
	o := run(t, DefaultThreshold, []record.Doc{
		{ID: "fi", Lang: "fi", Source: "a", Line: 1, Text: text},
		{ID: "et", Lang: "et", Source: "a", Line: 2, Text: text + " Lisäys."},
	})
	if len(o.rejected) != 0 {
		t.Errorf("rejected %v", o.rejected)
	}
}

// TestHugeBucket gives 5,000 copies of one boilerplate page that differ only in a number:
// one bucket per band holds them all, split into groups of maxGroup; one copy is kept.
func TestHugeBucket(t *testing.T) {
	var docs []record.Doc
	const n = 5000
	for i := range n {
		docs = append(docs, record.Doc{
			ID: fmt.Sprintf("b%d", i), Lang: "sw", Source: fmt.Sprintf("s%d.jsonl", i%7), Line: int64(i),
			Text: fmt.Sprintf("Karibu kwenye tovuti yetu. Habari za leo, ukurasa wa %d. Tafadhali soma sheria na masharti kabla ya kuendelea. Haki zote zimehifadhiwa.", i),
		})
	}
	o := run(t, DefaultThreshold, docs)
	if len(o.kept) != 1 || o.kept[0] != "b0" { // s0.jsonl line 0 is first
		t.Errorf("kept %d documents (%.5v), want b0 alone", len(o.kept), o.kept)
	}
	if got := o.rejected["b1"]; !strings.Contains(got, "near-duplicate of b0 (s0.jsonl:0)") {
		t.Errorf("b1: %q", got)
	}
}

// TestDeterministic runs the same documents twice, in different orders: the same
// documents are kept and the dead letters say the same.
func TestDeterministic(t *testing.T) {
	var docs []record.Doc
	for _, lang := range []string{"hi", "bn"} {
		orig := corpus(t, lang, 30)
		docs = append(docs, orig...)
		for _, c := range plantCopies(orig, 2) {
			docs = append(docs, c.doc)
		}
	}
	a := run(t, DefaultThreshold, docs)
	rand.New(rand.NewPCG(3, 3)).Shuffle(len(docs), func(i, j int) { docs[i], docs[j] = docs[j], docs[i] })
	b := run(t, DefaultThreshold, docs)
	if !slices.Equal(a.kept, b.kept) || fmt.Sprint(a.rejected) != fmt.Sprint(b.rejected) {
		t.Errorf("two runs differ: kept %d vs %d, rejected %d vs %d", len(a.kept), len(b.kept), len(a.rejected), len(b.rejected))
	}
	if len(a.rejected) == 0 {
		t.Error("nothing rejected: the comparison says nothing")
	}
}

func TestParamsValidate(t *testing.T) {
	for _, th := range []float64{0, -0.1, 1.01} {
		if err := (Params{Threshold: th, TempDir: "x"}).Validate(); err == nil {
			t.Errorf("threshold %v accepted", th)
		}
	}
	if err := (Params{Threshold: 1, TempDir: "x"}).Validate(); err != nil {
		t.Error(err)
	}
	if err := (Params{Threshold: 0.8}).Validate(); err == nil {
		t.Error("no TempDir accepted")
	}
}

// TestGroupsBounded: a bucket of 100,000 documents is verified in groups of about
// maxGroup members plus the heads, never all in one place.
func TestGroupsBounded(t *testing.T) {
	const n = 100_000
	b := bucket{count: n}
	for i := range maxHeads {
		b.heads = append(b.heads, ref("head", int64(i)))
	}
	sizes := make([]int, b.groups())
	for i := range n - maxHeads {
		r := ref("s.jsonl", int64(i))
		if b.isHead(r) {
			t.Fatalf("member %d taken for a head", i)
		}
		sizes[b.groupOf(r)]++
	}
	for g, size := range sizes {
		// Binomial spread around maxGroup, sd ≈ sqrt(1000) ≈ 32: 15% is 4.7 sd.
		if size > maxGroup*115/100 {
			t.Errorf("group %d holds %d members and %d heads, want about %d", g, size, maxHeads, maxGroup)
		}
	}
	if len(sizes) != n/maxGroup {
		t.Errorf("%d groups, want %d", len(sizes), n/maxGroup)
	}
}
