package job

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/corpusdelta"
	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/refine"
)

// modelStages are the stages that call a model with two refinement rounds and the
// OpenAI-compatible embedder, in order.
var modelStages = []string{"generate", "judge_r1", "rewrite_r1", "judge_r2", diversify.Stage}

// TestIncrementalCostBound is issue #14's incremental cost bound, on real text: a corpus
// v1 of three languages from the shared corpora, then v2 = v1 with 10% of the documents
// new and 5% removed, run with the same configuration and response store. Per model
// stage, v2 may make at most the calls its new documents need (measured by running them
// alone into an empty store) plus 1%. Then, on v2's input and store: a new judge prompt
// version re-asks every judge call and the rewrites whose judgement changed, and nothing
// before the judge; a new --per_language asks nothing. Every run's report (summary.json)
// must agree with the calls the server saw, and the cost it says the store saved must be
// what those calls cost when they were made.
func TestIncrementalCostBound(t *testing.T) {
	in := versionedCorpus(t, []string{"fi", "sw", "ta"}, 0.10, 0.05)
	srv, url := startFake(t, llmtest.Options{})
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	config := func(name, input, store string) Config {
		cfg := generateConfig(t, url, filepath.Join(dir, name))
		cfg.Input = []string{input}
		cfg.Generate.LLM.Store = store
		cfg.Refine.Rounds = 2
		cfg.Diversify.Embedder = diversify.EmbedderSpec{Kind: diversify.EmbedderOpenAI, Model: "embed-model", Dims: 64}
		cfg.Diversify.PerLanguage = 60
		cfg.Diversify.Clusters = 8
		return cfg
	}
	v1 := runCounted(t, srv, config("v1", in.v1, store))
	v2 := runCounted(t, srv, config("v2", in.v2, store))
	added := runCounted(t, srv, config("added", in.added, filepath.Join(dir, "empty-store")))

	t.Logf("%d documents in v1, %d in v2: %d added, %d removed", in.n1, in.n2, in.nAdded, in.nRemoved)
	t.Logf("%-10s %8s %8s %8s %8s %8s %10s %12s", "stage", "v1 calls", "v2 calls", "needed", "bound", "v2 saved", "saved cost", "requests v2/needed")
	for _, stage := range modelStages {
		c1, c2, need := v1.stage(stage), v2.stage(stage), added.stage(stage)
		bound := need.CallsMade + need.CallsMade/100
		t.Logf("%-10s %8d %8d %8d %8d %8d %10.6f %6d/%d", stage, c1.CallsMade, c2.CallsMade, need.CallsMade, bound, c2.CallsSaved, c2.CostSaved, c2.Requests, need.Requests)
		if need.CallsMade == 0 || c1.CallsMade == 0 {
			t.Errorf("%s: the new documents needed %d calls and v1 made %d: the test does not exercise the stage", stage, need.CallsMade, c1.CallsMade)
		}
		if c2.CallsMade > bound {
			t.Errorf("%s: v2 made %d calls; its new documents need %d (bound %d)", stage, c2.CallsMade, need.CallsMade, bound)
		}
		if c2.Requests > need.Requests+need.Requests/100 {
			t.Errorf("%s: v2 sent %d requests; its new documents alone sent %d", stage, c2.Requests, need.Requests)
		}
		if c2.CallsSaved == 0 || c2.CostSaved <= 0 {
			t.Errorf("%s: v2 saved %d calls, cost %v: the unchanged documents were asked again", stage, c2.CallsSaved, c2.CostSaved)
		}
	}

	// --per_language changes only the selection: nothing is asked, and the cost the store
	// saves is what v2's calls cost, made or saved.
	cfg := config("per-language", in.v2, store)
	cfg.Diversify.PerLanguage = 40
	sel := runCounted(t, srv, cfg)
	for _, stage := range modelStages {
		c, c2 := sel.stage(stage), v2.stage(stage)
		if c.CallsMade != 0 || c.Requests != 0 {
			t.Errorf("per_language: %s made %d calls in %d requests, want none", stage, c.CallsMade, c.Requests)
		}
		// An embedding request sends a text repeated in it once: v2's texts made and
		// saved may add up to a little less than the texts this run took from the store.
		tol := 0.0
		if c.Unit == UnitText {
			tol = 0.01
		}
		if d := c.CallsSaved - (c2.CallsMade + c2.CallsSaved); d < 0 || float64(d) > tol*float64(c.CallsSaved) {
			t.Errorf("per_language: %s saved %d calls; v2 made %d and saved %d", stage, c.CallsSaved, c2.CallsMade, c2.CallsSaved)
		}
		if want := c2.CostMade + c2.CostSaved; math.Abs(c.CostSaved-want) > 1e-9+tol*want {
			t.Errorf("per_language: %s saved %.6f; v2's calls cost %.6f made + %.6f saved", stage, c.CostSaved, c2.CostMade, c2.CostSaved)
		}
	}

	// A new judge prompt version, to a judge that labels differently under it (a second
	// server: the URL is not in the key, so everything before the judge is still served
	// from the store): every judge call is asked again, a rewrite only where the new
	// verdict differs, an embedding only for an instruction never embedded; nothing else.
	srv2, url2 := startFake(t, llmtest.Options{JudgeLabels: llmtest.LabelWeights{Good: 0.4, Flawed: 0.45, Bad: 0.15}})
	cfg = config("judge-v2", in.v2, store)
	cfg.Generate.LLM.BaseURL = url2
	cfg.Refine.JudgePrompt = judgePromptV2(t)
	jv := runCounted(t, srv2, cfg)
	if c := jv.stage("generate"); c.CallsMade != 0 || c.CallsSaved != v2.stage("generate").CallsMade+v2.stage("generate").CallsSaved {
		t.Errorf("judge prompt v2: generate made %d calls and saved %d; want none made, all saved", c.CallsMade, c.CallsSaved)
	}
	for _, stage := range []string{"judge_r1", "judge_r2"} {
		c, st := jv.stage(stage), jv.funnelStage(stage)
		if c.CallsSaved != 0 || c.CallsMade < st.In {
			t.Errorf("judge prompt v2: %s made %d calls and saved %d for %d pairs; want every pair judged again", stage, c.CallsMade, c.CallsSaved, st.In)
		}
	}
	if c, st := jv.stage("rewrite_r1"), jv.funnelStage("rewrite_r1"); c.CallsMade+c.CallsSaved != st.In || c.CallsMade == 0 || c.CallsSaved == 0 {
		t.Errorf("judge prompt v2: rewrite_r1 made %d calls and saved %d for %d pairs; want the changed verdicts' rewrites made, the others saved", c.CallsMade, c.CallsSaved, st.In)
	}
	embedded := map[string]bool{}
	for _, r := range []counted{v1, v2, sel} {
		for _, p := range r.out.accepted {
			embedded[p.Instruction] = true
		}
	}
	fresh := map[string]bool{}
	for _, p := range jv.out.accepted {
		if !embedded[p.Instruction] {
			fresh[p.Instruction] = true
		}
	}
	if c := jv.stage(diversify.Stage); c.CallsMade < int64(len(fresh)) || c.CallsMade > int64(len(fresh)+len(fresh)/100) {
		t.Errorf("judge prompt v2: %d instructions embedded, %d of the accepted were never embedded before", c.CallsMade, len(fresh))
	}
	for _, stage := range modelStages {
		c := jv.stage(stage)
		t.Logf("judge prompt v2: %-10s made %5d, saved %5d", stage, c.CallsMade, c.CallsSaved)
	}
}

