package job

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/gcstest"
	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// TestTwoRunsOnOneOutput starts two runs of the binary on one --output a moment apart,
// with different --per_language: exactly one publishes, the other exits non-zero at once
// with one line naming the holder, and the manifest matches the files on disk.
// XINSTRUCT_LEASE_TRIALS sets the number of trials (3 by default).
func TestTwoRunsOnOneOutput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the job's binary and runs it in pairs")
	}
	bin := generateBinary(t)
	trials := 3
	if n, err := strconv.Atoi(os.Getenv("XINSTRUCT_LEASE_TRIALS")); err == nil && n > 0 {
		trials = n
	}
	t.Run("local", func(t *testing.T) {
		twoRuns(t, bin, trials, func(int) string { return filepath.Join(t.TempDir(), "out") })
	})
	t.Run("gcs", func(t *testing.T) {
		gcstest.Start(t, "bucket", nil) // the binaries inherit STORAGE_EMULATOR_HOST
		twoRuns(t, bin, trials, func(trial int) string { return fmt.Sprintf("gs://bucket/out%d", trial) })
	})
}

// twoRuns runs the trials of TestTwoRunsOnOneOutput on the outputs that output names.
func twoRuns(t *testing.T, bin string, trials int, output func(trial int) string) {
	ctx := context.Background()
	input := "--input=" + testenv.Testdata("sample", "*.jsonl")
	// A model that answers after 50 ms, two calls at a time: a run takes about a second,
	// so the two runs overlap.
	_, url := llmtest.Start(t, llmtest.Options{Latency: 50 * time.Millisecond})
	for trial := 0; trial < trials; trial++ {
		out := output(trial)
		type result struct {
			perLang    int
			code       int
			stderr     string
			start, end time.Time
		}
		results := make([]result, 2)
		var wg sync.WaitGroup
		for i, perLang := range []int{2, 1} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				time.Sleep(time.Duration(i*trial*20) * time.Millisecond) // from together to 180 ms apart
				ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
				defer cancel()
				cmd := exec.CommandContext(ctx, bin, input, "--output="+out, "--runner=direct", "--rounds=0",
					"--llm_base_url="+url, "--generator_model=m", "--max_in_flight=2",
					fmt.Sprintf("--per_language=%d", perLang), "--progress_every=0s")
				start := time.Now()
				var stderr strings.Builder
				cmd.Stderr = &stderr
				err := cmd.Run()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					code = -1
				}
				results[i] = result{perLang, code, stderr.String(), start, time.Now()}
			}()
		}
		wg.Wait()
		if results[1].start.After(results[0].end) || results[0].start.After(results[1].end) {
			t.Fatalf("trial %d: the two runs did not overlap; the test proves nothing", trial)
		}
		var winners []result
		for _, r := range results {
			if r.code == 0 {
				winners = append(winners, r)
			} else if !strings.Contains(r.stderr, "is being written by run") {
				t.Errorf("trial %d: the losing run (per_language %d) exited %d without naming the holder:\n%s", trial, r.perLang, r.code, r.stderr)
			}
		}
		if len(winners) != 1 {
			t.Fatalf("trial %d: %d runs published; want exactly one", trial, len(winners))
		}
		// The manifest must match the files, and be the winner's.
		var m Manifest
		b, err := fsx.ReadFile(ctx, fsx.Join(out, SuccessFile))
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		json.Unmarshal(b, &m)
		var report funnel.Report
		json.Unmarshal(m.Report, &report)
		for _, f := range m.Files {
			if !strings.HasSuffix(f.Path, ".jsonl") {
				continue
			}
			data, err := fsx.ReadFile(ctx, f.Path)
			if err != nil || int64(strings.Count(string(data), "\n")) != f.Records {
				t.Errorf("trial %d: %s holds %d rows, the manifest says %d (%v)", trial, f.Path, strings.Count(string(data), "\n"), f.Records, err)
			}
		}
		for lang, n := range report.KeptByLanguage {
			if want := min(n, int64(winners[0].perLang)); report.Stages[len(report.Stages)-1].OutByLanguage[lang] != want {
				t.Errorf("trial %d: %s selected %d, want the winner's %d", trial, lang, report.Stages[len(report.Stages)-1].OutByLanguage[lang], want)
			}
		}
		if _, err := fsx.ReadFile(ctx, fsx.Join(out, "_LEASE")); err == nil {
			t.Errorf("trial %d: the lease was left behind", trial)
		}
	}
}
