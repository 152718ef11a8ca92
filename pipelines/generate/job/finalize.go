package job

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/estimate"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/instruct"
)

func init() {
	register.DoFn3x2[context.Context, []byte, func(*string, *int) bool, publish.Verdict, error](&verdictFn{})
	register.Iter2[string, int]()
}

// Paths below the output prefix.
const (
	SuccessFile  = publish.SuccessFile
	FailureFile  = publish.FailureFile
	FunnelFile   = publish.ReportDir + "/funnel.json"
	EstimateFile = publish.ReportDir + "/estimate.json"
	TempRoot     = publish.TempRoot
)

// Manifest is the content of <output>/_SUCCESS (see publish.Manifest); its report is
// the funnel.
type Manifest = publish.Manifest

// finalize publishes the run (publish.Finalize) once every shard and dataset file is in
// place: the funnel as the report, checked against what the files hold, and the run's
// outcome (runFailure) deciding between _SUCCESS and _FAILURE; a run that makes a
// dataset also publishes it as a version (io/versions), with its diff against the
// version before. Written as the pipeline's
// last step it works on every runner, including asynchronous jobs whose launcher has
// gone.
// langStats, when valid, are the card's statistics (PCollection<dataset.LangStats>), for
// report/diversity.json.
func finalize(s beam.Scope, cfg Config, shards, datasetFiles, langStats, counts beam.PCollection) {
	s = s.Scope("generate.Finalize")
	params, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	estimate := cfg.StopAfter != StageIngest && cfg.Generate.Estimate
	placeholder := cfg.Generate.LLM.Placeholder && cfg.StopAfter != StageIngest && !cfg.Generate.Estimate
	run := publish.Run{Job: "generate", Output: cfg.Output, RunID: cfg.RunID, StartedAt: cfg.StartedAt, Params: params,
		ReportFile: "funnel.json", Placeholder: placeholder, Version: cfg.versionSpec()}
	if estimate {
		run.ReportFile, run.ReportOnly = "estimate.json", true
	}
	fn := &verdictFn{RunID: cfg.RunID, Stages: cfg.Stages(), Price: cfg.Generate.LLM.Price,
		Placeholder: placeholder, MaxFailureRate: cfg.MaxFailureRate, Estimate: estimate,
		Summary: summaryParams{Output: cfg.Output, Languages: cfg.Languages, PerLanguage: cfg.Diversify.PerLanguage, Stages: cfg.Stages(), StartedAt: cfg.StartedAt}}
	if estimate {
		fn.Output, fn.Plan = cfg.Output, cfg.planParams()
	}
	verdict := beam.ParDo(s, fn,
		beam.Impulse(s), beam.SideInput{Input: counts})
	if langStats.IsValid() {
		verdict = diversityReport(s, cfg, verdict, langStats)
	}
	if run.Version != nil {
		verdict = versionFacts(s, verdict, datasetDiff(s, cfg, datasetFiles))
	}
	publish.Finalize(s, run, shards, dataset.ManifestFiles(s, datasetFiles), verdict)
}

// verdictFn turns the funnel's counts into the report, the records each output must
// hold, and whether the run may be published.
type verdictFn struct {
	RunID          string
	Stages         []string  // the stages after ingest, in order
	Price          llm.Price // for the cost in the report
	Placeholder    bool      // the model was the offline stand-in
	MaxFailureRate float64   // the share of a model stage's calls that may fail for good
	Estimate       bool      // an --estimate run: the report only
	// For an estimate: the output (an earlier run's yields are read there) and what the
	// projection of the later stages needs besides the counts.
	Output string
	Plan   *estimate.GenerateParams
	// Summary is what the closing summary takes from the configuration.
	Summary summaryParams
}

func (fn *verdictFn) ProcessElement(ctx context.Context, _ []byte, counts func(*string, *int) bool) (publish.Verdict, error) {
	sums, spans := funnel.Collect(counts)
	report := funnel.FromCounts(sums, fn.Stages...)
	for _, st := range append(fn.Stages, record.StageGenerate) { // the estimate has usage but no stage
		report.PriceUsage(st, fn.Price.InputPerM, fn.Price.OutputPerM)
	}
	report.Placeholder, report.RunID = fn.Placeholder, fn.RunID
	failure := ""
	switch {
	case fn.Estimate:
	case !report.AllBalanced():
		failure = fmt.Sprintf("the funnel does not balance (see %s)", FunnelFile)
	default:
		failure = runFailure(report, fn.MaxFailureRate)
	}
	report.Failure = failure
	if fn.Estimate && fn.Plan != nil {
		return publish.NewVerdict(EstimateReport{Report: report, Plan: fn.plan(ctx, report, sums)}, nil, "")
	}
	v, err := publish.NewVerdict(report, expected(report), failure)
	if err != nil {
		return v, err
	}
	summary, err := json.Marshal(summarize(fn.Summary, report, spans, time.Now()))
	if err != nil {
		return v, err
	}
	v.Reports = map[string]json.RawMessage{SummaryName: summary}
	return v, nil
}

// plan projects the whole run from the counted generation, with the yields of the
// earlier run at the output when there is one.
func (fn *verdictFn) plan(ctx context.Context, r funnel.Report, sums map[string]int64) estimate.Plan {
	p := *fn.Plan
	p.Generation = funnel.Total(r.Estimate[record.StageGenerate])
	for k, n := range sums {
		if key, err := funnel.ParseKey(k); err == nil && key.Kind == funnel.KindEstimate && key.Name == instruct.CountTextTokens {
			p.TextTokens += n
		}
	}
	y := estimate.DefaultYields()
	var earlier funnel.Report
	if err := publish.ReadReport(ctx, fn.Output, path.Base(FunnelFile), &earlier); err == nil {
		if measured, ok := estimate.YieldsFrom(earlier, earlier.RunID); ok {
			y = measured
		}
	}
	plan := estimate.Plan{Rows: estimate.Generate(p, y), Typical: p.Typical, Latency: p.Throughput.Latency}
	if p.Rounds > 0 {
		plan.Yields = &y
	}
	return plan
}

// expected is what the files must hold: each output directory what the funnel counted,
// and each dataset file what diversification selected.
func expected(report funnel.Report) map[string]int64 {
	want := map[string]int64{"clean": report.Kept, "rejected": report.Rejected, "pairs": 0, "accepted": report.Accepted}
	for _, st := range report.Stages {
		want["rejected"] += st.Rejected
		switch st.Name {
		case record.StageGenerate:
			want["pairs"] = st.Out
		case diversify.Stage:
			for _, format := range []string{dataset.FormatJSONL, dataset.FormatParquet} {
				for lang, n := range st.OutByLanguage {
					want[dataset.Dir+"/"+dataset.RelPath(lang, format)] = n
				}
				want[dataset.Dir+"/"+dataset.RelPath(dataset.MixedName, format)] = st.Out
			}
		}
	}
	return want
}
