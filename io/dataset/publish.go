package dataset

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/lease"
)

func init() {
	register.DoFn7x1[context.Context, []byte, func(*File) bool, func(*LangStats) bool, func(*LangCard) bool, func(*Facts) bool, func(File), error](&publishFn{})
	register.Iter1[File]()
	register.Iter1[LangStats]()
	register.Iter1[LangCard]()
	register.Iter1[Facts]()
}

// publishFn writes the mixed files and the card next to the per-language files, checks
// that the files hold what the selection counted, and renames everything into
// <output>/dataset/, removing files an earlier run left there.
type publishFn struct {
	Output     string
	TempDir    string
	Card       CardInfo
	Invalidate []string
	RunID      string
}

func (fn *publishFn) ProcessElement(ctx context.Context, _ []byte, temps func(*File) bool, stats func(*LangStats) bool,
	langCards func(*LangCard) bool, runFacts func(*Facts) bool, emit func(File)) error {
	var files []File
	var f File
	for temps(&f) {
		files = append(files, f)
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Name, b.Name) })
	var langs []LangStats
	var r LangStats
	for stats(&r) {
		langs = append(langs, r)
	}
	slices.SortFunc(langs, func(a, b LangStats) int { return strings.Compare(a.Lang, b.Lang) })
	if err := checkCounts(files, langs); err != nil {
		return err
	}

	fsys, err := fsx.Open(ctx, fn.Output)
	if err != nil {
		return err
	}
	defer fsys.Close()
	for _, name := range fn.Invalidate {
		if err := fsx.Remove(ctx, fsys, fsx.Join(fn.Output, name)); err != nil {
			return fmt.Errorf("dataset: invalidating %s: %v", name, err)
		}
	}
	final := fsx.Join(fn.Output, Dir)
	mixed, err := fn.mix(ctx, fsys, final, files)
	if err != nil {
		return err
	}
	files = append(files, mixed...)
	var cards []LangCard
	var lc LangCard
	for langCards(&lc) {
		cards = append(cards, lc)
	}
	slices.SortFunc(cards, func(a, b LangCard) int { return strings.Compare(a.Lang, b.Lang) })
	var facts *Facts
	var f1 Facts
	for runFacts(&f1) {
		facts = &f1
	}
	figs, err := renderFigures(cards, langs, facts, fn.Card.Placeholder)
	if err != nil {
		return fmt.Errorf("dataset: the card's pictures: %v", err)
	}
	extras := CardExtras{Cards: cards, Facts: facts}
	for _, fig := range figs {
		f := File{Path: fsx.Join(fn.TempDir, fig.name), Name: fig.name, Format: FormatFigure}
		if err := fsx.WriteFile(ctx, fsys, f.Path, fig.svg); err != nil {
			return err
		}
		files = append(files, f)
		extras.Figures = append(extras.Figures, CardFigure{File: fig.name, Caption: fig.caption})
	}
	card := File{Path: fsx.Join(fn.TempDir, CardName), Name: CardName, Format: FormatCard}
	if err := fsx.WriteFile(ctx, fsys, card.Path, []byte(RenderCard(fn.Card, langs, files, extras))); err != nil {
		return err
	}
	files = append(files, card)
	if fn.RunID != "" {
		if err := lease.Check(ctx, fn.Output, fn.RunID); err != nil {
			return fmt.Errorf("dataset: %v", err)
		}
	}
	return publishFiles(ctx, fsys, final, files, emit)
}

// checkCounts says whether the per-language files hold exactly what was selected.
func checkCounts(files []File, langs []LangStats) error {
	want := map[string]int64{}
	for _, r := range langs {
		if r.Selected.N > 0 {
			want[r.Lang] = r.Selected.N
		}
	}
	got := map[string]map[string]int64{FormatJSONL: {}, FormatParquet: {}}
	for _, f := range files {
		got[f.Format][f.Lang] += f.Records
	}
	for _, format := range []string{FormatJSONL, FormatParquet} {
		for lang, n := range want {
			if got[format][lang] != n {
				return fmt.Errorf("dataset: the %s file of %s holds %d rows, the selection %d", format, lang, got[format][lang], n)
			}
		}
		if len(got[format]) != len(want) {
			return fmt.Errorf("dataset: %s files for %d languages, a selection for %d", format, len(got[format]), len(want))
		}
	}
	return nil
}

