package publish

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

// Check says whether the files hold exactly the records the run counted. expect maps
// a key to a count; a key names an output directory or a file by its path below the
// output prefix, with "/" separators ("clean", "clean/fi", "dataset/fi.jsonl"), and
// covers that directory or file and everything below it. The records of the
// directories and files a key covers must add up to its count, and every directory or
// file that holds records must be covered by some key: records nobody counted are as
// wrong as records lost. The error is a *CountError.
func Check(output string, outputs []OutputDir, files []File, expect map[string]int64) error {
	type item struct {
		name    string
		records int64
	}
	var items []item
	for _, d := range outputs {
		items = append(items, item{d.Dir, d.Records})
	}
	for _, f := range files {
		items = append(items, item{relPath(output, f.Path), f.Records})
	}
	got := make(map[string]int64, len(expect))
	var errs []Mismatch
	for _, it := range items {
		covered := false
		for key := range expect {
			if it.name == key || strings.HasPrefix(it.name, key+"/") {
				got[key] += it.records
				covered = true
			}
		}
		if !covered && it.records != 0 {
			errs = append(errs, Mismatch{Key: it.name, Files: it.records, Counted: -1})
		}
	}
	for key, want := range expect {
		if got[key] != want {
			errs = append(errs, Mismatch{Key: key, Files: got[key], Counted: want})
		}
	}
	if len(errs) == 0 {
		return nil
	}
	slices.SortFunc(errs, func(a, b Mismatch) int { return strings.Compare(a.Key, b.Key) })
	return &CountError{Mismatches: errs}
}

// A CountError says where the files do not hold what the run counted.
type CountError struct{ Mismatches []Mismatch }

// Mismatch is one key whose files hold Files records where the run counted Counted
// (-1: nothing counted them).
type Mismatch struct {
	Key     string
	Files   int64
	Counted int64
}

func (e *CountError) Error() string {
	parts := make([]string, len(e.Mismatches))
	for i, m := range e.Mismatches {
		if m.Counted < 0 {
			parts[i] = fmt.Sprintf("%s holds %d records the run did not count", m.Key, m.Files)
		} else {
			parts[i] = fmt.Sprintf("%s holds %d records, the run counted %d", m.Key, m.Files, m.Counted)
		}
	}
	return "the files do not hold what the run counted: " + strings.Join(parts, "; ")
}

// relPath is p below output, with "/" separators, or p itself when it is elsewhere.
func relPath(output, p string) string {
	base := fsx.Join(output)
	rel, ok := strings.CutPrefix(p, strings.TrimSuffix(base, "/")+"/")
	if !ok {
		return p
	}
	if fsx.IsLocal(base) {
		rel = filepath.ToSlash(rel)
	}
	return rel
}
