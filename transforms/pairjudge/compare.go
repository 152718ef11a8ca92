package pairjudge

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/transforms/answer"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func init() {
	register.DoFn6x0[string, func(*answer.Ask) bool, func(*evalio.Answer) bool, func(Comparison), func(Judgment), func(string, int)](&compareFn{})
	register.Function1x2(keyAsk)
	register.Function1x2(keyAnswer)
	register.Emitter1[Comparison]()
	register.Emitter1[Judgment]()
	register.Iter1[evalio.Answer]()
}

// Stages of Compare, for the funnel: "compare" counts orderings (in = out to the judge +
// filtered: decided by the gate, or an answer missing); "imports" counts imported
// answers (in = out, used in a comparison, + rejected + filtered).
const (
	StageCompare = "compare"
	StageImports = evalio.StageImports
)

// Reasons an ordering or an imported answer goes no further.
const (
	FilteredByGate       = "decided_by_gate"  // the language gate decided: no judge call
	FilteredMissing      = "answer_missing"   // the model or the baseline has no answer to the turn
	FilteredNotAsked     = "no_such_question" // an imported answer to a question this run does not ask
	FilteredDuplicate    = "duplicate_answer" // a second imported answer to the same turn
	FilteredUnusedAnswer = "model_not_compared"
)

// Language gate modes (--language_gate).
const (
	GateLose  = "lose"  // an off-language answer loses without a judge call
	GateJudge = "judge" // the judge decides; off-language answers are only counted
	GateOff   = "off"   // not checked
)

// CompareParams configure Compare.
type CompareParams struct {
	Models   []string // compared with the baseline, each
	Baseline string
	Gate     string // GateLose, GateJudge or GateOff
}

func (p CompareParams) validate() error {
	switch {
	case p.Baseline == "" || len(p.Models) == 0:
		return fmt.Errorf("no baseline, or no model to compare with it")
	case slices.Contains(p.Models, p.Baseline):
		return fmt.Errorf("the baseline %q is among the models compared with it", p.Baseline)
	case p.Gate != GateLose && p.Gate != GateJudge && p.Gate != GateOff:
		return fmt.Errorf("language gate %q: want lose, judge or off", p.Gate)
	}
	return nil
}

// Compare pairs every model's answer to each turn of each ask with the baseline's, in
// both orders. It takes PCollection<answer.Ask> and PCollection<evalio.Answer> (asked
// and imported, gated) and returns the orderings to judge (PCollection<Comparison>),
// the judgments made without the judge (PCollection<Judgment>: the gate's, with Parsed
// "gate", and those with Error "answer_missing") and funnel counts. It panics at
// construction time if p is invalid.
func Compare(s beam.Scope, p CompareParams, asks, answers beam.PCollection) (comparisons, decided, counts beam.PCollection) {
	s = s.Scope("pairjudge.Compare")
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("pairjudge.Compare: %v", err))
	}
	grouped := beam.CoGroupByKey(s, beam.ParDo(s, keyAsk, asks), beam.ParDo(s, keyAnswer, answers))
	return beam.ParDo3(s, &compareFn{Params: p}, grouped)
}

func keyAsk(a answer.Ask) (string, answer.Ask) { return a.Key(), a }
func keyAnswer(a evalio.Answer) (string, evalio.Answer) {
	return answer.Ask{QuestionID: a.QuestionID, Lang: a.Lang}.Key(), a
}

type compareFn struct{ Params CompareParams }

