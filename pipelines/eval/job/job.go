package job

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/runners/launch"
)

// Job is the eval job, configured, as the launcher runs it.
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

// Models lists the models the job calls, for the pre-flight: every asked model and the
// judge; none for an estimate.
func (j *Job) Models() []launch.Model {
	if j.cfg.Estimate {
		return nil
	}
	var models []launch.Model
	for _, m := range j.cfg.Models {
		models = append(models, launch.Model{Role: m.Name + " (--models):", Config: m.LLM})
	}
	return append(models, launch.Model{Role: "judge:", Config: j.cfg.Judge})
}

// ReportPath is where the run's report will be.
func (j *Job) ReportPath() string {
	if j.cfg.Estimate {
		return publish.ReportPath(j.cfg.Output, EstimateName)
	}
	return publish.ReportPath(j.cfg.Output, ResultsName)
}

// Output is the prefix the job writes.
func (j *Job) Output() string { return j.cfg.Output }

// RunID names the run.
func (j *Job) RunID() string { return j.cfg.RunID }

// Outcome reads what this run published: its manifest (_SUCCESS or _FAILURE) with the
// results, or for an estimate its report. Another run's manifest is never taken for
// this run's.
func (j *Job) Outcome(ctx context.Context) (summary, line string, ok bool) {
	if j.cfg.Estimate {
		var r Report
		if err := publish.ReadReport(ctx, j.cfg.Output, EstimateName, &r); err != nil || r.RunID != j.cfg.RunID {
			return "", "", false
		}
		return r.Summary(), fmt.Sprintf("estimate only: no model was called and no output was published (%s)", j.ReportPath()), true
	}
	m, err := publish.ReadManifest(ctx, j.cfg.Output)
	if err != nil || m.RunID != j.cfg.RunID {
		return "", "", false
	}
	var r Report
	if len(m.Report) > 0 {
		if err := json.Unmarshal(m.Report, &r); err != nil {
			return "", fmt.Sprintf("run %s: its manifest's report does not parse: %v", j.cfg.RunID, err), false
		}
	}
	if m.Failure != "" {
		return r.Summary(), m.Failure, false
	}
	line = fmt.Sprintf("leaderboard: %s\nresults: %s (manifest: %s)", publish.ReportPath(j.cfg.Output, ReadmeName),
		j.ReportPath(), fsx.Join(j.cfg.Output, publish.SuccessFile))
	if m.Version != "" {
		line += fmt.Sprintf("\nversion: %s (%s names it)", versions.Path(j.cfg.Output, m.Version), fsx.Join(j.cfg.Output, versions.LatestFile))
	}
	return r.Summary(), line, true
}
