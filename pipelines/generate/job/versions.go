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
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/instruct"
	"github.com/xinstruct/xinstruct/transforms/refine"
)

func init() {
	register.DoFn4x1[context.Context, []byte, func(*dataset.File) bool, func(string, []byte), error](&datasetDiffFn{})
	register.DoFn3x2[context.Context, publish.Verdict, func(*string, *[]byte) bool, publish.Verdict, error](&versionFactsFn{})
	register.Emitter2[string, []byte]()
	register.Iter2[string, []byte]()
}

// operational are the settings that change how a run goes but not what it publishes:
// they are not in a version's config hash. The input globs are not either: the
// version lists the files they matched, with checksums, which says more.
var operational = append([]string{"output", "input", "run_id", "started_at", "build", "keep_versions", "max_shard_bytes",
	"max_failure_rate", "estimate_latency", "progress_every"}, launch.OperationalModelSettings...)

// versioned reports whether the run publishes a version: a run that makes a dataset.
func (c Config) versioned() bool { return c.StopAfter != StageIngest && !c.Generate.Estimate }

// versionSpec is what the run's version records of the configuration, or nil when the
// run publishes no version.
func (c Config) versionSpec() *versions.Spec {
	if !c.versioned() {
		return nil
	}
	hash, err := versions.ConfigHash(c, operational...)
	if err != nil {
		panic(err) // Config is plain data: it always marshals
	}
	ids := []string{instruct.TemplateGenerate}
	models := []versions.Model{{Role: "generator", Model: c.Generate.LLM.Model}}
	if c.Refine.Rounds > 0 {
		ids = append(ids, refine.TemplateJudge, refine.TemplateReask)
		models = append(models, versions.Model{Role: "judge", Model: c.judgeLLM().Model})
	}
	if c.Refine.Rounds > 1 {
		ids = append(ids, refine.TemplateRewrite)
	}
	var templates []string
	for _, id := range ids {
		templates = append(templates, prompts.MustLoad(id).Ref())
	}
	emb := versions.Model{Role: "embedder", Model: diversify.EmbedderLocal}
	if d := c.diversifyParams(); d.Embedder.Kind == diversify.EmbedderOpenAI {
		emb.Model = d.Embedder.Model
	}
	return &versions.Spec{Keep: c.KeepVersions, Include: []string{dataset.Dir, publish.ReportDir}, Build: c.Build,
		ConfigSHA256: hash, Templates: templates, Models: append(models, emb), Inputs: c.Input}
}

// versionFacts adds to the verdict what the version's manifest tells of the run (its
// counts per stage and language, calls, store hits and cost, from the funnel and the
// closing summary) and the diff against the version before (PCollection<KV<string,
// []byte>>: file name to content), and returns PCollection<publish.Verdict>.
func versionFacts(s beam.Scope, verdict, diff beam.PCollection) beam.PCollection {
	return beam.ParDo(s, &versionFactsFn{}, verdict, beam.SideInput{Input: diff})
}

type versionFactsFn struct{}

func (fn *versionFactsFn) ProcessElement(ctx context.Context, v publish.Verdict, diff func(*string, *[]byte) bool) (publish.Verdict, error) {
	var r funnel.Report
	if err := json.Unmarshal(v.Report, &r); err != nil {
		return v, fmt.Errorf("generate: the funnel for the version's manifest: %v", err)
	}
	facts := &versions.Facts{Counts: r.OutByStage()}
	var sum Summary
	if b, ok := v.Reports[SummaryName]; ok {
		if err := json.Unmarshal(b, &sum); err != nil {
			return v, fmt.Errorf("generate: the summary for the version's manifest: %v", err)
		}
		facts.Calls, facts.StoreHits, facts.Cost = sum.Calls, sum.StoreHits, sum.Cost
	}
	facts.AddFiles(diff)
	v.Version = facts
	return v, nil
}

// datasetDiff compares the dataset the run published (PCollection<dataset.File>, as
// dataset.Write returns them once they are in place) with the version LATEST names, and
// returns the diff's files, versions.DiffFile and versions.DiffMarkdown, as
// PCollection<KV<string, []byte>>: none for the first version.
func datasetDiff(s beam.Scope, cfg Config, files beam.PCollection) beam.PCollection {
	s = s.Scope("generate.DatasetDiff")
	return beam.ParDo(s, &datasetDiffFn{Output: cfg.Output, RunID: cfg.RunID, StartedAt: cfg.StartedAt, Placeholder: cfg.Generate.LLM.Placeholder},
		beam.Impulse(s), beam.SideInput{Input: files})
}

type datasetDiffFn struct {
	Output      string
	RunID       string
	StartedAt   time.Time
	Placeholder bool // this run's text is the stand-in's: its diff says so
}

func (fn *datasetDiffFn) ProcessElement(ctx context.Context, _ []byte, files func(*dataset.File) bool, emit func(string, []byte)) error {
	to := map[string]string{}
	var f dataset.File
	for files(&f) {
		if f.Format == dataset.FormatJSONL && f.Lang != "" {
			to[f.Lang] = f.Path
		}
	}
	id := versions.ID(fn.RunID, fn.StartedAt)
	prev, m, ok, err := versions.Previous(ctx, fn.Output, id, "generate")
	if !ok || err != nil {
		return err
	}
	from, err := dataset.LangFiles(ctx, fsx.Join(prev, dataset.Dir))
	if err != nil {
		return err
	}
	d, err := dataset.DiffFiles(ctx, from, to)
	if err != nil {
		return fmt.Errorf("generate: comparing the dataset with version %s: %v", m.Version, err)
	}
	d.From, d.To = m.Version, id
	d.Placeholder = fn.Placeholder || m.Placeholder
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return err
	}
	emit(versions.DiffFile, append(b, '\n'))
	emit(versions.DiffMarkdown, []byte(d.Markdown()))
	return nil
}
