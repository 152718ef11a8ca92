package publish

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/versions"
)

// versionedRun is run n of a job that publishes a dataset file and its report as a
// version, keeping keep versions.
func versionedRun(out string, n int, keep int, inputs ...string) Run {
	r := testRun(out)
	r.RunID = "r" + string(rune('0'+n))
	r.StartedAt = time.Date(2026, 1, n, 3, 4, 5, 0, time.UTC)
	r.Version = &versions.Spec{Keep: keep, Include: []string{"dataset", "report"}, ConfigSHA256: "c0ffee",
		Templates: []string{"t@1"}, Models: []versions.Model{{Role: "generator", Model: "m"}}, Inputs: inputs}
	return r
}

// publishVersion commits the files of run n (its dataset file holds n records) and
// publishes it, as a pipeline's last step would.
func publishVersion(t *testing.T, run Run, n int) (Manifest, error) {
	t.Helper()
	data := strings.Repeat(`{"id":"x"}`+"\n", n)
	put(t, run.Output, map[string]string{"dataset/fi.jsonl": data, "clean/fi/part-00000-of-00001.jsonl": "{}\n"})
	outputs := []OutputDir{{Dir: "clean/fi", Records: 1, Shards: []string{filepath.Join(run.Output, "clean/fi/part-00000-of-00001.jsonl")}}}
	files := []File{{Path: filepath.Join(run.Output, "dataset", "fi.jsonl"), Records: int64(n)}}
	v, err := NewVerdict(report{Read: int64(n)}, map[string]int64{"clean": 1, "dataset": int64(n)}, "")
	if err != nil {
		t.Fatal(err)
	}
	v.Version = &versions.Facts{Counts: map[string]map[string]int64{"diversify": {"fi": int64(n)}}, Calls: 7, StoreHits: 2, Cost: 0.5,
		Files: map[string][]byte{versions.DiffFile: []byte(`{"n":` + string(rune('0'+n)) + `}`)}}
	return Publish(context.Background(), run, outputs, files, v)
}

func latest(t *testing.T, out string) string {
	t.Helper()
	p, err := versions.ReadLatest(context.Background(), out)
	if err != nil {
		t.Fatalf("LATEST: %v", err)
	}
	return p.Version
}

// TestVersionsArePublishedThenPointedAtThenPruned: each run adds a version holding a
// copy of its dataset and report and a manifest; LATEST moves only once the version and
// _SUCCESS are complete; with keep=1 the older version goes only after LATEST moved.
func TestVersionsArePublishedThenPointedAtThenPruned(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	input := filepath.Join(t.TempDir(), "corpus.jsonl")
	corpus := []byte(`{"text":"a"}` + "\n")
	if err := os.WriteFile(input, corpus, 0o644); err != nil {
		t.Fatal(err)
	}
	run1 := versionedRun(out, 1, 1, filepath.Join(filepath.Dir(input), "*.jsonl"))
	m1, err := publishVersion(t, run1, 1)
	if err != nil {
		t.Fatal(err)
	}
	id1 := versions.ID(run1.RunID, run1.StartedAt)
	if m1.Version != id1 || latest(t, out) != id1 {
		t.Fatalf("_SUCCESS names version %q, LATEST %q; want %q", m1.Version, latest(t, out), id1)
	}
	vm, err := versions.ReadManifest(ctx, versions.Path(out, id1))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(corpus)
	if len(vm.Inputs) != 1 || vm.Inputs[0].Path != input || vm.Inputs[0].Size != int64(len(corpus)) || vm.Inputs[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("inputs %+v; want %s with its size and SHA-256", vm.Inputs, input)
	}
	if vm.RunID != "r1" || vm.Job != "test" || vm.Previous != "" || vm.ConfigSHA256 != "c0ffee" || vm.Calls != 7 || vm.StoreHits != 2 ||
		vm.Counts["diversify"]["fi"] != 1 || vm.Build.GitCommit != versions.Unknown || len(vm.Templates) != 1 || vm.Models[0].Model != "m" {
		t.Errorf("manifest %+v", vm)
	}
	var paths []string
	for _, f := range vm.Files {
		paths = append(paths, f.Path)
	}
	if strings.Join(paths, " ") != "dataset/fi.jsonl diff.json report/funnel.json" {
		t.Errorf("version files %v; want the dataset, the report and the diff (no shards)", paths)
	}
	if b, _ := os.ReadFile(versions.Path(out, id1, "dataset", "fi.jsonl")); string(b) != `{"id":"x"}`+"\n" {
		t.Errorf("the version's dataset file holds %q", b)
	}

	run2 := versionedRun(out, 2, 1, input)
	id2 := versions.ID(run2.RunID, run2.StartedAt)
	var steps []string
	testHook = func(step string, run Run) error {
		steps = append(steps, step)
		switch step {
		case "point": // the version and _SUCCESS are complete; LATEST is still the old one
			if m, err := ReadManifest(ctx, out); err != nil || m.RunID != "r2" || m.Version != id2 {
				t.Errorf("before LATEST moves: _SUCCESS %+v, %v; want run 2's", m, err)
			}
			if _, err := versions.ReadManifest(ctx, versions.Path(out, id2)); err != nil {
				t.Errorf("before LATEST moves: %v", err)
			}
			if latest(t, out) != id1 {
				t.Error("LATEST moved before its step")
			}
		case "prune": // LATEST moved; the version it named before is still there
			if latest(t, out) != id2 || !exists(versions.Path(out, id1, versions.ManifestFile)) {
				t.Errorf("after LATEST moved: LATEST %s, version 1 there: %v", latest(t, out), exists(versions.Path(out, id1)))
			}
		}
		return nil
	}
	defer func() { testHook = nil }()
	if _, err := publishVersion(t, run2, 2); err != nil {
		t.Fatal(err)
	}
	if strings.Join(steps, ",") != "point,prune" {
		t.Errorf("steps %v", steps)
	}
	if latest(t, out) != id2 || exists(versions.Path(out, id1)) || !exists(versions.Path(out, id2, versions.ManifestFile)) {
		t.Errorf("after run 2 with keep=1: LATEST %s, version 1 there %v; want only version 2", latest(t, out), exists(versions.Path(out, id1)))
	}
	vm2, _ := versions.ReadManifest(ctx, versions.Path(out, id2))
	if vm2.Previous != id1 || !vm2.PublishedAt.After(vm.PublishedAt) {
		t.Errorf("version 2's previous %q; want %q", vm2.Previous, id1)
	}
	// A retried publish of the same run finds its version published and keeps it.
	testHook = nil
	if _, err := publishVersion(t, run2, 2); err != nil || latest(t, out) != id2 {
		t.Errorf("a retried publish: %v, LATEST %s", err, latest(t, out))
	}
}

