// Command neardup measures transforms/neardup on the shared real corpora with planted
// near-duplicates: one edited copy (internal/plant: word, sentence, boilerplate, reorder,
// in turn) of every document of the ten languages. It runs neardup.Remove at each
// threshold of --thresholds and prints markdown tables:
//
//   - precision: of the documents removed, the share that are planted copies removed in
//     favour of their own original, and the share whose exact Jaccard with the document
//     kept is at least the threshold;
//
//   - recall of the planted copies by edit kind, and by exact Jaccard with the original;
//
//   - recall against exact all-pairs Jaccard: of the pairs of one language whose shingle
//     sets have exact Jaccard ≥ the threshold, the share the transform grouped;
//
//   - the shingle sizes: the exact Jaccard of unrelated documents and of planted copies
//     at k = 3, 4, 5, 7 characters.
//
//     go run ./internal/bench/neardup --runner=direct
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/xinstruct/xinstruct/internal/plant"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/transforms/neardup"
)

func init() {
	register.Function1x1(keptLine)
	register.Function1x1(rejectedLine)
}

func keptLine(d record.Doc) string { return d.ID }

// rejectedLine is "loser id \t kept id": the detail names the kept document first.
func rejectedLine(r record.Rejected) string {
	kept, _, _ := strings.Cut(strings.TrimPrefix(r.Detail, "near-duplicate of "), " (")
	return r.ID + "\t" + kept
}

var (
	corpora    = flag.String("corpora", "../shared/corpora", "directory of <lang>.jsonl real corpora; relative paths start at the repository root")
	thresholds = flag.String("thresholds", "0.6,0.7,0.8,0.9", "comma-separated thresholds to run")
	seed       = flag.Uint64("seed", 1, "seed of the edits")
)

var languages = []string{"fi", "id", "th", "tr", "vi", "bn", "hi", "sw", "ta", "ur"}

// doc is a benchmark document: the record, and for a planted copy its original and edit.
type doc struct {
	record.Doc
	of, kind string
}

func main() {
	flag.Parse()
	beam.Init()
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "neardup:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var docs []doc
	var originals []doc
	r := rand.New(rand.NewPCG(*seed, 11))
	for _, lang := range languages {
		orig, err := read(filepath.Join(*corpora, lang+".jsonl"), lang)
		if err != nil {
			return err
		}
		originals = append(originals, orig...)
		docs = append(docs, orig...)
		for i, d := range orig {
			kind := plant.Kinds[i%len(plant.Kinds)]
			text, ok := plant.Edit(r, kind, d.Text, lang, orig[(i+7)%len(orig)].Text)
			if !ok {
				continue
			}
			c := d
			c.Text, c.ID, c.Source, c.Line, c.of, c.kind = text, d.ID+"~"+kind, "planted/"+lang+".jsonl", int64(i+1), d.ID, kind
			docs = append(docs, c)
		}
	}
	fmt.Printf("Documents: %d real (the shared corpora, 10 languages) + %d planted copies, one edit each.\n\n", len(originals), len(docs)-len(originals))
	shingleSizes(docs)

	sets := make([][]uint64, len(docs))
	for i, d := range docs {
		sets[i] = shingles(d.Text, neardup.ShingleRunes)
	}
	byID := map[string]int{}
	for i, d := range docs {
		byID[d.ID] = i
	}
	for _, ts := range strings.Split(*thresholds, ",") {
		t, err := strconv.ParseFloat(ts, 64)
		if err != nil {
			return err
		}
		removed, err := remove(ctx, t, docs)
		if err != nil {
			return err
		}
		report(t, docs, sets, byID, removed)
	}
	return nil
}

// remove runs neardup.Remove over docs and returns loser ID → kept ID.
func remove(ctx context.Context, t float64, docs []doc) (map[string]string, error) {
	dir, err := os.MkdirTemp("", "neardup-bench")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	in := make([]record.Doc, len(docs))
	for i, d := range docs {
		in[i] = d.Doc
	}
	p, s := beam.NewPipelineWithRoot()
	kept, rejected := neardup.Remove(s, neardup.Params{Threshold: t, TempDir: filepath.Join(dir, "tmp")}, beam.CreateList(s, in))
	textio.Write(s, filepath.Join(dir, "kept.txt"), beam.ParDo(s, keptLine, kept))
	textio.Write(s, filepath.Join(dir, "rejected.txt"), beam.ParDo(s, rejectedLine, rejected))
	if err := beamx.Run(ctx, p); err != nil {
		return nil, err
	}
	lines := func(name string) []string {
		b, _ := os.ReadFile(filepath.Join(dir, name)) // an empty collection writes no file
		return strings.FieldsFunc(string(b), func(r rune) bool { return r == '\n' })
	}
	out := map[string]string{}
	for _, l := range lines("rejected.txt") {
		loser, kept, _ := strings.Cut(l, "\t")
		out[loser] = kept
	}
	if n := len(lines("kept.txt")) + len(out); n != len(docs) {
		return nil, fmt.Errorf("threshold %v: kept + rejected = %d, %d went in", t, n, len(docs))
	}
	return out, nil
}

