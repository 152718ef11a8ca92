package dataset

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeDataset writes the JSONL files of a dataset below dir: rows per language, and a
// mixed file that a diff must not count twice.
func writeDataset(t *testing.T, dir string, rows map[string][]Row) {
	t.Helper()
	var mixed []byte
	for lang, rs := range rows {
		var b []byte
		for _, r := range rs {
			line, _ := json.Marshal(r)
			b = append(append(b, line...), '\n')
		}
		mixed = append(mixed, b...)
		p := filepath.Join(dir, filepath.FromSlash(RelPath(lang, FormatJSONL)))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := filepath.Join(dir, filepath.FromSlash(RelPath(MixedName, FormatJSONL)))
	os.MkdirAll(filepath.Dir(p), 0o755)
	os.WriteFile(p, mixed, 0o644)
}

func TestDiff(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	row := func(id, instr string) Row { return Row{ID: id, Instruction: instr, Output: strings.Repeat("ö", 200)} }
	writeDataset(t, filepath.Join(dir, "v1"), map[string][]Row{
		"fi": {row("fi-9#0", "a"), row("fi-2#0", "b"), row("fi-3#0", "c"), row("fi-4#0", "d"), row("fi-5#0", "e"), row("fi-6#0", "f")},
		"sw": {row("sw-1#0", "g")}, // gone in v2
	})
	writeDataset(t, filepath.Join(dir, "v2"), map[string][]Row{
		// fi-9 and fi-2 removed; fi-3 changed; fi-4..6 the same; fi-8, fi-7, fi-1, fi-0 added, in no order
		"fi": {row("fi-8#0", "h"), row("fi-3#0", "c2"), row("fi-4#0", "d"), row("fi-7#0", "i"), row("fi-1#0", "j"), row("fi-5#0", "e"), row("fi-6#0", "f"), row("fi-0#0", "k")},
		"ta": {row("ta-1#0", "l")}, // new language
	})
	from, err := LangFiles(ctx, filepath.Join(dir, "v1"))
	if err != nil || len(from) != 2 {
		t.Fatalf("LangFiles = %v, %v; want fi and sw, not mixed", from, err)
	}
	to, _ := LangFiles(ctx, filepath.Join(dir, "v2"))
	d, err := DiffFiles(ctx, from, to)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]DiffCounts{
		"fi": {Before: 6, After: 8, Added: 4, Removed: 2, Changed: 1, Unchanged: 3},
		"sw": {Before: 1, Removed: 1},
		"ta": {After: 1, Added: 1},
	}
	if len(d.Languages) != 3 {
		t.Fatalf("languages %+v", d.Languages)
	}
	for _, l := range d.Languages {
		if l.DiffCounts != want[l.Lang] {
			t.Errorf("%s: %+v, want %+v", l.Lang, l.DiffCounts, want[l.Lang])
		}
	}
	if d.Total != (DiffCounts{Before: 7, After: 9, Added: 5, Removed: 3, Changed: 1, Unchanged: 3}) {
		t.Errorf("total %+v", d.Total)
	}
	fi := d.Languages[0]
	var added []string
	for _, x := range fi.AddedExamples {
		added = append(added, x.ID)
	}
	if strings.Join(added, " ") != "fi-0#0 fi-1#0 fi-7#0" {
		t.Errorf("added examples %v; want the first %d by id", added, DiffExamples)
	}
	if len(fi.RemovedExamples) != 2 || fi.RemovedExamples[0].ID != "fi-2#0" || fi.RemovedExamples[0].Instruction != "b" {
		t.Errorf("removed examples %+v", fi.RemovedExamples)
	}
	if len(fi.ChangedExamples) != 1 || fi.ChangedExamples[0] != (DiffChange{ID: "fi-3#0", Before: "c", After: "c2"}) {
		t.Errorf("changed examples %+v", fi.ChangedExamples)
	}
	if n := len([]rune(fi.AddedExamples[0].Output)); n != 161 {
		t.Errorf("an example's output has %d characters; want a glimpse of 160 and an ellipsis", n)
	}
	md := d.Markdown()
	for _, s := range []string{"| fi | 6 | 8 | 4 | 2 | 1 | 3 |", "| **all** | 7 | 9 | 5 | 3 | 1 | 3 |", "changed `fi-3#0`: “c”\n  → “c2”"} {
		if !strings.Contains(md, s) {
			t.Errorf("the markdown lacks %q:\n%s", s, md)
		}
	}
}
