package job

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/lease"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/transforms/estimate"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/leaderboard"
)

func init() {
	register.DoFn4x2[context.Context, []byte, func(*string, *int) bool, func(*leaderboard.Report) bool, publish.Verdict, error](&verdictFn{})
	register.DoFn4x1[context.Context, []byte, func(*leaderboard.Report) bool, func(publish.File), error](&reportFilesFn{})
	register.Iter1[leaderboard.Report]()
	register.Emitter1[publish.File]()
}

// finalize publishes the run (publish.Finalize) once every shard and report file is in
// place: the results as the report, checked against what the files hold, and the run's
// outcome (runFailure) deciding between _SUCCESS and _FAILURE; the report is also
// published as a version (io/versions), with its diff against the version before.
// board is the singleton
// leaderboard, or the zero PCollection for an estimate.
func finalize(s beam.Scope, cfg Config, shards, files, counts, board beam.PCollection) {
	s = s.Scope("eval.Finalize")
	params, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	run := publish.Run{Job: "eval", Output: cfg.Output, RunID: cfg.RunID, StartedAt: cfg.StartedAt, Params: params,
		ReportFile: ResultsName, Placeholder: cfg.Placeholder() && !cfg.Estimate, Version: cfg.versionSpec()}
	if cfg.Estimate {
		run.ReportFile, run.ReportOnly = EstimateName, true
	}
	if !board.IsValid() {
		board = beam.CreateList(s, []leaderboard.Report{})
	}
	verdict := beam.ParDo(s, &verdictFn{Cfg: cfg}, beam.Impulse(s), beam.SideInput{Input: counts}, beam.SideInput{Input: board})
	if run.Version != nil {
		verdict = beam.ParDo(s, &reportFactsFn{}, verdict, beam.SideInput{Input: boardDiff(s, cfg, board)})
	}
	publish.Finalize(s, run, shards, files, verdict)
}

// verdictFn turns the counts and the leaderboard into the report, the records each
// output must hold, and whether the run may be published.
type verdictFn struct{ Cfg Config }

func (fn *verdictFn) ProcessElement(ctx context.Context, _ []byte, counts func(*string, *int) bool, boards func(*leaderboard.Report) bool) (publish.Verdict, error) {
	c := fn.Cfg
	sums := publish.SumCounts(counts)
	r := Report{RunID: c.RunID, Placeholder: c.Placeholder() && !c.Estimate, Judge: c.Judge.Model, JudgeFormat: string(c.Format), Structured: c.Structured,
		Gate: c.Gate, Baseline: c.Baseline, Models: c.Names(), Languages: c.Languages, Bootstrap: c.Bootstrap, Seed: c.Seed,
		Funnel: funnel.FromCounts(sums, c.stages()...)}
	r.Funnel.RunID, r.Funnel.Placeholder = c.RunID, r.Placeholder
	for stage, price := range c.prices() {
		r.Funnel.PriceUsage(stage, price.InputPerM, price.OutputPerM)
	}
	for _, byLang := range r.Funnel.LLM {
		u := funnel.Total(byLang)
		r.Calls, r.Cost = r.Calls+u.Requests, r.Cost+u.Cost
	}
	var b leaderboard.Report
	for boards(&b) {
		r.Results, r.BradleyTerry = b.Results, b.BradleyTerry
	}
	if r.Results == nil {
		r.Results = []leaderboard.Result{}
	}
	failure := ""
	if c.Estimate {
		r.Plan = c.plan(ctx, r.Funnel)
	} else {
		failure = runFailure(r, c.MaxFailureRate)
	}
	r.Failure = failure
	expect := map[string]int64{AnswersDir: sums[writtenKey(AnswersDir).String()], JudgmentsDir: sums[writtenKey(JudgmentsDir).String()], RejectedDir: 0}
	for k, n := range sums {
		if strings.HasPrefix(k, string(funnel.KindRejected)+"/") {
			expect[RejectedDir] += n
		}
	}
	return publish.NewVerdict(r, expect, failure)
}

// prices are each model stage's price.
func (c Config) prices() map[string]llm.Price {
	p := map[string]llm.Price{"judge": c.Judge.Price}
	for _, m := range c.Models {
		p["answer_"+m.Name] = m.LLM.Price
	}
	return p
}

// reportFilesFn writes report/README.md, the leaderboard for a person, and its chart,
// and lists them for the manifest.
type reportFilesFn struct{ Cfg Config }

