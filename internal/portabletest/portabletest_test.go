package portabletest

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// TestPortableMatchesInProcess runs testdata/wordjob in process and on PROCESS workers: the
// output must be the same, the variable passed through Flags' env must reach the workers, and a
// package-level variable set by the launcher, or a variable only in the launcher's environment,
// must not.
func TestPortableMatchesInProcess(t *testing.T) {
	// Only in the test process's environment: Setup's prism, and so its workers, must not see it.
	t.Setenv("WORDJOB_LAUNCHER_ONLY", "launcher")
	env := Setup(t)
	bin := env.BuildWorker(t, "./testdata/wordjob")

	dir := t.TempDir()
	input := filepath.Join(dir, "input.txt")
	var text strings.Builder
	for i := range 500 {
		fmt.Fprintf(&text, "The quick brown fox %d jumps over the lazy dog %d\n", i%7, i%3)
	}
	if err := os.WriteFile(input, []byte(text.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	workerEnv := map[string]string{"WORDJOB_PASSED": "passed"}
	args := func(run string) []string {
		return []string{
			"--input=" + input,
			"--output=" + filepath.Join(dir, run, "counts.txt"),
			"--probe=" + filepath.Join(dir, run, "probe.txt"),
			"--prefix=w:",
			"--env_vars=WORDJOB_PASSED,WORDJOB_LAUNCHER_ONLY",
			"--launcher_mark=set-by-launcher",
		}
	}

	if _, err := RunInProcess(t, bin, workerEnv, args("inprocess")...); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Run(t, bin, workerEnv, args("portable")...); err != nil {
		t.Fatal(err)
	}

	want := readLines(t, filepath.Join(dir, "inprocess", "counts.txt"))
	if !slices.Contains(want, "w:the\t1000") {
		t.Fatalf("in-process counts lack %q: %q", "w:the\t1000", want)
	}
	if got := readLines(t, filepath.Join(dir, "portable", "counts.txt")); !slices.Equal(got, want) {
		t.Errorf("portable counts differ from in-process ones:\n got %q\nwant %q", got, want)
	}

	// In process, the workers are the launcher: they see all of it. That is what LOOPBACK hides.
	checkProbe(t, filepath.Join(dir, "inprocess", "probe.txt"),
		"WORDJOB_PASSED=passed WORDJOB_LAUNCHER_ONLY=launcher launcher_mark=set-by-launcher")
	checkProbe(t, filepath.Join(dir, "portable", "probe.txt"),
		"WORDJOB_PASSED=passed WORDJOB_LAUNCHER_ONLY= launcher_mark=")
}

func checkProbe(t *testing.T, name, want string) {
	t.Helper()
	if got := readLines(t, name); !slices.Equal(got, []string{want}) {
		t.Errorf("%s: workers saw %q, want %q", name, got, want)
	}
}

// readLines returns the sorted lines of a file (textio.Write keeps no order).
func readLines(t *testing.T, name string) []string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	slices.Sort(lines)
	return lines
}

// TestFlags checks the flags without starting anything, so it runs in every go test.
func TestFlags(t *testing.T) {
	e := &Env{Endpoint: "127.0.0.1:1234", tools: &tools{wrapper: "/cache/bin/boot-wrapper.sh"}}
	got := e.Flags("/cache/workers/x/job", map[string]string{"B": "2", "A": `"1"`})
	want := []string{
		"--runner=universal",
		"--endpoint=127.0.0.1:1234",
		"--environment_type=PROCESS",
		`--environment_config={"command":"/cache/bin/boot-wrapper.sh","env":{"A":"\"1\"","B":"2"}}`,
		"--worker_binary=/cache/workers/x/job",
	}
	if !slices.Equal(got, want) {
		t.Errorf("Flags:\n got %q\nwant %q", got, want)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(strings.TrimPrefix(got[3], "--environment_config=")), &cfg); err != nil {
		t.Errorf("environment_config is not JSON: %v", err)
	}
}

// TestLeftovers: Setup's cleanup finds the processes left running in its directory, and
// only those, by their working directory.
func TestLeftovers(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	dir := t.TempDir()
	sub := filepath.Join(dir, "tmp", "beamworker.x")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sleep", "60")
	cmd.Dir = sub
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	if got := leftovers(dir); !slices.Equal(got, []int{cmd.Process.Pid}) {
		t.Errorf("leftovers(dir) = %v, want [%d]", got, cmd.Process.Pid)
	}
	if got := leftovers(dir[:len(dir)-1]); len(got) != 0 {
		t.Errorf("leftovers of a path that only starts like dir = %v, want none", got)
	}
}