// mix interleaves the per-language files, one row of each language in turn (in
// language order; a language that runs out drops out), into the mixed config's JSONL
// and Parquet files. It streams: one buffered reader per language.
func (fn *publishFn) mix(ctx context.Context, fsys filesystem.Interface, final string, files []File) ([]File, error) {
	var readers []*bufio.Reader
	for _, f := range files {
		if f.Format != FormatJSONL {
			continue
		}
		rc, err := openEither(ctx, fsys, f.Path, fsx.Join(final, f.Name))
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		readers = append(readers, bufio.NewReaderSize(rc, 256<<10))
	}
	jsonlPath, parquetPath := fsx.Join(fn.TempDir, MixedName+".jsonl"), fsx.Join(fn.TempDir, MixedName+".parquet")
	w, err := createRowWriter(ctx, fsys, jsonlPath, parquetPath)
	if err != nil {
		return nil, err
	}
	for len(readers) > 0 {
		live := readers[:0]
		for _, rd := range readers {
			line, err := rd.ReadBytes('\n')
			if err == io.EOF && len(line) == 0 {
				continue
			}
			if err != nil && err != io.EOF {
				w.abort()
				return nil, fmt.Errorf("dataset: reading for the mixed file: %v", err)
			}
			var row Row
			if err := json.Unmarshal(line, &row); err != nil {
				w.abort()
				return nil, fmt.Errorf("dataset: a row of the per-language files does not parse: %v", err)
			}
			if err := w.write(row); err != nil {
				w.abort()
				return nil, err
			}
			live = append(live, rd)
		}
		readers = live
	}
	n := w.n
	if err := w.close(); err != nil {
		return nil, err
	}
	return []File{
		{Path: jsonlPath, Name: RelPath(MixedName, FormatJSONL), Format: FormatJSONL, Records: n},
		{Path: parquetPath, Name: RelPath(MixedName, FormatParquet), Format: FormatParquet, Records: n},
	}, nil
}

// openEither opens temp, or final when a retried publish already renamed temp there.
func openEither(ctx context.Context, fsys filesystem.Interface, temp, final string) (io.ReadCloser, error) {
	rc, err := fsys.OpenRead(ctx, temp)
	if err == nil {
		return rc, nil
	}
	if rc, err2 := fsys.OpenRead(ctx, final); err2 == nil {
		return rc, nil
	}
	return nil, fmt.Errorf("dataset: opening %s: %v", temp, err)
}

// publishFiles removes what an earlier run left in the dataset directory, then renames
// every file into it, and emits the final files.
func publishFiles(ctx context.Context, fsys filesystem.Interface, final string, files []File, emit func(File)) error {
	keep := map[string]bool{}
	for _, f := range files {
		keep[fsx.Join(final, f.Name)] = true
	}
	old, err := fsx.ListTree(ctx, fsys, final, "*")
	if err != nil {
		return fmt.Errorf("dataset: listing %s: %v", final, err)
	}
	for _, p := range old {
		if !keep[p] {
			if err := fsx.Remove(ctx, fsys, p); err != nil {
				return fmt.Errorf("dataset: removing %s: %v", p, err)
			}
		}
	}
	if fsx.IsLocal(final) {
		removeEmptyDirs(final) // a language an earlier run had: no empty config folder is left
	}
	for _, f := range files {
		to := fsx.Join(final, f.Name)
		if err := fsx.Rename(ctx, fsys, f.Path, to); err != nil {
			// A retried publish finds what it renamed already in place, and no temp.
			_, tempErr := fsys.Size(ctx, f.Path)
			if _, finalErr := fsys.Size(ctx, to); tempErr == nil || finalErr != nil {
				return fmt.Errorf("dataset: publishing %s: %v", f.Name, err)
			}
		}
		f.Path = to
		emit(f)
	}
	return nil
}

// removeEmptyDirs removes the empty directories below the local directory dir, deepest
// first; what it cannot remove it leaves.
func removeEmptyDirs(dir string) {
	var dirs []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() && p != dir {
			dirs = append(dirs, p)
		}
		return nil
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		os.Remove(dirs[i]) // fails, as it should, on a directory that is not empty
	}
}
