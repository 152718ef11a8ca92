// Package portabletest runs a pipeline binary the way Flink and Dataflow do: submitted to a
// standalone job server (Beam's prism) with PROCESS workers that re-execute the binary through
// Beam's Go boot loader. LOOPBACK hides bugs (env vars not reaching workers, globals, coders)
// that this shows.
//
// A test calls Setup (which skips the test unless Enabled), BuildWorker for its pipeline's main
// package, then Run, and compares the output with RunInProcess of the same binary:
//
//	env := portabletest.Setup(t)
//	bin := env.BuildWorker(t, "./cmd/myjob")
//	out, err := env.Run(t, bin, map[string]string{"STORAGE_EMULATOR_HOST": host}, "--input=...")
//
// Workers start with only PATH, HOME, TMPDIR and the variables passed to Run or Flags in their
// environment, as on a real worker: a variable the test process (the launcher) has does not
// reach them. Those variables are written into the pipeline options, which the boot loader
// prints: never pass secrets this way.
//
// Cost, on 2 busy cores (README.md has the figures): a portable job takes 2 to 5 s more than the
// in-process one. The package's own test takes about 6 s warm, 20 s after a change to the
// pipeline (relinking a 150 MB worker binary), and 8 minutes on a cold Go build cache (prism,
// the boot loader and the worker compile from scratch).
package portabletest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// EnabledVar is the environment variable that turns the slow portable tests on ("1").
const EnabledVar = "XINSTRUCT_PORTABLE_TESTS"

// DefaultTimeout bounds one Run or RunInProcess; it is cut to the test's deadline.
const DefaultTimeout = 3 * time.Minute

const (
	prismPkg    = "github.com/apache/beam/sdks/v2/go/cmd/prism"
	bootPkg     = "github.com/apache/beam/sdks/v2/go/container"
	buildLimit  = 15 * time.Minute // cold, prism took 4.5 minutes on 2 busy cores
	startLimit  = 30 * time.Second // prism prints its endpoint well under a second after start
	idleLimit   = 30 * time.Minute // prism's own last resort if it outlives the test process
	stopLimit   = 10 * time.Second // for the wrappers' watchdogs to kill workers after prism dies
	logTailSize = 60
)

// Enabled reports whether the slow portable tests should run: env XINSTRUCT_PORTABLE_TESTS=1.
func Enabled() bool { return os.Getenv(EnabledVar) == "1" }

// Env is a prism job server started for one test, and the binaries that go with it.
type Env struct {
	// Endpoint is prism's job service, 127.0.0.1:<port>.
	Endpoint string
	// Timeout bounds each Run; DefaultTimeout unless the test changes it.
	Timeout time.Duration

	tools    *tools
	prismLog string
}

// Setup skips the test unless Enabled (and on anything but linux/amd64, where the worker
// binaries would not run); otherwise it builds, once per test binary and cached under a temp
// directory keyed by the module, bin/prism and bin/boot, writes the --id quote-stripping wrapper
// script next to them, starts prism's job server on a free port (stopped in t.Cleanup, with every
// worker it started), and returns the Env.
func Setup(t testing.TB) *Env {
	t.Helper()
	if !Enabled() {
		t.Skipf("slow test on Beam's portable runner (prism job server, PROCESS workers); set %s=1 to run it", EnabledVar)
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("portable tests run linux/amd64 worker binaries locally; this is %s/%s", runtime.GOOS, runtime.GOARCH)
	}
	tl, err := loadTools(t)
	if err != nil {
		t.Fatalf("portabletest: %v", err)
	}

	dir := t.TempDir() // registered before the stop below, so removed after it
	tmp := filepath.Join(dir, "tmp")
	if err := os.Mkdir(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	e := &Env{Timeout: DefaultTimeout, tools: tl, prismLog: filepath.Join(dir, "prism.log")}
	logf, err := os.Create(e.prismLog)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tl.prism,
		"--job_port=0",       // a free port, read back from the log
		"--serve_http=false", // the web UI would take the fixed port 8074
		"--log_kind=text",
		"--idle_shutdown_timeout="+idleLimit.String())
	cmd.Dir = dir // workers inherit it
	// A minimal environment, as on a real worker: what the launcher's environment has must
	// not reach workers unless passed in the environment config. The wrapper puts each worker's
	// directory under TMPDIR, and the workers' temp files land there too.
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + tmp}
	cmd.Stdout, cmd.Stderr = logf, logf // workers write here too
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatalf("portabletest: starting prism: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		stop(t, cmd.Process.Pid, exited)
		logf.Close()
		// Every process of this Env (prism, wrappers, boot loaders, workers) runs in dir.
		if pids := leftovers(dir); len(pids) > 0 {
			t.Errorf("portabletest: processes %v outlived prism and its workers' watchdogs; killing them", pids)
			for _, p := range pids {
				syscall.Kill(p, syscall.SIGKILL)
			}
		}
	})

	port, err := waitForEndpoint(e.prismLog, exited)
	if err != nil {
		t.Fatalf("portabletest: prism: %v\n--- prism log ---\n%s", err, tailFile(e.prismLog, logTailSize))
	}
	e.Endpoint = "127.0.0.1:" + port
	return e
}

