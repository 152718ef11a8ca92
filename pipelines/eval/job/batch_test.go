package job

import (
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/leaderboard"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// TestBatchEvalEqualsOnlineEval runs a two-turn evaluation online, then with
// --batch_api against fresh servers: the first turns and the judge's first asks go in
// batches (the second turns carry the first answers, and are asked online), the judge
// makes no online call, and the verdicts and the leaderboard are the online run's.
func TestBatchEvalEqualsOnlineEval(t *testing.T) {
	questions := []string{firstLines(t, "mt_bench.en.jsonl", 6)}
	run := func(batch bool) (Report, *llmtest.Server, *llmtest.Server, Config) {
		answers, aURL := llmtest.Start(t, llmtest.Options{BatchDelay: 10 * time.Millisecond,
			Answerers: map[string]llmtest.Answerer{"strong-1": {Quality: 7}, "base-1": {Quality: 5, WrongLanguageRate: 0.2}}})
		judge, jURL := llmtest.Start(t, llmtest.Options{BatchDelay: 10 * time.Millisecond, EvalJudge: llmtest.EvalJudge{Accuracy: 0.8, PositionBias: 0.2}})
		cfg := evalConfig(t, questions, []string{"fi", "sw"})
		store := filepath.Join(t.TempDir(), "store")
		llms := []llm.Config{testLLM(aURL, "strong-1", store), testLLM(aURL, "base-1", store), testLLM(jURL, "judge-1", store)}
		for i := range llms {
			llms[i].Price = llm.Price{InputPerM: 1, OutputPerM: 2}
			if batch {
				llms[i].Batch = llm.BatchConfig{Enabled: true, MaxItems: 10, Fallback: llm.FallbackOnline,
					Poll: llm.Backoff{Initial: 2 * time.Millisecond, Max: 20 * time.Millisecond}, Price: llm.Price{InputPerM: 0.5, OutputPerM: 1}}
			}
		}
		cfg.Models = []Model{{Name: "strong", LLM: llms[0]}, {Name: "base", LLM: llms[1]}}
		cfg.Baseline, cfg.Judge, cfg.Format, cfg.Structured = "base", llms[2], pairjudge.FormatArena, true
		return mustSucceed(t, cfg), answers, judge, cfg
	}
	on, onAnswers, onJudge, onCfg := run(false)
	b, answers, judge, cfg := run(true)

	a, j := answers.Stats(), judge.Stats()
	t.Logf("online: %d answer calls, %d judge calls; batched: %d answers in %d batches + %d online (second turns), %d verdicts in %d batches + %d online",
		onAnswers.Stats().ChatRequests, onJudge.Stats().ChatRequests, a.BatchItems, a.Batches, a.ChatRequests, j.BatchItems, j.Batches, j.ChatRequests)
	// 6 questions x 2 languages x 2 models: 24 first turns batched, 24 second turns online.
	if a.BatchItems != 24 || a.ChatRequests != 24 || a.BatchItems+a.ChatRequests != onAnswers.Stats().ChatRequests {
		t.Errorf("answers: %d batched + %d online; want 24 + 24, the online run's %d", a.BatchItems, a.ChatRequests, onAnswers.Stats().ChatRequests)
	}
	if j.ChatRequests != 0 || j.BatchItems != onJudge.Stats().ChatRequests || j.BatchItems == 0 {
		t.Errorf("judge: %d batched, %d online; want the online run's %d, 0", j.BatchItems, j.ChatRequests, onJudge.Stats().ChatRequests)
	}
	if u := funnel.Total(b.Funnel.LLM[pairjudge.StageJudge]); u.BatchRequests != j.BatchItems || u.BatchCost <= 0 {
		t.Errorf("the judge's batch usage %+v", u)
	}
	// The leaderboard's judge calls count online calls, and its judge cost prices every
	// verdict's tokens at the online price: the rest must be the online run's.
	outcomes := func(rs []leaderboard.Result) []leaderboard.Result {
		rs = slices.Clone(rs)
		for i := range rs {
			rs[i].JudgeCalls, rs[i].JudgeCost = 0, 0
		}
		return rs
	}
	if got, want := outcomes(b.Results), outcomes(on.Results); !reflect.DeepEqual(got, want) || len(got) == 0 {
		t.Errorf("the batched run's leaderboard differs from the online run's:\n%+v\n%+v", got, want)
	}
	verdicts := func(c Config) []string {
		var out []string
		for _, x := range readJSONL[pairjudge.Judgment](t, filepath.Join(c.Output, JudgmentsDir)) {
			out = append(out, fmt.Sprintf("%s/%s/%d/%s/%s: %s %s", x.QuestionID, x.Lang, x.Turn, x.Model, x.Order, x.Winner, x.Verdict))
		}
		slices.Sort(out)
		return out
	}
	if got, want := verdicts(cfg), verdicts(onCfg); !slices.Equal(got, want) || len(got) == 0 {
		t.Errorf("%d verdicts batched, %d online; they differ", len(got), len(want))
	}
}
