package job

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/internal/testenv"
	"github.com/xinstruct/xinstruct/runners/launch"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// generateConfig is the job on the bundled sample corpus, generating against url.
func generateConfig(t *testing.T, url, out string) Config {
	cfg := DefaultConfig()
	cfg.Input = []string{testenv.Testdata("sample", "*.jsonl")}
	cfg.Output = out
	cfg.Generate.LLM.BaseURL = url
	cfg.Generate.LLM.Model = "test-model"
	cfg.Generate.LLM.Store = filepath.Join(out, "responses")
	cfg.Generate.LLM.Timeout = 2 * time.Second
	cfg.Generate.LLM.Backoff = llm.Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}
	cfg.Generate.LLM.MaxRetries = 30
	cfg.Generate.LLM.Price = llm.Price{InputPerM: 0.15, OutputPerM: 0.6}
	cfg.Generate.ProgressEvery = 0
	return cfg
}

// TestGenerateThroughFaultsThenRerunFromStore runs the job against a server that fails
// a third of all arrivals with every transient fault kind (timeouts included), checks
// that every document got its pair with nothing paid twice, then runs it again and
// checks that the second run made no call at all.
func TestGenerateThroughFaultsThenRerunFromStore(t *testing.T) {
	const secret = "sk-test-NEVER-WRITE-ME-7731"
	t.Setenv(llm.APIKeyEnv, secret)
	srv, url := startFake(t, llmtest.Options{ErrorRate: 0.33, Seed: 3, RetryAfter: 10 * time.Millisecond,
		ErrorKinds: []llmtest.ErrorKind{llmtest.Kind500, llmtest.Kind503, llmtest.Kind429, llmtest.KindMalformedBody,
			llmtest.KindEmptyChoices, llmtest.KindReset, llmtest.KindTimeout}})
	out := t.TempDir()
	cfg := generateConfig(t, url, out)
	// The timeout fault holds requests until the client gives up: short enough to keep the
	// test fast, long enough that a loaded machine does not time out answers in flight.
	cfg.Generate.LLM.Timeout = time.Second
	cfg.Generate.Candidates = 2
	cfg.Refine.Rounds = 0 // generation alone: every call is one pair's
	o := runJob(t, cfg)
	checkFunnel(t, o)

	st := srv.Stats()
	if len(st.Faults) < 5 {
		t.Errorf("only %d fault kinds were injected: %v", len(st.Faults), st.Faults)
	}
	gen := o.funnel.Stages[0]
	if gen.In != 60 || gen.Out != 60 || !gen.Balanced {
		t.Errorf("generate stage %+v, want 30 documents x 2 candidates = 60 pairs", gen)
	}
	if st.Completed != 60 || len(st.CompletedByKey) != 60 {
		t.Errorf("server completed %d answers for %d distinct requests; want 60 and 60: nothing paid twice", st.Completed, len(st.CompletedByKey))
	}
	var usage int64
	for _, u := range o.funnel.LLM["generate"] {
		usage += u.Requests
		if u.Retries > 0 && u.Cost <= 0 {
			t.Errorf("usage without cost: %+v", u)
		}
	}
	if usage != 60 {
		t.Errorf("funnel counts %d requests, want 60", usage)
	}

	// Same job, same store: zero calls.
	before := srv.Stats().Requests
	o2 := runJob(t, cfg)
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the re-run made %d calls, want 0", n)
	}
	var hits int64
	for _, u := range o2.funnel.LLM["generate"] {
		hits += u.CacheHits
	}
	if hits != 60 || o2.funnel.Stages[0].Out != 60 {
		t.Errorf("re-run: %d store hits, %d pairs", hits, o2.funnel.Stages[0].Out)
	}

	// The key went to the server and nowhere else.
	filepath.Walk(out, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			if b, _ := os.ReadFile(p); strings.Contains(string(b), secret) {
				t.Errorf("the API key is in %s", p)
			}
		}
		return nil
	})
}

