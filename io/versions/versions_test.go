package versions

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

func TestID(t *testing.T) {
	at := time.Date(2026, 3, 1, 2, 3, 4, 0, time.FixedZone("x", 3600))
	for _, tc := range []struct{ run, want string }{
		{"20260301T010304Z-ab12cd34", "20260301T010304Z-ab12cd34"}, // the launcher's own run id: as it is
		{"march", "20260301T010304Z-march"},                        // the user's: the time first, so ids sort by time
		{"20260301T000000Z-relaunched", "20260301T010304Z-20260301T000000Z-relaunched"},
	} {
		if got := ID(tc.run, at); got != tc.want {
			t.Errorf("ID(%q) = %q, want %q", tc.run, got, tc.want)
		}
	}
	if got := ID("r", time.Time{}); got != "r" {
		t.Errorf("ID without a start time = %q", got)
	}
}

func TestConfigHash(t *testing.T) {
	type llm struct {
		Model       string        `json:"model"`
		MaxInFlight int           `json:"max_in_flight"`
		Timeout     time.Duration `json:"timeout"`
	}
	type cfg struct {
		Output        string
		LLM           llm
		Seed          uint64 `json:"seed"`
		ProgressEvery time.Duration
	}
	op := []string{"output", "max_in_flight", "timeout", "progress_every"}
	base := cfg{Output: "a", LLM: llm{Model: "m", MaxInFlight: 1, Timeout: 1}, Seed: 1<<63 + 1, ProgressEvery: 1}
	h := func(c cfg) string {
		s, err := ConfigHash(c, op...)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	same := base
	same.Output, same.LLM.MaxInFlight, same.LLM.Timeout, same.ProgressEvery = "b", 64, 9, 7
	if h(same) != h(base) {
		t.Error("operational settings changed the hash")
	}
	for name, c := range map[string]cfg{
		"model": {Output: "a", LLM: llm{Model: "n", MaxInFlight: 1, Timeout: 1}, Seed: base.Seed, ProgressEvery: 1},
		"seed":  {Output: "a", LLM: base.LLM, Seed: base.Seed + 1, ProgressEvery: 1}, // beyond a float64's precision
	} {
		if h(c) == h(base) {
			t.Errorf("a different %s has the same hash", name)
		}
	}
	if len(h(base)) != 64 {
		t.Errorf("hash %q is not a hex SHA-256", h(base))
	}
}

// write makes a version directory below out: with a manifest published at the given
// day, or without one (what a killed run leaves).
func write(t *testing.T, out, id string, day int) {
	t.Helper()
	dir := Path(out, id)
	if err := os.MkdirAll(filepath.Join(dir, "dataset"), 0o755); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "dataset", "x.jsonl"), []byte("{}\n"), 0o644)
	if day == 0 {
		return
	}
	b, _ := json.Marshal(Manifest{Version: id, PublishedAt: time.Date(2026, 1, day, 0, 0, 0, 0, time.UTC)})
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func localFS(t *testing.T, out string) filesystem.Interface {
	fsys, err := fsx.Open(context.Background(), out)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fsys.Close() })
	return fsys
}

// TestPrune keeps the newest by publication (not by id), the version LATEST names even
// when it is older (a rollback), and the protected one; it removes what killed runs
// left without a manifest.
func TestPrune(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	write(t, out, "a", 1)
	write(t, out, "b", 2)
	write(t, out, "z-published-before-c", 3)
	write(t, out, "c", 4)
	write(t, out, "d-killed", 0)
	fsys := localFS(t, out)
	if err := Point(ctx, fsys, out, "", Manifest{Version: "a"}); err != nil {
		t.Fatal(err)
	}
	removed, err := Prune(ctx, fsys, out, 1, "b")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(removed, ",") != "z-published-before-c,d-killed" {
		t.Errorf("removed %v", removed)
	}
	var left []string
	entries, _ := List(ctx, out)
	for _, e := range entries {
		left = append(left, e.ID)
	}
	if strings.Join(left, ",") != "a,b,c" {
		t.Errorf("left %v; want a (LATEST), b (protected), c (the newest)", left)
	}
	if removed, _ := Prune(ctx, fsys, out, 0); len(removed) != 0 {
		t.Errorf("keep=0 removed %v", removed)
	}
}

func TestResolve(t *testing.T) {
	ctx := context.Background()
	out := t.TempDir()
	if _, _, err := Resolve(ctx, out, "latest"); !errors.Is(err, ErrNoVersion) {
		t.Errorf("no LATEST: err = %v", err)
	}
	write(t, out, "v1", 1)
	write(t, out, "v2", 2)
	if err := Point(ctx, localFS(t, out), out, "", Manifest{Version: "v2", Previous: "v1"}); err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{"": "v2", "latest": "v2", "previous": "v1", "v1": "v1", Path(out, "v2"): "v2"} {
		dir, m, err := Resolve(ctx, out, ref)
		if err != nil || m.Version != want || dir != Path(out, want) {
			t.Errorf("Resolve(%q) = %s, %s, %v; want %s", ref, dir, m.Version, err, want)
		}
	}
	if dir, m, err := Resolve(ctx, t.TempDir(), out); err != nil || m.Version != "v2" || dir != Path(out, "v2") {
		t.Errorf("another output prefix: %s, %s, %v; want its LATEST, v2", dir, m.Version, err)
	}
	if _, _, err := Resolve(ctx, out, "v9"); err == nil || !strings.Contains(err.Error(), "v1, v2") {
		t.Errorf("an unknown version: err = %v; want the versions listed", err)
	}
	os.WriteFile(filepath.Join(out, LatestFile), []byte("{"), 0o644)
	if _, err := ReadLatest(ctx, out); err == nil || errors.Is(err, ErrNoVersion) {
		t.Errorf("a corrupt LATEST: err = %v; want it said, not taken for none", err)
	}
}

func TestCurrentBuild(t *testing.T) {
	b := CurrentBuild()
	exe, _ := os.Executable()
	sum, err := fileSHA256(exe)
	if err != nil || b.BinarySHA256 != sum || b.GitCommit == "" || b.GoVersion == "" {
		t.Errorf("build %+v; want the test binary's digest %s (%v) and a commit or %q", b, sum, err, Unknown)
	}
}
