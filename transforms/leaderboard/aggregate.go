package leaderboard

import (
	"cmp"
	"fmt"
	"slices"
)

// AllLangs is the Lang of the rows pooled over every language.
const AllLangs = "all"

// DefaultBootstrap is the number of bootstrap rounds when Options.Bootstrap is 0.
const DefaultBootstrap = 1000

// Options steer Aggregate.
type Options struct {
	Bootstrap  int     // bootstrap rounds; DefaultBootstrap when 0
	Seed       uint64  // the bootstrap's seed: the same judgments and seed give the same report
	InputPerM  float64 // the judge's price per million prompt tokens
	OutputPerM float64 // the judge's price per million completion tokens
}

// Report is what Aggregate makes of a run's judgments.
type Report struct {
	Results      []Result  `json:"results"`
	BradleyTerry []BTScore `json:"bradley_terry,omitempty"` // nil unless two or more models share one baseline
	Bootstrap    int       `json:"bootstrap"`               // the rounds used
	Seed         uint64    `json:"seed"`
	// Duplicates counts judgments ignored because another judgment had the same comparison
	// key and order (see Aggregate); a sound pipeline makes none.
	Duplicates int `json:"duplicates,omitempty"`
}

// Result is one row of the leaderboard: a model against its baseline in one language (or
// AllLangs), one category (or all when ""), one turn (or all when 0).
//
// A rate whose denominator is 0 is reported as 0, never NaN (JSON has no NaN): read it with
// its denominator, named in its comment (n, consistency_n, side_verdicts, answers).
type Result struct {
	Lang     string `json:"lang"`
	Category string `json:"category,omitempty"` // "" means all categories
	Turn     int    `json:"turn,omitempty"`     // 0 means all turns
	Model    string `json:"model"`
	Baseline string `json:"baseline"`

	// N counts the comparisons (both orders of one question, turn and language) that have an
	// outcome by FastChat's rule: both orders agree, or else a tie.
	N         int `json:"n"`
	Questions int `json:"questions"` // distinct question IDs among those N: the bootstrap's clusters
	Wins      int `json:"wins"`
	Ties      int `json:"ties"`
	Losses    int `json:"losses"`

	WinRate         float64 `json:"win_rate"`          // wins/n
	WinRateAdjusted float64 `json:"win_rate_adjusted"` // (wins + ties/2)/n
	// CILow and CIHigh bound the 95% percentile interval of WinRateAdjusted from a cluster
	// bootstrap that resamples question IDs, so a question's comparisons in every language
	// and turn of the row move together.
	CILow  float64 `json:"ci_low"`
	CIHigh float64 `json:"ci_high"`

	// LCWinRate is the length-controlled win rate (see lengthcontrol.go), absent when the fit
	// is not sound; LCNote then says why.
	LCWinRate *float64 `json:"lc_win_rate,omitempty"`
	LCNote    string   `json:"lc_note,omitempty"`

	// PositionConsistency is the share of the judge-decided comparisons (neither order by
	// the gate, both orders with a verdict) whose two orders give the same outcome; there
	// are ConsistencyN of them. A judge that follows the answers and not their places is
	// near 1.
	PositionConsistency float64 `json:"position_consistency"`
	ConsistencyN        int     `json:"consistency_n"`
	// FirstPositionRate is, among the single-order verdicts of the judge (not by the gate,
	// no error) that pick a side rather than a tie, the share that picked the answer shown
	// first; there are SideVerdicts of them. Since each comparison is judged in both orders,
	// 0.5 means no position bias; above 0.5 the judge favours assistant A, below it B.
	FirstPositionRate float64 `json:"first_position_rate"`
	SideVerdicts      int     `json:"side_verdicts"`

	// WrongLanguageRate is the share of the model's answers (one per question, language and
	// turn: both orders show the same answer) that are not in the row's language;
	// BaselineWrongLanguageRate is the same for the baseline's answers. There are Answers of
	// each: the row's comparisons less those with an "answer_missing" error.
	WrongLanguageRate         float64 `json:"wrong_language_rate"`
	BaselineWrongLanguageRate float64 `json:"baseline_wrong_language_rate"`
	Answers                   int     `json:"answers"`

	ParseFailures           int `json:"parse_failures"`             // single-order judgments whose first reply did not parse (re-asked)
	ParseFailuresAfterReask int `json:"parse_failures_after_reask"` // single-order judgments still unparseable after the re-ask
	Errors                  int `json:"errors"`                     // comparisons without an outcome: an order has an error or is missing
	GateDecisions           int `json:"gate_decisions"`             // comparisons decided by the answer-language gate in both orders

	MeanAnswerChars         float64 `json:"mean_answer_chars"` // over the Answers, in runes
	BaselineMeanAnswerChars float64 `json:"baseline_mean_answer_chars"`

	JudgeCalls            int     `json:"judge_calls"`
	JudgePromptTokens     int     `json:"judge_prompt_tokens"`
	JudgeCompletionTokens int     `json:"judge_completion_tokens"`
	JudgeCost             float64 `json:"judge_cost"` // from Options' prices per million tokens
}

