package leaderboard

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// both returns the two orders of one comparison of model "m" with baseline "b": first the
// one with the model shown first, whose verdict is mf, then the other, whose verdict is bf.
func both(q, lang string, mf, bf string) []Judgment {
	j := Judgment{QuestionID: q, Lang: lang, Turn: 1, Model: "m", Baseline: "b", ModelChars: 100, BaselineChars: 80, JudgeCalls: 1, PromptTokens: 1000, CompletionTokens: 10}
	a, b := j, j
	a.ModelFirst, a.Winner = true, mf
	b.Winner = bf
	return []Judgment{a, b}
}

func cat(parts ...[]Judgment) []Judgment {
	var out []Judgment
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// row finds the Result with the given language, category and turn for model "m".
func row(t *testing.T, r Report, lang, category string, turn int) Result {
	t.Helper()
	for _, x := range r.Results {
		if x.Model == "m" && x.Lang == lang && x.Category == category && x.Turn == turn {
			return x
		}
	}
	t.Fatalf("no row lang=%q category=%q turn=%d in %+v", lang, category, turn, r.Results)
	return Result{}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func TestFastChatRule(t *testing.T) {
	missing := both("q7", "fi", WinnerModel, WinnerModel)[:1]
	errored := both("q6", "fi", WinnerModel, "")
	errored[1].Error = ErrLLMGaveUp
	js := cat(
		both("q1", "fi", WinnerModel, WinnerModel),       // win
		both("q2", "fi", WinnerBaseline, WinnerBaseline), // loss
		both("q3", "fi", WinnerTie, WinnerTie),           // tie
		both("q4", "fi", WinnerModel, WinnerTie),         // disagreement: tie
		both("q5", "fi", WinnerModel, WinnerBaseline),    // disagreement: tie
		errored, missing,
	)
	want := Aggregate(js, Options{Bootstrap: 200, Seed: 7})
	r := row(t, want, "fi", "", 0)
	if r.N != 5 || r.Wins != 1 || r.Ties != 3 || r.Losses != 1 || r.Errors != 2 {
		t.Errorf("n/W/T/L/errors = %d/%d/%d/%d/%d, want 5/1/3/1/2", r.N, r.Wins, r.Ties, r.Losses, r.Errors)
	}
	if !near(r.WinRate, 0.2) || !near(r.WinRateAdjusted, 0.5) {
		t.Errorf("win rate %v, adjusted %v; want 0.2, 0.5", r.WinRate, r.WinRateAdjusted)
	}
	if r.Questions != 5 {
		t.Errorf("questions = %d, want 5 (those with an outcome)", r.Questions)
	}
	if !(r.CILow <= r.WinRateAdjusted && r.WinRateAdjusted <= r.CIHigh) || r.CILow == r.CIHigh {
		t.Errorf("interval [%v, %v] around %v", r.CILow, r.CIHigh, r.WinRateAdjusted)
	}
	if r.JudgeCalls != 13 {
		t.Errorf("judge calls = %d, want 13 (every judgment present)", r.JudgeCalls)
	}

	// The orders pair by key whatever the input's order.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := append([]Judgment(nil), js...)
		rng.Shuffle(len(shuffled), func(i, k int) { shuffled[i], shuffled[k] = shuffled[k], shuffled[i] })
		if got := Aggregate(shuffled, Options{Bootstrap: 200, Seed: 7}); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffled input gives another report:\n%+v\nwant\n%+v", got, want)
		}
	}
}

func TestModelFirstDecidesPairing(t *testing.T) {
	// Two judgments in the same order are not a pair: the second is a duplicate, and the
	// comparison has no outcome.
	js := both("q1", "fi", WinnerModel, WinnerModel)
	js[1].ModelFirst = true
	rep := Aggregate(js, Options{Bootstrap: 10})
	r := row(t, rep, "fi", "", 0)
	if r.N != 0 || r.Errors != 1 || rep.Duplicates != 1 {
		t.Errorf("n=%d errors=%d duplicates=%d, want 0, 1, 1", r.N, r.Errors, rep.Duplicates)
	}
}

