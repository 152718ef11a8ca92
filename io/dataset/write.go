package dataset

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn5x1[context.Context, string, func(*Row) bool, func(File), func(LangCard), error](&writeLangFn{})
	register.Emitter1[LangCard]()
	register.Iter1[Row]()
	register.Emitter1[File]()
}

// Params configure Write.
type Params struct {
	Output  string // the job's output prefix; the dataset goes to <Output>/dataset/
	TempDir string // run-scoped temporary directory
	Card    CardInfo
	// Invalidate lists files below Output removed before anything is published (the
	// previous run's _SUCCESS), so that no manifest vouches for a half-replaced dataset.
	Invalidate []string
	// RunID, when set, must hold the output's lease (io/lease) when the files are
	// published.
	RunID string
	// Facts, when valid, is a singleton PCollection<Facts>: what the card tells of the
	// run besides the selection (its funnel, the judge's labels, the cost).
	Facts beam.PCollection
}

// Dir is the dataset's directory below the output prefix.
const Dir = "dataset"

// Write writes the rows (PCollection<Row>) as the dataset, laid out for the Hugging Face
// Hub: parquet/<config>/train.parquet and jsonl/<config>/train.jsonl, one config per
// language and one, mixed, with every language; with a card whose YAML front matter
// names the configs and their Parquet files, and whose body says what
// stats (PCollection<LangStats>, one per language) say of each language, and returns
// PCollection<File>, the published files, once all of them are in place.
//
// Each language's rows are written by one worker, ordered by cluster and then by rank
// in the cluster (in the order the within-cluster rule took them): a language holds at most the selection
// size (--per_language) rows, so this bounds the memory, whatever the corpus.
func Write(s beam.Scope, p Params, rows, stats beam.PCollection) beam.PCollection {
	s = s.Scope("dataset.Write")
	if p.Output == "" || p.TempDir == "" {
		panic("dataset.Write: Output and TempDir are required")
	}
	byLang := beam.GroupByKey(s, beam.ParDo(s, keyedRow, rows))
	temps, cards := beam.ParDo2(s, &writeLangFn{TempDir: fsx.Join(p.TempDir, Dir)}, byLang)
	facts := p.Facts
	if !facts.IsValid() {
		facts = beam.CreateList(s, []Facts{})
	}
	return beam.ParDo(s, &publishFn{Output: p.Output, TempDir: fsx.Join(p.TempDir, Dir), Card: p.Card, Invalidate: p.Invalidate, RunID: p.RunID},
		beam.Impulse(s), beam.SideInput{Input: temps}, beam.SideInput{Input: stats}, beam.SideInput{Input: cards}, beam.SideInput{Input: facts})
}

type writeLangFn struct{ TempDir string }

func (fn *writeLangFn) ProcessElement(ctx context.Context, lang string, rows func(*Row) bool, emit func(File), card func(LangCard)) error {
	var all []Row
	var r Row
	for rows(&r) {
		all = append(all, r)
	}
	slices.SortFunc(all, func(a, b Row) int {
		return cmp.Or(cmp.Compare(a.Cluster, b.Cluster), cmp.Compare(a.Rank, b.Rank), cmp.Compare(a.ID, b.ID))
	})
	fsys, err := fsx.Open(ctx, fn.TempDir)
	if err != nil {
		return err
	}
	defer fsys.Close()
	jsonlPath, parquetPath := fsx.Join(fn.TempDir, lang+".jsonl"), fsx.Join(fn.TempDir, lang+".parquet")
	if fsx.IsLocal(jsonlPath) {
		if err := mkdirAll(fn.TempDir); err != nil {
			return err
		}
	}
	w, err := createRowWriter(ctx, fsys, jsonlPath, parquetPath)
	if err != nil {
		return fmt.Errorf("dataset: %s: %v", lang, err)
	}
	for _, r := range all {
		if err := w.write(r); err != nil {
			w.abort()
			return fmt.Errorf("dataset: writing %s: %v", lang, err)
		}
	}
	if err := w.close(); err != nil {
		return err
	}
	n := int64(len(all))
	card(langCard(lang, all))
	emit(File{Path: jsonlPath, Name: RelPath(lang, FormatJSONL), Lang: lang, Format: FormatJSONL, Records: n})
	emit(File{Path: parquetPath, Name: RelPath(lang, FormatParquet), Lang: lang, Format: FormatParquet, Records: n})
	return nil
}