// TestPermanentFailuresAreDeadLettered puts documents that trigger each permanent
// failure through the job and checks they land in rejected/generate with their reason.
func TestPermanentFailuresAreDeadLettered(t *testing.T) {
	_, url := startFake(t, llmtest.Options{})
	in := t.TempDir()
	base := "Mvua za masika zinapoanza, wakulima wengi hupanda mahindi na maharagwe katika mashamba yao. Ni muhimu kuandaa shamba mapema, " +
		"kuondoa magugu na kutumia mbegu bora ili kupata mavuno mazuri. Wataalamu wa kilimo wanashauri wakulima kupanda mazao kwa mistari. "
	var lines []string
	for i, marker := range []string{"", llmtest.MarkerContextLength, llmtest.MarkerContentFilter, llmtest.MarkerBadRequest, llmtest.MarkerTruncate} {
		lines = append(lines, jsonLine(map[string]any{"id": "doc" + string(rune('0'+i)), "lang": "sw", "text": base + marker + " mwisho."}))
	}
	os.WriteFile(filepath.Join(in, "d.jsonl"), []byte(strings.Join(lines, "\n")), 0o644)
	cfg := generateConfig(t, url, t.TempDir())
	cfg.Input = []string{filepath.Join(in, "*.jsonl")}
	cfg.MaxFailureRate = 1 // four of the five fail on purpose; the run must still publish them
	cfg.NearDup = false    // the five differ by a marker word: near-duplicates of each other
	o := runJob(t, cfg)
	checkFunnel(t, o)
	got := map[string]string{}
	for _, r := range o.rejected {
		got[r.ID] = r.Stage + "/" + r.Reason
	}
	want := map[string]string{
		"doc1#0": "generate/llm_context_length", "doc2#0": "generate/llm_content_filter",
		"doc3#0": "generate/llm_bad_request", "doc4#0": "generate/llm_truncated",
	}
	for id, reason := range want {
		if got[id] != reason {
			t.Errorf("%s: rejected as %q, want %q", id, got[id], reason)
		}
	}
	if o.funnel.Stages[0].Out != 1 {
		t.Errorf("%d pairs, want 1", o.funnel.Stages[0].Out)
	}
}

// TestEstimateCallsNothingAndPublishesNothing checks --estimate: it counts the calls a
// run would make (answers already in the store are free), calls nothing, and leaves an
// earlier run's outputs as they were.
func TestEstimateCallsNothingAndPublishesNothing(t *testing.T) {
	srv, url := startFake(t, llmtest.Options{})
	out := t.TempDir()
	cfg := generateConfig(t, url, out)
	runJob(t, cfg) // fills the store with candidate 0 of the 30 documents
	manifest, _ := os.ReadFile(filepath.Join(out, SuccessFile))
	calls := srv.Stats().Requests

	cfg.Generate.Estimate = true
	cfg.Generate.Candidates = 2
	p, s := beam.NewPipelineWithRoot()
	cfg.RunID = launch.NewRunID(time.Now())
	Build(s, cfg)
	if err := ptest.Run(p); err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Requests - calls; n != 0 {
		t.Errorf("the estimate made %d calls", n)
	}
	b, err := os.ReadFile(filepath.Join(out, EstimateFile))
	if err != nil {
		t.Fatal(err)
	}
	var r funnel.Report
	json.Unmarshal(b, &r)
	var est funnel.Usage
	for _, u := range r.Estimate["generate"] {
		est.Requests += u.Requests
		est.CacheHits += u.CacheHits
		est.PromptTokens += u.PromptTokens
		est.Cost += u.Cost
	}
	if est.Requests != 30 || est.CacheHits != 30 || est.PromptTokens == 0 || est.Cost <= 0 {
		t.Errorf("estimate %+v; want 30 new calls (candidate 1) and 30 store hits (candidate 0), priced", est)
	}
	if after, _ := os.ReadFile(filepath.Join(out, SuccessFile)); string(after) != string(manifest) {
		t.Error("the estimate rewrote the previous run's manifest")
	}
	if files, _ := filepath.Glob(filepath.Join(out, "pairs", "*", "part-*")); len(files) == 0 {
		t.Error("the estimate removed the previous run's pairs")
	}
}
