package job

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/runners/launch"
)

// TestPlaceholderAnswersNeverServeARealModel runs the stand-in under a real model's name,
// then the same job against a real endpoint with the same store: the second run must
// call the endpoint for every document, and label its output as model output.
func TestPlaceholderAnswersNeverServeARealModel(t *testing.T) {
	g := startGated(t)
	out := filepath.Join(t.TempDir(), "out")

	standIn := generateConfig(t, llm.StandInURL, out)
	standIn.Generate.LLM.Model = "gpt-4o-mini"
	standIn.Generate.LLM.Placeholder = true
	first := runJob(t, standIn)
	if !first.manifest.Placeholder || first.funnel.LLM["generate"] == nil {
		t.Fatalf("the stand-in run is not labelled placeholder (manifest placeholder=%v)", first.manifest.Placeholder)
	}
	for _, p := range first.pairs {
		if !p.Placeholder {
			t.Fatalf("stand-in pair %s is not labelled placeholder", p.ID)
		}
	}

	real := generateConfig(t, g.URL, out)
	real.Generate.LLM.Model = "gpt-4o-mini"
	before := g.answered.Load()
	second := runJob(t, real)
	var hits, requests int64
	for _, u := range second.funnel.LLM["generate"] {
		hits += u.CacheHits
		requests += u.Requests
	}
	if hits != 0 || requests != second.funnel.Kept || g.answered.Load()-before < second.funnel.Kept {
		t.Errorf("the real run took %d placeholder answers from the store and made %d calls for %d documents", hits, requests, second.funnel.Kept)
	}
	if second.manifest.Placeholder || second.funnel.Placeholder {
		t.Errorf("the real run's manifest or funnel says placeholder")
	}
	for _, p := range append(second.pairs, second.accepted...) {
		if p.Placeholder {
			t.Fatalf("pair %s of the real run is labelled placeholder", p.ID)
		}
	}
}

// TestLauncherReadsOnlyItsOwnRun: a launcher whose run published nothing (submitted with
// --async, or killed) must not print an earlier run's report or take its _SUCCESS.
func TestLauncherReadsOnlyItsOwnRun(t *testing.T) {
	cfg := generateConfig(t, llm.StandInURL, filepath.Join(t.TempDir(), "out"))
	cfg.Refine.Rounds = 0
	earlier := runJob(t, cfg)
	if earlier.manifest.RunID == "" {
		t.Fatal("the earlier run has no run id in its manifest")
	}
	cfg.RunID = launch.NewRunID(time.Now().Add(time.Second))
	j, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	summary, line, ok := j.Outcome(context.Background())
	if ok || summary != "" || line != "" {
		t.Errorf("Outcome of a run that published nothing = (%q, %q, %v); want nothing of the earlier run %s", summary, line, ok, earlier.manifest.RunID)
	}
}
