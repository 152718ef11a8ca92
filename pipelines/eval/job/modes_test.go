package job

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// firstLines writes the first n lines of the shared file name to a temporary file.
func firstLines(t *testing.T, name string, n int) string {
	t.Helper()
	b, err := os.ReadFile(sharedEval(t, name))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitN(string(b), "\n", n+1)
	p := filepath.Join(t.TempDir(), name)
	os.WriteFile(p, []byte(strings.Join(lines[:n], "\n")+"\n"), 0o644)
	return p
}

// MT-Bench's second turn is asked with the dialogue so far and judged on the whole
// dialogue; results come per turn and overall; structured verdicts parse.
func TestMultiTurnArenaStructured(t *testing.T) {
	_, _, aURL, jURL := fakes(t)
	cfg := evalConfig(t, []string{firstLines(t, "mt_bench.en.jsonl", 10), firstLines(t, "mt_bench.fi.jsonl", 10)}, []string{"fi", "en"})
	store := filepath.Join(t.TempDir(), "store")
	cfg.Models = []Model{{Name: "strong", LLM: testLLM(aURL, "strong-1", store)}, {Name: "base", LLM: testLLM(aURL, "base-1", store)}}
	cfg.Baseline, cfg.Judge, cfg.Format, cfg.Structured = "base", testLLM(jURL, "judge-1", store), pairjudge.FormatArena, true
	r := mustSucceed(t, cfg)
	// 10 English questions asked in en; in fi the 10 Finnish translations replace them.
	if x := row(t, r, "strong", "all"); x.N != 2*20 {
		t.Fatalf("n = %d, want 2 turns x 20 asks", x.N)
	}
	turns := map[int]int{}
	for _, x := range r.Results {
		if x.Lang == "all" && x.Category == "" && x.Model == "strong" {
			turns[x.Turn] = x.N
		}
	}
	if turns[1] != 20 || turns[2] != 20 || turns[0] != 40 {
		t.Errorf("per-turn rows %v, want turn 1: 20, turn 2: 20, all: 40", turns)
	}
	// The Finnish file carries no lang: it is found Finnish, and its questions replace
	// the English ones asked in fi.
	if asks := r.Funnel.Stages[1]; asks.Out != 20 || asks.FilteredByReason["duplicate_ask"] != 10 {
		t.Errorf("asks: %+v; want 20 out, the 10 English questions in fi replaced by their translations", asks)
	}
	for _, j := range readJSONL[pairjudge.Judgment](t, filepath.Join(cfg.Output, JudgmentsDir)) {
		if j.Parsed != pairjudge.ParsedStructured && j.Parsed != pairjudge.ParsedGate {
			t.Fatalf("a verdict parsed as %q with --structured_output", j.Parsed)
		}
	}
	answers := readJSONL[struct {
		Lang   string `json:"lang"`
		Turn   int    `json:"turn"`
		Prompt string `json:"prompt"`
	}](t, filepath.Join(cfg.Output, AnswersDir))
	second := 0
	for _, a := range answers {
		if a.Turn == 2 {
			second++
		}
		if a.Lang == "fi" && strings.Contains(a.Prompt, "Answer in") {
			t.Fatalf("a Finnish question was asked with the suffix: %q", a.Prompt)
		}
	}
	if second != 2*20 {
		t.Errorf("%d second-turn answers, want 40", second)
	}
}

// A judge whose replies stay unreadable fails the run: no default score, no _SUCCESS,
// one line saying why.
func TestUnreadableVerdictsFailTheRun(t *testing.T) {
	_, aURL := llmtest.Start(t, llmtest.Options{})
	_, jURL := llmtest.Start(t, llmtest.Options{JudgeMalformedRate: 1, JudgeMalformedAfterReask: 1})
	cfg := evalConfig(t, []string{firstLines(t, "questions.en.jsonl", 10)}, []string{"fi"})
	store := filepath.Join(t.TempDir(), "store")
	cfg.Models = []Model{{Name: "a", LLM: testLLM(aURL, "a", store)}, {Name: "b", LLM: testLLM(aURL, "b", store)}}
	cfg.Baseline, cfg.Judge = "b", testLLM(jURL, "judge-1", store)
	code, _, stderr := execute(t, cfg)
	assertFailed(t, cfg, code, stderr, "judge verdicts could not be read")
	m, err := publish.ReadManifest(t.Context(), cfg.Output)
	if err != nil || m.Failure == "" {
		t.Fatalf("no _FAILURE: %v", err)
	}
}

// An answering endpoint that keeps failing fails the run with its reason.
func TestFailingModelFailsTheRun(t *testing.T) {
	_, aURL := llmtest.Start(t, llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{llmtest.Kind500}})
	_, jURL := llmtest.Start(t, llmtest.Options{})
	cfg := evalConfig(t, []string{firstLines(t, "questions.en.jsonl", 5)}, []string{"fi"})
	store := filepath.Join(t.TempDir(), "store")
	cfg.Models = []Model{{Name: "a", LLM: testLLM(aURL, "a", store)}, {Name: "b", LLM: testLLM(jURL, "b", store)}}
	cfg.Models[0].LLM.MaxRetries = 0
	cfg.Baseline, cfg.Judge = "b", testLLM(jURL, "judge-1", store)
	code, _, stderr := execute(t, cfg)
	assertFailed(t, cfg, code, stderr, "answer_a calls failed for good")
}

