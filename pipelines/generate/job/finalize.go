package job

import (
	"encoding/json"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func init() {
	register.DoFn2x2[[]byte, func(*string, *int) bool, publish.Verdict, error](&verdictFn{})
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
// outcome (runFailure) deciding between _SUCCESS and _FAILURE. Written as the pipeline's
// last step it works on every runner, including asynchronous jobs whose launcher has
// gone.
func finalize(s beam.Scope, cfg Config, shards, datasetFiles, counts beam.PCollection) {
	s = s.Scope("generate.Finalize")
	params, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	estimate := cfg.StopAfter != StageIngest && cfg.Generate.Estimate
	placeholder := cfg.Generate.LLM.Placeholder && cfg.StopAfter != StageIngest && !cfg.Generate.Estimate
	run := publish.Run{Job: "generate", Output: cfg.Output, RunID: cfg.RunID, StartedAt: cfg.StartedAt, Params: params,
		ReportFile: "funnel.json", Placeholder: placeholder}
	if estimate {
		run.ReportFile, run.ReportOnly = "estimate.json", true
	}
	verdict := beam.ParDo(s, &verdictFn{RunID: cfg.RunID, Stages: cfg.Stages(), Price: cfg.Generate.LLM.Price,
		Placeholder: placeholder, MaxFailureRate: cfg.MaxFailureRate, Estimate: estimate},
		beam.Impulse(s), beam.SideInput{Input: counts})
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
}

func (fn *verdictFn) ProcessElement(_ []byte, counts func(*string, *int) bool) (publish.Verdict, error) {
	report := funnel.FromCounts(publish.SumCounts(counts), fn.Stages...)
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
	return publish.NewVerdict(report, expected(report), failure)
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
