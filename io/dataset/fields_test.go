package dataset

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// checkSameFields checks that a config's JSONL and Parquet files carry the same fields,
// every line every field (placeholder false and history [] included), and the same rows.
func checkSameFields(t *testing.T, dir, config string) {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, RelPath(config, FormatParquet)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	// Parquet's columns as JSON paths: history.list.element.round is history.round.
	var columns []string
	for _, path := range pf.Schema().Columns() {
		path = slices.DeleteFunc(slices.Clone(path), func(s string) bool { return s == "list" || s == "element" })
		columns = append(columns, strings.Join(path, "."))
	}
	slices.Sort(columns)
	pqRows := make([]Row, pf.NumRows())
	rd := parquet.NewGenericReader[Row](pf)
	defer rd.Close()
	if n, _ := rd.Read(pqRows); int64(n) != pf.NumRows() {
		t.Fatalf("%s: read %d of %d Parquet rows", config, n, pf.NumRows())
	}

	jf, err := os.Open(filepath.Join(dir, RelPath(config, FormatJSONL)))
	if err != nil {
		t.Fatal(err)
	}
	defer jf.Close()
	sc := bufio.NewScanner(jf)
	sc.Buffer(nil, 16<<20)
	var i int
	historyKeys := map[string]bool{}
	for ; sc.Scan(); i++ {
		var line map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range line {
			if k != "history" {
				keys = append(keys, k)
			}
		}
		var history []map[string]json.RawMessage
		if err := json.Unmarshal(line["history"], &history); err != nil || history == nil {
			t.Errorf("%s line %d: history %s, want a list", config, i+1, line["history"])
		}
		for _, h := range history {
			var hk []string
			for k := range h {
				hk = append(hk, "history."+k)
				historyKeys["history."+k] = true
			}
			keys = append(keys, hk...)
		}
		for _, c := range columns {
			if !strings.HasPrefix(c, "history.") && !slices.Contains(keys, c) {
				t.Errorf("%s line %d lacks %s, a Parquet column: %s", config, i+1, c, sc.Bytes())
			}
		}
		for _, k := range keys {
			if !slices.Contains(columns, k) {
				t.Errorf("%s line %d has %s, which Parquet has not", config, i+1, k)
			}
		}
		var r Row
		json.Unmarshal(sc.Bytes(), &r)
		if i < len(pqRows) && !reflect.DeepEqual(r, normalized(pqRows[i])) {
			t.Errorf("%s row %d: JSONL %+v, Parquet %+v", config, i+1, r, pqRows[i])
		}
	}
	if i != len(pqRows) {
		t.Errorf("%s: %d JSONL lines, %d Parquet rows", config, i, len(pqRows))
	}
	for _, c := range columns {
		if strings.HasPrefix(c, "history.") && len(historyKeys) > 0 && !historyKeys[c] {
			t.Errorf("%s: no JSONL history entry has %s", config, c)
		}
	}
}

// normalized is r as JSONL has it: an empty history is [], not null.
func normalized(r Row) Row {
	if r.History == nil {
		r.History = []Judgement{}
	}
	return r
}

// TestJSONLHasEveryField: a row with every zero value still has every key in JSONL.
func TestJSONLHasEveryField(t *testing.T) {
	b, err := json.Marshal(Row{})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(b, &m)
	for _, f := range reflect.VisibleFields(reflect.TypeOf(Row{})) {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if _, ok := m[name]; !ok {
			t.Errorf("a zero row's JSON lacks %s: %s", name, b)
		}
		if strings.Contains(f.Tag.Get("json"), "omitempty") {
			t.Errorf("%s is omitempty in JSON, never missing in Parquet", f.Name)
		}
	}
}