func report(t float64, docs []doc, sets [][]uint64, byID map[string]int, removed map[string]string) {
	fmt.Printf("### Threshold %v (%s)\n\n", t, bandsOf(t))
	ownOriginal, overT, over07, realRemoved := 0, 0, 0, 0
	for loser, kept := range removed {
		l := docs[byID[loser]]
		if l.of != "" && l.of == kept {
			ownOriginal++
		}
		if l.of == "" {
			realRemoved++
		}
		j := jaccard(sets[byID[loser]], sets[byID[kept]])
		if j >= t {
			overT++
		}
		if j >= 0.7 {
			over07++
		}
	}
	n := len(removed)
	fmt.Printf("Removed %d documents; %d of them real (not planted).\n\n", n, realRemoved)
	fmt.Println("| precision | share of removed |")
	fmt.Println("|---|---:|")
	fmt.Printf("| planted copy, kept document is its own original | %s |\n", pct(ownOriginal, n))
	fmt.Printf("| exact Jaccard with the kept document ≥ %v | %s |\n", t, pct(overT, n))
	if t != 0.7 {
		fmt.Printf("| exact Jaccard with the kept document ≥ 0.7 | %s |\n", pct(over07, n))
	}
	fmt.Println()

	// Recall of the planted copies by edit, and by exact Jaccard with the original.
	type tally struct{ n, caught int }
	byKind := map[string]*tally{}
	byJ := map[string]*tally{}
	bucketOf := func(j float64) string {
		switch {
		case j >= 0.9:
			return "≥ 0.9"
		case j >= 0.8:
			return "0.8-0.9"
		case j >= 0.7:
			return "0.7-0.8"
		case j >= 0.5:
			return "0.5-0.7"
		}
		return "< 0.5"
	}
	for i, d := range docs {
		if d.of == "" {
			continue
		}
		j := jaccard(sets[i], sets[byID[d.of]])
		_, caught := removed[d.ID]
		for _, m := range []struct {
			m map[string]*tally
			k string
		}{{byKind, d.kind}, {byKind, "all"}, {byJ, bucketOf(j)}} {
			if m.m[m.k] == nil {
				m.m[m.k] = &tally{}
			}
			m.m[m.k].n++
			if caught {
				m.m[m.k].caught++
			}
		}
		if j >= t {
			k := d.kind + ", exact ≥ t"
			if byKind[k] == nil {
				byKind[k] = &tally{}
			}
			byKind[k].n++
			if caught {
				byKind[k].caught++
			}
		}
	}
	fmt.Println("| edit | planted | removed | recall | at exact Jaccard ≥ t: planted | recall |")
	fmt.Println("|---|---:|---:|---:|---:|---:|")
	for _, k := range append(slices.Clone(plant.Kinds), "all") {
		a := byKind[k]
		e := byKind[k+", exact ≥ t"]
		if e == nil {
			e = &tally{}
		}
		if k == "all" {
			e = &tally{}
			for _, kk := range plant.Kinds {
				if x := byKind[kk+", exact ≥ t"]; x != nil {
					e.n += x.n
					e.caught += x.caught
				}
			}
		}
		fmt.Printf("| %s | %d | %d | %s | %d | %s |\n", k, a.n, a.caught, pct(a.caught, a.n), e.n, pct(e.caught, e.n))
	}
	fmt.Println()
	fmt.Println("| exact Jaccard with the original | planted | recall |")
	fmt.Println("|---|---:|---:|")
	for _, k := range []string{"≥ 0.9", "0.8-0.9", "0.7-0.8", "0.5-0.7", "< 0.5"} {
		if a := byJ[k]; a != nil {
			fmt.Printf("| %s | %d | %s |\n", k, a.n, pct(a.caught, a.n))
		}
	}
	fmt.Println()

	// Recall against exact all-pairs Jaccard, within each language.
	root := func(i int) string {
		if k, ok := removed[docs[i].ID]; ok {
			return k
		}
		return docs[i].ID
	}
	pairs, grouped := 0, 0
	var missed []float64
	for a := range docs {
		for b := a + 1; b < len(docs); b++ {
			if docs[a].Lang != docs[b].Lang {
				continue
			}
			j := jaccard(sets[a], sets[b])
			if j < t {
				continue
			}
			pairs++
			if root(a) == root(b) {
				grouped++
			} else {
				missed = append(missed, j)
			}
		}
	}
	sort.Float64s(missed)
	fmt.Printf("Recall against exact all-pairs Jaccard: %d pairs of one language at exact Jaccard ≥ %v, %d grouped (%s)", pairs, t, grouped, pct(grouped, pairs))
	if len(missed) > 0 {
		fmt.Printf("; the missed pairs' exact Jaccard: median %.3f, max %.3f", missed[len(missed)/2], missed[len(missed)-1])
	}
	fmt.Print(".\n\n")
}

