package job

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/publish"
)

// evalBinary builds the eval command into a temporary directory, or skips the test where
// there is no go command.
func evalBinary(t *testing.T) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command on PATH: this test builds the job's binary")
	}
	bin := filepath.Join(t.TempDir(), "eval")
	if out, err := exec.Command(goTool, "build", "-o", bin, "..").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestKillAndResume: an eval killed with SIGKILL while answering and judging, then run
// again, repeats at most the requests that were in flight when it died, and ends with the
// same leaderboard as a run never killed.
func TestKillAndResume(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	const maxInFlight = 8
	srv, url := llmtest.Start(t, llmtest.Options{Latency: 5 * time.Millisecond, Answerers: map[string]llmtest.Answerer{
		"strong-1": {Quality: 7}, "base-1": {Quality: 5}}})
	bin := evalBinary(t)
	out := filepath.Join(t.TempDir(), "out")
	args := []string{"--runner=direct", "--questions=" + sharedEval(t, "questions.en.jsonl"), "--languages=fi,sw,th", "--output=" + out,
		"--llm_base_url=" + url, "--models=strong=strong-1,base=base-1", "--baseline=base", "--judge_model=judge-1",
		fmt.Sprintf("--max_in_flight=%d", maxInFlight), "--progress_every=0s", "--skip_preflight", "--bootstrap=200"}
	const total = 2*240 + 2*240 // answers, then both orders of every comparison

	var log1 bytes.Buffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &log1, &log1
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-exited:
		default:
			cmd.Process.Kill()
			<-exited
		}
	})
	// Killed in the judging phase: past every answer and a few judge verdicts.
	target := int64(total * 0.7)
	deadline := time.After(60 * time.Second)
poll:
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("the job exited (%v) before %d answers\n%s", err, target, log1.Bytes())
		case <-deadline:
			t.Fatalf("the server completed only %d answers in 60s", srv.Stats().Completed)
		case <-time.After(2 * time.Millisecond):
			if srv.Stats().Completed >= target {
				break poll
			}
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	werr := <-exited
	exited <- werr
	time.Sleep(200 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(out, publish.SuccessFile)); err == nil {
		t.Fatal("the killed run published _SUCCESS")
	}

	if b, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Fatalf("the re-run failed: %v\n%s", err, b)
	}
	final := srv.Stats()
	repeats := final.Completed - int64(len(final.CompletedByKey))
	if repeats > maxInFlight {
		t.Errorf("%d requests were answered twice over both runs, more than the %d in flight at the kill", repeats, maxInFlight)
	}
	if len(final.CompletedByKey) != total {
		t.Errorf("%d distinct requests, want %d", len(final.CompletedByKey), total)
	}
	r := readResults(t, out)
	if x := row(t, r, "strong", "all"); x.N != 240 {
		t.Errorf("the resumed run judged %d comparisons, want 240", x.N)
	}
	t.Logf("killed at %d of %d calls; the re-run made %d; %d repeated", target, total, r.Calls, repeats)
}
