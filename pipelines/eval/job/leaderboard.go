package job

import (
	"encoding/json"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/transforms/leaderboard"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

func init() {
	register.Function1x2(slimJudgment)
	register.DoFn3x0[int, func(*leaderboard.Judgment) bool, func(leaderboard.Report)](&aggregateFn{})
	register.Emitter2[int, leaderboard.Judgment]()
	register.Emitter1[leaderboard.Report]()
	register.Iter1[leaderboard.Judgment]()
	beam.RegisterType(reflect.TypeOf((*leaderboard.Judgment)(nil)).Elem())
	// Maps, pointers and floats that may be absent: JSON, away from the row coder's pitfalls.
	beam.RegisterCoder(reflect.TypeOf(leaderboard.Report{}), encodeBoard, decodeBoard)
}

// leaderboardOf aggregates every ordering's judgment (with a verdict or an error) into
// the leaderboard: PCollection<pairjudge.Judgment> in, a singleton
// PCollection<leaderboard.Report> out. The judgments of an eval are thousands of small
// records: one worker holds them all.
func leaderboardOf(s beam.Scope, cfg Config, judgments beam.PCollection) beam.PCollection {
	keyed := beam.ParDo(s, slimJudgment, judgments)
	return beam.ParDo(s, &aggregateFn{Bootstrap: cfg.Bootstrap, Seed: cfg.Seed, InputPerM: cfg.Judge.Price.InputPerM, OutputPerM: cfg.Judge.Price.OutputPerM},
		beam.GroupByKey(s, keyed))
}

// slimJudgment keeps what the leaderboard needs, under one key.
func slimJudgment(j pairjudge.Judgment) (int, leaderboard.Judgment) {
	return 0, leaderboard.Judgment{
		QuestionID: j.QuestionID, Lang: j.Lang, Category: j.Category, Turn: j.Turn, Model: j.Model, Baseline: j.Baseline,
		ModelFirst: j.Order == pairjudge.OrderModelFirst, Winner: j.Winner, Strength: j.Strength, Error: j.Error,
		Reasked: j.Reasked, ByGate: j.Parsed == pairjudge.ParsedGate,
		ModelOffLanguage: j.ModelOffLanguage, BaselineOffLanguage: j.BaselineOffLanguage,
		ModelChars: j.ModelChars, BaselineChars: j.BaselineChars,
		JudgeCalls: j.JudgeCalls, PromptTokens: j.PromptTokens, CompletionTokens: j.CompletionTokens,
	}
}

type aggregateFn struct {
	Bootstrap             int
	Seed                  uint64
	InputPerM, OutputPerM float64
}

func (fn *aggregateFn) ProcessElement(_ int, judgments func(*leaderboard.Judgment) bool, emit func(leaderboard.Report)) {
	var all []leaderboard.Judgment
	var j leaderboard.Judgment
	for judgments(&j) {
		all = append(all, j)
	}
	emit(leaderboard.Aggregate(all, leaderboard.Options{Bootstrap: fn.Bootstrap, Seed: fn.Seed, InputPerM: fn.InputPerM, OutputPerM: fn.OutputPerM}))
}

func encodeBoard(r leaderboard.Report) ([]byte, error) { return json.Marshal(r) }
func decodeBoard(b []byte) (leaderboard.Report, error) {
	var r leaderboard.Report
	err := json.Unmarshal(b, &r)
	return r, err
}