// --estimate counts the calls before any is made; after the run, it counts them as
// store hits.
func TestEstimateCountsAnswerAndJudgeCalls(t *testing.T) {
	answers, judge, aURL, jURL := fakes(t)
	cfg := evalConfig(t, []string{firstLines(t, "mt_bench.en.jsonl", 5)}, []string{"fi", "ta"})
	store := filepath.Join(t.TempDir(), "store")
	cfg.Models = []Model{{Name: "strong", LLM: testLLM(aURL, "strong-1", store)}, {Name: "base", LLM: testLLM(aURL, "base-1", store)}}
	cfg.Baseline, cfg.Judge, cfg.Gate = "base", testLLM(jURL, "judge-1", store), pairjudge.GateJudge
	est := cfg
	est.Estimate = true
	code, stdout, stderr := execute(t, est)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if n := answers.Stats().Requests + judge.Stats().Requests; n != 0 {
		t.Fatalf("the estimate made %d calls", n)
	}
	var r Report
	if err := publish.ReadReport(t.Context(), cfg.Output, EstimateName, &r); err != nil {
		t.Fatal(err)
	}
	answerCalls := funnel.Total(r.Funnel.Estimate["answer_strong"]).Requests + funnel.Total(r.Funnel.Estimate["answer_base"]).Requests
	judgeCalls := funnel.Total(r.Funnel.Estimate["judge"]).Requests
	if answerCalls != 2*5*2*2 || judgeCalls != 5*2*2*2 {
		t.Fatalf("estimate: %d answer calls (want 2 models x 5 questions x 2 turns x 2 languages), %d judge calls (want 40)\n%s", answerCalls, judgeCalls, stdout)
	}
	if _, err := os.Stat(filepath.Join(cfg.Output, publish.SuccessFile)); err == nil {
		t.Fatal("an estimate published _SUCCESS")
	}
	mustSucceed(t, cfg)
	if got := answers.Stats().Requests; got != answerCalls {
		t.Errorf("the run made %d answer calls, the estimate said %d", got, answerCalls)
	}
	if got := judge.Stats().Requests; got != judgeCalls {
		t.Errorf("the run made %d judge calls, the estimate said %d", got, judgeCalls)
	}
	est.RunID += "-again"
	if code, _, stderr := execute(t, est); code != 0 {
		t.Fatal(stderr)
	}
	publish.ReadReport(t.Context(), cfg.Output, EstimateName, &r)
	hits := funnel.Total(r.Funnel.Estimate["judge"]).CacheHits
	if funnel.Total(r.Funnel.Estimate["judge"]).Requests != 0 || funnel.Total(r.Funnel.Estimate["answer_base"]).Requests != 0 || hits != judgeCalls {
		t.Errorf("after the run the estimate still counts calls: %+v", r.Funnel.Estimate)
	}
}

func assertFailed(t *testing.T, cfg Config, code int, stderr, want string) {
	t.Helper()
	if code == 0 {
		t.Fatalf("exit code 0; want a failure")
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Fatalf("want one line naming %q, got:\n%s", want, stderr)
	}
	if _, err := os.Stat(filepath.Join(cfg.Output, publish.SuccessFile)); err == nil {
		t.Fatalf("a failed run published %s", publish.SuccessFile)
	}
}

// A reply without a verdict is asked again once; the re-asked verdict counts, and the
// leaderboard says how many needed it.
func TestReaskRecoversMalformedVerdicts(t *testing.T) {
	_, aURL := llmtest.Start(t, llmtest.Options{Answerers: map[string]llmtest.Answerer{"a": {Quality: 7}, "b": {Quality: 5}}})
	_, jURL := llmtest.Start(t, llmtest.Options{JudgeMalformedRate: 0.5, EvalJudge: llmtest.EvalJudge{Accuracy: 0.9}})
	cfg := evalConfig(t, []string{firstLines(t, "questions.en.jsonl", 40)}, []string{"vi"})
	store := filepath.Join(t.TempDir(), "store")
	cfg.Models = []Model{{Name: "a", LLM: testLLM(aURL, "a", store)}, {Name: "b", LLM: testLLM(aURL, "b", store)}}
	cfg.Baseline, cfg.Judge = "b", testLLM(jURL, "judge-1", store)
	x := row(t, mustSucceed(t, cfg), "a", "all")
	if x.N != 40 || x.ParseFailuresAfterReask != 0 || x.ParseFailures < 25 || x.ParseFailures > 55 {
		t.Fatalf("n %d, parse failures %d before the re-ask (want about half of 80), %d after (want 0)", x.N, x.ParseFailures, x.ParseFailuresAfterReask)
	}
	reasked := 0
	for _, j := range readJSONL[pairjudge.Judgment](t, filepath.Join(cfg.Output, JudgmentsDir)) {
		if j.Parsed == pairjudge.ParsedReask {
			reasked++
			if !strings.Contains(j.Raw, "[re-asked]") {
				t.Errorf("a re-asked judgment keeps only one reply: %q", j.Raw)
			}
		}
	}
	if reasked != x.ParseFailures {
		t.Errorf("%d judgments say re-asked, the leaderboard %d", reasked, x.ParseFailures)
	}
	if x.JudgeCalls != 80+x.ParseFailures {
		t.Errorf("judge calls %d, want 80 + %d re-asks", x.JudgeCalls, x.ParseFailures)
	}
}
