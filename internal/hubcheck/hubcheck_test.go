//go:build cgo

package hubcheck

import (
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	_ "github.com/duckdb/duckdb-go/v2"
	"go.yaml.in/yaml/v3"

	"github.com/xinstruct/xinstruct/io/dataset"
)

var datasetDir = flag.String("dataset", "", "also check this published dataset directory (e.g. ../../out/dataset)")

// card is the front matter as the Hub reads it, parsed here with the YAML library alone.
type card struct {
	Language []string `yaml:"language"`
	License  string   `yaml:"license"`
	Configs  []struct {
		Name      string `yaml:"config_name"`
		Default   bool   `yaml:"default"`
		DataFiles []struct {
			Split string `yaml:"split"`
			Path  string `yaml:"path"`
		} `yaml:"data_files"`
	} `yaml:"configs"`
}

func readCard(t *testing.T, dir string) card {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text, ok := strings.CutPrefix(string(b), "---\n")
	if !ok {
		t.Fatal("README.md has no YAML front matter")
	}
	front, _, ok := strings.Cut(text, "\n---\n")
	if !ok {
		t.Fatal("README.md's front matter is not closed")
	}
	var c card
	if err := yaml.Unmarshal([]byte(front), &c); err != nil {
		t.Fatalf("README.md's front matter: %v", err)
	}
	return c
}

// checkWithDuckDB loads each config's Parquet files with DuckDB: every Parquet file of
// the dataset is in exactly one config, no config holds an id twice, the mixed config
// holds the language configs' rows, and each config's JSONL file has the Parquet file's
// columns and rows. It returns the rows of each config.
func checkWithDuckDB(t *testing.T, dir string) map[string]int64 {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c := readCard(t, dir)
	var all []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			all = append(all, p)
		}
		return err
	})
	inConfigs := map[string]int{}
	rows := map[string]int64{}
	var defaults []string
	for _, cfg := range c.Configs {
		if cfg.Default {
			defaults = append(defaults, cfg.Name)
		}
		var files []string
		for _, d := range cfg.DataFiles {
			if d.Split != "train" {
				t.Errorf("config %s has split %q", cfg.Name, d.Split)
			}
			p := filepath.Join(dir, filepath.FromSlash(d.Path))
			inConfigs[p]++
			files = append(files, "'"+p+"'")
		}
		var n, distinct int64
		q := fmt.Sprintf("SELECT count(*), count(DISTINCT id) FROM read_parquet([%s])", strings.Join(files, ", "))
		if err := db.QueryRow(q).Scan(&n, &distinct); err != nil {
			t.Fatalf("config %s: %v", cfg.Name, err)
		}
		if n != distinct {
			t.Errorf("config %s: %d rows, %d distinct ids", cfg.Name, n, distinct)
		}
		rows[cfg.Name] = n
		checkJSONLMatches(t, db, dir, cfg.Name)
	}
	if !slices.Equal(defaults, []string{dataset.MixedName}) {
		t.Errorf("default configs %v, want mixed", defaults)
	}
	for _, p := range all {
		if inConfigs[p] != 1 {
			t.Errorf("%s is in %d configs, want 1", p, inConfigs[p])
		}
	}
	if len(inConfigs) != len(all) {
		t.Errorf("the configs name %d files, the dataset has %d Parquet files", len(inConfigs), len(all))
	}
	// The language configs, together, hold the mixed config's rows: no row twice, none lost.
	var langFiles []string
	for _, cfg := range c.Configs {
		if cfg.Name != dataset.MixedName {
			langFiles = append(langFiles, "'"+filepath.Join(dir, cfg.DataFiles[0].Path)+"'")
		}
	}
	var missing int64
	q := fmt.Sprintf(`SELECT count(*) FROM (SELECT id FROM read_parquet('%s') EXCEPT ALL SELECT id FROM read_parquet([%s]))`,
		filepath.Join(dir, dataset.RelPath(dataset.MixedName, dataset.FormatParquet)), strings.Join(langFiles, ", "))
	if err := db.QueryRow(q).Scan(&missing); err != nil {
		t.Fatal(err)
	}
	var langRows int64
	for name, n := range rows {
		if name != dataset.MixedName {
			langRows += n
		}
	}
	if missing != 0 || langRows != rows[dataset.MixedName] {
		t.Errorf("mixed: %d rows, %d not in a language config; the language configs hold %d", rows[dataset.MixedName], missing, langRows)
	}
	return rows
}

