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

// fakeBoot stands in for Beam's Go boot loader as far as xinstruct-worker.sh can tell: it
// records its arguments and working directory, writes pipeline_options.json there, copies
// a binary to /tmp/bin<random>/worker and runs the copy as its child, which never exits by
// itself (as a Go worker after its job).
const fakeBoot = `#!/bin/sh
printf '%s\n' "$@" > "$OUT/args"
pwd > "$OUT/cwd"
echo '{}' > pipeline_options.json
d=$(mktemp -d /tmp/binXXXXXX)
cp "$SLEEP" "$d/worker"
echo "$d" > "$OUT/copy"
"$d/worker" 3600 &
echo $! > "$OUT/worker.pid"
wait
`

// TestWorkerScript: xinstruct-worker.sh gives the boot loader the worker id without
// prism's quotes, a fresh directory as working directory and --semi_persist_dir (in
// place of the runner's), leaves the worker alone while the boot loader lives, and once
// the boot loader is stopped (SIGTERM, as Flink's ProcessManager does) kills the worker
// and removes its binary's copy and the directory.
func TestWorkerScript(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the script reads /proc")
	}
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep command")
	}
	script, err := filepath.Abs("xinstruct-worker.sh")
	if err != nil {
		t.Fatal(err)
	}
	tmp, out := t.TempDir(), t.TempDir()
	boot := filepath.Join(t.TempDir(), "boot")
	if err := os.WriteFile(boot, []byte(fakeBoot), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/bin/sh", script, "--id='worker-7'", "--provision_endpoint=localhost:1234", "--semi_persist_dir=/elsewhere")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "TMPDIR=" + tmp, "OUT=" + out, "SLEEP=" + sleep, "XINSTRUCT_BEAM_BOOT=" + boot}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	pidFile := filepath.Join(out, "worker.pid")
	waitFor(t, 10*time.Second, "the worker to start", func() bool { return nonEmpty(pidFile) })
	worker, err := strconv.Atoi(read(t, pidFile))
	if err != nil {
		t.Fatal(err)
	}
	copyDir := read(t, filepath.Join(out, "copy"))
	t.Cleanup(func() { syscall.Kill(worker, syscall.SIGKILL); os.RemoveAll(copyDir) })

	dir := read(t, filepath.Join(out, "cwd"))
	if filepath.Dir(dir) != tmp || !strings.HasPrefix(filepath.Base(dir), "xinstruct-worker.") {
		t.Errorf("the boot loader ran in %s, want a fresh directory under TMPDIR %s", dir, tmp)
	}
	args := strings.Split(read(t, filepath.Join(out, "args")), "\n")
	want := []string{"--id=worker-7", "--provision_endpoint=localhost:1234", "--semi_persist_dir=" + dir}
	if strings.Join(args, " ") != strings.Join(want, " ") {
		t.Errorf("the boot loader got %q, want %q", args, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "pipeline_options.json")); err != nil {
		t.Errorf("pipeline_options.json is not in the worker's directory: %v", err)
	}

	time.Sleep(3 * time.Second) // the watchdog has looked at least once
	if !alive(worker) {
		t.Fatal("the worker was killed while the boot loader ran")
	}
	cmd.Process.Signal(syscall.SIGTERM) // the process Flink started: the boot loader, after the script's exec
	<-exited
	waitFor(t, 15*time.Second, "the worker to be killed after the boot loader", func() bool { return !alive(worker) })
	waitFor(t, 5*time.Second, "the worker's directory and binary copy to be removed", func() bool {
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