// compKey names one comparison: both orders of it share the key.
type compKey struct {
	QuestionID, Lang string
	Turn             int
	Model, Baseline  string
}

func compareKeys(a, b compKey) int {
	return cmp.Or(
		cmp.Compare(a.Model, b.Model),
		cmp.Compare(a.Baseline, b.Baseline),
		cmp.Compare(a.QuestionID, b.QuestionID),
		cmp.Compare(a.Lang, b.Lang),
		cmp.Compare(a.Turn, b.Turn),
	)
}

// comparison is both orders of one comparison, with its outcome by FastChat's rule.
type comparison struct {
	compKey
	Category string
	orders   [2]*Judgment // [0]: the model shown first; [1]: the baseline shown first
	outcome  bool         // score is valid: both orders are there with a verdict
	score    float64      // 1 the model wins, 0.5 a tie, 0 the baseline wins
	byGate   bool         // both orders decided by the gate
	judged   bool         // neither order by the gate, both with a verdict
	agree    bool         // judged, and both orders give the same verdict
}

func scoreOf(winner string) float64 {
	switch winner {
	case WinnerModel:
		return 1
	case WinnerBaseline:
		return 0
	}
	return 0.5
}

// pair groups the judgments into comparisons, sorted by key. When two judgments have the
// same key and order, the first in a fixed order of all their fields is kept so that the
// result does not depend on the input's order; the number dropped is returned.
func pair(js []Judgment) ([]*comparison, int) {
	sorted := slices.Clone(js)
	slices.SortFunc(sorted, func(a, b Judgment) int {
		if c := cmp.Or(compareKeys(keyOf(a), keyOf(b)), compareBool(a.ModelFirst, b.ModelFirst)); c != 0 {
			return c
		}
		return cmp.Compare(fmt.Sprintf("%#v", a), fmt.Sprintf("%#v", b)) // only duplicates get here
	})
	var comps []*comparison
	dups := 0
	for i := range sorted {
		j := &sorted[i]
		if j.Model == j.Baseline {
			continue
		}
		k := keyOf(*j)
		if len(comps) == 0 || comps[len(comps)-1].compKey != k {
			comps = append(comps, &comparison{compKey: k, Category: j.Category})
		}
		c := comps[len(comps)-1]
		slot := 1
		if j.ModelFirst {
			slot = 0
		}
		if c.orders[slot] != nil {
			dups++
			continue
		}
		c.orders[slot] = j
	}
	for _, c := range comps {
		c.settle()
	}
	return comps, dups
}

func keyOf(j Judgment) compKey {
	return compKey{QuestionID: j.QuestionID, Lang: j.Lang, Turn: j.Turn, Model: j.Model, Baseline: j.Baseline}
}