func (fn *compareFn) ProcessElement(_ string, asks func(*answer.Ask) bool, answers func(*evalio.Answer) bool, emit func(Comparison), decide func(Judgment), counts func(string, int)) {
	var ask answer.Ask
	found := asks(&ask)
	// byModel[model][turn] is the answer; imported answers are counted where they go.
	byModel := map[string]map[int]evalio.Answer{}
	var all []evalio.Answer
	var a evalio.Answer
	for answers(&a) {
		all = append(all, a)
	}
	// A deterministic first among duplicates: by source and line.
	slices.SortFunc(all, func(x, y evalio.Answer) int {
		if c := strings.Compare(x.Source, y.Source); c != 0 {
			return c
		}
		return int(x.Line - y.Line)
	})
	for _, a := range all {
		imported := func(reason string) {
			if a.Imported {
				if reason == "" {
					counts(funnel.Out(StageImports, a.Lang).String(), 1)
				} else {
					counts(funnel.Filtered(StageImports, reason).String(), 1)
				}
			}
		}
		switch {
		case !found || a.Turn > len(ask.Turns):
			imported(FilteredNotAsked)
		case a.Model != fn.Params.Baseline && !slices.Contains(fn.Params.Models, a.Model):
			imported(FilteredUnusedAnswer)
		case byModel[a.Model] != nil && byModel[a.Model][a.Turn].Model != "":
			imported(FilteredDuplicate)
		default:
			if byModel[a.Model] == nil {
				byModel[a.Model] = map[int]evalio.Answer{}
			}
			byModel[a.Model][a.Turn] = a
			imported("")
		}
	}
	if !found {
		return
	}
	base := byModel[fn.Params.Baseline]
	for _, m := range fn.Params.Models {
		for t := 1; t <= len(ask.Turns); t++ {
			for _, modelFirst := range []bool{true, false} {
				c := Comparison{QuestionID: ask.QuestionID, Lang: ask.Lang, Category: ask.Category, Turn: t, Model: m, Baseline: fn.Params.Baseline, ModelFirst: modelFirst}
				if t <= len(ask.Reference) {
					c.Reference = ask.Reference[t-1]
				}
				counts(funnel.In(StageCompare, ask.Lang).String(), 1)
				if !dialogue(&c, ask, byModel[m], base) {
					j := judgmentOf(c)
					j.Error = FilteredMissing
					counts(funnel.Filtered(StageCompare, FilteredMissing).String(), 1)
					decide(j)
					continue
				}
				if fn.Params.Gate == GateLose && (c.ModelOffLanguage || c.BaselineOffLanguage) {
					j := judgmentOf(c)
					j.Parsed = ParsedGate
					switch {
					case c.ModelOffLanguage && c.BaselineOffLanguage:
						j.Winner = WinnerTie
					case c.ModelOffLanguage:
						j.Winner = WinnerBaseline
					default:
						j.Winner = WinnerModel
					}
					counts(funnel.Filtered(StageCompare, FilteredByGate).String(), 1)
					decide(j)
					continue
				}
				counts(funnel.Out(StageCompare, ask.Lang).String(), 1)
				emit(c)
			}
		}
	}
}

// dialogue fills c's turns up to c.Turn from the two models' answers, and reports
// whether every answer it needs is there. The gate's findings and the lengths are those
// of the judged turn's answers.
func dialogue(c *Comparison, ask answer.Ask, model, base map[int]evalio.Answer) bool {
	for t := 1; t <= c.Turn; t++ {
		m, okM := model[t]
		b, okB := base[t]
		if !okM || !okB {
			return false
		}
		turn := Turn{Question: ask.Turns[t-1], AnswerA: b.Answer, AnswerB: m.Answer}
		if c.ModelFirst {
			turn.AnswerA, turn.AnswerB = m.Answer, b.Answer
		}
		c.Turns = append(c.Turns, turn)
		c.Placeholder = c.Placeholder || m.Placeholder || b.Placeholder
		for _, x := range []evalio.Answer{m, b} {
			if x.Estimated {
				c.EstimatedAnswers++
			}
		}
		if t == c.Turn {
			c.ModelOffLanguage, c.BaselineOffLanguage = m.OffLanguage, b.OffLanguage
			c.ModelChars, c.BaselineChars = m.Chars, b.Chars
		}
	}
	return true
}