// TestAFailedRunPublishesNoVersion: a run whose counts are wrong, or that fails just
// before LATEST would move (a kill there leaves the same), leaves LATEST and the
// earlier version as they were, publishes no _SUCCESS, and leaves no version of its own.
func TestAFailedRunPublishesNoVersion(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	run1 := versionedRun(out, 1, 1)
	if _, err := publishVersion(t, run1, 1); err != nil {
		t.Fatal(err)
	}
	id1 := versions.ID(run1.RunID, run1.StartedAt)
	before, _ := os.ReadFile(filepath.Join(out, LatestFile))

	// The files do not hold what the run counted.
	run2 := versionedRun(out, 2, 1)
	put(t, out, map[string]string{"dataset/fi.jsonl": "{}\n"})
	v, _ := NewVerdict(report{}, map[string]int64{"dataset": 5}, "")
	if _, err := Publish(ctx, run2, nil, []File{{Path: filepath.Join(out, "dataset", "fi.jsonl"), Records: 1}}, v); !errors.Is(err, ErrRunFailed) {
		t.Fatalf("err = %v, want the run failed", err)
	}
	// Pointing LATEST fails.
	run3 := versionedRun(out, 3, 1)
	testHook = func(step string, run Run) error {
		if step == "point" {
			return errors.New("injected: storage refused the write")
		}
		return nil
	}
	defer func() { testHook = nil }()
	if _, err := publishVersion(t, run3, 3); !errors.Is(err, ErrRunFailed) || !strings.Contains(err.Error(), "injected") {
		t.Fatalf("err = %v, want the run failed naming the step", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, LatestFile))
	if string(after) != string(before) || latest(t, out) != id1 {
		t.Errorf("LATEST changed: %s", after)
	}
	for _, run := range []Run{run2, run3} {
		if id := versions.ID(run.RunID, run.StartedAt); exists(versions.Path(out, id)) {
			t.Errorf("the failed run %s left its version %s", run.RunID, id)
		}
	}
	if !exists(versions.Path(out, id1, "dataset", "fi.jsonl")) {
		t.Error("the published version lost its files")
	}
	if exists(filepath.Join(out, SuccessFile)) {
		t.Errorf("a failed run left %s", SuccessFile)
	}
	if m, err := ReadManifest(ctx, out); err != nil || m.RunID != "r3" || !strings.Contains(m.Failure, LatestFile) || m.Version != "" {
		t.Errorf("_FAILURE %+v, %v; want run 3's, naming %s", m, err, LatestFile)
	}
}

func TestReportOnlyRunsHaveNoVersion(t *testing.T) {
	run := versionedRun(t.TempDir(), 1, 1)
	run.ReportOnly = true
	v, _ := NewVerdict(report{}, nil, "")
	if _, err := Publish(context.Background(), run, nil, nil, v); err == nil || !strings.Contains(err.Error(), "no version") {
		t.Errorf("err = %v", err)
	}
	b, _ := json.Marshal(run)
	var back Run
	if err := json.Unmarshal(b, &back); err != nil || back.Version == nil || back.Version.Keep != 1 {
		t.Errorf("the run does not survive the trip into a DoFn: %+v, %v", back.Version, err)
	}
}
