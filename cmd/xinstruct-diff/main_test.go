package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/transforms/leaderboard"
)

// version writes a published version by hand: its manifest and files (path below the
// version's directory to content).
func version(t *testing.T, out, id, job, previous string, day int, files map[string]string) {
	t.Helper()
	dir := versions.Path(out, id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := json.Marshal(versions.Manifest{Version: id, Job: job, Previous: previous, RunID: "run-" + id, PublishedAt: time.Date(2026, 1, day, 0, 0, 0, 0, time.UTC)})
	if err := os.WriteFile(filepath.Join(dir, versions.ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func rows(ids ...string) string {
	var b strings.Builder
	for _, id := range ids {
		json.NewEncoder(&b).Encode(dataset.Row{ID: id, Instruction: "about " + id})
	}
	return b.String()
}

func point(t *testing.T, out, id, previous string) {
	fsys, _ := fsx.Open(context.Background(), out)
	defer fsys.Close()
	if err := versions.Point(context.Background(), fsys, out, "", versions.Manifest{Version: id, Previous: previous}); err != nil {
		t.Fatal(err)
	}
}

func runCmd(t *testing.T, args ...string) (int, string, string) {
	var o, e bytes.Buffer
	code := run(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestDatasetVersions(t *testing.T) {
	out := t.TempDir()
	fi := "dataset/" + dataset.RelPath("fi", dataset.FormatJSONL)
	sw := "dataset/" + dataset.RelPath("sw", dataset.FormatJSONL)
	version(t, out, "v1", "generate", "", 1, map[string]string{fi: rows("fi-1#0", "fi-2#0"), sw: rows("sw-1#0")})
	version(t, out, "v2", "generate", "v1", 2, map[string]string{fi: rows("fi-1#0", "fi-3#0"), sw: rows("sw-1#0", "sw-2#0")})
	point(t, out, "v2", "v1")

	code, stdout, stderr := runCmd(t, "--output="+out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, s := range []string{"v1 → v2", "| fi | 2 | 2 | 1 | 1 | 0 | 1 |", "| sw | 1 | 2 | 1 | 0 | 0 | 1 |", "added `fi-3#0`"} {
		if !strings.Contains(stdout, s) {
			t.Errorf("the report lacks %q:\n%s", s, stdout)
		}
	}
	report := filepath.Join(t.TempDir(), "r")
	code, stdout, stderr = runCmd(t, "--output="+out, "--from=v2", "--to="+versions.Path(out, "v1"), "--json", "--report="+report)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var d dataset.Diff
	if err := json.Unmarshal([]byte(stdout), &d); err != nil || d.From != "v2" || d.To != "v1" || d.Total.Added != 1 || d.Total.Removed != 2 {
		t.Errorf("the reverse diff %+v (%v)", d, err)
	}
	if b, err := os.ReadFile(filepath.Join(report, versions.DiffFile)); err != nil || string(b) != stdout {
		t.Errorf("--report's diff.json: %v", err)
	}
	if _, err := os.Stat(filepath.Join(report, versions.DiffMarkdown)); err != nil {
		t.Error(err)
	}
	code, stdout, _ = runCmd(t, "--output="+out, "--list")
	if code != 0 || !strings.Contains(stdout, "  v1  2026-01-01") || !strings.Contains(stdout, "* v2  2026-01-02") {
		t.Errorf("--list:\n%s", stdout)
	}
	if code, _, stderr = runCmd(t, "--output="+out, "--to=v1"); code != 1 || !strings.Contains(stderr, "the first") {
		t.Errorf("the first version against nothing: exit %d, %s", code, stderr)
	}
	if code, _, stderr = runCmd(t, "--output="+out, "--from=v0"); code != 1 || !strings.Contains(stderr, "v1, v2") {
		t.Errorf("an unknown version: exit %d, %s", code, stderr)
	}
	if code, _, _ = runCmd(t, "diff", "--output="+out); code != 2 {
		t.Errorf("a stray argument: exit %d", code)
	}
}

func TestEvalVersions(t *testing.T) {
	out := t.TempDir()
	results := func(wr float64) string {
		b, _ := json.Marshal(map[string]any{"results": []leaderboard.Result{{Model: "mine", Lang: "all", Baseline: "base", N: 50, WinRateAdjusted: wr, CILow: wr - 0.05, CIHigh: wr + 0.05}}})
		return string(b)
	}
	version(t, out, "e1", "eval", "", 1, map[string]string{"report/results.json": results(0.4)})
	version(t, out, "e2", "eval", "e1", 2, map[string]string{"report/results.json": results(0.6)})
	version(t, out, "g3", "generate", "e2", 3, nil)
	point(t, out, "e2", "e1")
	code, stdout, stderr := runCmd(t, "--output="+out)
	if code != 0 || !strings.Contains(stdout, "| mine | all | 40.0% [35.0, 45.0] (n 50) | 60.0% [55.0, 65.0] (n 50) | **+20.0 pp [+12.9, +27.1]** |") {
		t.Errorf("exit %d (%s):\n%s", code, stderr, stdout)
	}
	if code, _, stderr = runCmd(t, "--output="+out, "--from=e1", "--to=g3"); code != 1 || !strings.Contains(stderr, "nothing to compare") {
		t.Errorf("versions of two jobs: exit %d, %s", code, stderr)
	}
}