func writeReportFiles(s beam.Scope, cfg Config, board beam.PCollection) beam.PCollection {
	s = s.Scope("eval.ReportFiles")
	return beam.ParDo(s, &reportFilesFn{Cfg: cfg}, beam.Impulse(s), beam.SideInput{Input: board})
}

func (fn *reportFilesFn) ProcessElement(ctx context.Context, _ []byte, boards func(*leaderboard.Report) bool, emit func(publish.File)) error {
	c := fn.Cfg
	var b leaderboard.Report
	outcomes := 0
	for boards(&b) {
		for _, x := range b.Results {
			outcomes += x.N
		}
	}
	if outcomes == 0 {
		return nil // no comparison had an outcome: the verdict says why, and there is nothing to draw
	}
	title := leaderboard.DefaultChartTitle
	if c.Placeholder() {
		title = "PLACEHOLDER run (stand-in models): " + title
	}
	chart, err := leaderboard.RenderChart(b, title)
	if err != nil {
		return fmt.Errorf("eval: the chart: %v", err)
	}
	readme := leaderboard.RenderMarkdown(b, leaderboard.Info{Title: "xinstruct eval: win rates against " + c.Baseline,
		Judge: c.Judge.Model, JudgeFormat: string(c.Format), Baseline: c.Baseline, Placeholder: c.Placeholder(),
		Languages: c.Languages, RunID: c.RunID, ChartFile: ChartName, Notes: c.notes()})
	if err := lease.Check(ctx, c.Output, c.RunID); err != nil {
		return fmt.Errorf("eval: %v", err)
	}
	fsys, err := fsx.Open(ctx, c.Output)
	if err != nil {
		return err
	}
	defer fsys.Close()
	for _, f := range []struct {
		name string
		data []byte
	}{{ChartName, chart}, {ReadmeName, []byte(readme)}} {
		p := publish.ReportPath(c.Output, f.name)
		if err := fsx.WriteFileVia(ctx, fsys, fsx.Join(publish.TempDir(c.Output, c.RunID), "report", f.name), p, f.data); err != nil {
			return fmt.Errorf("eval: writing %s: %v", p, err)
		}
		emit(publish.File{Path: p})
	}
	return nil
}

// notes say how the run was set up where it changes how to read the figures.
func (c Config) notes() []string {
	var n []string
	switch c.Gate {
	case "lose":
		n = append(n, "An answer not in the language asked lost its comparison without a judge call (--language_gate=lose).")
	case "judge":
		n = append(n, "Answers not in the language asked were judged like any other (--language_gate=judge); the judge was told that such an answer is poor.")
	case "off":
		n = append(n, "The answers' language was not checked (--language_gate=off).")
	}
	if len(c.Imported) > 0 {
		n = append(n, fmt.Sprintf("Imported answers (--answers): %s.", strings.Join(c.Imported, ", ")))
	}
	return n
}

// defaultReask is the share of judge replies asked again that an estimate assumes when
// no earlier run at the output measured it.
const defaultReask = 0.02

// plan is an estimate's table: every stage as counted, the judge's re-asks at the share
// an earlier run's results measured, else defaultReask.
func (c Config) plan(ctx context.Context, f funnel.Report) *estimate.Plan {
	reask := defaultReask
	var earlier Report
	if err := publish.ReadReport(ctx, c.Output, ResultsName, &earlier); err == nil {
		var failures, calls int
		for _, x := range earlier.Results {
			if x.Lang == leaderboard.AllLangs && x.Category == "" && x.Turn == 0 {
				failures, calls = failures+x.ParseFailures, calls+x.JudgeCalls
			}
		}
		if calls > failures {
			reask = float64(failures) / float64(calls-failures)
		}
	}
	typical := estimate.DefaultEvalTypical()
	var stages []estimate.EvalStage
	for _, m := range c.Models {
		stages = append(stages, estimate.EvalStage{Name: "answer_" + m.Name, Usage: funnel.Total(f.Estimate["answer_"+m.Name]), Typical: typical.Answer, Price: m.LLM.Price})
	}
	stages = append(stages, estimate.EvalStage{Name: "judge", Usage: funnel.Total(f.Estimate["judge"]), Typical: typical.Verdict, Reask: reask, Price: c.Judge.Price})
	t := estimate.Throughput{MaxInFlight: c.Judge.MaxInFlight, RPM: c.Judge.RPM, TPM: c.Judge.TPM, Latency: c.EstimateLatency}
	return &estimate.Plan{Rows: estimate.Eval(stages, t), Typical: typical, Latency: c.EstimateLatency}
}