func TestPooledRowIsTheSumOfLanguages(t *testing.T) {
	js := cat(
		both("q1", "fi", WinnerModel, WinnerModel),
		both("q2", "fi", WinnerTie, WinnerModel),
		both("q1", "th", WinnerBaseline, WinnerBaseline),
		both("q2", "th", WinnerModel, WinnerModel),
		both("q3", "th", WinnerModel, ""),
		both("q3", "sw", WinnerTie, WinnerTie),
	)
	js[9].Error = ErrJudgeUnparseable
	rep := Aggregate(js, Options{Bootstrap: 100, InputPerM: 3, OutputPerM: 15})
	all := row(t, rep, AllLangs, "", 0)
	var sum Result
	for _, l := range []string{"fi", "th", "sw"} {
		r := row(t, rep, l, "", 0)
		sum.N += r.N
		sum.Wins += r.Wins
		sum.Ties += r.Ties
		sum.Losses += r.Losses
		sum.Errors += r.Errors
		sum.JudgeCalls += r.JudgeCalls
		sum.JudgePromptTokens += r.JudgePromptTokens
		sum.ParseFailuresAfterReask += r.ParseFailuresAfterReask
		sum.JudgeCost += r.JudgeCost
	}
	if all.N != sum.N || all.Wins != sum.Wins || all.Ties != sum.Ties || all.Losses != sum.Losses ||
		all.Errors != sum.Errors || all.JudgeCalls != sum.JudgeCalls || all.JudgePromptTokens != sum.JudgePromptTokens ||
		all.ParseFailuresAfterReask != sum.ParseFailuresAfterReask || !near(all.JudgeCost, sum.JudgeCost) {
		t.Errorf("pooled row %+v is not the sum of the languages %+v", all, sum)
	}
	if all.N != 5 || all.Wins != 2 || all.Ties != 2 || all.Losses != 1 || all.Errors != 1 {
		t.Errorf("pooled n/W/T/L/errors = %d/%d/%d/%d/%d, want 5/2/2/1/1", all.N, all.Wins, all.Ties, all.Losses, all.Errors)
	}
	if all.Questions != 3 {
		t.Errorf("pooled questions = %d, want 3: a question in several languages is one cluster", all.Questions)
	}
	// 12 judgments of 1000 prompt and 10 completion tokens at 3 and 15 per million.
	if want := (12000*3 + 120*15) / 1e6; !near(all.JudgeCost, want) {
		t.Errorf("judge cost %v, want %v", all.JudgeCost, want)
	}
	// Rows: the languages in order, then the pooled one.
	var langs []string
	for _, r := range rep.Results {
		langs = append(langs, r.Lang)
	}
	if got := strings.Join(langs, " "); got != "fi sw th all" {
		t.Errorf("row order %q, want %q", got, "fi sw th all")
	}
}

func TestCategoryRows(t *testing.T) {
	var js []Judgment
	for i, p := range [][]Judgment{
		both("q1", "fi", WinnerModel, WinnerModel),
		both("q1", "th", WinnerModel, WinnerModel),
		both("q2", "fi", WinnerBaseline, WinnerBaseline),
		both("q3", "fi", WinnerTie, WinnerTie),
	} {
		c := "math"
		if i >= 2 {
			c = "writing"
		}
		for k := range p {
			p[k].Category = c
		}
		js = append(js, p...)
	}
	rep := Aggregate(js, Options{Bootstrap: 10})
	m := row(t, rep, AllLangs, "math", 0)
	w := row(t, rep, AllLangs, "writing", 0)
	if m.N != 2 || m.Wins != 2 || w.N != 2 || w.Losses != 1 || w.Ties != 1 {
		t.Errorf("math %+v, writing %+v", m, w)
	}
	for _, r := range rep.Results {
		if r.Category != "" && r.Lang != AllLangs {
			t.Errorf("per-category row for a language: %+v", r)
		}
	}
	if len(rep.Results) != 5 { // fi, th, all, all/math, all/writing
		t.Errorf("%d rows, want 5", len(rep.Results))
	}
}