func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// settle works out the outcome: FastChat's rule is that a verdict counts only when both
// orders agree, and a disagreement (a win and a loss, or a win and a tie) is a tie, which
// cancels the judge's position bias instead of letting it pick winners.
func (c *comparison) settle() {
	a, b := c.orders[0], c.orders[1]
	if a == nil || b == nil || !a.hasVerdict() || !b.hasVerdict() {
		return
	}
	c.outcome = true
	c.score = 0.5
	if a.Winner == b.Winner {
		c.score = scoreOf(a.Winner)
	}
	c.byGate = a.ByGate && b.ByGate
	c.judged = !a.ByGate && !b.ByGate
	c.agree = c.judged && a.Winner == b.Winner
}

// present returns the orders that are there.
func (c *comparison) present() []*Judgment {
	var out []*Judgment
	for _, j := range c.orders {
		if j != nil {
			out = append(out, j)
		}
	}
	return out
}

// rowSpec selects the comparisons of one Result.
type rowSpec struct {
	Model, Baseline, Lang, Category string
	Turn                            int
}

func (s rowSpec) matches(c *comparison) bool {
	return c.Model == s.Model && c.Baseline == s.Baseline &&
		(s.Lang == AllLangs || c.Lang == s.Lang) &&
		(s.Category == "" || c.Category == s.Category) &&
		(s.Turn == 0 || c.Turn == s.Turn)
}

// seedKey names the row for its bootstrap's random stream, so that a row's interval depends
// on the seed and the row alone, not on which other rows exist.
func (s rowSpec) seedKey() string {
	return fmt.Sprintf("row\x00%s\x00%s\x00%s\x00%s\x00%d", s.Model, s.Baseline, s.Lang, s.Category, s.Turn)
}

// compareLangs orders languages alphabetically with AllLangs last.
func compareLangs(a, b string) int {
	return cmp.Or(compareBool(a == AllLangs, b == AllLangs), cmp.Compare(a, b))
}

// compareRows is the order of Report.Results: model, baseline, language (alphabetical,
// AllLangs last), category ("" first), turn (0 first).
func compareRows(a, b Result) int {
	return cmp.Or(
		cmp.Compare(a.Model, b.Model),
		cmp.Compare(a.Baseline, b.Baseline),
		compareLangs(a.Lang, b.Lang),
		cmp.Compare(a.Category, b.Category),
		cmp.Compare(a.Turn, b.Turn),
	)
}

// Aggregate pairs the two orders of each comparison and makes the leaderboard's rows for
// every model against its baseline: one per language; one pooled over languages
// (AllLangs); one per category, pooled; and, when some question has more than one turn,
// one per turn for AllLangs and each language. Results are sorted as compareRows says.
// Judgments whose Model is their Baseline are ignored.
func Aggregate(js []Judgment, o Options) Report {
	if o.Bootstrap <= 0 {
		o.Bootstrap = DefaultBootstrap
	}
	comps, dups := pair(js)
	rep := Report{Bootstrap: o.Bootstrap, Seed: o.Seed, Duplicates: dups}

	// comps is sorted by model and baseline first, so each pair's comparisons are a run.
	for start := 0; start < len(comps); {
		end := start
		for end < len(comps) && comps[end].Model == comps[start].Model && comps[end].Baseline == comps[start].Baseline {
			end++
		}
		group := comps[start:end]
		for _, s := range rowSpecs(group) {
			var sel []*comparison
			for _, c := range group {
				if s.matches(c) {
					sel = append(sel, c)
				}
			}
			rep.Results = append(rep.Results, computeRow(s, sel, o))
		}
		start = end
	}
	slices.SortFunc(rep.Results, compareRows)
	rep.BradleyTerry = bradleyTerry(comps, o)
	return rep
}

