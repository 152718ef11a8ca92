package job

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/leaderboard"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// TestEvalVersionsAndTheirDiff evaluates a model, then its better successor under the
// same name: each run publishes its report as a version, LATEST names the second, and
// the second's diff gives the model's win rate before and after, with intervals.
func TestEvalVersionsAndTheirDiff(t *testing.T) {
	ctx := context.Background()
	_, aURL := llmtest.Start(t, llmtest.Options{Answerers: map[string]llmtest.Answerer{
		"mine-1": {Quality: 3}, "mine-2": {Quality: 9}, "base-1": {Quality: 5}}})
	_, jURL := llmtest.Start(t, llmtest.Options{EvalJudge: llmtest.EvalJudge{Accuracy: 1}})
	questions := testenv.Testdata("eval", "vicuna.jsonl")
	out := filepath.Join(t.TempDir(), "out")
	store := filepath.Join(t.TempDir(), "store")
	run := func(model string, started time.Time) Config {
		cfg := evalConfig(t, []string{questions}, []string{"fi", "sw"})
		cfg.Output, cfg.StartedAt, cfg.RunID, cfg.Build = out, started, launch.NewRunID(started), versions.CurrentBuild()
		cfg.Models = []Model{{Name: "mine", LLM: testLLM(aURL, model, store)}, {Name: "base", LLM: testLLM(aURL, "base-1", store)}}
		cfg.Baseline, cfg.Judge, cfg.Format = "base", testLLM(jURL, "judge-1", store), pairjudge.FormatPairwise
		code, stdout, stderr := execute(t, cfg)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if !strings.Contains(stdout, "version: "+versions.Path(out, versions.ID(cfg.RunID, cfg.StartedAt))) {
			t.Errorf("the launcher did not name the version:\n%s", stdout)
		}
		return cfg
	}
	cfg1 := run("mine-1", time.Now().UTC())
	cfg2 := run("mine-2", time.Now().UTC())
	id1, id2 := versions.ID(cfg1.RunID, cfg1.StartedAt), versions.ID(cfg2.RunID, cfg2.StartedAt)

	ptr, err := versions.ReadLatest(ctx, out)
	if err != nil || ptr.Version != id2 || ptr.Previous != id1 || ptr.Job != "eval" {
		t.Fatalf("LATEST %+v, %v; want %s after %s", ptr, err, id2, id1)
	}
	m, err := versions.ReadManifest(ctx, versions.Path(out, id2))
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, f := range m.Files {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, " ") != "diff.json diff.md report/README.md report/results.json report/win_rate.svg" {
		t.Errorf("version files %v: want the report and the diff", paths)
	}
	if len(m.Inputs) != 1 || m.Inputs[0].Path != questions || m.Inputs[0].SHA256 == "" ||
		strings.Join(m.Templates, " ") != "eval_answer@1 eval_judge_pairwise@1 eval_reask@1" ||
		len(m.Models) != 3 || m.Models[0] != (versions.Model{Role: "mine", Model: "mine-2"}) || m.Models[2].Role != "judge" ||
		m.Calls == 0 || m.Counts["judge"]["fi"] == 0 {
		t.Errorf("manifest %+v", m)
	}
	if m1, _ := versions.ReadManifest(ctx, versions.Path(out, id1)); m1.ConfigSHA256 == m.ConfigSHA256 {
		t.Error("the config hash did not change with the model")
	}

	var results Report
	b, _ := os.ReadFile(versions.Path(out, id1, "report", ResultsName))
	if err := json.Unmarshal(b, &results); err != nil {
		t.Fatal(err)
	}
	before := row(t, results, "mine", "all")
	var d leaderboard.Diff
	b, _ = os.ReadFile(versions.Path(out, id2, versions.DiffFile))
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.From != id1 || d.To != id2 || len(d.Rows) != 3 { // mine: all, fi, sw
		t.Fatalf("diff %s -> %s, rows %+v", d.From, d.To, d.Rows)
	}
	all := d.Rows[0]
	if all.Lang != "all" || all.Before == nil || all.Before.WinRateAdjusted != before.WinRateAdjusted || all.After == nil ||
		all.Change == nil || *all.ChangeLow <= 0 || *all.ChangeLow > *all.Change || *all.ChangeHigh < *all.Change {
		t.Errorf("pooled row %+v: want a better model's rise, with an interval above 0", all)
	}
	md, _ := os.ReadFile(versions.Path(out, id2, versions.DiffMarkdown))
	if !strings.Contains(string(md), "| mine | all |") {
		t.Errorf("diff.md:\n%s", md)
	}
}
