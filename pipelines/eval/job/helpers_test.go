package job

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/io/evalio"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/leaderboard"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

func TestMain(m *testing.M) { ptest.Main(m) }

// testLLM is a model configuration for a test server: quick retries, a store in dir.
func testLLM(url, model, store string) llm.Config {
	c := llm.DefaultConfig()
	c.BaseURL, c.Model, c.Store = url, model, store
	c.MaxRetries, c.Timeout = 2, 10*time.Second
	c.Backoff = llm.Backoff{Initial: time.Millisecond, Max: 10 * time.Millisecond}
	c.Sampling.MaxTokens = 1024
	return c
}

// evalConfig is a run of questions in langs, its store and outputs in a temporary directory.
func evalConfig(t *testing.T, questions []string, langs []string) Config {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Questions, cfg.Languages = questions, langs
	cfg.Output = filepath.Join(t.TempDir(), "out")
	cfg.RunID = launch.NewRunID(time.Now())
	cfg.StartedAt = time.Now().UTC()
	cfg.Bootstrap = 300
	return cfg
}

// sharedEval is a file of the shared eval questions; the test is skipped without them.
func sharedEval(t *testing.T, name string) string {
	t.Helper()
	p := testenv.Shared("eval", name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("no %s: %v", p, err)
	}
	return p
}

// execute runs cfg as the launcher does and returns the exit code and what it printed.
func execute(t *testing.T, cfg Config) (code int, stdout, stderr string) {
	t.Helper()
	j, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	code = launch.Execute(context.Background(), "eval", j, launch.Options{}, &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustSucceed runs cfg and returns its results, failing the test unless the run
// published them.
func mustSucceed(t *testing.T, cfg Config) Report {
	t.Helper()
	code, stdout, stderr := execute(t, cfg)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	m, err := publish.ReadManifest(context.Background(), cfg.Output)
	if err != nil || m.Failure != "" {
		t.Fatalf("manifest: %v %q", err, m.Failure)
	}
	var r Report
	if err := json.Unmarshal(m.Report, &r); err != nil {
		t.Fatal(err)
	}
	if !r.Funnel.AllBalanced() {
		t.Fatalf("the funnel does not balance: %+v", r.Funnel.Stages)
	}
	return r
}

// row is the results row of model in lang (all categories and turns).
func row(t *testing.T, r Report, model, lang string) leaderboard.Result {
	t.Helper()
	for _, x := range r.Results {
		if x.Model == model && x.Lang == lang && x.Category == "" && x.Turn == 0 {
			return x
		}
	}
	t.Fatalf("no row for %s in %s", model, lang)
	return leaderboard.Result{}
}

// readJSONL reads every part file below dir into values of T.
func readJSONL[T any](t *testing.T, dir string) []T {
	t.Helper()
	var out []T
	files, _ := filepath.Glob(filepath.Join(dir, "**", "part-*.jsonl"))
	more, _ := filepath.Glob(filepath.Join(dir, "part-*.jsonl"))
	deeper, _ := filepath.Glob(filepath.Join(dir, "*", "*", "part-*.jsonl"))
	for _, f := range append(append(files, more...), deeper...) {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var v T
			if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			out = append(out, v)
		}
		fh.Close()
	}
	return out
}

var (
	_ = evalio.Answer{}
	_ = pairjudge.Judgment{}
)
