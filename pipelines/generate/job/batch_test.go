package job

import (
	"math"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/recordio"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// withBatch turns --batch_api on for cfg's model stages, with test timings, at half the
// online price (--batch_price's default).
func withBatch(cfg Config, fallback string) Config {
	p := cfg.Generate.LLM.Price
	cfg.Generate.LLM.Batch = llm.BatchConfig{Enabled: true, MaxItems: 16, Fallback: fallback,
		Poll:  llm.Backoff{Initial: 2 * time.Millisecond, Max: 20 * time.Millisecond},
		Price: llm.Price{InputPerM: p.InputPerM / 2, OutputPerM: p.OutputPerM / 2}}
	return cfg
}

// TestBatchRunEqualsOnlineRun runs the job (generation, two judge rounds and a rewrite)
// online, then with --batch_api against a fresh server: the batched run makes no online
// call, sends in batches exactly the requests the online run sent, and publishes the same
// pairs and dataset; its model cost is the online run's at the batch price.
func TestBatchRunEqualsOnlineRun(t *testing.T) {
	onSrv, onURL := startFake(t, llmtest.Options{})
	on := runJob(t, generateConfig(t, onURL, t.TempDir()))
	checkFunnel(t, on)

	const secret = "sk-test-BATCH-NEVER-WRITE-ME-4410"
	t.Setenv(llm.APIKeyEnv, secret)
	srv, url := startFake(t, llmtest.Options{BatchDelay: 20 * time.Millisecond})
	start := time.Now()
	o := runJob(t, withBatch(generateConfig(t, url, t.TempDir()), llm.FallbackOnline))
	took := time.Since(start)
	checkFunnel(t, o)
	st, onSt := srv.Stats(), onSrv.Stats()
	t.Logf("online run: %d chat calls; batch run: %d online calls, %d batch items in %d batches (%v)", onSt.ChatRequests, st.ChatRequests, st.BatchItems, st.Batches, took.Round(time.Millisecond))
	if st.ChatRequests != 0 || st.BatchItems != onSt.ChatRequests || st.BatchItemFailures != 0 {
		t.Errorf("batch run: %d online calls and %d batch items (%d failed); want 0 and the online run's %d", st.ChatRequests, st.BatchItems, st.BatchItemFailures, onSt.ChatRequests)
	}
	for id, n := range st.BatchItemsByID {
		if n != 1 {
			t.Errorf("request %s was batched %d times", id, n)
		}
	}

	for _, stage := range []string{"generate", "judge_r1", "rewrite_r1", "judge_r2"} {
		b, a := funnel.Total(o.funnel.LLM[stage]), funnel.Total(on.funnel.LLM[stage])
		if b.BatchRequests != a.Requests || b.Requests != 0 || b.CacheHits != a.Requests || b.BatchFailures != 0 {
			t.Errorf("%s: batch run %+v; online run %+v", stage, b, a)
		}
		if b.BatchPromptTokens != a.PromptTokens || b.BatchCompletionTokens != a.CompletionTokens {
			t.Errorf("%s: batched tokens %d + %d, online %d + %d", stage, b.BatchPromptTokens, b.BatchCompletionTokens, a.PromptTokens, a.CompletionTokens)
		}
		// Half the price for the same tokens: half the cost (to the 1e-9 units it is counted in).
		if math.Abs(b.Cost-a.Cost/2) > 1e-6 || b.Cost != b.BatchCost || a.Cost <= 0 {
			t.Errorf("%s: batch run cost %.9f (batched %.9f), online %.9f; want half", stage, b.Cost, b.BatchCost, a.Cost)
		}
	}

	byID := func(ps []recordio.PairLine) []recordio.PairLine {
		ps = slices.Clone(ps)
		slices.SortFunc(ps, func(a, b recordio.PairLine) int { return strings.Compare(a.ID, b.ID) })
		return ps
	}
	if !reflect.DeepEqual(byID(o.pairs), byID(on.pairs)) || !reflect.DeepEqual(byID(o.accepted), byID(on.accepted)) {
		t.Errorf("the batch run's pairs (%d, %d accepted) differ from the online run's (%d, %d)", len(o.pairs), len(o.accepted), len(on.pairs), len(on.accepted))
	}
	if rows, want := readDataset(t, o.out, dataset.MixedName), readDataset(t, on.out, dataset.MixedName); !reflect.DeepEqual(rows, want) || len(rows) == 0 {
		t.Errorf("the batch run's dataset (%d rows) differs from the online run's (%d)", len(rows), len(want))
	}

	// The key went to the server and nowhere else: not the manifests, not the store.
	if hits := grepTree(t, o.out, secret); len(hits) > 0 {
		t.Errorf("the API key is in %v", hits)
	}

	// A re-run finds everything in the store: no batch, no call.
	before := srv.Stats()
	runJob(t, withBatch(generateConfig(t, url, o.out), llm.FallbackOnline))
	if after := srv.Stats(); after.Batches != before.Batches || after.ChatRequests != 0 {
		t.Errorf("the re-run created %d batches and made %d calls", after.Batches-before.Batches, after.ChatRequests)
	}
}

// gatedBatches serves the fake, refusing to say how a batch is doing while refuse is
// set: a job that polls then fails, as one killed after creating its batches would stop.
type gatedBatches struct {
	h      http.Handler
	refuse atomic.Bool
}

func (g *gatedBatches) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if g.refuse.Load() && r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/v1/batches/") {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"error":{"message":"gated","type":"invalid_request_error"}}`))
		return
	}
	g.h.ServeHTTP(w, r)
}

