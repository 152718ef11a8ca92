package dataset

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/parquet-go/parquet-go"
)

// Verify checks a published dataset in the local directory dir as the Hugging Face Hub
// would load it: the card's front matter parses, its configs name every Parquet file
// below dir exactly once (and nothing else), each config's rows have distinct ids, and
// the mixed config holds exactly the language configs' rows. It returns the rows of
// each config.
func Verify(dir string) (map[string]int64, error) {
	card, err := os.ReadFile(filepath.Join(dir, CardName))
	if err != nil {
		return nil, err
	}
	fm, _, err := ParseCard(card)
	if err != nil {
		return nil, err
	}
	var parquets []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			rel, _ := filepath.Rel(dir, p)
			parquets = append(parquets, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	named := map[string]int{}
	rows := map[string]int64{}
	ids := map[string][]string{}
	defaults := 0
	for _, c := range fm.Configs {
		if _, dup := rows[c.Name]; dup {
			return nil, fmt.Errorf("dataset: config %s twice", c.Name)
		}
		rows[c.Name] = 0
		if c.Default {
			defaults++
		}
		seen := map[string]bool{}
		for _, d := range c.DataFiles {
			if d.Split != Split || strings.ContainsAny(d.Path, "*?[") {
				return nil, fmt.Errorf("dataset: config %s: split %q, path %q; want the train split of one named file", c.Name, d.Split, d.Path)
			}
			named[d.Path]++
			got, err := readParquetIDs(filepath.Join(dir, filepath.FromSlash(d.Path)))
			if err != nil {
				return nil, fmt.Errorf("dataset: config %s: %v", c.Name, err)
			}
			for _, id := range got {
				if seen[id] {
					return nil, fmt.Errorf("dataset: config %s holds id %q twice", c.Name, id)
				}
				seen[id] = true
			}
			rows[c.Name] += int64(len(got))
			ids[c.Name] = append(ids[c.Name], got...)
		}
	}
	if defaults > 1 {
		return nil, fmt.Errorf("dataset: %d default configs", defaults)
	}
	for _, p := range parquets {
		if named[p] != 1 {
			return nil, fmt.Errorf("dataset: %s is in %d configs, want 1", p, named[p])
		}
	}
	for p := range named {
		if !slices.Contains(parquets, p) {
			return nil, fmt.Errorf("dataset: the card names %s, which is not a Parquet file of the dataset", p)
		}
	}
	mixed, ok := ids[MixedName]
	if !ok {
		return nil, fmt.Errorf("dataset: no %s config", MixedName)
	}
	var langs []string
	for name, got := range ids {
		if name != MixedName {
			langs = append(langs, got...)
		}
	}
	slices.Sort(langs)
	mixed = slices.Clone(mixed)
	slices.Sort(mixed)
	if !slices.Equal(langs, mixed) {
		return nil, fmt.Errorf("dataset: the %s config holds %d rows, not the %d rows of the language configs", MixedName, len(mixed), len(langs))
	}
	return rows, nil
}

// readParquetIDs reads the id column of a Parquet file of the dataset.
func readParquetIDs(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	rd := parquet.NewGenericReader[Row](pf)
	defer rd.Close()
	rows := make([]Row, pf.NumRows())
	if n, err := rd.Read(rows); int64(n) != pf.NumRows() || (err != nil && n != len(rows)) {
		return nil, fmt.Errorf("%s: read %d of %d rows: %v", path, n, pf.NumRows(), err)
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return ids, nil
}
