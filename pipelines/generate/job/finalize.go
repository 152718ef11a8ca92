package job

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/shardio"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func init() {
	register.DoFn5x1[context.Context, []byte, func(*shardio.File) bool, func(*dataset.File) bool, func(*string, *int) bool, error](&finalizeFn{})
	register.Iter1[shardio.File]()
	register.Iter2[string, int]()
}

// Paths below the output prefix.
const (
	SuccessFile  = "_SUCCESS"
	FunnelFile   = "report/funnel.json"
	EstimateFile = "report/estimate.json"
	TempRoot     = "_temporary"
)

// Manifest is the content of <output>/_SUCCESS, written last: its presence says every
// file it lists is complete.
type Manifest struct {
	Job        string          `json:"job"`
	RunID      string          `json:"run_id"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	Params     json.RawMessage `json:"params"`
	Outputs    []OutputDir     `json:"outputs"`
	Dataset    []dataset.File  `json:"dataset,omitempty"` // the files of <output>/dataset/
	Funnel     funnel.Report   `json:"funnel"`
	// Placeholder says the instructions are placeholder text from the offline stand-in
	// model, not model output.
	Placeholder bool `json:"placeholder"`
}

// OutputDir lists the shards of one output directory.
type OutputDir struct {
	Dir     string   `json:"dir"`
	Records int64    `json:"records"`
	Shards  []string `json:"shards"`
}

// finalize writes the funnel and then the manifest, after every shard is published, and
// removes the run's temporary directory. Written as the pipeline's last step it works on
// every runner, including asynchronous Dataflow jobs whose launcher has gone.
func finalize(s beam.Scope, cfg Config, shards, datasetFiles, counts beam.PCollection) {
	s = s.Scope("generate.Finalize")
	params, err := json.Marshal(cfg)
	if err != nil {
		panic(err)
	}
	fn := &finalizeFn{Output: cfg.Output, RunID: cfg.RunID, StartedAt: cfg.StartedAt, Params: string(params),
		Stages: cfg.Stages(), MaxFailureRate: cfg.MaxFailureRate, Estimate: cfg.StopAfter != StageIngest && cfg.Generate.Estimate, Price: cfg.Generate.LLM.Price, Placeholder: cfg.Generate.LLM.Placeholder && cfg.StopAfter != StageIngest && !cfg.Generate.Estimate}
	beam.ParDo0(s, fn,
		beam.Impulse(s), beam.SideInput{Input: shards}, beam.SideInput{Input: datasetFiles}, beam.SideInput{Input: counts})
}

type finalizeFn struct {
	Output      string
	RunID       string
	StartedAt   time.Time
	Params      string
	Stages      []string  // the stages after ingest, in order
	Estimate    bool      // an --estimate run: report the estimate, publish nothing
	Price       llm.Price // for the cost in the report
	Placeholder bool      // the model was the offline stand-in
	// MaxFailureRate is the share of a model stage's calls that may fail for good.
	MaxFailureRate float64
}

func (fn *finalizeFn) ProcessElement(ctx context.Context, _ []byte, shards func(*shardio.File) bool, datasetFiles func(*dataset.File) bool, counts func(*string, *int) bool) error {
	all := map[string]int64{}
	var k string
	var n int
	for counts(&k, &n) {
		all[k] += int64(n)
	}
	report := funnel.FromCounts(all, fn.Stages...)
	for _, st := range append(fn.Stages, record.StageGenerate) { // the estimate has usage but no stage
		report.PriceUsage(st, fn.Price.InputPerM, fn.Price.OutputPerM)
	}
	report.Placeholder = fn.Placeholder
	report.RunID = fn.RunID

	byDir := map[string]*OutputDir{}
	var dirs []string
	var f shardio.File
	var written = map[string]int64{}
	for shards(&f) {
		d := byDir[f.Dir]
		if d == nil {
			d = &OutputDir{Dir: f.Dir}
			byDir[f.Dir] = d
			dirs = append(dirs, f.Dir)
		}
		d.Records += f.Records
		d.Shards = append(d.Shards, f.Path)
		top, _, _ := strings.Cut(f.Dir, "/")
		written[top] += f.Records
	}
	// The files must hold what the funnel counted; a difference means records were lost
	// or doubled between the count and the write, and the run must not be vouched for.
	fs, err := fsx.Open(ctx, fn.Output)
	if err != nil {
		return err
	}
	defer fs.Close()
	if fn.Estimate {
		b, _ := json.MarshalIndent(report, "", "  ")
		if err := fsx.WriteFileAtomic(ctx, fs, fsx.Join(fn.Output, EstimateFile), append(b, '\n')); err != nil {
			return fmt.Errorf("finalize: writing the estimate: %v", err)
		}
		return fn.removeTemp(ctx, fs)
	}

	wantRejected, wantPairs := report.Rejected, int64(0)
	for _, st := range report.Stages {
		wantRejected += st.Rejected
		if st.Name == record.StageGenerate {
			wantPairs = st.Out
		}
	}
	if written["clean"] != report.Kept || written["rejected"] != wantRejected || written["pairs"] != wantPairs || written["accepted"] != report.Accepted {
		return fn.fail(ctx, fs, report, fmt.Errorf("finalize: files hold %d kept, %d rejected, %d pairs and %d accepted; the funnel counted %d, %d, %d and %d",
			written["clean"], written["rejected"], written["pairs"], written["accepted"], report.Kept, wantRejected, wantPairs, report.Accepted))
	}
	var files []dataset.File
	var df dataset.File
	for datasetFiles(&df) {
		files = append(files, df)
	}
	if err := checkDataset(report, files); err != nil {
		return fn.fail(ctx, fs, report, err)
	}
	if !report.AllBalanced() {
		return fn.fail(ctx, fs, report, fmt.Errorf("finalize: the funnel does not balance (see %s)", FunnelFile))
	}
	if reason := runFailure(report, fn.MaxFailureRate); reason != "" {
		return fn.fail(ctx, fs, report, fmt.Errorf("%s", reason))
	}

	funnelJSON, _ := json.MarshalIndent(report, "", "  ")
	if err := fsx.WriteFileAtomic(ctx, fs, fsx.Join(fn.Output, FunnelFile), append(funnelJSON, '\n')); err != nil {
		return fmt.Errorf("finalize: writing the funnel: %v", err)
	}
	m := Manifest{Job: "generate", RunID: fn.RunID, StartedAt: fn.StartedAt, FinishedAt: time.Now().UTC(),
		Params: json.RawMessage(fn.Params), Funnel: report, Placeholder: fn.Placeholder, Dataset: files}
	sort.Slice(m.Dataset, func(i, j int) bool { return m.Dataset[i].Name < m.Dataset[j].Name })
	sort.Strings(dirs)
	for _, d := range dirs {
		sort.Strings(byDir[d].Shards)
		m.Outputs = append(m.Outputs, *byDir[d])
	}
	manifest, _ := json.MarshalIndent(m, "", "  ")
	if err := fsx.WriteFileAtomic(ctx, fs, fsx.Join(fn.Output, SuccessFile), append(manifest, '\n')); err != nil {
		return fmt.Errorf("finalize: writing the manifest: %v", err)
	}
	return fn.removeTemp(ctx, fs)
}

// fail records why the run failed in its report, in one line, publishes no manifest
// (the commit already removed an earlier run's), removes the temporary tree so that it
// cannot block the fixed re-run, and fails the pipeline with the reason.
func (fn *finalizeFn) fail(ctx context.Context, fs filesystem.Interface, report funnel.Report, reason error) error {
	report.Failure, _, _ = strings.Cut(reason.Error(), "\n")
	b, _ := json.MarshalIndent(report, "", "  ")
	if err := fsx.WriteFileAtomic(ctx, fs, fsx.Join(fn.Output, FunnelFile), append(b, '\n')); err != nil {
		return fmt.Errorf("%v (and writing the report failed: %v)", reason, err)
	}
	if err := fn.removeTemp(ctx, fs); err != nil {
		return fmt.Errorf("%v (and %v)", reason, err)
	}
	return reason
}

// removeTemp removes the temporary tree, including what runs killed before their end
// left there: one run at a time writes to an output prefix (two at once would also race
// on the final names).
func (fn *finalizeFn) removeTemp(ctx context.Context, fs filesystem.Interface) error {
	if err := fsx.RemoveTree(ctx, fs, fsx.Join(fn.Output, TempRoot)); err != nil {
		return fmt.Errorf("finalize: removing temporary files: %v", err)
	}
	return nil
}

// checkDataset says whether the dataset files hold what diversification selected: per
// language in each format, and every language once in the mixed files.
func checkDataset(report funnel.Report, files []dataset.File) error {
	var selected *funnel.StageReport
	for i := range report.Stages {
		if report.Stages[i].Name == diversify.Stage {
			selected = &report.Stages[i]
		}
	}
	if selected == nil {
		return nil // no model stages ran
	}
	got := map[string]map[string]int64{}
	for _, f := range files {
		if f.Format == dataset.FormatCard {
			continue
		}
		lang := f.Lang
		if lang == "" {
			lang = dataset.MixedName
		}
		if got[f.Format] == nil {
			got[f.Format] = map[string]int64{}
		}
		got[f.Format][lang] += f.Records
	}
	for _, format := range []string{dataset.FormatJSONL, dataset.FormatParquet} {
		for lang, n := range selected.OutByLanguage {
			if got[format][lang] != n {
				return fmt.Errorf("finalize: the dataset's %s file of %s holds %d rows; %d were selected", format, lang, got[format][lang], n)
			}
		}
		if selected.Out > 0 && got[format][dataset.MixedName] != selected.Out {
			return fmt.Errorf("finalize: the dataset's mixed %s file holds %d rows; %d were selected", format, got[format][dataset.MixedName], selected.Out)
		}
	}
	return nil
}