// counted is a run's outputs and its closing summary.
type counted struct {
	out     jobOutput
	summary Summary
}

// stage is the summary's calls of stage (zero if it made and saved none).
func (c counted) stage(stage string) StageCalls {
	for _, sc := range c.summary.StageCalls {
		if sc.Stage == stage {
			return sc
		}
	}
	return StageCalls{Stage: stage}
}

func (c counted) funnelStage(stage string) (st struct{ In, Out int64 }) {
	for _, s := range c.out.funnel.Stages {
		if s.Name == stage {
			st.In, st.Out = s.In, s.Out
		}
	}
	return st
}

// runCounted runs cfg against srv and reads its summary, checking it against the calls
// srv saw: every request a stage says it made reached the server, and no other.
func runCounted(t *testing.T, srv *llmtest.Server, cfg Config) counted {
	t.Helper()
	before, start := srv.Stats().Requests, time.Now()
	o := runJob(t, cfg)
	t.Logf("%s: %v", filepath.Base(cfg.Output), time.Since(start).Round(time.Millisecond))
	checkFunnel(t, o)
	var s Summary
	if err := publish.ReadReport(context.Background(), cfg.Output, SummaryName, &s); err != nil {
		t.Fatal(err)
	}
	var requests int64
	for _, sc := range s.StageCalls {
		requests += sc.Requests
	}
	if n := srv.Stats().Requests - before; n != requests {
		t.Errorf("%s: the server answered %d requests, the summary's stages made %d", cfg.Output, n, requests)
	}
	return counted{out: o, summary: s}
}