// TestKilledBatchRunResumesItsBatches: a run that created and recorded its batches, then
// stopped before any ended, leaves them pending; run again, it polls those very batches:
// every batch is created once, every request answered once, none online.
func TestKilledBatchRunResumesItsBatches(t *testing.T) {
	fake := llmtest.New(llmtest.Options{BatchDelay: 20 * time.Millisecond})
	gate := &gatedBatches{h: fake.Handler()}
	hs := httptestServer(t, gate)
	cfg := withBatch(generateConfig(t, hs+"/v1", t.TempDir()), llm.FallbackOnline)
	cfg.Generate.Candidates, cfg.Refine.Rounds = 2, 0 // generation alone: its batches are all the job's
	cfg.RunID = launch.NewRunID(time.Now())

	gate.refuse.Store(true)
	p, s := beam.NewPipelineWithRoot()
	Build(s, cfg)
	if err := ptest.Run(p); err == nil {
		t.Fatal("the first run succeeded without being able to poll its batches")
	}
	first := fake.Stats()
	pending, _ := filepath.Glob(filepath.Join(cfg.Generate.LLM.Store, "_batches", "pending", "*.json"))
	if first.Batches == 0 || len(pending) != int(first.Batches) || first.BatchItems != 0 {
		t.Fatalf("the stopped run created %d batches, left %d manifests pending, had %d items answered", first.Batches, len(pending), first.BatchItems)
	}

	gate.refuse.Store(false)
	cfg.RunID = launch.NewRunID(time.Now())
	o := runJob(t, cfg)
	checkFunnel(t, o)
	st := fake.Stats()
	t.Logf("stopped run: %d batches created; resumed run: %d batches in all, %d items, %d online calls", first.Batches, st.Batches, st.BatchItems, st.ChatRequests)
	if st.Batches != first.Batches || st.BatchItems != 60 || len(st.BatchItemsByID) != 60 || st.ChatRequests != 0 {
		t.Errorf("after the resumed run: %d batches (the stopped run made %d), %d items (%d distinct), %d online calls; want %d, 60, 60, 0",
			st.Batches, first.Batches, st.BatchItems, len(st.BatchItemsByID), st.ChatRequests, first.Batches)
	}
	if o.funnel.Stages[0].Out != 60 {
		t.Errorf("%d pairs, want 30 documents x 2 candidates", o.funnel.Stages[0].Out)
	}
	pending, _ = filepath.Glob(filepath.Join(cfg.Generate.LLM.Store, "_batches", "pending", "*.json"))
	done, _ := filepath.Glob(filepath.Join(cfg.Generate.LLM.Store, "_batches", "done", "*.json"))
	if len(pending) != 0 || len(done) != int(first.Batches) {
		t.Errorf("%d manifests pending and %d done after the resumed run; want 0 and %d", len(pending), len(done), first.Batches)
	}
}

// TestBatchFailuresFallBack: requests a batch answered with a 500 are asked online in the
// stage (and only they), or with --batch_fallback=dead_letter are dead-lettered as
// llm_batch_failed without a call.
func TestBatchFailuresFallBack(t *testing.T) {
	for _, fallback := range []string{llm.FallbackOnline, llm.FallbackDeadLetter} {
		t.Run(fallback, func(t *testing.T) {
			srv, url := startFake(t, llmtest.Options{BatchItemFailureRate: 0.2, Seed: 11})
			cfg := withBatch(generateConfig(t, url, t.TempDir()), fallback)
			cfg.Generate.Candidates, cfg.Refine.Rounds = 2, 0
			cfg.MaxFailureRate = 1 // the dead letters are what this test is about
			o := runJob(t, cfg)
			checkFunnel(t, o)
			st := srv.Stats()
			u := funnel.Total(o.funnel.LLM["generate"])
			gen := o.funnel.Stages[0]
			t.Logf("%s: %d of %d batch items failed; %d online calls; generate out %d, rejected %v", fallback, st.BatchItemFailures, st.BatchItems, st.ChatRequests, gen.Out, gen.RejectedByReason)
			if st.BatchItems != 60 || st.BatchItemFailures == 0 || u.BatchFailures != st.BatchItemFailures {
				t.Fatalf("%d batch items, %d failed, the funnel counts %d; want 60, some, the same", st.BatchItems, st.BatchItemFailures, u.BatchFailures)
			}
			switch fallback {
			case llm.FallbackOnline:
				if st.ChatRequests != st.BatchItemFailures || u.Requests != st.BatchItemFailures || gen.Out != 60 {
					t.Errorf("%d online calls (%d counted), %d pairs; want one call per failed item (%d), 60 pairs", st.ChatRequests, u.Requests, gen.Out, st.BatchItemFailures)
				}
			case llm.FallbackDeadLetter:
				if st.ChatRequests != 0 || gen.RejectedByReason[llm.ReasonBatchFailed] != st.BatchItemFailures || gen.Out != 60-st.BatchItemFailures {
					t.Errorf("%d online calls, %d dead-lettered as %s, %d pairs; want 0, %d, %d", st.ChatRequests, gen.RejectedByReason[llm.ReasonBatchFailed], llm.ReasonBatchFailed, gen.Out, st.BatchItemFailures, 60-st.BatchItemFailures)
				}
			}
		})
	}
}

// httptestServer serves h for the rest of the test and returns its URL.
func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	hs := httptest.NewServer(h)
	t.Cleanup(hs.Close)
	return hs.URL
}
