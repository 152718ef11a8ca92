package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/io/llm/store"
)

func texts(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s %d: how farmers prepare their fields before the rains", prefix, i)
	}
	return out
}

func storeCount(t *testing.T, dir string) int {
	t.Helper()
	n, err := store.Count(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEmbedReturnsTheServersVectorsInOrder(t *testing.T) {
	c, srv, cfg := testClient(t, llmtest.Options{}, nil)
	in := texts("doc", 5)
	for _, dims := range []int{0, 32} {
		r, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: in, Dimensions: dims})
		if err != nil || f != nil {
			t.Fatalf("dims %d: %v %v", dims, err, f)
		}
		want := dims
		if dims == 0 {
			want = llmtest.DefaultDimensions
		}
		for i, v := range r.Vectors {
			if !slices.Equal(v, llmtest.Vector(in[i], want)) {
				t.Errorf("dims %d: vector %d is not the server's vector of input %d", dims, i, i)
			}
		}
		if r.Cached != 0 || r.Attempts != 1 || r.PromptTokens != approxInputTokens(in) {
			t.Errorf("dims %d: reply usage %+v", dims, r)
		}
	}
	// Each dimensions is its own set of entries: one per input.
	if n := storeCount(t, cfg.Store); n != 10 {
		t.Errorf("%d store entries for 5 inputs at 2 dimensions, want 10", n)
	}
	if n := srv.Stats().Requests; n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
}

// TestEmbedSendsOnlyMisses: a batch overlapping an earlier one asks the server for the new
// inputs alone, and a repeated input is sent once.
func TestEmbedSendsOnlyMisses(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{}, nil)
	all := texts("doc", 15)
	if _, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: all[:10]}); err != nil || f != nil {
		t.Fatal(err, f)
	}
	before := srv.Stats()
	in := append(slices.Clone(all[5:15]), all[12], all[3])
	r, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: in})
	if err != nil || f != nil {
		t.Fatal(err, f)
	}
	after := srv.Stats()
	if after.Requests-before.Requests != 1 {
		t.Errorf("%d requests for one batch", after.Requests-before.Requests)
	}
	// The server counts tokens as we approximate them: its count says what was sent.
	if sent, want := after.PromptTokens-before.PromptTokens, int64(approxInputTokens(all[10:15])); sent != want {
		t.Errorf("the server counted %d tokens, want %d (the 5 new inputs, once each)", sent, want)
	}
	if r.Cached != 6 || r.PromptTokens != int(after.PromptTokens-before.PromptTokens) {
		t.Errorf("reply: %d cached (want 6: all[5:10] and all[3] were stored), %d tokens", r.Cached, r.PromptTokens)
	}
	for i, v := range r.Vectors {
		if !slices.Equal(v, llmtest.Vector(in[i], llmtest.DefaultDimensions)) {
			t.Errorf("vector %d is not input %d's", i, i)
		}
	}
	if &r.Vectors[7][0] == &r.Vectors[10][0] { // all[12], twice
		t.Error("a repeated input shares its vector's memory with the first")
	}
}

func TestEmbedKeysAreApartFromChatKeys(t *testing.T) {
	c, _, _ := testClient(t, llmtest.Options{}, nil)
	text := "the same text"
	keys := map[string]string{
		"chat":    c.key(ChatRequest{Messages: []Message{{Role: "user", Content: text}}}),
		"dims 0":  c.embedKey(text, 0),
		"dims 64": c.embedKey(text, 64),
		"other":   c.embedKey(text+".", 0),
	}
	seen := map[string]string{}
	for name, k := range keys {
		if other, ok := seen[k]; ok {
			t.Errorf("%s and %s have the same key", name, other)
		}
		seen[k] = name
	}
}

// TestEmbedRerunMakesNoRequests: a new client on the same store (a re-run, another
// worker) answers from the store alone, whatever the batching.
func TestEmbedRerunMakesNoRequests(t *testing.T) {
	c, srv, cfg := testClient(t, llmtest.Options{}, nil)
	in := texts("doc", 12)
	first, _, err := c.Embed(context.Background(), EmbedRequest{Inputs: in})
	if err != nil {
		t.Fatal(err)
	}
	c2, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	for _, batch := range [][]string{in[:5], in[5:], in[3:9]} {
		r, f, err := c2.Embed(context.Background(), EmbedRequest{Inputs: batch})
		if err != nil || f != nil || r.Cached != len(batch) || r.Attempts != 0 || r.PromptTokens != 0 {
			t.Fatalf("re-run: %v %v %+v", err, f, r)
		}
		for i, v := range r.Vectors {
			if !slices.Equal(v, first.Vectors[slices.Index(in, batch[i])]) {
				t.Errorf("the stored vector of %q differs from the first answer", batch[i])
			}
		}
	}
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("%d requests, want 1 (the first run)", n)
	}
}