var endpointRE = regexp.MustCompile(`Serving JobManagement.*endpoint=\S*:(\d+)`)

// waitForEndpoint reads prism's port from its log (it was started with --job_port=0).
func waitForEndpoint(logPath string, exited <-chan struct{}) (string, error) {
	deadline := time.Now().Add(startLimit)
	for {
		b, _ := os.ReadFile(logPath)
		if m := endpointRE.FindSubmatch(b); m != nil {
			return string(m[1]), nil
		}
		select {
		case <-exited:
			return "", errors.New("exited before serving")
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("no job endpoint in its log after %v", startLimit)
		}
	}
}

// stop kills prism, gives the wrappers' watchdogs time to kill the workers they watch (and
// remove the copies the boot loader made under /tmp), then kills whatever is left in prism's
// process group.
func stop(t testing.TB, pid int, exited <-chan struct{}) {
	syscall.Kill(pid, syscall.SIGKILL)
	<-exited
	deadline := time.Now().Add(stopLimit)
	for groupAlive(pid) && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if groupAlive(pid) {
		t.Logf("portabletest: worker processes outlived prism by %v; killing them", stopLimit)
		syscall.Kill(-pid, syscall.SIGKILL)
	}
}

// leftovers returns the processes whose working directory is dir or below it.
func leftovers(dir string) []int {
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d // /proc holds resolved paths
	}
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if cwd, err := os.Readlink(filepath.Join("/proc", e.Name(), "cwd")); err == nil && (cwd == dir || strings.HasPrefix(cwd, dir+"/")) {
			pids = append(pids, pid)
		}
	}
	return pids
}

func groupAlive(pgid int) bool { return syscall.Kill(-pgid, 0) == nil }

// Log returns prism's log so far, where the workers (and the boot loader) write: a test
// can check what they logged.
func (e *Env) Log() string {
	b, err := os.ReadFile(e.prismLog)
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// Flags returns the flags that submit a job to the env: --runner=universal --endpoint=...
// --environment_type=PROCESS --environment_config='{"command":"<wrapper>","env":{...}}'
// --worker_binary=<bin>. env lists environment variables to pass to workers (e.g.
// STORAGE_EMULATOR_HOST); it ends up in the pipeline options and the logs, so it must never be
// used for secrets.
func (e *Env) Flags(workerBinary string, env map[string]string) []string {
	cfg, err := json.Marshal(struct {
		Command string            `json:"command"`
		Env     map[string]string `json:"env,omitempty"`
	}{e.tools.wrapper, env})
	if err != nil {
		panic(err) // strings only: cannot happen
	}
	return []string{
		"--runner=universal",
		"--endpoint=" + e.Endpoint,
		"--environment_type=PROCESS",
		"--environment_config=" + string(cfg),
		"--worker_binary=" + workerBinary,
	}
}

// Run runs bin with args plus e.Flags(bin, env), so that bin is both the launcher and the worker
// binary, within e.Timeout. It returns the launcher's combined output; on failure the error holds
// the tail of that output and of prism's log (where the workers write).
func (e *Env) Run(t testing.TB, bin string, env map[string]string, args ...string) (string, error) {
	t.Helper()
	out, err := run(t, e.Timeout, bin, append(args[:len(args):len(args)], e.Flags(bin, env)...), nil)
	if err != nil {
		err = fmt.Errorf("%s on prism (PROCESS workers): %w\n--- output (tail) ---\n%s\n--- prism log (tail) ---\n%s",
			filepath.Base(bin), err, tail(out, logTailSize), tailFile(e.prismLog, logTailSize))
	}
	return out, err
}

// RunInProcess runs bin with args and no runner flags (prism in-process, LOOPBACK: the workers
// share the launcher's process, globals and environment), with env added to its environment,
// within DefaultTimeout. It is the reference a portable run is compared with.
func RunInProcess(t testing.TB, bin string, env map[string]string, args ...string) (string, error) {
	t.Helper()
	out, err := run(t, DefaultTimeout, bin, args, env)
	if err != nil {
		err = fmt.Errorf("%s in process: %w\n--- output (tail) ---\n%s", filepath.Base(bin), err, tail(out, logTailSize))
	}
	return out, err
}

// run runs bin in its own process group, killed as a whole on timeout, with TMPDIR in a test
// temp dir (a LOOPBACK launcher leaves an empty beamloopbackworker-* file there).
func run(t testing.TB, timeout time.Duration, bin string, args []string, env map[string]string) (string, error) {
	t.Helper()
	timeout = cutToDeadline(t, timeout)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), "TMPDIR="+t.TempDir())
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = procAttr()
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err := cmd.Run()
	if cmd.Process != nil {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // anything the launcher left behind
	}
	if ctx.Err() == context.DeadlineExceeded {
		err = fmt.Errorf("timed out after %v: %w", timeout, err)
	}
	t.Logf("portabletest: %s ran in %v", filepath.Base(bin), time.Since(start).Round(10*time.Millisecond))
	return out.String(), err
}