func TestTurnRows(t *testing.T) {
	single := Aggregate(cat(both("q1", "fi", WinnerModel, WinnerModel)), Options{Bootstrap: 10})
	for _, r := range single.Results {
		if r.Turn != 0 {
			t.Errorf("turn row without a multi-turn question: %+v", r)
		}
	}
	t2 := both("q1", "fi", WinnerBaseline, WinnerBaseline)
	t2[0].Turn, t2[1].Turn = 2, 2
	t2th := both("q1", "th", WinnerTie, WinnerModel)
	t2th[0].Turn, t2th[1].Turn = 2, 2
	js := cat(both("q1", "fi", WinnerModel, WinnerModel), t2, both("q1", "th", WinnerModel, WinnerModel), t2th)
	rep := Aggregate(js, Options{Bootstrap: 10})
	if r := row(t, rep, "fi", "", 0); r.N != 2 || r.Wins != 1 || r.Losses != 1 {
		t.Errorf("fi all turns: %+v", r)
	}
	if r := row(t, rep, "fi", "", 2); r.N != 1 || r.Losses != 1 {
		t.Errorf("fi turn 2: %+v", r)
	}
	if r := row(t, rep, AllLangs, "", 1); r.N != 2 || r.Wins != 2 {
		t.Errorf("all turn 1: %+v", r)
	}
	if r := row(t, rep, AllLangs, "", 2); r.N != 2 || r.Losses != 1 || r.Ties != 1 {
		t.Errorf("all turn 2: %+v", r)
	}
	if len(rep.Results) != 9 { // (fi, th, all) × (all turns, 1, 2)
		t.Errorf("%d rows, want 9", len(rep.Results))
	}
}

func TestPositionConsistencyAndFirstPositionRate(t *testing.T) {
	gate := both("q4", "fi", WinnerBaseline, WinnerBaseline)
	gate[0].ByGate, gate[1].ByGate = true, true
	unparsed := both("q5", "fi", WinnerModel, "")
	unparsed[1].Error, unparsed[1].Reasked = ErrJudgeUnparseable, true
	reasked := both("q6", "fi", WinnerBaseline, WinnerBaseline)
	reasked[0].Reasked = true
	js := cat(
		both("q1", "fi", WinnerModel, WinnerModel),    // consistent; first picked once
		both("q2", "fi", WinnerModel, WinnerBaseline), // inconsistent; first picked twice
		both("q3", "fi", WinnerTie, WinnerTie),        // consistent; no side picked
		gate,                                          // by the gate: in neither rate
		unparsed,                                      // one order unparsed: not in consistency; its other order picked first
		reasked,                                       // consistent; first picked once (baseline shown first)
	)
	r := row(t, Aggregate(js, Options{Bootstrap: 10}), "fi", "", 0)
	if r.ConsistencyN != 4 || !near(r.PositionConsistency, 0.75) {
		t.Errorf("position consistency %v of %d, want 0.75 of 4", r.PositionConsistency, r.ConsistencyN)
	}
	if r.SideVerdicts != 7 || !near(r.FirstPositionRate, 5.0/7) {
		t.Errorf("first-position rate %v of %d, want 5/7 of 7", r.FirstPositionRate, r.SideVerdicts)
	}
	if r.GateDecisions != 1 || r.ParseFailures != 2 || r.ParseFailuresAfterReask != 1 || r.Errors != 1 || r.N != 5 {
		t.Errorf("gate %d, parse failures %d/%d, errors %d, n %d; want 1, 2/1, 1, 5",
			r.GateDecisions, r.ParseFailures, r.ParseFailuresAfterReask, r.Errors, r.N)
	}
}

