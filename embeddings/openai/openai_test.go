package openai

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// startFake starts the project's fake server and returns a config for it with a fresh
// store. Each test gets its own model name and run: the LLM layer shares rate limits and
// budgets per process by endpoint, model and run, as it would on a worker.
func startFake(t *testing.T, opts llmtest.Options) (*llmtest.Server, Config) {
	t.Helper()
	srv, url := llmtest.Start(t, opts)
	return srv, testConfig(t, url)
}

func testConfig(t *testing.T, baseURL string) Config {
	cfg := DefaultConfig()
	cfg.LLM.BaseURL = baseURL
	cfg.LLM.Store = t.TempDir()
	cfg.LLM.RunID = t.Name()
	cfg.LLM.Timeout = 2 * time.Second
	cfg.LLM.Backoff = llm.Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}
	cfg.Model = "emb-" + strings.ReplaceAll(t.Name(), "/", "-")
	return cfg
}

func open(t *testing.T, cfg Config) *Embedder {
	t.Helper()
	e, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func docs(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("document %d: how farmers prepare their fields before the rains", i)
	}
	return out
}

func l2(v []float32) float64 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	return math.Sqrt(ss)
}

// closeTo reports whether a and b agree to within tol in every entry.
func closeTo(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(float64(a[i])-float64(b[i])) > tol {
			return false
		}
	}
	return true
}