// cutToDeadline shortens d to end a few seconds before the test's deadline, if it has one.
func cutToDeadline(t testing.TB, d time.Duration) time.Duration {
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if end, ok := dt.Deadline(); ok {
			if left := time.Until(end) - 5*time.Second; left < d {
				d = max(left, time.Second)
			}
		}
	}
	return d
}

// tools are the binaries and the wrapper script shared by every Env of a test binary.
type tools struct {
	dir, prism, boot, wrapper string
}

var (
	toolsOnce   sync.Once
	toolsResult *tools
	toolsErr    error
)

// loadTools builds prism and the boot loader into the cache directory unless they are there,
// and (re)writes the wrapper script, once per test binary.
func loadTools(t testing.TB) (*tools, error) {
	t.Helper()
	toolsOnce.Do(func() { toolsResult, toolsErr = buildTools(t) })
	return toolsResult, toolsErr
}

func buildTools(t testing.TB) (*tools, error) {
	t.Helper()
	dir, err := cacheDir()
	if err != nil {
		return nil, err
	}
	tl := &tools{
		dir:     dir,
		prism:   filepath.Join(dir, "bin", "prism"),
		boot:    filepath.Join(dir, "bin", "boot"),
		wrapper: filepath.Join(dir, "bin", "boot-wrapper.sh"),
	}
	for _, b := range []struct{ out, pkg string }{{tl.prism, prismPkg}, {tl.boot, bootPkg}} {
		if fi, err := os.Stat(b.out); err == nil && fi.Mode()&0o111 != 0 {
			continue // the key covers go.sum and the Go version
		}
		if err := goBuild(t, b.out, b.pkg); err != nil {
			return nil, err
		}
	}
	if err := writeFileAtomic(tl.wrapper, []byte(wrapperScript(tl.boot)), 0o755); err != nil {
		return nil, err
	}
	return tl, nil
}

// cacheDir is $TMPDIR/xinstruct-portabletest-<key>, the key a hash of the module's go.mod path,
// its go.sum, the Go version and the build settings.
func cacheDir() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD", "GOVERSION").Output()
	if err != nil {
		return "", fmt.Errorf("go env: %v", err)
	}
	f := strings.Fields(string(out))
	if len(f) != 2 || f[0] == os.DevNull {
		return "", fmt.Errorf("not inside a module (go env GOMOD GOVERSION: %q)", out)
	}
	sum, err := os.ReadFile(filepath.Join(filepath.Dir(f[0]), "go.sum"))
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%q\n", f[0], f[1], buildEnv)
	h.Write(sum)
	dir := filepath.Join(os.TempDir(), "xinstruct-portabletest-"+hex.EncodeToString(h.Sum(nil))[:16])
	return dir, os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
}

var buildEnv = []string{"GOOS=linux", "GOARCH=amd64", "CGO_ENABLED=0"}

var (
	workersMu sync.Mutex
	workers   = map[string]*workerBuild{}
)

type workerBuild struct {
	once sync.Once
	path string
	err  error
}

// BuildWorker builds the main package pkg (an import path, or a directory relative to the test's
// package such as "./testdata/job") as a linux/amd64 CGO_ENABLED=0 binary, as for Flink or
// Dataflow, once per package per test binary, and returns its path.
func (e *Env) BuildWorker(t testing.TB, pkg string) string {
	t.Helper()
	key := pkg
	if strings.HasPrefix(pkg, ".") || filepath.IsAbs(pkg) {
		abs, err := filepath.Abs(pkg)
		if err != nil {
			t.Fatal(err)
		}
		key = abs
	}
	workersMu.Lock()
	b := workers[key]
	if b == nil {
		b = &workerBuild{}
		workers[key] = b
	}
	workersMu.Unlock()
	b.once.Do(func() {
		sum := sha256.Sum256([]byte(key))
		b.path = filepath.Join(e.tools.dir, "workers", hex.EncodeToString(sum[:])[:16], path.Base(filepath.ToSlash(key)))
		b.err = goBuild(t, b.path, pkg)
	})
	if b.err != nil {
		t.Fatalf("portabletest: %v", b.err)
	}
	return b.path
}

// goBuild builds pkg for linux/amd64 with CGO_ENABLED=0 (prism and the boot loader too: they then
// share compiled packages with the worker, which shortens a cold build) into out. The go command
// leaves out untouched when it is up to date (no link: half a second instead of about ten), and
// otherwise links in its work directory and renames the binary into place, so that a concurrent
// test binary never sees a partial file.
func goBuild(t testing.TB, out, pkg string) error {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), cutToDeadline(t, buildLimit))
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Env = append(os.Environ(), buildEnv...)
	start := time.Now()
	if msg, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, msg)
	}
	t.Logf("portabletest: built %s in %v", pkg, time.Since(start).Round(100*time.Millisecond))
	return nil
}

func writeFileAtomic(name string, data []byte, perm os.FileMode) error {
	tmp := fmt.Sprintf("%s.tmp%d", name, os.Getpid())
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, name)
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("[... %d lines]", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

func tailFile(name string, n int) string {
	b, err := os.ReadFile(name)
	if err != nil {
		return err.Error()
	}
	return tail(string(b), n)
}