// judgePromptV2 is the embedded judge prompt with a changed rule and the next version.
func judgePromptV2(t *testing.T) string {
	t1 := prompts.MustLoad(refine.TemplateJudge)
	src, err := os.ReadFile(filepath.Join(testenv.RepoRoot(), "internal", "prompts", "templates", refine.TemplateJudge+".tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	v1 := fmt.Sprintf("version: %d\n", t1.Version)
	s := strings.Replace(string(src), v1, fmt.Sprintf("version: %d\n", t1.Version+1), 1)
	s = strings.Replace(s, `- "bad": the instruction`, `- "bad": the sample is unsafe, the instruction`, 1)
	if s == string(src) || !strings.Contains(s, "unsafe") {
		t.Fatal("the judge template changed: update judgePromptV2")
	}
	return s
}

// corpusVersions are the globs of a corpus's two versions and of v2's new documents.
type corpusVersions struct {
	v1, v2, added            string
	n1, n2, nAdded, nRemoved int
}

// versionedCorpus writes v1, v2 and the added documents of each language's shared corpus
// (corpusdelta.Split: add and remove are shares of v1), one file per language.
func versionedCorpus(t *testing.T, langs []string, add, remove float64) corpusVersions {
	t.Helper()
	dir := t.TempDir()
	for _, v := range []string{"v1", "v2", "added"} {
		if err := os.Mkdir(filepath.Join(dir, v), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var c corpusVersions
	for _, lang := range langs {
		b, err := os.ReadFile(testenv.Shared("corpora", lang+".jsonl"))
		if err != nil {
			t.Skipf("no shared corpus for %s: %v", lang, err)
		}
		d, err := corpusdelta.Split(corpusdelta.SplitLines(b), add, remove)
		if err != nil {
			t.Fatal(err)
		}
		for v, lines := range map[string][][]byte{"v1": d.V1, "v2": d.V2, "added": d.Added} {
			if err := os.WriteFile(filepath.Join(dir, v, lang+".jsonl"), corpusdelta.JoinLines(lines), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		c.n1, c.n2, c.nAdded, c.nRemoved = c.n1+len(d.V1), c.n2+len(d.V2), c.nAdded+len(d.Added), c.nRemoved+len(d.Removed)
	}
	c.v1, c.v2, c.added = filepath.Join(dir, "v1", "*.jsonl"), filepath.Join(dir, "v2", "*.jsonl"), filepath.Join(dir, "added", "*.jsonl")
	return c
}