// TestEmbedTransientFaultsAreRetried runs 20 batches against a server that fails half of
// all arrivals with one kind of transient fault: every batch gets its vectors, and the
// server completed each batch exactly once.
func TestEmbedTransientFaultsAreRetried(t *testing.T) {
	for _, kind := range llmtest.AllErrorKinds() {
		t.Run(string(kind), func(t *testing.T) {
			c, srv := faultyClient(t, kind)
			var wg sync.WaitGroup
			var retries atomic.Int64
			for i := range 20 {
				wg.Go(func() {
					in := texts(fmt.Sprint("batch ", i), 3)
					r, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: in, Dimensions: 16})
					if err != nil || f != nil || len(r.Vectors) != 3 {
						t.Errorf("batch %d: %v %v", i, err, f)
						return
					}
					for j, v := range r.Vectors {
						if !slices.Equal(v, llmtest.Vector(in[j], 16)) {
							t.Errorf("batch %d: vector %d is not its input's", i, j)
						}
					}
					retries.Add(int64(r.Retries))
				})
			}
			wg.Wait()
			st := srv.Stats()
			if retries.Load() == 0 || st.Faults[kind] == 0 {
				t.Errorf("no %s fault was retried (retries %d, faults %v)", kind, retries.Load(), st.Faults)
			}
			if st.Completed != 20 || len(st.CompletedByKey) != 20 {
				t.Errorf("server completed %d answers for 20 distinct batches (%d distinct), want 20", st.Completed, len(st.CompletedByKey))
			}
		})
	}
}

func TestEmbedRetryAfterIsHonoured(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{llmtest.Kind429}, RetryAfter: 300 * time.Millisecond},
		func(cfg *Config) { cfg.RateLimitPatience = 100 * time.Millisecond })
	start := time.Now()
	_, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: []string{"x"}})
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("retried after %v, the server asked for 300ms", d)
	}
	if err != nil || f == nil || f.Reason != ReasonGaveUp || !strings.Contains(f.Detail, "rate limited") {
		t.Errorf("a call rate limited past its patience came back as %v, %v", f, err)
	}
	if n := srv.Stats().Requests; n != 2 {
		t.Errorf("%d requests, want 2 (the first, and one retry after Retry-After)", n)
	}
}

func TestEmbedPermanentFailures(t *testing.T) {
	c, srv, cfg := testClient(t, llmtest.Options{}, nil)
	for marker, reason := range map[string]string{
		"FAKE_CONTEXT_LENGTH": ReasonContextLength,
		"FAKE_BAD_REQUEST":    ReasonBadRequest,
	} {
		r, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: []string{"fine", "text with " + marker}})
		if err != nil || f == nil || f.Reason != reason || r.Vectors != nil || r.Attempts != 1 {
			t.Errorf("%s: failure %v, error %v, reply %+v; want %s after one attempt", marker, f, err, r, reason)
		}
	}
	if n := srv.Stats().Requests; n != 2 {
		t.Errorf("%d requests for 2 permanent failures: they must not be retried", n)
	}
	if n := storeCount(t, cfg.Store); n != 0 {
		t.Errorf("%d entries stored from failed requests", n)
	}
}

func TestEmbedRejectsBadInputs(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{}, nil)
	for name, r := range map[string]EmbedRequest{
		"empty input":         {Inputs: []string{"a", ""}},
		"negative dimensions": {Inputs: []string{"a"}, Dimensions: -1},
	} {
		if _, f, err := c.Embed(context.Background(), r); err == nil || f != nil {
			t.Errorf("%s: error %v, failure %v", name, err, f)
		}
	}
	if r, f, err := c.Embed(context.Background(), EmbedRequest{}); err != nil || f != nil || len(r.Vectors) != 0 {
		t.Errorf("no inputs: %v %v %+v", err, f, r)
	}
	if n := srv.Stats().Requests; n != 0 {
		t.Errorf("%d requests for requests that could not work", n)
	}
}

