package job

import (
	"encoding/json"
	"io/fs"
	"log"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/xinstruct/xinstruct/internal/secrettest"
	"github.com/xinstruct/xinstruct/io/llm"
)

// captureLogs sends slog's and the standard logger's (Beam's) output to a buffer until
// the test ends.
func captureLogs(t *testing.T) *lockedBuffer {
	t.Helper()
	var logs lockedBuffer
	old, oldOut := slog.Default(), log.Writer()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	log.SetOutput(&logs)
	t.Cleanup(func() { slog.SetDefault(old); log.SetOutput(oldOut) })
	return &logs
}

// grepTree returns the files under root that hold s.
func grepTree(t *testing.T, root, s string) []string {
	t.Helper()
	var hits []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), s) {
				hits = append(hits, p)
			}
		}
		return nil
	})
	return hits
}

// TestKeyByReferenceReachesTheModelAndNothingElse runs a small job whose key is
// delivered by reference, from the environment variable env:XINSTRUCT_TEST_KEY and from
// a (fake) Secret Manager version, with $OPENAI_API_KEY unset: the endpoint refuses any
// other key, the run succeeds, and the key is in no output file, response, log line,
// console line or serialized configuration.
func TestKeyByReferenceReachesTheModelAndNothingElse(t *testing.T) {
	const key = "sk-by-reference-NEVER-WRITE-ME-5150"
	const version = "projects/xinstruct-test/secrets/openai/versions/1"
	t.Setenv(llm.APIKeyEnv, "")
	t.Setenv("XINSTRUCT_TEST_KEY", key)
	sm := secrettest.Start(t)
	sm.Set(version, []byte(key+"\n"))
	g := startGated(t)
	var refused atomic.Int64
	g.setRefuse(func(r *http.Request, _ []byte) int {
		if r.Header.Get("Authorization") != "Bearer "+key {
			refused.Add(1)
			return http.StatusUnauthorized
		}
		return 0
	})
	for _, c := range []struct{ name, ref string }{{"env", "env:XINSTRUCT_TEST_KEY"}, {"secret manager", version}} {
		t.Run(c.name, func(t *testing.T) {
			logs := captureLogs(t)
			before := g.answered.Load()
			cfg := outcomeConfig(t, g.URL)
			cfg.Generate.LLM.APIKeySecret = c.ref
			code, stdout, stderr := execute(t, cfg, true)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if refused.Load() != 0 {
				t.Fatalf("the endpoint refused %d calls: the key did not arrive", refused.Load())
			}
			if g.answered.Load() == before {
				t.Fatal("no model call was answered")
			}
			if _, err := os.Stat(filepath.Join(cfg.Output, SuccessFile)); err != nil {
				t.Fatalf("no %s: %v", SuccessFile, err)
			}
			if hits := grepTree(t, filepath.Dir(cfg.Output), key); len(hits) > 0 {
				t.Errorf("the key is written in %v", hits)
			}
			b, _ := json.Marshal(cfg)
			if strings.Contains(string(b), key) || !strings.Contains(string(b), c.ref) {
				t.Errorf("the serialized configuration holds the key, or not the reference: %s", b)
			}
			for what, s := range map[string]string{"stdout": stdout, "stderr": stderr, "logs": logs.String()} {
				if strings.Contains(s, key) {
					t.Errorf("the key is in the %s", what)
				}
			}
		})
	}
	if n := sm.Calls.Load(); n != 1 {
		t.Errorf("Secret Manager was read %d times; want once per process (cached)", n)
	}
}

// TestUnreadableKeyFailsTheRun: a key reference that cannot be read on the worker fails
// the run with one line that says why (exit non-zero, no _SUCCESS, no dead letters),
// instead of dead-lettering every document with 401s and reporting success; with the
// pre-flight, the launcher says so before the job starts. A failed pipeline leaves its
// _temporary/ (as any pipeline failure does): the same run with a readable key, on the
// same output, clears it and succeeds.
func TestUnreadableKeyFailsTheRun(t *testing.T) {
	const version = "projects/xinstruct-test/secrets/denied/versions/1"
	const key = "sk-readable-on-the-rerun-2468"
	t.Setenv(llm.APIKeyEnv, "")
	t.Setenv("XINSTRUCT_RERUN_KEY", key)
	sm := secrettest.Start(t)
	sm.Deny(version)
	g := startGated(t)
	for _, c := range []struct {
		name, ref string
		preflight bool
		want      string
	}{
		{"env on the worker", "env:XINSTRUCT_NEVER_SET_KEY", false, "the key could not be read on the worker: $XINSTRUCT_NEVER_SET_KEY is unset or empty"},
		{"secret manager on the worker", version, false, "the key could not be read on the worker: Secret Manager " + version + ": permission denied"},
		{"secret manager in the launcher", version, true, "the key could not be read in the launcher: Secret Manager " + version + ": permission denied"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := g.answered.Load()
			cfg := outcomeConfig(t, g.URL)
			cfg.Generate.LLM.APIKeySecret = c.ref
			code, _, stderr := execute(t, cfg, c.preflight)
			if code == 0 {
				t.Fatalf("exit 0; want a failure")
			}
			if lines := strings.Split(strings.TrimSpace(stderr), "\n"); len(lines) != 1 || !strings.Contains(lines[0], c.want) {
				t.Fatalf("want one line naming %q, got:\n%s", c.want, stderr)
			}
			if _, err := os.Stat(filepath.Join(cfg.Output, SuccessFile)); err == nil {
				t.Fatalf("a failed run published %s", SuccessFile)
			}
			if g.answered.Load() != before {
				t.Errorf("the model was called without a key")
			}
			if hits := grepTree(t, cfg.Output, `"error"`); len(hits) > 0 {
				t.Errorf("dead letters written: %v", hits)
			}
			cfg.Generate.LLM.APIKeySecret = "env:XINSTRUCT_RERUN_KEY"
			if code, _, stderr := execute(t, cfg, c.preflight); code != 0 {
				t.Fatalf("the re-run with a readable key: exit %d: %s", code, stderr)
			}
			if _, err := os.Stat(filepath.Join(cfg.Output, SuccessFile)); err != nil {
				t.Fatalf("the re-run published no %s: %v", SuccessFile, err)
			}
		})
	}
}