// rowSpecs lists the rows of one model and baseline.
func rowSpecs(group []*comparison) []rowSpec {
	var langs, cats []string
	var turns []int
	for _, c := range group {
		langs = append(langs, c.Lang)
		if c.Category != "" {
			cats = append(cats, c.Category)
		}
		turns = append(turns, c.Turn)
	}
	langs, cats, turns = uniq(langs), uniq(cats), uniq(turns)
	base := rowSpec{Model: group[0].Model, Baseline: group[0].Baseline}
	var specs []rowSpec
	for _, l := range append(langs, AllLangs) {
		s := base
		s.Lang = l
		specs = append(specs, s)
	}
	for _, cat := range cats {
		s := base
		s.Lang, s.Category = AllLangs, cat
		specs = append(specs, s)
	}
	if slices.ContainsFunc(turns, func(t int) bool { return t > 1 }) {
		for _, l := range append(langs, AllLangs) {
			for _, t := range turns {
				s := base
				s.Lang, s.Turn = l, t
				specs = append(specs, s)
			}
		}
	}
	return specs
}

func uniq[T cmp.Ordered](xs []T) []T {
	slices.Sort(xs)
	return slices.Compact(xs)
}

// computeRow works out one Result from the comparisons it selects.
func computeRow(s rowSpec, comps []*comparison, o Options) Result {
	r := Result{Lang: s.Lang, Category: s.Category, Turn: s.Turn, Model: s.Model, Baseline: s.Baseline}
	var outcomes []*comparison
	var consistent, firstPicks, offModel, offBase int
	var charsModel, charsBase float64
	for _, c := range comps {
		switch {
		case !c.outcome:
			r.Errors++
		default:
			outcomes = append(outcomes, c)
			switch c.score {
			case 1:
				r.Wins++
			case 0:
				r.Losses++
			default:
				r.Ties++
			}
		}
		if c.byGate {
			r.GateDecisions++
		}
		if c.judged {
			r.ConsistencyN++
			if c.agree {
				consistent++
			}
		}
		orders := c.present()
		missing := false
		var mOff, bOff bool
		var mc, bc float64
		for _, j := range orders {
			if j.Reasked {
				r.ParseFailures++
			}
			if j.Error == ErrJudgeUnparseable {
				r.ParseFailuresAfterReask++
			}
			if j.Error == ErrAnswerMissing {
				missing = true
			}
			if !j.ByGate && j.hasVerdict() && j.Winner != WinnerTie {
				r.SideVerdicts++
				if j.pickedFirst() {
					firstPicks++
				}
			}
			mOff = mOff || j.ModelOffLanguage
			bOff = bOff || j.BaselineOffLanguage
			mc += float64(j.ModelChars) / float64(len(orders))
			bc += float64(j.BaselineChars) / float64(len(orders))
			r.JudgeCalls += j.JudgeCalls
			r.JudgePromptTokens += j.PromptTokens
			r.JudgeCompletionTokens += j.CompletionTokens
		}
		if !missing {
			r.Answers++
			offModel += b2i(mOff)
			offBase += b2i(bOff)
			charsModel += mc
			charsBase += bc
		}
	}
	r.N = len(outcomes)
	r.WinRate = ratio(float64(r.Wins), r.N)
	r.WinRateAdjusted = ratio(float64(r.Wins)+0.5*float64(r.Ties), r.N)
	r.PositionConsistency = ratio(float64(consistent), r.ConsistencyN)
	r.FirstPositionRate = ratio(float64(firstPicks), r.SideVerdicts)
	r.WrongLanguageRate = ratio(float64(offModel), r.Answers)
	r.BaselineWrongLanguageRate = ratio(float64(offBase), r.Answers)
	r.MeanAnswerChars = ratio(charsModel, r.Answers)
	r.BaselineMeanAnswerChars = ratio(charsBase, r.Answers)
	r.JudgeCost = (float64(r.JudgePromptTokens)*o.InputPerM + float64(r.JudgeCompletionTokens)*o.OutputPerM) / 1e6

	clusters := clustersOf(outcomes)
	r.Questions = len(clusters)
	r.CILow, r.CIHigh = bootstrapCI(clusters, o.Bootstrap, newRNG(o.Seed, s.seedKey()))
	r.LCWinRate, r.LCNote = lengthControlled(outcomes)
	return r
}

// ratio is num/den, or 0 when den is 0 (so that no NaN reaches JSON).
func ratio(num float64, den int) float64 {
	if den == 0 {
		return 0
	}
	return num / float64(den)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