func TestEmbedOfflineMissFailsClearly(t *testing.T) {
	c, srv, cfg := testClient(t, llmtest.Options{}, nil)
	in := texts("doc", 3)
	if _, _, err := c.Embed(context.Background(), EmbedRequest{Inputs: in[:2]}); err != nil {
		t.Fatal(err)
	}
	cfg.Offline = true
	off, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer off.Close()
	if r, f, err := off.Embed(context.Background(), EmbedRequest{Inputs: in[:2]}); err != nil || f != nil || r.Cached != 2 {
		t.Errorf("offline, all stored: %v %v %+v", err, f, r)
	}
	_, f, err := off.Embed(context.Background(), EmbedRequest{Inputs: in})
	if err == nil || f != nil || !strings.Contains(err.Error(), "offline") || !strings.Contains(err.Error(), "1 of 3 inputs") {
		t.Errorf("offline miss: failure %v, error %v", f, err)
	}
	if n := srv.Stats().Requests; n != 1 {
		t.Errorf("offline mode called the server (%d requests, want 1 from the online run)", n)
	}
}

func TestEmbedBudget(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{}, func(cfg *Config) { cfg.MaxRequests = 1 })
	if _, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: texts("a", 3)}); err != nil || f != nil {
		t.Fatal(err, f)
	}
	_, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: texts("b", 3)})
	if err != nil || f == nil || f.Reason != ReasonBudgetExceeded || srv.Stats().Requests != 1 {
		t.Errorf("the second request under --max_requests=1: %v %v", f, err)
	}
	// Store hits are free.
	if r, f, _ := c.Embed(context.Background(), EmbedRequest{Inputs: texts("a", 3)}); f != nil || r.Cached != 3 {
		t.Errorf("stored vectors were refused by the budget: %v", f)
	}

	c2, srv2, _ := testClient(t, llmtest.Options{}, func(cfg *Config) {
		cfg.Price = Price{InputPerM: 1e6, OutputPerM: 1e9} // a currency unit an input token; output must not count
		cfg.MaxCost = 100
	})
	if _, f, _ := c2.Embed(context.Background(), EmbedRequest{Inputs: []string{strings.Repeat("word ", 60)}}); f != nil {
		t.Errorf("75 input tokens under --max_cost=100 were refused: %v", f)
	}
	if _, f, _ := c2.Embed(context.Background(), EmbedRequest{Inputs: []string{strings.Repeat("long ", 60)}}); f == nil || f.Reason != ReasonBudgetExceeded {
		t.Errorf("a call over --max_cost was made (%v)", f)
	}
	if n := srv2.Stats().Requests; n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

func TestEmbedAPIKeyIsNeverStored(t *testing.T) {
	const secret = "sk-test-DO-NOT-LEAK-4242"
	t.Setenv(APIKeyEnv, secret)
	c, srv, cfg := testClient(t, llmtest.Options{}, nil)
	if _, _, err := c.Embed(context.Background(), EmbedRequest{Inputs: texts("doc", 3)}); err != nil {
		t.Fatal(err)
	}
	files := 0
	filepath.Walk(cfg.Store, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			files++
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), secret) {
				t.Errorf("the API key is in %s", p)
			}
		}
		return nil
	})
	if files != 3 || srv.Stats().Requests != 1 {
		t.Errorf("%d files stored, %d requests: the test checked nothing", files, srv.Stats().Requests)
	}
}

