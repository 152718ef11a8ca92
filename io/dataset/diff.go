package dataset

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

// DiffExamples is how many examples of each kind of change a Diff keeps per language.
const DiffExamples = 3

// Diff says what changed in a dataset from one version to another, per language. Rows
// are matched by their id, the source document's id and the candidate index
// (<doc id>#<n>): a row only in the later version is added, only in the earlier one
// removed, and in both with another instruction changed (the same text, a new
// instruction: a new prompt, model or refinement).
type Diff struct {
	From string `json:"from"` // the versions compared
	To   string `json:"to"`
	// Placeholder: either version was made by the offline stand-in model.
	Placeholder bool       `json:"placeholder,omitempty"`
	Total       DiffCounts `json:"total"`
	Languages   []LangDiff `json:"languages"` // by language code
}

// DiffCounts count rows.
type DiffCounts struct {
	Before    int64 `json:"before"` // rows in the earlier version
	After     int64 `json:"after"`  // rows in the later version
	Added     int64 `json:"added"`
	Removed   int64 `json:"removed"`
	Changed   int64 `json:"changed"`
	Unchanged int64 `json:"unchanged"`
}

func (c *DiffCounts) add(o DiffCounts) {
	c.Before, c.After, c.Added = c.Before+o.Before, c.After+o.After, c.Added+o.Added
	c.Removed, c.Changed, c.Unchanged = c.Removed+o.Removed, c.Changed+o.Changed, c.Unchanged+o.Unchanged
}

// LangDiff is one language's changes, with the first DiffExamples of each kind by id.
type LangDiff struct {
	Lang string `json:"lang"`
	DiffCounts
	AddedExamples   []DiffRow    `json:"added_examples"`
	RemovedExamples []DiffRow    `json:"removed_examples"`
	ChangedExamples []DiffChange `json:"changed_examples"`
}

// DiffRow is an added or removed row, its output cut to a glimpse.
type DiffRow struct {
	ID          string `json:"id"`
	Instruction string `json:"instruction"`
	Output      string `json:"output"`
}

// DiffChange is a row whose instruction changed.
type DiffChange struct {
	ID     string `json:"id"`
	Before string `json:"instruction_before"`
	After  string `json:"instruction_after"`
}

