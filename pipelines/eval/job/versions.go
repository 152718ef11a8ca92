package job

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/xinstruct/xinstruct/internal/register"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/prompts"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/answer"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/leaderboard"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

func init() {
	register.DoFn4x1[context.Context, []byte, func(*leaderboard.Report) bool, func(string, []byte), error](&boardDiffFn{})
	register.DoFn3x2[context.Context, publish.Verdict, func(*string, *[]byte) bool, publish.Verdict, error](&reportFactsFn{})
	register.Emitter2[string, []byte]()
	register.Iter2[string, []byte]()
}

// operational are the settings that change how a run goes but not what it publishes:
// they are not in a version's config hash. The question and answer globs are not
// either: the version lists the files they matched, with checksums.
var operational = append([]string{"output", "questions", "answers", "run_id", "started_at", "build", "keep_versions", "estimate",
	"progress_every", "max_failure_rate", "max_shard_bytes", "estimate_latency"}, launch.OperationalModelSettings...)

// versionSpec is what the run's version records of the configuration, or nil for an
// estimate, which publishes no version. An eval version holds the report.
func (c Config) versionSpec() *versions.Spec {
	if c.Estimate {
		return nil
	}
	hash, err := versions.ConfigHash(c, operational...)
	if err != nil {
		panic(err) // Config is plain data: it always marshals
	}
	var templates []string
	for _, id := range []string{answer.TemplateAnswer, pairjudge.TemplateJudge(c.Format), pairjudge.TemplateReask} {
		templates = append(templates, prompts.MustLoad(id).Ref())
	}
	var models []versions.Model
	for _, m := range c.Models {
		models = append(models, versions.Model{Role: m.Name, Model: m.LLM.Model})
	}
	for _, name := range c.Imported {
		models = append(models, versions.Model{Role: name, Model: "imported answers"})
	}
	models = append(models, versions.Model{Role: "judge", Model: c.Judge.Model})
	return &versions.Spec{Keep: c.KeepVersions, Include: []string{publish.ReportDir}, Build: c.Build, ConfigSHA256: hash,
		Templates: templates, Models: models, Inputs: append(append([]string(nil), c.Questions...), c.Answers...)}
}

// reportFactsFn adds to the verdict what the version's manifest tells of the run: its
// counts per stage and language, calls, store hits and cost, from the report, and the
// diff against the version before (a side input of KV<string, []byte>).
type reportFactsFn struct{}

func (fn *reportFactsFn) ProcessElement(ctx context.Context, v publish.Verdict, diff func(*string, *[]byte) bool) (publish.Verdict, error) {
	var r Report
	if err := json.Unmarshal(v.Report, &r); err != nil {
		return v, fmt.Errorf("eval: the report for the version's manifest: %v", err)
	}
	facts := &versions.Facts{Counts: r.Funnel.OutByStage(), Calls: r.Calls, Cost: r.Cost}
	for _, byLang := range r.Funnel.LLM {
		facts.StoreHits += funnel.Total(byLang).CacheHits
	}
	facts.AddFiles(diff)
	v.Version = facts
	return v, nil
}

// boardDiff compares the run's leaderboard (a singleton PCollection<leaderboard.Report>)
// with the report of the version LATEST names, and returns the diff's files as
// PCollection<KV<string, []byte>>: none for the first version.
func boardDiff(s beam.Scope, cfg Config, board beam.PCollection) beam.PCollection {
	s = s.Scope("eval.BoardDiff")
	return beam.ParDo(s, &boardDiffFn{Output: cfg.Output, RunID: cfg.RunID, StartedAt: cfg.StartedAt, Placeholder: cfg.Placeholder()},
		beam.Impulse(s), beam.SideInput{Input: board})
}

type boardDiffFn struct {
	Output      string
	RunID       string
	StartedAt   time.Time
	Placeholder bool // this run's text is the stand-in's: its diff says so
}

func (fn *boardDiffFn) ProcessElement(ctx context.Context, _ []byte, boards func(*leaderboard.Report) bool, emit func(string, []byte)) error {
	var now leaderboard.Report
	for boards(&now) {
	}
	id := versions.ID(fn.RunID, fn.StartedAt)
	prev, m, ok, err := versions.Previous(ctx, fn.Output, id, "eval")
	if !ok || err != nil {
		return err
	}
	var before Report
	b, err := fsx.ReadFile(ctx, fsx.Join(prev, publish.ReportDir, ResultsName))
	if err == nil {
		err = json.Unmarshal(b, &before)
	}
	if err != nil {
		return fmt.Errorf("eval: the results of version %s: %v", m.Version, err)
	}
	d := leaderboard.DiffResults(before.Results, now.Results)
	d.From, d.To = m.Version, id
	d.Placeholder = fn.Placeholder || m.Placeholder
	out, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	emit(versions.DiffFile, append(out, '\n'))
	emit(versions.DiffMarkdown, []byte(d.Markdown()))
	return nil
}