// rawServer answers every embeddings request with respond(request number from 0, inputs,
// dimensions), as JSON, and counts requests.
func rawServer(t *testing.T, respond func(n int, inputs []string, dims int) any) (url string, models chan string) {
	t.Helper()
	var requests atomic.Int64
	models = make(chan string, 100)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Input      []string `json:"input"`
			Model      string   `json:"model"`
			Dimensions int      `json:"dimensions"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case models <- req.Model:
		default:
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(respond(int(requests.Add(1)-1), req.Input, req.Dimensions))
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/v1", models
}

type datum struct {
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

func answer(data []datum) any {
	return map[string]any{"object": "list", "data": data, "model": "raw", "usage": map[string]int{"prompt_tokens": len(data), "total_tokens": len(data)}}
}

// TestEmbedNormalizesInInputOrder uses a server whose vector for input i is the fake's
// vector scaled by i+2, in reverse order on the wire: Embed must undo both.
func TestEmbedNormalizesInInputOrder(t *testing.T) {
	url, _ := rawServer(t, func(_ int, inputs []string, dims int) any {
		var data []datum
		for i := len(inputs) - 1; i >= 0; i-- {
			v := llmtest.Vector(inputs[i], dims)
			for j := range v {
				v[j] *= float32(i + 2)
			}
			data = append(data, datum{i, v})
		}
		return answer(data)
	})
	cfg := testConfig(t, url)
	cfg.Dims, cfg.BatchSize = 24, 4
	texts := docs(10)
	vs, err := open(t, cfg).Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		// float32 rounding of the scaled vector, of the norm and of the quotient: a few ulps.
		if !closeTo(v, llmtest.Vector(texts[i], 24), 1e-6) || math.Abs(l2(v)-1) > 1e-6 {
			t.Errorf("vector %d: norm %v, or not the direction of text %d", i, l2(v), i)
		}
	}
}

func TestEmbedAgainstTheFake(t *testing.T) {
	srv, cfg := startFake(t, llmtest.Options{})
	e := open(t, cfg)
	texts := docs(5)
	vs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		// The fake's vectors are unit already: normalising changes them by float32 rounding at most.
		if !closeTo(v, llmtest.Vector(texts[i], llmtest.DefaultDimensions), 1e-7) {
			t.Errorf("vector %d is not the fake's vector of text %d", i, i)
		}
	}
	if e.Dims() != llmtest.DefaultDimensions {
		t.Errorf("Dims() = %d after the first answer, want the model's %d", e.Dims(), llmtest.DefaultDimensions)
	}
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("%d requests for 5 texts in one batch", n)
	}
}

func TestEmbedBatches(t *testing.T) {
	for _, tc := range []struct{ n, batch, requests int }{
		{10, 3, 4}, {10, 5, 2}, {10, 10, 1}, {10, 64, 1}, {1, 1, 1}, {0, 4, 0},
	} {
		t.Run(fmt.Sprintf("%d by %d", tc.n, tc.batch), func(t *testing.T) {
			srv, cfg := startFake(t, llmtest.Options{})
			cfg.BatchSize = tc.batch
			texts := docs(tc.n)
			vs, err := open(t, cfg).Embed(context.Background(), texts)
			if err != nil || len(vs) != tc.n {
				t.Fatalf("%d vectors, error %v", len(vs), err)
			}
			for i, v := range vs {
				if !closeTo(v, llmtest.Vector(texts[i], llmtest.DefaultDimensions), 1e-7) {
					t.Errorf("vector %d is not text %d's", i, i)
				}
			}
			if st := srv.Stats(); st.Requests != int64(tc.requests) || st.Completed != int64(tc.requests) {
				t.Errorf("%d requests (%d completed), want %d", st.Requests, st.Completed, tc.requests)
			}
		})
	}
}

// TestRerunMakesNoRequests: a fresh Embedder on the same store (a re-run, another worker)
// answers from the store alone, whatever its batch size and the texts' order.
func TestRerunMakesNoRequests(t *testing.T) {
	srv, cfg := startFake(t, llmtest.Options{})
	cfg.BatchSize = 3
	texts := docs(10)
	first, err := open(t, cfg).Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Stats().Requests
	for _, batch := range []int{4, 7, 1} {
		cfg.BatchSize = batch
		again := open(t, cfg)
		shuffled := slices.Clone(texts)
		slices.Reverse(shuffled)
		vs, err := again.Embed(context.Background(), shuffled)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vs {
			if !slices.Equal(v, first[len(texts)-1-i]) {
				t.Errorf("batch size %d: the stored vector of text %d differs", batch, i)
			}
		}
		if u := again.Usage(); u.Cached != 10 || u.Requests != 0 || u.Attempts != 0 || u.PromptTokens != 0 {
			t.Errorf("batch size %d: usage %+v, want all 10 cached and no request", batch, u)
		}
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the re-runs made %d requests", n)
	}
}

func TestEmptyTextsGetTheZeroVector(t *testing.T) {
	srv, cfg := startFake(t, llmtest.Options{})
	cfg.Dims = 16
	e := open(t, cfg)
	vs, err := e.Embed(context.Background(), []string{"", "real text", " \n\t"})
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 3 || !slices.Equal(vs[0], make([]float32, 16)) || !slices.Equal(vs[2], make([]float32, 16)) || math.Abs(l2(vs[1])-1) > 1e-6 {
		t.Errorf("vectors %v", vs)
	}
	if st := srv.Stats(); st.Requests != 1 || st.PromptTokens != 3 { // "real text": ceil(9/4) tokens: the empty texts were not sent
		t.Errorf("%d requests, %d tokens: want one request with the one real text", st.Requests, st.PromptTokens)
	}
	if vs, err := e.Embed(context.Background(), []string{"", ""}); err != nil || len(vs) != 2 || len(vs[1]) != 16 || srv.Stats().Requests != 1 {
		t.Errorf("only empty texts: %v %v", vs, err)
	}
}

func TestDimsLearnedFromTheFirstAnswer(t *testing.T) {
	_, cfg := startFake(t, llmtest.Options{})
	e := open(t, cfg)
	if e.Dims() != 0 {
		t.Errorf("Dims() = %d before any answer, want 0", e.Dims())
	}
	// An empty text's zero vector cannot be sized yet.
	if _, err := e.Embed(context.Background(), []string{""}); err == nil || !strings.Contains(err.Error(), "Config.Dims") {
		t.Errorf("only empty texts before the model's length is known: %v", err)
	}
	if _, err := e.Embed(context.Background(), []string{"a text"}); err != nil {
		t.Fatal(err)
	}
	vs, err := e.Embed(context.Background(), []string{""})
	if e.Dims() != llmtest.DefaultDimensions || err != nil || len(vs[0]) != llmtest.DefaultDimensions {
		t.Errorf("Dims() = %d after an answer; empty text: %v", e.Dims(), err)
	}

	_, cfg = startFake(t, llmtest.Options{})
	cfg.Dims = 48
	if e := open(t, cfg); e.Dims() != 48 {
		t.Errorf("Dims() = %d with Config.Dims 48", e.Dims())
	}
}

func TestTransientFaultsAreRetried(t *testing.T) {
	srv, cfg := startFake(t, llmtest.Options{ErrorRate: 0.5, Seed: 1, RetryAfter: 20 * time.Millisecond,
		ErrorKinds: []llmtest.ErrorKind{llmtest.Kind500, llmtest.Kind503, llmtest.Kind429, llmtest.KindTruncated}})
	cfg.BatchSize = 2
	cfg.LLM.MaxRetries = 30
	texts := docs(40) // 20 batches: the first 20 arrivals' faults (fixed by the seed) hold both kinds
	e := open(t, cfg)
	vs, err := e.Embed(context.Background(), texts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if !closeTo(v, llmtest.Vector(texts[i], llmtest.DefaultDimensions), 1e-7) {
			t.Errorf("vector %d is not text %d's", i, i)
		}
	}
	st := srv.Stats()
	if st.Faults[llmtest.Kind429] == 0 || st.Faults[llmtest.Kind500]+st.Faults[llmtest.Kind503] == 0 {
		t.Errorf("faults %v: the test did not meet both a 429 and a 5xx", st.Faults)
	}
	if st.Completed != 20 {
		t.Errorf("%d batches completed, want 20, each once", st.Completed)
	}
	if u := e.Usage(); u.Requests != 20 || u.Attempts != st.Requests || u.Failed != 0 {
		t.Errorf("usage %+v against %d HTTP requests", u, st.Requests)
	}
}

func TestPermanentFailureIsAFailure(t *testing.T) {
	srv, cfg := startFake(t, llmtest.Options{})
	e := open(t, cfg)
	_, err := e.Embed(context.Background(), []string{"fine", "far too long FAKE_CONTEXT_LENGTH"})
	f, ok := llm.AsFailure(err)
	if !ok || f.Reason != llm.ReasonContextLength {
		t.Fatalf("error %v, want a failure %s", err, llm.ReasonContextLength)
	}
	if u := e.Usage(); u.Failed != 1 || u.Requests != 1 || srv.Stats().Requests != 1 {
		t.Errorf("usage %+v, %d HTTP requests: a permanent failure is not retried", u, srv.Stats().Requests)
	}
}

func TestOfflineMissIsAClearError(t *testing.T) {
	srv, cfg := startFake(t, llmtest.Options{})
	if _, err := open(t, cfg).Embed(context.Background(), docs(2)); err != nil {
		t.Fatal(err)
	}
	cfg.LLM.Offline = true
	e := open(t, cfg)
	if _, err := e.Embed(context.Background(), docs(2)); err != nil {
		t.Errorf("offline, all stored: %v", err)
	}
	_, err := e.Embed(context.Background(), docs(3))
	if _, isFailure := llm.AsFailure(err); err == nil || isFailure || !strings.Contains(err.Error(), "offline") || !strings.Contains(err.Error(), cfg.LLM.Store) {
		t.Errorf("offline miss: %v; want an error naming offline mode and the store", err)
	}
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("%d requests, want 1 (the online run)", n)
	}
}

func TestAPIKeyIsNeverStored(t *testing.T) {
	const secret = "sk-test-DO-NOT-LEAK-7171"
	t.Setenv(llm.APIKeyEnv, secret)
	_, cfg := startFake(t, llmtest.Options{})
	if _, err := open(t, cfg).Embed(context.Background(), docs(3)); err != nil {
		t.Fatal(err)
	}
	files := 0
	filepath.Walk(cfg.LLM.Store, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files++
			if b, _ := os.ReadFile(p); strings.Contains(string(b), secret) {
				t.Errorf("the API key is in %s", p)
			}
		}
		return nil
	})
	if files != 3 {
		t.Errorf("%d files in the store, want 3: the test checked nothing", files)
	}
	if b, _ := json.Marshal(cfg); strings.Contains(string(b), secret) {
		t.Error("the API key is in the serialized Config")
	}
}

func TestWrongLengthVectorsAreAnError(t *testing.T) {
	// A server that ignores "dimensions", as some do.
	url, _ := rawServer(t, func(_ int, inputs []string, _ int) any {
		var data []datum
		for i := range inputs {
			data = append(data, datum{i, []float32{1, 2, 3, 4, 5}})
		}
		return answer(data)
	})
	cfg := testConfig(t, url)
	cfg.Dims = 8
	_, err := open(t, cfg).Embed(context.Background(), docs(2))
	if f, ok := llm.AsFailure(err); !ok || f.Reason != llm.ReasonBadEmbedding {
		t.Errorf("5 entries for 8 asked: %v, want a failure %s", err, llm.ReasonBadEmbedding)
	}

	// Dims 0: each answer is consistent, but the second's length differs from the first's.
	url, _ = rawServer(t, func(n int, inputs []string, _ int) any {
		var data []datum
		for i := range inputs {
			data = append(data, datum{i, make([]float32, 3+n)})
		}
		return answer(data)
	})
	cfg = testConfig(t, url)
	cfg.BatchSize = 1
	if _, err := open(t, cfg).Embed(context.Background(), docs(2)); err == nil || !strings.Contains(err.Error(), "entries") {
		t.Errorf("answers of 3 and 4 entries: %v", err)
	}
}

func TestModelOverridesLLMModel(t *testing.T) {
	url, models := rawServer(t, func(_ int, inputs []string, _ int) any {
		return answer([]datum{{0, []float32{1}}})
	})
	cfg := testConfig(t, url)
	cfg.LLM.Model, cfg.Model = "chat-model", "embedding-model"
	if _, err := open(t, cfg).Embed(context.Background(), []string{"x"}); err != nil {
		t.Fatal(err)
	}
	if got := <-models; got != "embedding-model" {
		t.Errorf("the request named model %q, want embedding-model", got)
	}
	cfg.Model = ""
	if _, err := open(t, cfg).Embed(context.Background(), []string{"y"}); err != nil {
		t.Fatal(err)
	}
	if got := <-models; got != "chat-model" {
		t.Errorf("without Model, the request named model %q, want LLM.Model", got)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	for name, edit := range map[string]func(*Config){
		"negative dims":   func(c *Config) { c.Dims = -1 },
		"huge batch":      func(c *Config) { c.BatchSize = 5000 },
		"negative batch":  func(c *Config) { c.BatchSize = -1 },
		"no model at all": func(c *Config) { c.Model, c.LLM.Model = "", "" },
		"no store":        func(c *Config) { c.LLM.Store = "" },
	} {
		cfg := testConfig(t, "http://127.0.0.1:1/v1")
		edit(&cfg)
		if e, err := New(context.Background(), cfg); err == nil {
			e.Close()
			t.Errorf("%s: New accepted %+v", name, cfg)
		}
	}
}

func TestUsage(t *testing.T) {
	srv, cfg := startFake(t, llmtest.Options{})
	cfg.BatchSize = 4
	e := open(t, cfg)
	texts := docs(10)
	if _, err := e.Embed(context.Background(), texts); err != nil {
		t.Fatal(err)
	}
	first := e.Usage()
	want := Usage{Texts: 10, Requests: 3, Attempts: 3, PromptTokens: srv.Stats().PromptTokens, Sent: 10}
	if first != want || want.PromptTokens == 0 {
		t.Errorf("usage %+v, want %+v", first, want)
	}
	if _, err := e.Embed(context.Background(), append(texts[:6:6], "", "a new text")); err != nil {
		t.Fatal(err)
	}
	// Batches [0 1 2 3] (all stored: no request) and [4 5 new]; the empty text is counted
	// but not embedded. "a new text" is ceil(10/4) tokens. The six stored texts saved
	// their shares of the first call's tokens: all the same length, 16 each.
	delta := e.Usage().Sub(first)
	if want := (Usage{Texts: 8, Cached: 6, Requests: 1, Attempts: 1, PromptTokens: 3, Sent: 1, SavedPromptTokens: 6 * first.PromptTokens / 10}); delta != want {
		t.Errorf("second call: %+v, want %+v", delta, want)
	}
}

func TestNormalize(t *testing.T) {
	for _, tc := range []struct{ in, want []float32 }{
		{[]float32{3, 4}, []float32{0.6, 0.8}},
		{[]float32{0, 0, 0}, []float32{0, 0, 0}}, // the zero vector stays zero
		{[]float32{-2}, []float32{-1}},
		{[]float32{1e-30, 1e-30}, []float32{1 / math.Sqrt2, 1 / math.Sqrt2}}, // squares underflow float32, not float64
		{nil, nil},
	} {
		v := slices.Clone(tc.in)
		normalize(v)
		if !closeTo(v, tc.want, 1e-7) { // float32 rounding of the quotient
			t.Errorf("normalize(%v) = %v, want %v", tc.in, v, tc.want)
		}
	}
}

// TestLookupAnswersFromTheStoreAlone: Lookup gives the stored texts' vectors as Embed
// gave them, nil for the others and for an empty text, the tokens the hits saved, and
// sends nothing; EmbedUsage then counts the texts it sent.
func TestLookupAnswersFromTheStoreAlone(t *testing.T) {
	srv, cfg := startFake(t, llmtest.Options{})
	cfg.BatchSize = 4
	texts := docs(12)
	e := open(t, cfg)
	first, u, err := e.EmbedUsage(context.Background(), texts[:8])
	if err != nil {
		t.Fatal(err)
	}
	if u.Inputs != 8 || u.Requests != 2 {
		t.Fatalf("first call: usage %+v, want 8 texts sent in 2 requests", u)
	}
	before := srv.Stats().Requests
	in := append(slices.Clone(texts), " ")
	vecs, lu, err := open(t, cfg).Lookup(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("Lookup made %d requests", n)
	}
	for i, v := range vecs {
		if i < 8 && !slices.Equal(v, first[i]) || i >= 8 && v != nil {
			t.Errorf("text %d: vector %v", i, v)
		}
	}
	if lu.CacheHits != 8 || lu.SavedPromptTokens != u.PromptTokens || lu.Requests != 0 {
		t.Errorf("lookup usage %+v: want 8 hits saving the first call's %d tokens", lu, u.PromptTokens)
	}
}
