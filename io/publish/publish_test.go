package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"

	"github.com/xinstruct/xinstruct/io/shardio"
)

// report stands in for a pipeline's report, such as the funnel.
type report struct {
	Read     int64            `json:"read"`
	ByReason map[string]int64 `json:"by_reason"`
}

func testRun(out string) Run {
	return Run{Job: "test", Output: out, RunID: "r2", StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Params: json.RawMessage(`{"k":1}`), ReportFile: "funnel.json"}
}

// put writes files below dir, for an earlier run's leftovers.
func put(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func compact(b []byte) string {
	var c bytes.Buffer
	json.Compact(&c, b)
	return c.String()
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

func TestPublishWritesTheReportThenTheManifestAndRemovesTheTemporaryTree(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	put(t, out, map[string]string{
		FailureFile:                 `{"run_id":"r1","failure":"an earlier run failed"}`,
		"_temporary/r1/left-behind": "x", // a killed run's
		"_temporary/r2/out/a":       "x",
	})
	outputs := Outputs([]shardio.File{
		{Dir: "clean/fi", Path: filepath.Join(out, "clean/fi/part-00001-of-00002.jsonl"), Records: 2},
		{Dir: "clean/fi", Path: filepath.Join(out, "clean/fi/part-00000-of-00002.jsonl"), Records: 3},
		{Dir: "clean/en", Path: filepath.Join(out, "clean/en/part-00000-of-00001.jsonl"), Records: 1},
		{Dir: "rejected/length", Path: filepath.Join(out, "rejected/length/part-00000-of-00001.jsonl"), Records: 4},
	})
	files := []File{{Path: filepath.Join(out, "dataset", "fi.jsonl"), Records: 5}, {Path: filepath.Join(out, "dataset", "README.md")}}
	rep := report{Read: 10, ByReason: map[string]int64{"length": 4}}
	v, err := NewVerdict(rep, map[string]int64{"clean": 6, "rejected": 4, "dataset/fi.jsonl": 5}, "")
	if err != nil {
		t.Fatal(err)
	}
	m, err := Publish(ctx, testRun(out), outputs, files, v)
	if err != nil {
		t.Fatal(err)
	}

	want, _ := json.MarshalIndent(rep, "", "  ")
	if b, _ := os.ReadFile(filepath.Join(out, ReportDir, "funnel.json")); string(b) != string(want)+"\n" {
		t.Errorf("report/funnel.json holds\n%s\nwant json.MarshalIndent's\n%s", b, want)
	}
	// A kill between writing and renaming the manifest must leave its staging copy where
	// the next run removes it, not beside the outputs as _SUCCESS.tmp.
	if st := stagingPath(testRun(out), filepath.Join(out, SuccessFile)); !strings.HasPrefix(st, TempDir(out, testRun(out).RunID)+"/") {
		t.Errorf("the manifest is staged at %s, outside the run's temporary directory", st)
	}
	if exists(filepath.Join(out, FailureFile)) || exists(filepath.Join(out, TempRoot)) {
		t.Errorf("the earlier run's %s or the temporary tree is still there", FailureFile)
	}
	got, err := ReadManifest(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if got.RunID != "r2" || got.Job != "test" || got.Failure != "" || got.ReportFile != "report/funnel.json" || compact(got.Params) != `{"k":1}` {
		t.Errorf("manifest %+v", got)
	}
	if len(got.Outputs) != 3 || got.Outputs[0].Dir != "clean/en" || got.Outputs[1].Records != 5 ||
		!strings.HasSuffix(got.Outputs[1].Shards[0], "part-00000-of-00002.jsonl") {
		t.Errorf("outputs %+v: want by directory, shards in order, records summed", got.Outputs)
	}
	if len(got.Files) != 2 || !strings.HasSuffix(got.Files[0].Path, "README.md") {
		t.Errorf("files %+v: want both, by path", got.Files)
	}
	var r report
	if err := json.Unmarshal(got.Report, &r); err != nil || r.Read != 10 {
		t.Errorf("the manifest's report %s (%v)", got.Report, err)
	}
	if !m.FinishedAt.Equal(got.FinishedAt) || got.StartedAt != testRun(out).StartedAt {
		t.Errorf("times %v %v", got.StartedAt, got.FinishedAt)
	}
	// A retry finds everything in place and does it again.
	if _, err := Publish(ctx, testRun(out), outputs, files, v); err != nil {
		t.Errorf("a retried publish failed: %v", err)
	}
}

func TestPublishFailsWhenTheFilesDoNotHoldWhatTheRunCounted(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	put(t, out, map[string]string{SuccessFile: `{"run_id":"r1"}`, "_temporary/r2/x": "x"})
	outputs := []OutputDir{{Dir: "clean/fi", Records: 5}}
	v, _ := NewVerdict(report{Read: 6}, map[string]int64{"clean": 6}, "")
	_, err := Publish(ctx, testRun(out), outputs, nil, v)
	if !errors.Is(err, ErrRunFailed) || !strings.Contains(err.Error(), "clean holds 5 records, the run counted 6") {
		t.Fatalf("err = %v, want the run failed, with the counts", err)
	}
	if exists(filepath.Join(out, SuccessFile)) {
		t.Errorf("the earlier run's %s still vouches for the prefix", SuccessFile)
	}
	if exists(filepath.Join(out, TempRoot)) {
		t.Error("the temporary tree is still there")
	}
	m, err := ReadManifest(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if m.RunID != "r2" || !strings.Contains(m.Failure, "the run counted 6") || len(m.Outputs) != 1 {
		t.Errorf("manifest %+v: want this run's failure, with the outputs found", m)
	}
	var r report
	if err := ReadReport(ctx, out, "funnel.json", &r); err != nil || r.Read != 6 {
		t.Errorf("the failed run's report: %+v, %v", r, err)
	}
}

func TestPublishFailsWithTheVerdictsReasonInOneLine(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	v, _ := NewVerdict(report{}, nil, "the funnel does not balance:\n  read 3\n  kept 2\n")
	_, err := Publish(ctx, testRun(out), nil, nil, v)
	if !errors.Is(err, ErrRunFailed) {
		t.Fatalf("err = %v", err)
	}
	m, _ := ReadManifest(ctx, out)
	if m.Failure != "the funnel does not balance:; read 3; kept 2" {
		t.Errorf("failure %q, want one line", m.Failure)
	}
}

func TestReportOnlyLeavesTheEarlierRunsOutputsAlone(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	put(t, out, map[string]string{SuccessFile: `{"run_id":"r1"}`, "_temporary/r2/x": "x"})
	run := testRun(out)
	run.ReportOnly, run.ReportFile = true, "estimate.json"
	v, _ := NewVerdict(report{Read: 3}, nil, "")
	if _, err := Publish(ctx, run, nil, nil, v); err != nil {
		t.Fatal(err)
	}
	var r report
	if err := ReadReport(ctx, out, "estimate.json", &r); err != nil || r.Read != 3 {
		t.Errorf("estimate %+v, %v", r, err)
	}
	if m, err := ReadManifest(ctx, out); err != nil || m.RunID != "r1" {
		t.Errorf("manifest %+v, %v: want the earlier run's, untouched", m, err)
	}
	if exists(filepath.Join(out, TempRoot)) {
		t.Error("the temporary tree is still there")
	}
	v.Failure = "no"
	if _, err := Publish(ctx, run, nil, nil, v); !errors.Is(err, ErrRunFailed) {
		t.Errorf("err = %v", err)
	}
	if m, err := ReadManifest(ctx, out); err != nil || m.RunID != "r1" {
		t.Errorf("a failed report-only run touched the manifest: %+v, %v", m, err)
	}
}

func TestFailFromTheLauncher(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	if _, err := ReadManifest(ctx, out); !errors.Is(err, ErrNoManifest) {
		t.Errorf("an empty prefix: err = %v, want ErrNoManifest", err)
	}
	if _, err := ReadManifest(ctx, filepath.Join(out, "nothing", "here")); !errors.Is(err, ErrNoManifest) {
		t.Errorf("a missing prefix: err = %v, want ErrNoManifest", err)
	}
	put(t, out, map[string]string{SuccessFile: `{"run_id":"r1"}`, "report/funnel.json": `{"read":1}`})
	err := Fail(ctx, testRun(out), "the pipeline failed: worker lost", nil)
	if !errors.Is(err, ErrRunFailed) {
		t.Fatalf("err = %v", err)
	}
	if exists(filepath.Join(out, SuccessFile)) || exists(filepath.Join(out, "report", "funnel.json")) {
		t.Error("the earlier run's manifest or report is still there")
	}
	m, err := ReadManifest(ctx, out)
	if err != nil || m.RunID != "r2" || m.Failure != "the pipeline failed: worker lost" || m.Report != nil {
		t.Errorf("manifest %+v, %v", m, err)
	}
}

func TestCheck(t *testing.T) {
	const out = "/o"
	outputs := []OutputDir{{Dir: "clean/fi", Records: 2}, {Dir: "clean/en", Records: 1}, {Dir: "rejected/x", Records: 3}}
	files := []File{{Path: "/o/dataset/fi.jsonl", Records: 2}, {Path: "/o/dataset/README.md"}}
	for _, tc := range []struct {
		name   string
		expect map[string]int64
		err    string // "" = no error
	}{
		{"by top directory", map[string]int64{"clean": 3, "rejected": 3, "dataset/fi.jsonl": 2}, ""},
		{"by directory", map[string]int64{"clean/fi": 2, "clean/en": 1, "rejected": 3, "dataset": 2}, ""},
		{"an expected directory that is missing", map[string]int64{"clean": 3, "rejected": 3, "dataset": 2, "pairs": 0}, ""},
		{"a short directory", map[string]int64{"clean": 4, "rejected": 3, "dataset": 2},
			"clean holds 3 records, the run counted 4"},
		{"a missing directory", map[string]int64{"clean": 3, "rejected": 3, "dataset": 2, "pairs": 1},
			"pairs holds 0 records, the run counted 1"},
		{"records nobody counted", map[string]int64{"clean": 3, "dataset": 2},
			"rejected/x holds 3 records the run did not count"},
		{"an uncounted file", map[string]int64{"clean": 3, "rejected": 3},
			"dataset/fi.jsonl holds 2 records the run did not count"},
		{"a prefix is not a directory", map[string]int64{"clean/f": 2, "clean/en": 1, "rejected": 3, "dataset": 2},
			"clean/f holds 0 records, the run counted 2; clean/fi holds 2 records the run did not count"},
	} {
		err := Check(out, outputs, files, tc.expect)
		if tc.err == "" {
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		var ce *CountError
		if !errors.As(err, &ce) || !strings.HasSuffix(err.Error(), ": "+tc.err) {
			t.Errorf("%s: err = %v, want ...%q", tc.name, err, tc.err)
		}
	}
	if got := relPath("gs://b/o/", "gs://b/o/dataset/x"); got != "dataset/x" {
		t.Errorf("relPath = %q", got)
	}
}
