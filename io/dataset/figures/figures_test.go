package figures

import (
	"bufio"
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/internal/topics"
)

var langs = []string{"fi", "id", "th", "tr", "vi", "bn", "hi", "sw", "ta", "ur"}

// checkSVG fails unless b is well-formed XML with an <svg> root and contains each of want.
func checkSVG(t *testing.T, name string, b []byte, want ...string) {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: not well-formed XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Fatalf("%s: root element %q, want svg", name, root)
	}
	for _, w := range want {
		if !bytes.Contains(b, []byte(xmlEscape(w))) {
			t.Errorf("%s: no %q in the SVG", name, w)
		}
	}
}

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s))
	return b.String()
}

// same renders twice and fails unless the bytes are equal.
func same(t *testing.T, name string, f func() ([]byte, error)) []byte {
	t.Helper()
	a, err := f()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	b, err := f()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("%s: two renderings of the same input differ", name)
	}
	return a
}

func TestHistogram(t *testing.T) {
	h := NewHistogram([]float64{10, 100, 1000})
	for _, x := range []float64{5, 10, 50, 99.9, 100, 999, 1000, 5000} {
		h.Add(x)
	}
	if got, want := fmt.Sprint(h.Counts), "[4 4]"; got != want {
		t.Errorf("counts %s, want %s (below the first edge in the first bin, at or above the last in the last)", got, want)
	}
	g := NewHistogram([]float64{10, 100, 1000})
	g.AddN(20, 3)
	if err := h.Merge(g); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(h.Counts); got != "[7 4]" || h.Total() != 11 {
		t.Errorf("merged counts %s total %d, want [7 4] 11", got, h.Total())
	}
	var zero Histogram
	if err := zero.Merge(h); err != nil || zero.Total() != 11 {
		t.Errorf("merge into the zero histogram: %v, total %d", err, zero.Total())
	}
	if err := h.Merge(NewHistogram([]float64{1, 2})); err == nil {
		t.Error("merging histograms with different edges: no error")
	}
	e := LengthEdges()
	if len(e) != 25 || e[0] != 10 || e[24] != 10000 {
		t.Errorf("LengthEdges = %v", e)
	}
	for i := 1; i < len(e); i++ {
		if e[i] <= e[i-1] {
			t.Fatalf("LengthEdges not increasing: %v", e)
		}
	}
	if l := LinearEdges(0, 10, 5); fmt.Sprint(l) != "[0 2 4 6 8 10]" {
		t.Errorf("LinearEdges = %v", l)
	}
}

func sampleLengths() []LengthHistogram {
	var h []LengthHistogram
	for i, l := range langs {
		in, out := NewHistogram(LengthEdges()), NewHistogram(LengthEdges())
		for j := range 100 + 10*i {
			in.Add(float64(40 + j%200))
			out.Add(float64(300 + 17*j))
		}
		h = append(h, LengthHistogram{Lang: l, Instruction: in, Output: out})
	}
	return h
}

func TestLengthHistograms(t *testing.T) {
	h := sampleLengths()
	b := same(t, "lengths", func() ([]byte, error) { return LengthHistograms(h, false) })
	want := []string{"instruction (English)", "output (native language)", "characters"}
	for i, l := range langs {
		want = append(want, fmt.Sprintf("%s  (n = %d)", l, 100+10*i))
	}
	checkSVG(t, "lengths", b, want...)
	if bytes.Contains(b, []byte("PLACEHOLDER")) {
		t.Error("PLACEHOLDER in a real run's figure")
	}
	p, err := LengthHistograms(h[:3], true)
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, "lengths placeholder", p, PlaceholderPrefix, "fi", "th")
	bad := []LengthHistogram{{Lang: "fi", Instruction: Histogram{Edges: []float64{1, 2}, Counts: []int64{1, 2}}, Output: NewHistogram(LengthEdges())}}
	if _, err := LengthHistograms(bad, false); err == nil {
		t.Error("a histogram whose counts do not match its edges: no error")
	}
}

func TestClusterSizes(t *testing.T) {
	in := []LangClusters{
		{Lang: "fi", Candidates: []int64{5, 120, 40, 7}, Selected: []int64{5, 30, 30, 7}},
		{Lang: "sw", Candidates: []int64{60, 60}, Selected: []int64{36, 36}},
	}
	b := same(t, "clusters", func() ([]byte, error) { return ClusterSizes(in, false) })
	checkSVG(t, "clusters", b, "fi · 4 clusters · 172 → 72", "sw · 2 clusters · 120 → 72", "candidates in the cluster", "selected from it")
	if _, err := ClusterSizes([]LangClusters{{Lang: "fi", Candidates: []int64{1}, Selected: nil}}, false); err == nil {
		t.Error("mismatched candidates and selections: no error")
	}
}

