package job

import (
	"context"
	"encoding/json"
	"fmt"
	"path"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// Job is the generate job, configured, as the launcher runs it.
type Job struct{ cfg Config }

// New returns the job for cfg, or the first thing wrong with cfg.
func New(cfg Config) (*Job, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Job{cfg: cfg}, nil
}

// Config returns the job's configuration.
func (j *Job) Config() Config { return j.cfg }

// Build adds the job to s.
func (j *Job) Build(s beam.Scope) { Build(s, j.cfg) }

// Models lists the models the job calls: none for an ingest-only run or an estimate.
func (j *Job) Models() []launch.Model {
	c := j.cfg
	if c.StopAfter == StageIngest || c.Generate.Estimate {
		return nil
	}
	models := []launch.Model{{Role: "generator", Config: c.Generate.LLM}}
	if c.Refine.Rounds > 0 {
		models = append(models, launch.Model{Role: "judge", Config: c.judgeLLM()})
	}
	if d := c.diversifyParams(); d.Embedder.Kind == diversify.EmbedderOpenAI {
		models = append(models, launch.Model{Role: "embedder", Config: d.Embedder.LLM, Probe: llm.ProbeEmbedding})
	}
	return models
}

// ReportPath is where the run's report will be.
func (j *Job) ReportPath() string {
	if j.estimate() {
		return fsx.Join(j.cfg.Output, EstimateFile)
	}
	return fsx.Join(j.cfg.Output, FunnelFile)
}

// Output is the prefix the job writes.
func (j *Job) Output() string { return j.cfg.Output }

// RunID names the run.
func (j *Job) RunID() string { return j.cfg.RunID }

func (j *Job) estimate() bool { return j.cfg.Generate.Estimate && j.cfg.StopAfter != StageIngest }

// Outcome reads what this run published: its manifest (_SUCCESS or _FAILURE) and
// report, or for an estimate its report. A manifest or report of another run (an earlier
// one, or one running beside it) is never taken for this run's: with nothing of its own,
// Outcome returns no line.
func (j *Job) Outcome(ctx context.Context) (summary, line string, ok bool) {
	if j.estimate() {
		var r EstimateReport
		if err := publish.ReadReport(ctx, j.cfg.Output, path.Base(EstimateFile), &r); err != nil || r.RunID != j.cfg.RunID {
			return "", "", false
		}
		return r.Summary(), fmt.Sprintf("estimate only: no model was called and no output was published (%s)", j.ReportPath()), true
	}
	m, err := publish.ReadManifest(ctx, j.cfg.Output)
	if err != nil || m.RunID != j.cfg.RunID {
		return "", "", false // nothing of this run's: an earlier run's manifest is not its outcome
	}
	var r funnel.Report
	if len(m.Report) > 0 {
		if err := json.Unmarshal(m.Report, &r); err != nil {
			return "", fmt.Sprintf("run %s: its manifest's report does not parse: %v", j.cfg.RunID, err), false
		}
	}
	summary = r.Summary()
	var closing Summary
	if err := publish.ReadReport(ctx, j.cfg.Output, SummaryName, &closing); err == nil && closing.RunID == j.cfg.RunID {
		summary += "\n" + closing.Text()
	}
	if m.Failure != "" {
		return summary, m.Failure, false
	}
	line = fmt.Sprintf("outputs: %s (manifest: %s)", j.cfg.Output, fsx.Join(j.cfg.Output, SuccessFile))
	if m.Version != "" {
		line = fmt.Sprintf("version: %s (%s names it)\n%s", versions.Path(j.cfg.Output, m.Version), fsx.Join(j.cfg.Output, versions.LatestFile), line)
	}
	if len(m.Files) > 0 {
		line = fmt.Sprintf("dataset: %s\n%s", fsx.Join(j.cfg.Output, dataset.Dir), line)
	}
	return summary, line, true
}
