package flink

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeWorkerVar makes this test binary a stand-in Go worker (TestMain): "sleep" sleeps
// until killed, as a Go worker does after its job; "exit" exits at once, as a crashed one.
const fakeWorkerVar = "XINSTRUCT_FAKE_WORKER"

func TestMain(m *testing.M) {
	switch os.Getenv(fakeWorkerVar) {
	case "sleep":
		for {
			time.Sleep(time.Hour)
		}
	case "exit":
		os.Exit(3)
	}
	os.Exit(m.Run())
}

// fakeBoot stands in for Beam's Go boot loader as far as xinstruct-worker.sh can tell: it
// records its arguments and working directory, writes pipeline_options.json there, puts
// the worker binary in <semi_persist_dir>/staged, copies it to /tmp/bin<random>/worker and
// runs the copy as its child with --semi_persist_dir, then waits for it.
const fakeBoot = `#!/bin/sh
for a do
	case $a in --semi_persist_dir=*) spd=${a#*=} ;; esac
done
printf '%s\n' "$@" > "$OUT/args"
pwd > "$OUT/cwd"
echo '{}' > pipeline_options.json
mkdir -p "$spd/staged"
cp "$BIN" "$spd/staged/worker"
d=$(mktemp -d /tmp/binXXXXXX)
cp "$spd/staged/worker" "$d/worker"
echo "$d" > "$OUT/copy"
"$d/worker" --worker=true --semi_persist_dir="$spd" &
echo $! > "$OUT/worker.pid"
wait
`

// runScript starts xinstruct-worker.sh as Flink would, with fakeBoot as the boot loader
// and worker ("sleep" or "exit") as what its worker does. It returns the script's process
// (the boot loader's, after the script's exec), the worker's pid, and the directory of
// fakeBoot's records.
func runScript(t *testing.T, worker string) (cmd *exec.Cmd, exited <-chan error, pid int, out string) {
	t.Helper()
	if runtime.GOOS != "linux" {
		t.Skip("the script reads /proc")
	}
	script, err := filepath.Abs("xinstruct-worker.sh")
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tmp, out := t.TempDir(), t.TempDir()
	boot := filepath.Join(t.TempDir(), "boot")
	if err := os.WriteFile(boot, []byte(fakeBoot), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command("/bin/sh", script, "--id='worker-7'", "--provision_endpoint=localhost:1234", "--semi_persist_dir=/elsewhere")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + tmp, "OUT=" + out, "BIN=" + self,
		fakeWorkerVar + "=" + worker, "XINSTRUCT_BEAM_BOOT=" + boot}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() { ch <- cmd.Wait() }()

	pidFile := filepath.Join(out, "worker.pid")
	waitFor(t, 20*time.Second, "the worker to start", func() bool { return nonEmpty(pidFile) })
	pid, err = strconv.Atoi(read(t, pidFile))
	if err != nil {
		t.Fatal(err)
	}
	copyDir := read(t, filepath.Join(out, "copy"))
	t.Cleanup(func() { syscall.Kill(pid, syscall.SIGKILL); os.RemoveAll(copyDir) })
	return cmd, ch, pid, out
}

// TestWorkerScript: xinstruct-worker.sh gives the boot loader the worker id without
// prism's quotes, a fresh directory as working directory and --semi_persist_dir (in
// place of the runner's), leaves the worker alone while the boot loader lives, and once
// the boot loader is stopped (SIGTERM, as Flink's ProcessManager does first) kills the
// worker and removes its binary's copy and the directory.
func TestWorkerScript(t *testing.T) {
	cmd, exited, worker, out := runScript(t, "sleep")
	dir := read(t, filepath.Join(out, "cwd"))
	if !strings.HasPrefix(filepath.Base(dir), "xinstruct-worker.") || filepath.Dir(dir) != cmd.Env[1][len("TMPDIR="):] {
		t.Errorf("the boot loader ran in %s, want a fresh directory under TMPDIR", dir)
	}
	args := strings.Split(read(t, filepath.Join(out, "args")), "\n")
	want := []string{"--id=worker-7", "--provision_endpoint=localhost:1234", "--semi_persist_dir=" + dir}
	if strings.Join(args, " ") != strings.Join(want, " ") {
		t.Errorf("the boot loader got %q, want %q", args, want)
	}
	if !exists(filepath.Join(dir, "pipeline_options.json")) {
		t.Error("pipeline_options.json is not in the worker's directory")
	}

	time.Sleep(3 * time.Second) // the watchdog has looked at least once
	if !alive(worker) {
		t.Fatal("the worker was killed while the boot loader ran")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	<-exited
	checkCleanedUp(t, worker, dir, read(t, filepath.Join(out, "copy")))
}

// TestWorkerScriptBootKilledAtOnce: a boot loader SIGKILLed right after it started the
// worker (prism does so at the end of a short job) still has its worker killed.
func TestWorkerScriptBootKilledAtOnce(t *testing.T) {
	cmd, exited, worker, out := runScript(t, "sleep")
	cmd.Process.Kill()
	<-exited
	checkCleanedUp(t, worker, read(t, filepath.Join(out, "cwd")), read(t, filepath.Join(out, "copy")))
}

// TestWorkerScriptWorkerExited: when the worker exits by itself and the boot loader after
// it, the copy is found by its bytes and removed.
func TestWorkerScriptWorkerExited(t *testing.T) {
	_, exited, worker, out := runScript(t, "exit")
	<-exited
	checkCleanedUp(t, worker, read(t, filepath.Join(out, "cwd")), read(t, filepath.Join(out, "copy")))
}

func checkCleanedUp(t *testing.T, worker int, dir, copyDir string) {
	t.Helper()
	waitFor(t, 15*time.Second, "the worker to be gone after the boot loader", func() bool { return !alive(worker) })
	waitFor(t, 15*time.Second, "the worker's directory and binary copy to be removed", func() bool {
		return !exists(dir) && !exists(copyDir)
	})
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(d); !ok(); time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("waited %v for %s", d, what)
		}
	}
}

// alive reports whether pid runs (a zombie, killed but not yet reaped, does not count).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

func read(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func nonEmpty(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && fi.Size() > 0
}

func exists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
