package job

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/runners/launch"
)

// gatedServer serves the fake model behind a gate that can refuse a request with a
// status of its choosing; it counts the chat requests the fake answered.
type gatedServer struct {
	URL      string // base URL, with /v1
	answered atomic.Int64
	mu       sync.Mutex
	refuse   func(r *http.Request, body []byte) int // 0: let it through
}

func startGated(t *testing.T) *gatedServer {
	g := &gatedServer{}
	fake := llmtest.New(llmtest.Options{}).Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		g.mu.Lock()
		refuse := g.refuse
		g.mu.Unlock()
		if refuse != nil {
			if code := refuse(r, body); code != 0 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(code)
				// Like some gateways, echo what the client sent: the key must not reach
				// any output.
				json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": "refused; you sent " + r.Header.Get("Authorization"), "type": "invalid_request_error"}})
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.HasSuffix(r.URL.Path, "/chat/completions") {
			g.answered.Add(1)
		}
		fake.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	g.URL = srv.URL + "/v1"
	return g
}

func (g *gatedServer) setRefuse(f func(r *http.Request, body []byte) int) {
	g.mu.Lock()
	g.refuse = f
	g.mu.Unlock()
}

// execute runs cfg through the launcher's own path (pre-flight unless skipped, run,
// outcome) and returns the exit code and what it printed.
func execute(t *testing.T, cfg Config, preflight bool) (code int, stdout, stderr string) {
	t.Helper()
	cfg.RunID = launch.NewRunID(time.Now())
	j, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if preflight {
		if err := launch.Preflight(context.Background(), j.Models()); err != nil {
			return launch.ExitFailed, "", err.Error()
		}
	}
	var out, errOut bytes.Buffer
	code = launch.Execute(context.Background(), "generate", j, launch.Options{}, &out, &errOut)
	return code, out.String(), errOut.String()
}

func outcomeConfig(t *testing.T, url string) Config {
	cfg := generateConfig(t, url, filepath.Join(t.TempDir(), "out"))
	cfg.Refine.Rounds = 0
	cfg.Generate.LLM.MaxRetries = 1
	cfg.Generate.LLM.Timeout = time.Second
	return cfg
}

func assertFailedRun(t *testing.T, cfg Config, code int, stderr, want string) {
	t.Helper()
	if code == 0 {
		t.Fatalf("exit code 0; want a failure")
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], want) {
		t.Fatalf("want one line naming %q, got:\n%s", want, stderr)
	}
	if _, err := os.Stat(filepath.Join(cfg.Output, SuccessFile)); err == nil {
		t.Fatalf("a failed run published %s", SuccessFile)
	}
	if _, err := os.Stat(filepath.Join(cfg.Output, TempRoot)); err == nil {
		t.Errorf("a failed run left %s behind; it would block the next", TempRoot)
	}
}

// TestPreflightNamesTheMistake: each common mistake fails the pre-flight at once, with a
// hint that says what to change.
func TestPreflightNamesTheMistake(t *testing.T) {
	g := startGated(t)
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "http://" + l.Addr().String() + "/v1"
	l.Close()
	t.Setenv(llm.APIKeyEnv, "sk-wrong-key-123")
	for _, c := range []struct {
		name, url string
		refuse    func(*http.Request, []byte) int
		want      string
	}{
		{"closed port", closed, nil, "connection refused"},
		{"no /v1", strings.TrimSuffix(g.URL, "/v1"), nil, "try --llm_base_url=" + strings.TrimSuffix(g.URL, "/v1") + "/v1"},
		{"401", g.URL, func(*http.Request, []byte) int { return 401 }, "refused the API key"},
		{"unknown model", g.URL, func(*http.Request, []byte) int { return 404 }, "does not know model"},
	} {
		t.Run(c.name, func(t *testing.T) {
			g.setRefuse(c.refuse)
			cfg := outcomeConfig(t, c.url)
			code, _, stderr := execute(t, cfg, true)
			if code == 0 || !strings.Contains(stderr, c.want) {
				t.Fatalf("exit %d, %q; want a failure naming %q", code, stderr, c.want)
			}
			if strings.Contains(stderr, "sk-wrong-key-123") {
				t.Fatalf("the pre-flight printed the key: %s", stderr)
			}
			if _, err := os.Stat(cfg.Output); err == nil {
				t.Errorf("a failed pre-flight wrote to the output")
			}
		})
	}
}

