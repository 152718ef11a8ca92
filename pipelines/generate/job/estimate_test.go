package job

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// The whole-run estimate against the run it estimates, on the real texts of the shared
// corpora and the fake server with its default judge: each model stage's calls within
// 10% of the run's, and the run's cost inside the estimate's range. Then the estimate of a re-run measures its yields in the run and counts every
// call as a store hit.
func TestEstimateAgainstTheRun(t *testing.T) {
	corpora, _ := filepath.Glob(testenv.Shared("corpora", "*.jsonl"))
	if len(corpora) == 0 {
		t.Skip("no shared corpora")
	}
	dir := t.TempDir()
	var lines []string
	for _, f := range corpora {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ls := strings.Split(strings.TrimSpace(string(b)), "\n")
		lines = append(lines, ls...)
	}
	input := filepath.Join(dir, "corpus.jsonl")
	os.WriteFile(input, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	srv, url := startFake(t, llmtest.Options{})
	cfg := generateConfig(t, url, filepath.Join(dir, "out"))
	cfg.Input = []string{input}
	cfg.Diversify.PerLanguage = 100

	est := cfg
	est.Generate.Estimate = true
	if code, _, stderr := execute(t, est, false); code != 0 {
		t.Fatalf("estimate: %s", stderr)
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Fatalf("the estimate made %d requests", n)
	}
	plan := readPlan(t, cfg.Output)
	if code, _, stderr := execute(t, cfg, false); code != 0 {
		t.Fatalf("run: %s", stderr)
	}
	m, err := publish.ReadManifest(context.Background(), cfg.Output)
	if err != nil {
		t.Fatal(err)
	}
	var run funnel.Report
	json.Unmarshal(m.Report, &run)
	var cost float64
	for _, row := range plan.Plan.Rows {
		u := funnel.Total(run.LLM[row.Stage])
		if u.Requests == 0 || abs(float64(row.Calls-u.Requests)) > 0.1*float64(u.Requests) {
			t.Errorf("%s: estimated %d calls, the run made %d", row.Stage, row.Calls, u.Requests)
		}
		cost += u.Cost
	}
	var low, high float64
	for _, row := range plan.Plan.Rows {
		low, high = low+row.CostLow, high+row.CostHigh
	}
	if cost < low || cost > high {
		t.Errorf("the run cost %.4f, outside the estimate's %.4f-%.4f", cost, low, high)
	}
	t.Logf("estimate:\n%s\nthe run's cost %.4f", plan.Summary(), cost)

	est.RunID += "-again"
	if code, _, stderr := execute(t, est, false); code != 0 {
		t.Fatalf("estimate: %s", stderr)
	}
	again := readPlan(t, cfg.Output)
	if again.Plan.Yields == nil || !strings.Contains(again.Plan.Yields.Source, "measured") {
		t.Errorf("the re-run's estimate did not measure its yields in the run: %+v", again.Plan.Yields)
	}
	for _, row := range again.Plan.Rows {
		if row.StoreHits != row.Calls {
			t.Errorf("%s: %d of %d calls counted as store hits after the run", row.Stage, row.StoreHits, row.Calls)
		}
	}
}

func readPlan(t *testing.T, out string) EstimateReport {
	t.Helper()
	var r EstimateReport
	if err := publish.ReadReport(context.Background(), out, filepath.Base(EstimateFile), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
