package job

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// The fake's model of a judge (see llmtest): with probability bias the verdict goes to
// the answer shown first; otherwise to the better answer with probability accuracy. So
// for a better model, one ordering is won with P1 = bias + (1-bias)*accuracy when shown
// first and P2 = (1-bias)*accuracy when shown second, the FastChat adjusted win rate is
// (P1+P2)/2, and the share of decisive verdicts for the first-shown answer is (1+bias)/2.
const (
	accuracy, bias = 0.8, 0.2
	wrongLang      = 0.2 // share of the baseline's answers in English
)

// fakes starts an answering server with a strong model and a weaker baseline that
// answers in English a fifth of the time, and a separate judge server.
func fakes(t *testing.T) (answers, judge *llmtest.Server, answersURL, judgeURL string) {
	answers, answersURL = llmtest.Start(t, llmtest.Options{Answerers: map[string]llmtest.Answerer{
		"strong-1": {Quality: 7}, "base-1": {Quality: 5, WrongLanguageRate: wrongLang},
	}})
	judge, judgeURL = llmtest.Start(t, llmtest.Options{EvalJudge: llmtest.EvalJudge{Accuracy: accuracy, PositionBias: bias}})
	return answers, judge, answersURL, judgeURL
}

func TestRecoversTheConfiguredWinRatePositionBiasAndWrongLanguageRate(t *testing.T) {
	_, _, aURL, jURL := fakes(t)
	cfg := evalConfig(t, []string{sharedEval(t, "questions.en.jsonl")}, []string{"fi", "ta", "th"})
	store := filepath.Join(t.TempDir(), "store")
	cfg.Models = []Model{{Name: "strong", LLM: testLLM(aURL, "strong-1", store)}, {Name: "base", LLM: testLLM(aURL, "base-1", store)}}
	cfg.Baseline, cfg.Judge, cfg.Format = "base", testLLM(jURL, "judge-1", store), pairjudge.FormatPairwise
	r := mustSucceed(t, cfg)

	t.Logf("\n%s", r.Summary())
	all := row(t, r, "strong", "all")
	if all.N != 240 {
		t.Fatalf("n = %d comparisons, want 80 questions x 3 languages", all.N)
	}
	// Off-language baseline answers lose by the gate; the rest go to the judge.
	p1, p2 := bias+(1-bias)*accuracy, (1-bias)*accuracy
	want := wrongLang*1 + (1-wrongLang)*(p1+p2)/2
	if want < all.CILow || want > all.CIHigh {
		t.Errorf("adjusted win rate %.3f [%.3f, %.3f] does not cover the configured %.3f", all.WinRateAdjusted, all.CILow, all.CIHigh, want)
	}
	if got, want := all.FirstPositionRate, (1+bias)/2; math.Abs(got-want) > 0.07 {
		t.Errorf("first-position rate %.3f, want about %.3f (position bias %.2f)", got, want, bias)
	}
	if math.Abs(all.BaselineWrongLanguageRate-wrongLang) > 0.07 || all.WrongLanguageRate > 0.02 {
		t.Errorf("wrong-language rates: model %.3f (want 0), baseline %.3f (want about %.2f)", all.WrongLanguageRate, all.BaselineWrongLanguageRate, wrongLang)
	}
	for _, l := range cfg.Languages {
		if x := row(t, r, "strong", l); x.N != 80 {
			t.Errorf("%s: n = %d, want 80", l, x.N)
		}
	}
	answers := readJSONL[evalio.Answer](t, filepath.Join(cfg.Output, AnswersDir))
	if len(answers) != 2*240 {
		t.Errorf("%d answers written, want 480", len(answers))
	}
	judgments := readJSONL[pairjudge.Judgment](t, filepath.Join(cfg.Output, JudgmentsDir))
	if len(judgments) != 2*240 {
		t.Errorf("%d judgments written, want 480 (both orders of 240 comparisons)", len(judgments))
	}
	for _, name := range []string{ReadmeName, ChartName} {
		if b, err := os.ReadFile(filepath.Join(cfg.Output, "report", name)); err != nil || len(b) == 0 {
			t.Errorf("report/%s: %v", name, err)
		}
	}
	readme, _ := os.ReadFile(filepath.Join(cfg.Output, "report", ReadmeName))
	if !strings.Contains(string(readme), "strong") || !strings.Contains(string(readme), ChartName) {
		t.Errorf("the README has no leaderboard of strong or no chart:\n%s", readme)
	}
}
