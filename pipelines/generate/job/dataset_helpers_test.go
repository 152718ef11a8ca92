package job

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// readDataset reads the JSONL file of config name (a language, or dataset.MixedName)
// below <out>/dataset/ and checks that its Parquet file holds the same rows.
func readDataset(t *testing.T, out, name string) []dataset.Row {
	t.Helper()
	var rows []dataset.Row
	eachLine(t, filepath.Join(out, dataset.Dir, dataset.RelPath(name, dataset.FormatJSONL)), func(b []byte) {
		var r dataset.Row
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%s.jsonl: %v", name, err)
		}
		rows = append(rows, r)
	})
	f, err := os.Open(filepath.Join(out, dataset.Dir, dataset.RelPath(name, dataset.FormatParquet)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatalf("%s.parquet: %v", name, err)
	}
	rd := parquet.NewGenericReader[dataset.Row](pf)
	defer rd.Close()
	pq := make([]dataset.Row, pf.NumRows())
	if n, err := rd.Read(pq); int64(n) != pf.NumRows() || (err != nil && n != len(pq)) {
		t.Fatalf("%s.parquet: read %d of %d rows: %v", name, n, pf.NumRows(), err)
	}
	if len(pq) != len(rows) {
		t.Fatalf("%s: %d rows in JSONL, %d in Parquet", name, len(rows), len(pq))
	}
	for i := range rows {
		if !reflect.DeepEqual(rows[i], pq[i]) {
			t.Fatalf("%s: row %d differs between JSONL and Parquet:\n%+v\n%+v", name, i, rows[i], pq[i])
		}
	}
	return rows
}

// checkDatasetFiles checks that the dataset holds what diversification selected: each
// language's file its selection, the mixed file all of them, the card every language,
// and that the card's configs give the Hub each row of each config once.
func checkDatasetFiles(t *testing.T, o jobOutput, d funnel.StageReport) {
	t.Helper()
	var total int
	for lang, n := range d.OutByLanguage {
		rows := readDataset(t, o.out, lang)
		if int64(len(rows)) != n {
			t.Errorf("dataset/%s.jsonl holds %d rows, the funnel selected %d", lang, len(rows), n)
		}
		for _, r := range rows {
			if r.Lang != lang {
				t.Fatalf("dataset/%s.jsonl holds a %s row", lang, r.Lang)
			}
		}
		total += len(rows)
	}
	if mixed := readDataset(t, o.out, dataset.MixedName); len(mixed) != total || int64(total) != d.Out {
		t.Errorf("dataset/mixed holds %d rows, the languages %d, the funnel %d", len(mixed), total, d.Out)
	}
	card, err := os.ReadFile(filepath.Join(o.out, dataset.Dir, dataset.CardName))
	if err != nil {
		t.Fatalf("no dataset card: %v", err)
	}
	perConfig, err := dataset.Verify(filepath.Join(o.out, dataset.Dir))
	if err != nil {
		t.Fatal(err)
	}
	want := maps.Clone(d.OutByLanguage)
	want[dataset.MixedName] = d.Out
	if !maps.Equal(perConfig, want) {
		t.Errorf("the card's configs hold %v rows, the funnel %v", perConfig, want)
	}
	for lang := range d.OutByLanguage {
		if !strings.Contains(string(card), "| "+lang+" | ") {
			t.Errorf("the dataset card has no row for %s", lang)
		}
	}
	if want := 2*len(d.OutByLanguage) + 3 + cardFigures(o.funnel); len(o.manifest.Files) != want {
		t.Errorf("the manifest lists %d dataset files, want %d", len(o.manifest.Files), want)
	}
}

// cardFigures is how many pictures the card has: lengths, clusters and topics, and the
// judge's labels when a judge ran.
func cardFigures(r funnel.Report) int {
	for _, st := range r.Stages {
		if strings.HasPrefix(st.Name, "judge_r") {
			return 4
		}
	}
	return 3
}
