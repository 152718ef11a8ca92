package job

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/transforms/diversify"
)

// TestDatasetFromCorpora runs the whole job on the real corpora (about 300 documents
// per language) against the fake model, with 100 pairs per language across 8 clusters:
// every language gets exactly 100 (or all it has, with the shortfall reported), rows
// come by cluster and nearest-first rank, the card is written, and a second run from
// the same response store with the same seed calls nothing and selects the same ids.
func TestDatasetFromCorpora(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedCorpora, "*.jsonl"))
	if len(files) == 0 {
		t.Skipf("no shared corpora at %s", sharedCorpora)
	}
	srv, url := startFake(t, llmtest.Options{})
	const perLang = 100
	config := func(out, store string) Config {
		cfg := generateConfig(t, url, out)
		cfg.Input = []string{filepath.Join(sharedCorpora, "*.jsonl")}
		cfg.Generate.LLM.Store = store
		cfg.Refine.Rounds = 1
		cfg.Diversify.PerLanguage = perLang
		cfg.Diversify.Clusters = 8
		cfg.Diversify.FitSample = 150 // below most languages' candidates: the fit sees a sample
		cfg.Diversify.Seed = 11
		cfg.Diversify.Batch = 32
		return cfg
	}
	out1 := t.TempDir()
	store := filepath.Join(out1, "responses")
	o1 := runJob(t, config(out1, store))
	checkFunnel(t, o1)

	div := o1.funnel.Stages[len(o1.funnel.Stages)-1]
	if div.Name != "diversify" || div.Filtered == 0 {
		t.Fatalf("last stage %+v: want diversify, with pairs left out", div)
	}
	selected := map[string][]string{}
	for lang, accepted := range o1.funnel.AcceptedByLanguage {
		rows := readDataset(t, out1, lang)
		want := min(accepted, perLang)
		if int64(len(rows)) != want {
			t.Errorf("%s: %d rows from %d candidates, want exactly %d", lang, len(rows), accepted, want)
		}
		if short := o1.funnel.Yields["diversify"][lang]["shortfall"]; short != perLang-want {
			t.Errorf("%s: shortfall %d reported, want %d", lang, short, perLang-want)
		}
		clusters := map[int32]int32{} // cluster -> next rank expected
		prev := int32(-1)
		for _, r := range rows {
			if r.Cluster < prev {
				t.Fatalf("%s: rows are not ordered by cluster", lang)
			}
			prev = r.Cluster
			if r.Rank != clusters[r.Cluster] {
				t.Fatalf("%s: cluster %d has rank %d where %d was due", lang, r.Cluster, r.Rank, clusters[r.Cluster])
			}
			clusters[r.Cluster]++
			if len(r.History) != 1 || r.History[0].Label != "good" {
				t.Fatalf("%s: row %s has history %+v, want one good verdict", lang, r.ID, r.History)
			}
		}
		if accepted >= perLang && len(clusters) < 4 {
			t.Errorf("%s: the selection covers %d of 8 clusters", lang, len(clusters))
		}
		for _, r := range rows {
			selected[lang] = append(selected[lang], r.ID)
		}
		slices.Sort(selected[lang])
	}
	card, _ := os.ReadFile(filepath.Join(out1, dataset.Dir, dataset.CardName))
	for _, want := range []string{"| Language | Instruction length | Output length | Samples |", "| Vendi ↑ | Coverage ↓ |", "within-cluster rule `spread`"} {
		if !strings.Contains(string(card), want) {
			t.Errorf("the dataset card lacks %q", want)
		}
	}
	// report/diversity.json has every language of the dataset, with the selection's size
	// and the measures of both sets.
	var rep DiversityReport
	if err := publish.ReadReport(context.Background(), out1, DiversityName, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.WithinCluster != "spread" || len(rep.Languages) != len(o1.funnel.AcceptedByLanguage) {
		t.Fatalf("diversity report: rule %q, %d languages, want spread and %d", rep.WithinCluster, len(rep.Languages), len(o1.funnel.AcceptedByLanguage))
	}
	for _, l := range rep.Languages {
		if want := min(o1.funnel.AcceptedByLanguage[l.Lang], perLang); l.Selected.N != want || l.Random.N != want {
			t.Errorf("%s: diversity report of %d selected and %d random, want %d", l.Lang, l.Selected.N, l.Random.N, want)
		}
		if l.Selected.Vendi == nil || l.Random.Vendi == nil || l.Selected.CoverageMean == nil || l.Probes == 0 {
			t.Errorf("%s: diversity report without its measures: %+v", l.Lang, l)
		}
	}

	before := srv.Stats().Requests
	out2 := t.TempDir()
	o2 := runJob(t, config(out2, store))
	checkFunnel(t, o2)
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the second run made %d requests; everything was in the store", n)
	}
	for lang, ids := range selected {
		var again []string
		for _, r := range readDataset(t, out2, lang) {
			again = append(again, r.ID)
		}
		slices.Sort(again)
		if !slices.Equal(ids, again) {
			t.Errorf("%s: two runs with the same inputs and seed selected different pairs", lang)
		}
	}
}

// TestOpenAIEmbedderThroughTheStore runs diversification with the OpenAI-compatible
// embedder against the fake server: the embedding calls are counted in the funnel, and
// a rerun on the same store makes none.
func TestOpenAIEmbedderThroughTheStore(t *testing.T) {
	srv, url := startFake(t, llmtest.Options{})
	out := t.TempDir()
	cfg := generateConfig(t, url, out)
	cfg.Refine.Rounds = 0
	cfg.Diversify.Embedder = diversify.EmbedderSpec{Kind: diversify.EmbedderOpenAI, Model: "embed-model", Dims: 64}
	cfg.Diversify.PerLanguage = 2
	cfg.Diversify.Clusters = 2
	cfg.Diversify.Batch = 4
	o := runJob(t, cfg)
	checkFunnel(t, o)
	var requests int64
	for _, u := range o.funnel.LLM["diversify"] {
		requests += u.Requests
	}
	if requests == 0 {
		t.Fatalf("no embedding request was counted: %+v", o.funnel.LLM["diversify"])
	}
	before := srv.Stats().Requests
	o2 := runJob(t, cfg)
	checkFunnel(t, o2)
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the rerun made %d requests", n)
	}
	var cached int64
	for _, u := range o2.funnel.LLM["diversify"] {
		cached += u.CacheHits
	}
	if cached != o.funnel.Accepted {
		t.Errorf("the rerun took %d embeddings from the store, want all %d", cached, o.funnel.Accepted)
	}
}