func TestWrongLanguageCountsEachAnswerOnce(t *testing.T) {
	off := both("q1", "fi", WinnerBaseline, WinnerBaseline)
	off[0].ModelOffLanguage, off[1].ModelOffLanguage = true, true
	off[0].ModelChars, off[1].ModelChars = 200, 200
	baseOff := both("q2", "fi", WinnerModel, WinnerModel)
	baseOff[1].BaselineOffLanguage = true // one order says so: still one answer
	baseOff[0].ModelChars, baseOff[1].ModelChars = 300, 300
	gone := both("q4", "fi", "", "")
	gone[0].Error, gone[1].Error = ErrAnswerMissing, ErrAnswerMissing
	gone[0].ModelOffLanguage, gone[1].ModelOffLanguage = true, true
	js := cat(off, baseOff, both("q3", "fi", WinnerTie, WinnerTie), gone)
	r := row(t, Aggregate(js, Options{Bootstrap: 10}), "fi", "", 0)
	if r.Answers != 3 || !near(r.WrongLanguageRate, 1.0/3) || !near(r.BaselineWrongLanguageRate, 1.0/3) {
		t.Errorf("wrong language %v / baseline %v of %d answers, want 1/3, 1/3 of 3", r.WrongLanguageRate, r.BaselineWrongLanguageRate, r.Answers)
	}
	if !near(r.MeanAnswerChars, 200) || !near(r.BaselineMeanAnswerChars, 80) {
		t.Errorf("mean chars %v / %v, want 200 / 80", r.MeanAnswerChars, r.BaselineMeanAnswerChars)
	}
}

func TestEmptyRowIsJSONSafe(t *testing.T) {
	js := both("q1", "fi", "", "")
	js[0].Error, js[1].Error = ErrLLMGaveUp, ErrLLMGaveUp
	rep := Aggregate(js, Options{})
	if rep.Bootstrap != DefaultBootstrap {
		t.Errorf("bootstrap %d, want the default %d", rep.Bootstrap, DefaultBootstrap)
	}
	r := row(t, rep, "fi", "", 0)
	if r.N != 0 || r.Errors != 1 || r.WinRateAdjusted != 0 || r.CILow != 0 || r.CIHigh != 0 || r.LCWinRate != nil {
		t.Errorf("empty row %+v", r)
	}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"win_rate_adjusted":0`, `"first_position_rate":0`, `"errors":1`, `"lc_note":"not fitted: n = 0 \u003c 30"`} {
		if !strings.Contains(string(b), key) {
			t.Errorf("JSON lacks %s: %s", key, b)
		}
	}
}

func TestRowDoesNotDependOnOtherRows(t *testing.T) {
	var a []Judgment
	for i := range 20 {
		w := WinnerModel
		if i%3 == 0 {
			w = WinnerBaseline
		}
		a = append(a, both(string(rune('a'+i)), "fi", w, w)...)
	}
	other := both("z", "th", WinnerModel, WinnerModel)
	for i := range other {
		other[i].Model = "n"
	}
	alone := Aggregate(a, Options{Bootstrap: 300, Seed: 3})
	with := Aggregate(append(append([]Judgment(nil), a...), other...), Options{Bootstrap: 300, Seed: 3})
	if !reflect.DeepEqual(row(t, alone, "fi", "", 0), row(t, with, "fi", "", 0)) {
		t.Errorf("a row changed when another model's rows were added")
	}
	// The interval moves in steps of 1/20 here, so some seeds may agree; not all do.
	same := true
	for seed := uint64(4); seed < 12 && same; seed++ {
		reseeded := Aggregate(a, Options{Bootstrap: 300, Seed: seed})
		same = reflect.DeepEqual(row(t, alone, "fi", "", 0), row(t, reseeded, "fi", "", 0))
	}
	if same {
		t.Errorf("the seed does not change the interval")
	}
}