// LangFiles finds the per-language JSONL files of the dataset in dir (a dataset's
// directory, <output>/dataset or a version's copy of it), by language.
func LangFiles(ctx context.Context, dir string) (map[string]string, error) {
	fsys, err := fsx.Open(ctx, dir)
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	root := fsx.Join(dir, FormatJSONL)
	found, err := fsx.ListTree(ctx, fsys, root, Split+"."+FormatJSONL)
	if err != nil {
		return nil, fmt.Errorf("dataset: listing %s: %v", root, err)
	}
	files := map[string]string{}
	for _, p := range found {
		// <dir>/jsonl/<config>/train.jsonl
		config := path.Base(path.Dir(strings.ReplaceAll(p, `\`, "/")))
		if config != MixedName {
			files[config] = p
		}
	}
	return files, nil
}

// DiffFiles compares two versions of a dataset given as their per-language JSONL files
// (LangFiles). It holds one language of the earlier version in memory at a time.
func DiffFiles(ctx context.Context, from, to map[string]string) (Diff, error) {
	d := Diff{Languages: []LangDiff{}}
	langs := slices.Sorted(maps.Keys(from))
	for l := range to {
		if _, ok := from[l]; !ok {
			langs = append(langs, l)
		}
	}
	slices.Sort(langs)
	for _, lang := range langs {
		ld, err := diffLang(ctx, lang, from[lang], to[lang])
		if err != nil {
			return Diff{}, err
		}
		d.Total.add(ld.DiffCounts)
		d.Languages = append(d.Languages, ld)
	}
	return d, nil
}

// diffRow is what a diff needs of a row.
type diffRow struct {
	ID          string `json:"id"`
	Instruction string `json:"instruction"`
	Output      string `json:"output"`
}

func diffLang(ctx context.Context, lang, fromPath, toPath string) (LangDiff, error) {
	ld := LangDiff{Lang: lang, AddedExamples: []DiffRow{}, RemovedExamples: []DiffRow{}, ChangedExamples: []DiffChange{}}
	before := map[string]diffRow{}
	if fromPath != "" {
		err := eachRow(ctx, fromPath, func(r diffRow) {
			r.Output = glimpse(r.Output)
			before[r.ID] = r
		})
		if err != nil {
			return ld, err
		}
	}
	ld.Before = int64(len(before))
	seen := map[string]bool{}
	if toPath != "" {
		err := eachRow(ctx, toPath, func(r diffRow) {
			ld.After++
			seen[r.ID] = true
			old, ok := before[r.ID]
			switch {
			case !ok:
				ld.Added++
				ld.AddedExamples = keepFirst(ld.AddedExamples, DiffRow{ID: r.ID, Instruction: r.Instruction, Output: glimpse(r.Output)}, DiffRow.id)
			case old.Instruction != r.Instruction:
				ld.Changed++
				ld.ChangedExamples = keepFirst(ld.ChangedExamples, DiffChange{ID: r.ID, Before: old.Instruction, After: r.Instruction}, DiffChange.id)
			default:
				ld.Unchanged++
			}
		})
		if err != nil {
			return ld, err
		}
	}
	for id, r := range before {
		if !seen[id] {
			ld.Removed++
			ld.RemovedExamples = keepFirst(ld.RemovedExamples, DiffRow(r), DiffRow.id)
		}
	}
	return ld, nil
}

// keepFirst keeps the DiffExamples examples with the smallest ids, by id: the examples
// do not depend on the order the rows were written in.
func keepFirst[T any](xs []T, x T, id func(T) string) []T {
	i, found := slices.BinarySearchFunc(xs, id(x), func(e T, k string) int { return strings.Compare(id(e), k) })
	if found || i >= DiffExamples {
		return xs
	}
	xs = slices.Insert(xs, i, x)
	return xs[:min(len(xs), DiffExamples)]
}

func (r DiffRow) id() string    { return r.ID }
func (c DiffChange) id() string { return c.ID }

// glimpse is the start of a text, for an example.
func glimpse(s string) string {
	const n = 160
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}

func eachRow(ctx context.Context, p string, fn func(diffRow)) error {
	fsys, err := fsx.Open(ctx, p)
	if err != nil {
		return err
	}
	defer fsys.Close()
	rc, err := fsys.OpenRead(ctx, p)
	if err != nil {
		return fmt.Errorf("dataset: opening %s: %v", p, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 0, 256<<10), 64<<20)
	line := 0
	for sc.Scan() {
		line++
		if len(sc.Bytes()) == 0 {
			continue
		}
		var r diffRow
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.ID == "" {
			return fmt.Errorf("dataset: %s:%d is not a dataset row (%v)", p, line, err)
		}
		fn(r)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("dataset: reading %s: %v", p, err)
	}
	return nil
}

// Markdown renders the diff for a person: a table of the counts per language, then the
// examples.
func (d Diff) Markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Dataset changes: %s → %s\n\n", orNone(d.From), d.To)
	if d.Placeholder {
		b.WriteString("**PLACEHOLDER**: at least one of these versions was made by the offline stand-in model; its text is placeholder, not model output.\n\n")
	}
	b.WriteString("Rows are matched by id (`<document id>#<candidate>`): *changed* is the same document with a new instruction.\n\n")
	b.WriteString("| language | before | after | added | removed | changed | unchanged |\n|---|---:|---:|---:|---:|---:|---:|\n")
	row := func(name string, c DiffCounts) {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d |\n", name, c.Before, c.After, c.Added, c.Removed, c.Changed, c.Unchanged)
	}
	for _, l := range d.Languages {
		row(l.Lang, l.DiffCounts)
	}
	row("**all**", d.Total)
	for _, l := range d.Languages {
		if len(l.AddedExamples)+len(l.RemovedExamples)+len(l.ChangedExamples) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n## %s\n", l.Lang)
		for _, x := range l.ChangedExamples {
			fmt.Fprintf(&b, "\n- changed `%s`: %s\n  → %s\n", x.ID, quote(x.Before), quote(x.After))
		}
		for _, x := range l.AddedExamples {
			fmt.Fprintf(&b, "\n- added `%s`: %s\n", x.ID, quote(x.Instruction))
		}
		for _, x := range l.RemovedExamples {
			fmt.Fprintf(&b, "\n- removed `%s`: %s\n", x.ID, quote(x.Instruction))
		}
	}
	return b.String()
}

func quote(s string) string { return "“" + strings.ReplaceAll(s, "\n", " ") + "”" }

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