// embedServer answers every embeddings request with respond(inputs, dimensions), as JSON.
func embedServer(t *testing.T, respond func(inputs []string, dims int) any) (*atomic.Int64, func(*Config)) {
	t.Helper()
	var requests atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		var req struct {
			Input      []string `json:"input"`
			Dimensions int      `json:"dimensions"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(respond(req.Input, req.Dimensions))
	}))
	t.Cleanup(ts.Close)
	return &requests, func(cfg *Config) {
		cfg.BaseURL = ts.URL + "/v1"
		cfg.MaxRetries = 2
	}
}

type vec struct {
	Index     int       `json:"index"`
	Embedding []float32 `json:"embedding"`
}

func list(data ...vec) any {
	return map[string]any{"object": "list", "data": data, "model": "m", "usage": map[string]int{"prompt_tokens": 1, "total_tokens": 1}}
}

// TestEmbedRejectsMalformedVectors: vectors of the wrong length are a permanent failure
// (the server ignores "dimensions"); missing, repeated or out-of-range vectors are retried
// as a glitch. Neither panics, and nothing of them is stored.
func TestEmbedRejectsMalformedVectors(t *testing.T) {
	for _, tc := range []struct {
		name     string
		dims     int
		data     []vec
		reason   string
		attempts int64
	}{
		{"dimensions ignored", 4, []vec{{0, []float32{1, 0, 0}}, {1, []float32{0, 1, 0}}}, ReasonBadEmbedding, 1},
		{"mixed lengths", 0, []vec{{0, []float32{1, 0, 0}}, {1, []float32{0, 1}}}, ReasonBadEmbedding, 1},
		{"index out of range", 0, []vec{{0, []float32{1}}, {5, []float32{1}}}, ReasonGaveUp, 3},
		{"index repeated", 0, []vec{{0, []float32{1}}, {0, []float32{1}}}, ReasonGaveUp, 3},
		{"negative index", 0, []vec{{-1, []float32{1}}, {0, []float32{1}}}, ReasonGaveUp, 3},
		{"one vector missing", 0, []vec{{0, []float32{1}}}, ReasonGaveUp, 3},
		{"empty vector", 0, []vec{{0, []float32{1}}, {1, []float32{}}}, ReasonGaveUp, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requests, edit := embedServer(t, func([]string, int) any { return list(tc.data...) })
			c, _, cfg := testClient(t, llmtest.Options{}, edit)
			r, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: []string{"a", "b"}, Dimensions: tc.dims})
			if err != nil || f == nil || f.Reason != tc.reason || r.Vectors != nil {
				t.Errorf("failure %v, error %v, %d vectors; want %s", f, err, len(r.Vectors), tc.reason)
			}
			if n := requests.Load(); n != tc.attempts {
				t.Errorf("%d requests, want %d", n, tc.attempts)
			}
			if n := storeCount(t, cfg.Store); n != 0 {
				t.Errorf("%d entries stored from a malformed answer", n)
			}
		})
	}
}

// TestEmbedCorruptEntryHealsOnline: an entry that holds no usable vector is asked for
// again and replaced online, and is an error offline.
func TestEmbedCorruptEntryHealsOnline(t *testing.T) {
	c, srv, cfg := testClient(t, llmtest.Options{}, nil)
	key := c.embedKey("x", 8)
	bad := store.Entry{Key: key, Model: cfg.Model, Embedding: [][]float32{{1, 2, 3}}} // 3 entries, 8 asked for
	st, err := store.Open(context.Background(), cfg.Store)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Put(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	offline := cfg
	offline.Offline = true
	oc, _ := New(context.Background(), offline)
	defer oc.Close()
	if _, _, err := oc.Embed(context.Background(), EmbedRequest{Inputs: []string{"x"}, Dimensions: 8}); err == nil {
		t.Error("offline mode served around an unusable entry")
	}
	r, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: []string{"x"}, Dimensions: 8})
	if err != nil || f != nil || r.Cached != 0 || len(r.Vectors[0]) != 8 || srv.Stats().Requests != 1 {
		t.Fatalf("online: %v %v %+v", err, f, r)
	}
	if healed, _, _ := c.Embed(context.Background(), EmbedRequest{Inputs: []string{"x"}, Dimensions: 8}); healed.Cached != 1 {
		t.Error("the unusable entry was not replaced")
	}
}

func TestTokenShares(t *testing.T) {
	for _, tc := range []struct {
		total  int
		inputs []string
		want   []int
	}{
		{10, []string{"abcd", "abcd"}, []int{5, 5}},
		{7, []string{"abcd", "abcdefgh"}, []int{2, 5}},           // 7·1/3 = 2, the rest to the last
		{9, []string{"abcdefgh", "abcd"}, []int{6, 3}},           // 9·2/3 = 6
		{0, []string{"a", "b"}, []int{0, 0}},                     // a server that reports no usage
		{5, nil, []int{}},                                        // nothing to share
		{100, []string{"x"}, []int{100}},                         // one input takes all
		{3, []string{"ab", "cd", "ef", "gh"}, []int{0, 0, 0, 3}}, // 3·1/4 rounds to 0
	} {
		if got := tokenShares(tc.total, tc.inputs); !slices.Equal(got, tc.want) {
			t.Errorf("tokenShares(%d, %q) = %v, want %v", tc.total, tc.inputs, got, tc.want)
		}
	}
}