func TestLabelMix(t *testing.T) {
	in := []RoundLabels{
		{Round: 1, Lang: "fi", Counts: map[string]int64{"good": 700, "flawed": 200, "bad": 100}},
		{Round: 2, Lang: "fi", Counts: map[string]int64{"good": 150, "flawed": 30, "bad": 20, "rewritten": 90}},
		{Round: 1, Lang: "th", Counts: map[string]int64{"good": 640, "flawed": 260, "bad": 100, "dropped": 55}},
	}
	b := same(t, "labels", func() ([]byte, error) { return LabelMix(in, false) })
	checkSVG(t, "labels", b, "good", "flawed", "bad", "rewritten", "dropped", "fi", "th", "r1", "r2", "700", "260", "640")
	pooled := []RoundLabels{{Round: 1, Counts: map[string]int64{"good": 3, "bad": 1, "other": 2}}}
	p, err := LabelMix(pooled, true)
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, "labels pooled", p, PlaceholderPrefix, "all", "other")
}

func TestTopics(t *testing.T) {
	in := []topics.Verb{
		{Verb: "write", N: 50, Objects: []topics.Object{{Noun: "story", N: 20}, {Noun: "essay", N: 12}}},
		{Verb: "explain", N: 30, Objects: []topics.Object{{Noun: "concept", N: 9}}},
		{Verb: "list", N: 4},
	}
	b := same(t, "topics", func() ([]byte, error) { return Topics(in, false) })
	checkSVG(t, "topics", b, "write  50", "explain  30", "list  4", "story 20 · essay 12", "concept 9")
}

func TestEmpty(t *testing.T) {
	for name, f := range map[string]func() ([]byte, error){
		"lengths":  func() ([]byte, error) { return LengthHistograms(nil, false) },
		"clusters": func() ([]byte, error) { return ClusterSizes(nil, false) },
		"labels":   func() ([]byte, error) { return LabelMix(nil, true) },
		"topics":   func() ([]byte, error) { return Topics(nil, false) },
	} {
		b, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkSVG(t, name, b, NoData)
	}
}

// TestRenderReal draws the four figures from realistic data into $XINSTRUCT_FIGURES_DIR (a
// look at them, not a check): output lengths from the shared corpora, instruction lengths
// and verbs from the shared English instructions, made-up cluster sizes and label counts.
func TestRenderReal(t *testing.T) {
	dir := os.Getenv("XINSTRUCT_FIGURES_DIR")
	if dir == "" {
		t.Skip("set XINSTRUCT_FIGURES_DIR to draw the figures from the shared data")
	}
	var instr []string
	for _, f := range []string{"instructions.en.jsonl", "questions.en.jsonl"} {
		for _, r := range readJSONL(t, testenv.Shared("eval", f)) {
			instr = append(instr, r["instruction"]+r["text"])
		}
	}
	var lh []LengthHistogram
	var cl []LangClusters
	var rl []RoundLabels
	for i, l := range langs {
		in, out := NewHistogram(LengthEdges()), NewHistogram(LengthEdges())
		for j, r := range readJSONL(t, testenv.Shared("corpora", l+".jsonl")) {
			out.Add(float64(utf8.RuneCountInString(r["text"])))
			in.Add(float64(utf8.RuneCountInString(instr[(j*7+i*31)%len(instr)])))
		}
		lh = append(lh, LengthHistogram{Lang: l, Instruction: in, Output: out})
		var c LangClusters
		c.Lang = l
		for k := range 20 {
			size := int64(2000/(k+1+i%3) + 13*((k*7+i)%5))
			c.Candidates = append(c.Candidates, size)
			c.Selected = append(c.Selected, min(size, 60))
		}
		cl = append(cl, c)
		for r := 1; r <= 3; r++ {
			n := int64(1000 / r)
			rl = append(rl, RoundLabels{Round: r, Lang: l, Counts: map[string]int64{
				"good": n * int64(55+r*5+i) / 100, "flawed": n * int64(30-r*3) / 100, "bad": n * int64(15-r) / 100,
				"rewritten": n * int64(25-r*5) / 100, "dropped": n * int64(r*4) / 100,
			}})
		}
	}
	for name, f := range map[string]func() ([]byte, error){
		"lengths.svg":  func() ([]byte, error) { return LengthHistograms(lh, false) },
		"clusters.svg": func() ([]byte, error) { return ClusterSizes(cl, false) },
		"labels.svg":   func() ([]byte, error) { return LabelMix(rl, true) },
		"topics.svg":   func() ([]byte, error) { return Topics(topics.VerbObjects(instr, 16, 4), false) },
	} {
		b, err := f()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readJSONL(t *testing.T, path string) []map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("no shared data: %v", err)
	}
	defer f.Close()
	var out []map[string]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		r := map[string]string{}
		for k, v := range m {
			if s, ok := v.(string); ok {
				r[k] = s
			}
		}
		out = append(out, r)
	}
	return out
}
