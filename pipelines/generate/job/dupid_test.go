package job

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/recordio"
)

// TestRepeatedInputIDs runs the whole job on the sample's 30 good documents (three per
// language, L-1, L-2, L-3) under colliding ids, across two files:
//
//	a.jsonl: L-1 as "L-x", L-2 as "L-x" (another text: duplicate_id), L-3 as "L-y"
//	b.jsonl: L-3 again as "L-y" (same id, same text: duplicate), and for fi a third
//	         holder of "fi-x" with fi-3's text (duplicate_id)
//
// Every id in the clean documents, the pairs and the dataset must be unique, the dead
// letters must say so with the right counts, and the funnel must balance.
func TestRepeatedInputIDs(t *testing.T) {
	in := t.TempDir()
	var good []map[string]any
	f, err := os.Open(testenv.Testdata("sample", "sample.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() && len(good) < 30 {
		var d map[string]any
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			t.Fatal(err)
		}
		good = append(good, d)
	}
	f.Close()
	if len(good) != 30 {
		t.Fatalf("the sample has %d good documents, want 30", len(good))
	}
	byLang := map[string][]map[string]any{}
	var langs []string
	for _, d := range good {
		l := d["lang"].(string)
		if byLang[l] == nil {
			langs = append(langs, l)
		}
		byLang[l] = append(byLang[l], d)
	}
	with := func(d map[string]any, id string) map[string]any {
		c := map[string]any{}
		for k, v := range d {
			c[k] = v
		}
		c["id"] = id
		return c
	}
	var a, b []map[string]any
	for _, l := range langs {
		ds := byLang[l]
		if len(ds) != 3 {
			t.Fatalf("%s has %d sample documents, want 3", l, len(ds))
		}
		a = append(a, with(ds[0], l+"-x"), with(ds[1], l+"-x"), with(ds[2], l+"-y"))
		b = append(b, with(ds[2], l+"-y"))
		if l == "fi" {
			b = append(b, with(ds[2], l+"-x"))
		}
	}
	writeJSONL(t, filepath.Join(in, "a.jsonl"), a)
	writeJSONL(t, filepath.Join(in, "b.jsonl"), b)

	cfg := generateConfig(t, llm.StandInURL, filepath.Join(t.TempDir(), "out"))
	cfg.Input = []string{filepath.Join(in, "*.jsonl")}
	cfg.Generate.Candidates = 2 // pair ids are <doc id>#<candidate>
	o := runJob(t, cfg)
	checkFunnel(t, o)

	unique := func(what string, ids []string) {
		t.Helper()
		seen := map[string]bool{}
		for _, id := range ids {
			if seen[id] {
				t.Errorf("%s: id %q appears more than once", what, id)
			}
			seen[id] = true
		}
	}
	var ids []string
	for _, d := range o.clean {
		ids = append(ids, d.ID)
	}
	unique("clean", ids)
	if len(ids) != 2*len(langs) {
		t.Errorf("%d clean documents, want %d (L-x and L-y of each language)", len(ids), 2*len(langs))
	}
	for name, pairs := range map[string][]string{"pairs": pairIDs(o.pairs), "accepted": pairIDs(o.accepted)} {
		unique(name, pairs)
	}
	if len(o.pairs) != 2*len(ids) {
		t.Errorf("%d pairs, want %d", len(o.pairs), 2*len(ids))
	}
	var rows int
	for _, name := range append(langs, dataset.MixedName) {
		if _, err := os.Stat(filepath.Join(o.out, dataset.Dir, dataset.RelPath(name, dataset.FormatJSONL))); err != nil {
			continue // a language that selected nothing
		}
		var dsIDs []string
		for _, r := range readDataset(t, o.out, name) {
			dsIDs = append(dsIDs, r.ID)
		}
		unique("dataset/"+name, dsIDs)
		if name == dataset.MixedName {
			rows = len(dsIDs)
		}
	}
	if rows == 0 {
		t.Error("the dataset is empty")
	}

	byReason := map[string]int{}
	for _, r := range o.rejected {
		byReason[r.Reason]++
		if r.Reason == record.ReasonDuplicateID {
			if r.Stage != record.StageIngest || !strings.HasPrefix(r.Detail, "id already held by "+filepath.Join(in, "a.jsonl")+":") {
				t.Errorf("dead letter %+v: want stage ingest, naming the first holder in a.jsonl", r)
			}
		}
	}
	if want := len(langs) + 1; byReason[record.ReasonDuplicateID] != want {
		t.Errorf("%d duplicate_id dead letters, want %d", byReason[record.ReasonDuplicateID], want)
	}
	if want := len(langs); byReason[record.ReasonDuplicate] != want {
		t.Errorf("%d duplicate dead letters, want %d", byReason[record.ReasonDuplicate], want)
	}
	if got := o.funnel.RejectedByReason[record.ReasonDuplicateID]; got != int64(len(langs)+1) {
		t.Errorf("funnel counts %d duplicate_id, want %d", got, len(langs)+1)
	}
	if r := o.funnel; r.Read != int64(len(a)+len(b)) || r.Read != r.Kept+r.Rejected {
		t.Errorf("funnel: read %d (wrote %d), kept %d, rejected %d", r.Read, len(a)+len(b), r.Kept, r.Rejected)
	}
}

func pairIDs(ps []recordio.PairLine) []string {
	ids := make([]string, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

func writeJSONL(t *testing.T, path string, docs []map[string]any) {
	t.Helper()
	var sb strings.Builder
	for _, d := range docs {
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		sb.Write(b)
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(path, []byte(sb.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}
