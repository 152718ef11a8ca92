package pairjudge

import (
	"testing"

	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/transforms/answer"
)

// compare runs compareFn on one ask and its answers.
func compare(p CompareParams, ask *answer.Ask, answers []evalio.Answer) (cs []Comparison, decided []Judgment, counts map[string]int) {
	counts = map[string]int{}
	asks := func(a *answer.Ask) bool {
		if ask == nil {
			return false
		}
		*a, ask = *ask, nil
		return true
	}
	i := 0
	next := func(a *evalio.Answer) bool {
		if i >= len(answers) {
			return false
		}
		*a = answers[i]
		i++
		return true
	}
	(&compareFn{Params: p}).ProcessElement("k", asks, next,
		func(c Comparison) { cs = append(cs, c) }, func(j Judgment) { decided = append(decided, j) },
		func(k string, n int) { counts[k] += n })
	return cs, decided, counts
}

func TestCompareBothOrdersTheGateAndMissingAnswers(t *testing.T) {
	ask := answer.Ask{QuestionID: "81", Lang: "fi", Category: "writing", Turns: []string{"q1", "q2"}, Reference: []string{"r1"}}
	ans := func(model string, turn int, off bool) evalio.Answer {
		return evalio.Answer{QuestionID: "81", Lang: "fi", Model: model, Turn: turn, Answer: model + "-t" + itoa(turn), OffLanguage: off, Chars: 10 * turn}
	}
	answers := []evalio.Answer{ans("m", 1, false), ans("m", 2, false), ans("b", 1, false), ans("b", 2, true), ans("x", 1, false)}

	// m against b: turn 1 goes to the judge in both orders; turn 2's baseline answer is
	// off-language, so with lose the gate decides it; x has no second turn.
	cs, decided, counts := compare(CompareParams{Models: []string{"m", "x"}, Baseline: "b", Gate: GateLose}, &ask, answers)
	if len(cs) != 4 { // m turn 1 x2, x turn 1 x2
		t.Fatalf("%d orderings to judge, want 4: %+v", len(cs), cs)
	}
	first := cs[0]
	if first.Model != "m" || !first.ModelFirst || first.Turns[0].AnswerA != "m-t1" || first.Turns[0].AnswerB != "b-t1" || first.Reference != "r1" {
		t.Errorf("model-first ordering %+v", first)
	}
	if second := cs[1]; second.ModelFirst || second.Turns[0].AnswerA != "b-t1" {
		t.Errorf("baseline-first ordering %+v", second)
	}
	var gate, missing int
	for _, j := range decided {
		switch {
		case j.Parsed == ParsedGate && j.Winner == WinnerModel && j.Turn == 2 && j.Model == "m":
			gate++
		case j.Error == FilteredMissing && j.Model == "x" && j.Turn == 2:
			missing++
		default:
			t.Errorf("unexpected decided judgment %+v", j)
		}
	}
	if gate != 2 || missing != 2 {
		t.Errorf("gate decisions %d (want 2: both orders), missing %d (want 2)", gate, missing)
	}
	if counts["compare/in/fi"] != 8 || counts["compare/out/fi"] != 4 || counts["filtered/compare/decided_by_gate"] != 2 || counts["filtered/compare/answer_missing"] != 2 {
		t.Errorf("counts %v", counts)
	}

	// With judge, the off-language answer goes to the judge, and the turn-2 dialogue
	// carries turn 1.
	cs, _, _ = compare(CompareParams{Models: []string{"m"}, Baseline: "b", Gate: GateJudge}, &ask, answers)
	if len(cs) != 4 || cs[2].Turn != 2 || len(cs[2].Turns) != 2 || !cs[2].BaselineOffLanguage || cs[2].Reference != "" {
		t.Fatalf("with --language_gate=judge: %+v", cs)
	}
}

func TestCompareCountsImportedAnswers(t *testing.T) {
	ask := answer.Ask{QuestionID: "1", Lang: "fi", Turns: []string{"q"}}
	imp := func(model string, line int64) evalio.Answer {
		return evalio.Answer{QuestionID: "1", Lang: "fi", Model: model, Turn: 1, Imported: true, Source: "a.jsonl", Line: line}
	}
	_, _, counts := compare(CompareParams{Models: []string{"m"}, Baseline: "b", Gate: GateOff}, &ask,
		[]evalio.Answer{imp("m", 1), imp("m", 2), imp("b", 3), imp("zz", 4)})
	if counts["imports/out/fi"] != 2 || counts["filtered/imports/duplicate_answer"] != 1 || counts["filtered/imports/model_not_compared"] != 1 {
		t.Errorf("counts %v", counts)
	}
	_, _, counts = compare(CompareParams{Models: []string{"m"}, Baseline: "b", Gate: GateOff}, nil, []evalio.Answer{imp("m", 1)})
	if counts["filtered/imports/no_such_question"] != 1 {
		t.Errorf("an answer to a question not asked: counts %v", counts)
	}
}

func itoa(n int) string { return string(rune('0' + n)) }