// TestFailedRunsDoNotLookSuccessful runs past the pre-flight (--skip_preflight) into
// each failure: a key the server refuses, a base URL without /v1, a closed port, an
// empty dataset. Each exits non-zero with one line, publishes no _SUCCESS and leaves no
// temporary files; then the fixed re-run succeeds.
func TestFailedRunsDoNotLookSuccessful(t *testing.T) {
	g := startGated(t)
	t.Setenv(llm.APIKeyEnv, "sk-wrong-key-123")

	t.Run("401 then the right key", func(t *testing.T) {
		g.setRefuse(func(r *http.Request, _ []byte) int {
			if r.Header.Get("Authorization") != "Bearer sk-good" {
				return 401
			}
			return 0
		})
		cfg := outcomeConfig(t, g.URL)
		code, _, stderr := execute(t, cfg, false)
		assertFailedRun(t, cfg, code, stderr, "generate calls failed for good")
		// The server echoed the key in every 401 body: no dead letter, report or manifest
		// may hold it, nor what was printed.
		noSecretIn(t, cfg.Output, "sk-wrong-key-123")
		if strings.Contains(stderr, "sk-wrong-key-123") {
			t.Errorf("the failure line holds the key: %s", stderr)
		}
		t.Setenv(llm.APIKeyEnv, "sk-good")
		before := g.answered.Load()
		code, stdout, stderr := execute(t, cfg, true)
		if code != 0 {
			t.Fatalf("the fixed re-run failed: %s", stderr)
		}
		if !strings.Contains(stdout, "dataset: ") {
			t.Errorf("the summary does not name the dataset:\n%s", stdout)
		}
		o := readOutput(t, cfg.Output)
		docs := o.funnel.Kept
		// The pre-flight is one call; every document failed before, so every one is paid.
		if got := g.answered.Load() - before; got != docs+1 {
			t.Errorf("the re-run made %d chat calls for %d documents (+1 pre-flight)", got, docs)
		}
		noSecretIn(t, cfg.Output, "sk-wrong-key-123")
	})

	t.Run("a share of permanent failures, then fixed: pays only for those", func(t *testing.T) {
		// Refuse (400, permanent) the requests whose body hashes odd: about half.
		g.setRefuse(func(r *http.Request, body []byte) int {
			if strings.HasSuffix(r.URL.Path, "/chat/completions") && sha256.Sum256(body)[0]%2 == 1 {
				return 400
			}
			return 0
		})
		t.Setenv(llm.APIKeyEnv, "sk-good")
		cfg := outcomeConfig(t, g.URL)
		before := g.answered.Load()
		code, _, stderr := execute(t, cfg, false)
		assertFailedRun(t, cfg, code, stderr, "llm_bad_request")
		var report struct {
			Stages []struct {
				Name             string
				In               int64
				RejectedByReason map[string]int64 `json:"rejected_by_reason"`
			}
		}
		b, _ := os.ReadFile(filepath.Join(cfg.Output, FunnelFile))
		json.Unmarshal(b, &report)
		failed := report.Stages[0].RejectedByReason[llm.ReasonBadRequest]
		answered := g.answered.Load() - before
		if failed == 0 || answered == 0 {
			t.Fatalf("want both failures and answers in run 1; got %d failed, %d answered", failed, answered)
		}
		g.setRefuse(nil)
		before = g.answered.Load()
		if code, _, stderr := execute(t, cfg, false); code != 0 {
			t.Fatalf("the fixed re-run failed: %s", stderr)
		}
		if got := g.answered.Load() - before; got != failed {
			t.Errorf("the re-run made %d calls; %d failed before, and only those should be paid for", got, failed)
		}
	})

	t.Run("no /v1", func(t *testing.T) {
		g.setRefuse(nil)
		cfg := outcomeConfig(t, strings.TrimSuffix(g.URL, "/v1"))
		code, _, stderr := execute(t, cfg, false)
		assertFailedRun(t, cfg, code, stderr, "llm_bad_request")
	})

	t.Run("closed port", func(t *testing.T) {
		l, _ := net.Listen("tcp", "127.0.0.1:0")
		url := "http://" + l.Addr().String() + "/v1"
		l.Close()
		cfg := outcomeConfig(t, url)
		cfg.Generate.LLM.MaxRetries = 0
		code, _, stderr := execute(t, cfg, false)
		assertFailedRun(t, cfg, code, stderr, "llm_gave_up")
	})

	t.Run("empty dataset", func(t *testing.T) {
		g.setRefuse(nil)
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "short.jsonl"), []byte(`{"text":"too short to keep"}`+"\n"), 0o644)
		cfg := outcomeConfig(t, g.URL)
		cfg.Input = []string{filepath.Join(dir, "*.jsonl")}
		code, _, stderr := execute(t, cfg, false)
		assertFailedRun(t, cfg, code, stderr, "the dataset is empty: no document passed ingest")
	})
}

// noSecretIn fails t if any file under dir holds secret.
func noSecretIn(t *testing.T, dir, secret string) {
	t.Helper()
	filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		if b, _ := os.ReadFile(path); bytes.Contains(b, []byte(secret)) {
			t.Errorf("%s holds the API key", path)
		}
		return nil
	})
}