// checkJSONLMatches: the config's JSONL file, read by DuckDB's JSON reader, has the
// Parquet file's columns, and the same rows in the same order.
func checkJSONLMatches(t *testing.T, db *sql.DB, dir, config string) {
	t.Helper()
	pq := filepath.Join(dir, dataset.RelPath(config, dataset.FormatParquet))
	jl := filepath.Join(dir, dataset.RelPath(config, dataset.FormatJSONL))
	pqCols, jlCols := columns(t, db, fmt.Sprintf("read_parquet('%s')", pq)), columns(t, db, fmt.Sprintf("read_json('%s', format='newline_delimited')", jl))
	if !slices.Equal(pqCols, jlCols) {
		t.Errorf("%s: Parquet columns %v, JSONL %v", config, pqCols, jlCols)
	}
	// Every JSONL line has every top-level key (DuckDB would fill a missing key with NULL).
	for _, col := range pqCols {
		var nulls int64
		q := fmt.Sprintf(`SELECT count(*) FROM read_json('%s', format='newline_delimited', records=false, columns={j: 'JSON'})
			WHERE json_exists(j, '$.%s') IS NOT TRUE`, jl, col)
		if err := db.QueryRow(q).Scan(&nulls); err != nil {
			t.Fatalf("%s: %v", config, err)
		}
		if nulls != 0 {
			t.Errorf("%s: %d JSONL lines lack %s", config, nulls, col)
		}
	}
	var diff int64
	sel := "id, lang, instruction, output, cluster, rank, source, placeholder, to_json(history)::VARCHAR"
	q := fmt.Sprintf(`SELECT count(*) FROM (
		(SELECT %[1]s FROM read_parquet('%[2]s') EXCEPT ALL SELECT %[1]s FROM read_json('%[3]s', format='newline_delimited', columns=%[4]s))
		UNION ALL
		(SELECT %[1]s FROM read_json('%[3]s', format='newline_delimited', columns=%[4]s) EXCEPT ALL SELECT %[1]s FROM read_parquet('%[2]s')))`,
		sel, pq, jl, jsonColumns)
	if err := db.QueryRow(q).Scan(&diff); err != nil {
		t.Fatalf("%s: %v", config, err)
	}
	if diff != 0 {
		t.Errorf("%s: %d rows differ between JSONL and Parquet", config, diff)
	}
}

// jsonColumns reads the JSONL with the Parquet file's types.
const jsonColumns = `{id: 'VARCHAR', lang: 'VARCHAR', instruction: 'VARCHAR', output: 'VARCHAR', cluster: 'INTEGER',
	rank: 'INTEGER', source: 'VARCHAR', placeholder: 'BOOLEAN',
	history: 'STRUCT(round INTEGER, label VARCHAR, rationale VARCHAR, judge_model VARCHAR, instruction_before VARCHAR, parsed VARCHAR)[]'}`

func columns(t *testing.T, db *sql.DB, from string) []string {
	t.Helper()
	rs, err := db.Query("SELECT column_name FROM (DESCRIBE SELECT * FROM " + from + ")")
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	var out []string
	for rs.Next() {
		var c string
		rs.Scan(&c)
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// TestHubLoadsEachRowOnce writes a small dataset with dataset.Write and reads it back
// with DuckDB the way the Hub loads it: config by config.
func TestHubLoadsEachRowOnce(t *testing.T) {
	dir := writeSample(t)
	rows := checkWithDuckDB(t, dir)
	want := map[string]int64{"fi": 3, "sw": 2, dataset.MixedName: 5}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("the configs hold %v rows, want %v", rows, want)
	}
	// What the issue measured: a glob over every Parquet file reads each row twice (the
	// language config and mixed); the configs are what keep them apart.
	db, _ := sql.Open("duckdb", "")
	defer db.Close()
	var n, distinct int64
	if err := db.QueryRow(fmt.Sprintf("SELECT count(*), count(DISTINCT id) FROM read_parquet('%s/**/*.parquet')", dir)).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != 2*distinct || distinct != 5 {
		t.Errorf("every Parquet file: %d rows, %d ids", n, distinct)
	}
	c := readCard(t, dir)
	if !slices.Equal(c.Language, []string{"en", "fi", "sw"}) || c.License != "other" {
		t.Errorf("card: language %v, license %q", c.Language, c.License)
	}
}

// TestPublishedDataset checks the dataset directory -dataset names, when it does.
func TestPublishedDataset(t *testing.T) {
	if *datasetDir == "" {
		t.Skip("no -dataset directory to check")
	}
	rows := checkWithDuckDB(t, *datasetDir)
	b, _ := json.Marshal(rows)
	t.Logf("rows per config: %s", b)
}