func bandsOf(t float64) string {
	b := neardup.Bands(t)
	return fmt.Sprintf("%d bands × %d rows, P(candidate) at t: %.4f", b.Bands, b.Rows, b.Candidate(t))
}

// shingleSizes prints, for k = 3, 4, 5, 7, the exact Jaccard of unrelated real documents
// of one language (all pairs) and of the planted copies with their originals.
func shingleSizes(docs []doc) {
	fmt.Println("### Shingle size")
	fmt.Println()
	fmt.Println("| k | unrelated pairs: mean | p99.9 | max | pairs ≥ 0.5 | copies: word | sentence | boilerplate | reorder | copies ≥ 0.8 |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	byID := map[string]int{}
	for i, d := range docs {
		byID[d.ID] = i
	}
	for _, k := range []int{3, 4, 5, 7} {
		sets := make([][]uint64, len(docs))
		for i, d := range docs {
			sets[i] = shingles(d.Text, k)
		}
		var un []float64
		over := 0
		for a := range docs {
			if docs[a].of != "" {
				continue
			}
			for b := a + 1; b < len(docs); b++ {
				if docs[b].of != "" || docs[b].Lang != docs[a].Lang {
					continue
				}
				j := jaccard(sets[a], sets[b])
				un = append(un, j)
				if j >= 0.5 {
					over++
				}
			}
		}
		sort.Float64s(un)
		mean := 0.0
		for _, j := range un {
			mean += j
		}
		mean /= float64(len(un))
		kind := map[string][]float64{}
		copies, copiesOver := 0, 0
		for i, d := range docs {
			if d.of != "" {
				j := jaccard(sets[i], sets[byID[d.of]])
				kind[d.kind] = append(kind[d.kind], j)
				copies++
				if j >= 0.8 {
					copiesOver++
				}
			}
		}
		med := func(v []float64) float64 { sort.Float64s(v); return v[len(v)/2] }
		fmt.Printf("| %d | %.3f | %.3f | %.3f | %d | %.3f | %.3f | %.3f | %.3f | %s |\n", k, mean, un[len(un)*999/1000], un[len(un)-1], over,
			med(kind[plant.Word]), med(kind[plant.Sentence]), med(kind[plant.Boilerplate]), med(kind[plant.Reorder]), pct(copiesOver, copies))
	}
	fmt.Println()
	fmt.Println("(copies: the median exact Jaccard with the original, per edit.)")
	fmt.Println()
}

// shingles returns the sorted, distinct shingle hashes of text at size k.
func shingles(text string, k int) []uint64 {
	var s []uint64
	neardup.EachShingle(text, k, func(h uint64) { s = append(s, h) })
	slices.Sort(s)
	return slices.Compact(s)
}

// jaccard is the exact Jaccard similarity of two sorted, distinct sets.
func jaccard(a, b []uint64) float64 {
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			inter++
			i++
			j++
		}
	}
	if u := len(a) + len(b) - inter; u > 0 {
		return float64(inter) / float64(u)
	}
	return 1
}

func pct(n, d int) string {
	if d == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(n)/float64(d))
}

func read(path, lang string) ([]doc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []doc
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var j struct{ ID, Text string }
		if err := json.Unmarshal(sc.Bytes(), &j); err != nil {
			return nil, fmt.Errorf("%s: %v", path, err)
		}
		out = append(out, doc{Doc: record.Doc{ID: j.ID, Lang: lang, Text: j.Text, Source: "corpora/" + lang + ".jsonl", Line: int64(len(out) + 1)}})
	}
	return out, sc.Err()
}
