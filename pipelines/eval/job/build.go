package job

import (
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/stats"
	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/io/recordio"
	"github.com/xinstruct/xinstruct/io/shardio"
	"github.com/xinstruct/xinstruct/transforms/answer"
	"github.com/xinstruct/xinstruct/transforms/estimate"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// Output directories below the output prefix.
const (
	AnswersDir   = "answers"   // answers/<model>/<lang>/part-*.jsonl
	JudgmentsDir = "judgments" // judgments/<lang>/part-*.jsonl
	RejectedDir  = "rejected"  // rejected/<stage>/part-*.jsonl
)

// Result holds the pipeline's main PCollections, for tests to assert on.
type Result struct {
	Answers   beam.PCollection // PCollection<evalio.Answer>: asked and imported, gated
	Judgments beam.PCollection // PCollection<pairjudge.Judgment>: every ordering, with a verdict or an Error
	Rejected  beam.PCollection // PCollection<record.Rejected>
	Counts    beam.PCollection // PCollection<KV<string, int>>
}

// Build adds the eval job to s: read the questions and expand them into asks per
// language; have each model of cfg.Models answer them turn by turn, and read the
// imported answers; check each answer's language; pair every model's answer with the
// baseline's in both orders and have the judge give each ordering its verdict; then
// the leaderboard, sharded atomic outputs and the report, published last. It panics if
// cfg is invalid (call cfg.Validate first for an error).
func Build(s beam.Scope, cfg Config) Result {
	if err := cfg.Validate(); err != nil {
		panic(fmt.Sprintf("eval.Build: %v", err))
	}
	temp := publish.TempDir(cfg.Output, cfg.RunID)
	typical := estimate.DefaultEvalTypical()
	qs := s.Scope("Questions")
	questions, rejected := evalio.ReadQuestions(qs, cfg.Questions)
	asks, askRejected, counts := answer.Expand(qs, answer.ExpandParams{Languages: cfg.Languages}, questions)
	rejectedAll := []beam.PCollection{rejected, askRejected}
	countsAll := []beam.PCollection{counts}

	as := s.Scope("Answer")
	nTurns := answer.TurnCount(as, asks)
	var answers []beam.PCollection
	for _, m := range cfg.Models {
		a, r, c := answer.Answer(as.Scope(m.Name), answer.Params{Name: m.Name, LLM: m.LLM, ProgressEvery: cfg.ProgressEvery, Estimate: cfg.Estimate, TypicalAnswer: typical.Answer}, asks, nTurns)
		answers, rejectedAll, countsAll = append(answers, a), append(rejectedAll, r), append(countsAll, c)
	}
	if len(cfg.Answers) > 0 {
		imp, r := evalio.ReadAnswers(as.Scope("Imported"), cfg.Answers)
		answers, rejectedAll = append(answers, imp), append(rejectedAll, r)
		countsAll = append(countsAll, funnel.CountAll(as, funnel.InKey(evalio.StageImports), imp), funnel.CountAll(as, funnel.InKey(evalio.StageImports), r))
	}
	gated := answer.Gate(as, cfg.Gate == pairjudge.GateOff, beam.Flatten(as, answers...))

	js := s.Scope("Judge")
	comparisons, decided, c := pairjudge.Compare(js, pairjudge.CompareParams{Models: cfg.Compared(), Baseline: cfg.Baseline, Gate: cfg.Gate}, asks, gated)
	countsAll = append(countsAll, c)
	judged, failed, r, c := pairjudge.Judge(js, pairjudge.JudgeParams{LLM: cfg.Judge, Format: cfg.Format, Structured: cfg.Structured,
		ProgressEvery: cfg.ProgressEvery, Estimate: cfg.Estimate, AnswerTokens: cfg.answerTokens(), TypicalAnswer: typical.Answer}, comparisons, stats.CountElms(js, comparisons))
	rejectedAll, countsAll = append(rejectedAll, r), append(countsAll, c)

	allRejected := beam.Flatten(s, rejectedAll...)
	countsAll = append(countsAll, funnel.CountRejected(s, allRejected))
	judgments := beam.Flatten(s, judged, decided, failed)
	res := Result{Answers: gated, Judgments: judgments, Rejected: allRejected}
	if cfg.Estimate {
		// An estimate leaves the outputs of earlier runs alone: it writes its report only.
		res.Counts = beam.Flatten(s, countsAll...)
		finalize(s, cfg, beam.CreateList(s, []shardio.File{}), beam.CreateList(s, []publish.File{}), res.Counts, beam.PCollection{})
		return res
	}
	lines := []beam.PCollection{formatAnswers(s, gated), formatJudgments(s, beam.Flatten(s, judged, decided)), recordio.FormatRejected(s, allRejected)}
	countsAll = append(countsAll, funnel.CountAll(s, writtenKey(AnswersDir), gated), funnel.CountAll(s, writtenKey(JudgmentsDir), beam.Flatten(s, judged, decided)))
	res.Counts = beam.Flatten(s, countsAll...)
	temps := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(temp, "out"), Ext: ".jsonl", MaxShardBytes: cfg.MaxShardBytes}, beam.Flatten(s, lines...))
	shards := shardio.Commit(s, shardio.CommitParams{Prefix: cfg.Output, Ext: ".jsonl", OwnedDirs: []string{AnswersDir, JudgmentsDir, RejectedDir},
		Invalidate: []string{publish.SuccessFile}, RunID: cfg.RunID}, temps)
	board := leaderboardOf(s.Scope("Leaderboard"), cfg, judgments)
	files := writeReportFiles(s, cfg, board)
	finalize(s, cfg, shards, files, res.Counts, board)
	return res
}

// answerTokens bounds an answer the estimate does not have: the answering models'
// max_tokens.
func (c Config) answerTokens() int {
	n := 0
	for _, m := range c.Models {
		n = max(n, m.LLM.Sampling.MaxTokens)
	}
	return max(n, c.Judge.Sampling.MaxTokens)
}
