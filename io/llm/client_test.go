package llm

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// testClient starts a fake server with opts and returns a client for it with a fresh
// store. Tests give each client a distinct model name: rate limits and budgets are shared
// per process by endpoint and model, as they would be on a worker (the in-flight bound is
// shared by every client of the process).
func testClient(t *testing.T, opts llmtest.Options, edit func(*Config)) (*Client, *llmtest.Server, Config) {
	t.Helper()
	srv, url := llmtest.Start(t, opts)
	cfg := DefaultConfig()
	cfg.BaseURL = url
	cfg.Model = "m-" + strings.ReplaceAll(t.Name(), "/", "-")
	cfg.Store = t.TempDir()
	cfg.RunID = t.Name()
	cfg.Timeout = 2 * time.Second
	cfg.Backoff = Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}
	if edit != nil {
		edit(&cfg)
	}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, srv, cfg
}

func ask(text string, candidate int) ChatRequest {
	return ChatRequest{Template: "t@1", Candidate: candidate, Messages: []Message{{Role: "system", Content: "Write an instruction."}, {Role: "user", Content: text}}}
}

// TestTransientFaultsAreRetried runs 40 distinct requests against a server that fails
// half of all arrivals with one kind of transient fault, and checks that every request
// gets its answer, that retries happened, and that the server completed each request
// exactly once (nothing paid twice).
// faultyClient is a client of a fake that fails half its arrivals with one fault kind,
// with retries enough to get through them and a short deadline for the timeout fault.
func faultyClient(t *testing.T, kind llmtest.ErrorKind) (*Client, *llmtest.Server) {
	c, srv, _ := testClient(t, llmtest.Options{ErrorRate: 0.5, ErrorKinds: []llmtest.ErrorKind{kind}, Seed: 7, RetryAfter: 10 * time.Millisecond},
		func(cfg *Config) {
			cfg.MaxRetries = 30
			if kind == llmtest.KindTimeout {
				cfg.Timeout = 200 * time.Millisecond
			}
		})
	return c, srv
}

func TestTransientFaultsAreRetried(t *testing.T) {
	for _, kind := range []llmtest.ErrorKind{llmtest.Kind500, llmtest.Kind503, llmtest.Kind429, llmtest.KindMalformedBody,
		llmtest.KindEmptyChoices, llmtest.KindReset, llmtest.KindTimeout} {
		t.Run(string(kind), func(t *testing.T) {
			c, srv := faultyClient(t, kind)
			var wg sync.WaitGroup
			var mu sync.Mutex
			retries, failed := 0, 0
			for i := range 40 {
				wg.Go(func() {
					r, f, err := c.Chat(context.Background(), ask(fmt.Sprintf("document %d", i), 0))
					mu.Lock()
					defer mu.Unlock()
					if err != nil || f != nil || r.Content == "" {
						failed++
						t.Errorf("request %d: %v %v", i, err, f)
					}
					retries += r.Retries
				})
			}
			wg.Wait()
			st := srv.Stats()
			if retries == 0 || st.Faults[kind] == 0 {
				t.Errorf("no %s fault was retried (retries %d, faults %v)", kind, retries, st.Faults)
			}
			if st.Completed != 40 || len(st.CompletedByKey) != 40 {
				t.Errorf("server completed %d answers for %d distinct requests, want 40 and 40", st.Completed, len(st.CompletedByKey))
			}
		})
	}
}

func TestPermanentFailures(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{}, nil)
	for marker, reason := range map[string]string{
		"FAKE_CONTEXT_LENGTH": ReasonContextLength,
		"FAKE_CONTENT_FILTER": ReasonContentFilter,
		"FAKE_BAD_REQUEST":    ReasonBadRequest,
		"FAKE_TRUNCATE":       ReasonTruncated,
	} {
		_, f, err := c.Chat(context.Background(), ask("text with "+marker, 0))
		if err != nil || f == nil || f.Reason != reason {
			t.Errorf("%s: failure %v, error %v; want %s", marker, f, err, reason)
		}
	}
	if n := srv.Stats().Requests; n != 4 {
		t.Errorf("%d requests for 4 permanent failures: they must not be retried", n)
	}
	// A truncated answer was paid for: it is stored, and is the same failure next time
	// without a call.
	before := srv.Stats().Requests
	if _, f, _ := c.Chat(context.Background(), ask("text with FAKE_TRUNCATE", 0)); f == nil || f.Reason != ReasonTruncated {
		t.Errorf("stored truncated answer came back as %v", f)
	}
	if srv.Stats().Requests != before {
		t.Error("a stored truncated answer was asked for again")
	}
}

func TestGivesUpAfterMaxRetries(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{llmtest.Kind503}}, func(cfg *Config) { cfg.MaxRetries = 3 })
	_, f, err := c.Chat(context.Background(), ask("x", 0))
	if err != nil || f == nil || f.Reason != ReasonGaveUp {
		t.Fatalf("failure %v, error %v; want %s", f, err, ReasonGaveUp)
	}
	if n := srv.Stats().Requests; n != 4 {
		t.Errorf("%d attempts, want 1 + 3 retries", n)
	}
}

func TestStoreServesRepeatsAndCandidatesDiffer(t *testing.T) {
	c, srv, cfg := testClient(t, llmtest.Options{}, nil)
	first, _, _ := c.Chat(context.Background(), ask("same", 0))
	again, _, _ := c.Chat(context.Background(), ask("same", 0))
	if !again.Cached || again.Content != first.Content || first.Cached {
		t.Errorf("repeat: cached %v, same content %v", again.Cached, again.Content == first.Content)
	}
	other, _, _ := c.Chat(context.Background(), ask("same", 1))
	if other.Cached || other.Content == first.Content {
		t.Errorf("candidate 1 was served candidate 0's answer")
	}
	if n := srv.Stats().Completed; n != 2 {
		t.Errorf("server answered %d times, want 2", n)
	}
	// A new client (a re-run, another worker) on the same store makes no call either.
	c2, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if r, _, _ := c2.Chat(context.Background(), ask("same", 1)); !r.Cached {
		t.Error("a second client did not find the stored answer")
	}
	if n := srv.Stats().Completed; n != 2 {
		t.Errorf("server answered %d times after the re-run, want 2", n)
	}
}

func TestOfflineMissFailsClearly(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{}, func(cfg *Config) { cfg.Offline = true })
	_, f, err := c.Chat(context.Background(), ask("never asked", 0))
	if err == nil || f != nil || !strings.Contains(err.Error(), "offline") {
		t.Fatalf("offline miss: failure %v, error %v", f, err)
	}
	if srv.Stats().Requests != 0 {
		t.Error("offline mode called the server")
	}
}

func TestBudget(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{}, func(cfg *Config) { cfg.MaxRequests = 3 })
	var over int
	for i := range 5 {
		_, f, err := c.Chat(context.Background(), ask(fmt.Sprint(i), 0))
		if err != nil {
			t.Fatal(err)
		}
		if f != nil && f.Reason == ReasonBudgetExceeded {
			over++
		}
	}
	if over != 2 || srv.Stats().Requests != 3 {
		t.Errorf("%d calls refused and %d made, want 2 and 3", over, srv.Stats().Requests)
	}
	// Store hits are free: a cached answer is still served past the cap.
	if r, f, _ := c.Chat(context.Background(), ask("0", 0)); f != nil || !r.Cached {
		t.Errorf("a stored answer was refused by the budget: %v", f)
	}

	c2, srv2, _ := testClient(t, llmtest.Options{}, func(cfg *Config) {
		cfg.Price = Price{InputPerM: 1e6, OutputPerM: 1e6} // a currency unit a token: the cap bites at once
		cfg.MaxCost = 300
		cfg.Sampling.MaxTokens = 100
	})
	_, f, _ := c2.Chat(context.Background(), ask(strings.Repeat("long prompt ", 200), 0))
	if f == nil || f.Reason != ReasonBudgetExceeded || srv2.Stats().Requests != 0 {
		t.Errorf("a call whose worst case exceeds --max_cost was made (%v)", f)
	}
}

func TestRetryAfterIsHonoured(t *testing.T) {
	c, _, _ := testClient(t, llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{llmtest.Kind429}, RetryAfter: 300 * time.Millisecond},
		func(cfg *Config) { cfg.RateLimitPatience = 100 * time.Millisecond })
	start := time.Now()
	_, f, _ := c.Chat(context.Background(), ask("x", 0))
	if d := time.Since(start); d < 300*time.Millisecond {
		t.Errorf("retried after %v, the server asked for 300ms", d)
	}
	if f == nil || f.Reason != ReasonGaveUp || !strings.Contains(f.Detail, "rate limited") {
		t.Errorf("a call rate limited past its patience came back as %v", f)
	}
}

func TestRequestsPerMinuteLimit(t *testing.T) {
	c, _, _ := testClient(t, llmtest.Options{}, func(cfg *Config) { cfg.RPM = 1200 }) // 20/s, burst 20
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() { c.Chat(context.Background(), ask(fmt.Sprint(i), 0)) })
	}
	wg.Wait()
	// 20 go at once (the burst), the other 20 at 20/s.
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("40 requests at 1200 rpm took %v, want about 1s", d)
	}
}

func TestAPIKeyIsNeverStored(t *testing.T) {
	const secret = "sk-test-DO-NOT-LEAK-4242"
	t.Setenv(APIKeyEnv, secret)
	c, _, cfg := testClient(t, llmtest.Options{}, nil)
	c.Chat(context.Background(), ask("x", 0))
	filepath.Walk(cfg.Store, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			if strings.Contains(string(b), secret) {
				t.Errorf("the API key is in %s", p)
			}
		}
		return nil
	})
	if strings.Contains(fmt.Sprintf("%+v", cfg), secret) {
		t.Error("the API key is in the Config")
	}
}

// TestRecoversFromA429Storm sends through a server that answers every request with 429
// for a second, then normally: no call gives up, and once the storm ends the calls finish
// at full speed instead of stalling in long sleeps.
func TestRecoversFromA429Storm(t *testing.T) {
	srv := llmtest.New(llmtest.Options{})
	stormUntil := time.Now().Add(time.Second)
	var stormed atomic.Int64
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if time.Now().Before(stormUntil) {
			stormed.Add(1)
			w.Header().Set("retry-after-ms", "20")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"error":{"message":"slow down","type":"requests","code":"rate_limit_exceeded"}}`))
			return
		}
		srv.Handler().ServeHTTP(w, r)
	}))
	defer ts.Close()
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Model, cfg.Store, cfg.RunID = ts.URL+"/v1", "storm", t.TempDir(), t.Name()
	cfg.MaxRetries = 2 // far fewer than the storm's 429s: they must not count
	cfg.Backoff = Backoff{Initial: 10 * time.Millisecond, Max: 200 * time.Millisecond}
	c, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var wg sync.WaitGroup
	var failed atomic.Int64
	for i := range 50 {
		wg.Go(func() {
			if _, f, err := c.Chat(context.Background(), ask(fmt.Sprint(i), 0)); f != nil || err != nil {
				failed.Add(1)
			}
		})
	}
	wg.Wait()
	end := time.Now()
	if failed.Load() != 0 {
		t.Errorf("%d calls failed in a 429 storm", failed.Load())
	}
	if stormed.Load() < 100 {
		t.Errorf("only %d requests met the storm", stormed.Load())
	}
	if lag := end.Sub(stormUntil); lag > 500*time.Millisecond {
		t.Errorf("the calls finished %v after the storm ended: the backoff cap is 200ms", lag)
	}
}

// TestCorruptEntryHealsOnlineAndFailsOffline: a corrupt store entry (a machine crash
// mid-write without fsync) is asked again and replaced online, and is an error offline.
func TestCorruptEntryHealsOnlineAndFailsOffline(t *testing.T) {
	c, srv, cfg := testClient(t, llmtest.Options{}, nil)
	first, _, _ := c.Chat(context.Background(), ask("x", 0))
	entry := filepath.Join(cfg.Store, first.Key[:2], first.Key+".json")
	if err := os.WriteFile(entry, []byte(`{"key": "trunc`), 0o644); err != nil {
		t.Fatal(err)
	}
	offline := cfg
	offline.Offline = true
	oc, _ := New(context.Background(), offline)
	defer oc.Close()
	if _, _, err := oc.Chat(context.Background(), ask("x", 0)); err == nil {
		t.Error("offline mode served around a corrupt entry")
	}
	again, f, err := c.Chat(context.Background(), ask("x", 0))
	if err != nil || f != nil || again.Cached || again.Content != first.Content || srv.Stats().Completed != 2 {
		t.Fatalf("online: %v %v cached=%v", err, f, again.Cached)
	}
	if healed, _, _ := c.Chat(context.Background(), ask("x", 0)); !healed.Cached {
		t.Error("the corrupt entry was not replaced")
	}
}

// TestUnusableEntryIsAskedAgainOnlineAndFailsOffline: a stored entry that parses but holds
// no answer (no content, an empty one that was not cut, finish reasons that do not pair
// with the contents) is treated like a corrupt one: online the model is asked once and
// its answer replaces the entry; offline it is an error that names the key.
func TestUnusableEntryIsAskedAgainOnlineAndFailsOffline(t *testing.T) {
	for name, body := range map[string]string{
		"no content":    `"finish_reason": ["stop"]`,
		"content []":    `"content": [], "finish_reason": []`,
		"content null":  `"content": null, "finish_reason": ["stop"]`,
		"empty, stop":   `"content": [""], "finish_reason": ["stop"]`,
		"no finish":     `"content": ["an answer"]`,
		"empty, absent": `"content": [""], "finish_reason": [""]`,
	} {
		t.Run(name, func(t *testing.T) {
			c, srv, cfg := testClient(t, llmtest.Options{}, nil)
			key := c.key(ask("x", 0))
			entry := filepath.Join(cfg.Store, key[:2], key+".json")
			os.MkdirAll(filepath.Dir(entry), 0o755)
			if err := os.WriteFile(entry, []byte(fmt.Sprintf(`{"key": %q, "model": %q, %s, "created_at": "2026-01-01T00:00:00Z"}`, key, cfg.Model, body)), 0o644); err != nil {
				t.Fatal(err)
			}
			if cached, _, _, err := c.Estimate(context.Background(), ask("x", 0)); err != nil || cached {
				t.Errorf("Estimate counts the unusable entry as cached (%v)", err)
			}

			offline := cfg
			offline.Offline = true
			oc, err := New(context.Background(), offline)
			if err != nil {
				t.Fatal(err)
			}
			defer oc.Close()
			if _, f, err := oc.Chat(context.Background(), ask("x", 0)); err == nil || !strings.Contains(err.Error(), key) {
				t.Errorf("offline: err %v, failure %v; want an error naming %s", err, f, key)
			}

			r, f, err := c.Chat(context.Background(), ask("x", 0))
			if err != nil || f != nil || r.Cached || r.Content == "" || srv.Stats().Completed != 1 {
				t.Fatalf("online: %+v %v %v, %d calls", r, f, err, srv.Stats().Completed)
			}
			if again, f, err := c.Chat(context.Background(), ask("x", 0)); err != nil || f != nil || !again.Cached || again.Content != r.Content {
				t.Errorf("the new answer did not replace the entry: %+v %v %v", again, f, err)
			}
			if n := srv.Stats().Completed; n != 1 {
				t.Errorf("%d calls, want 1", n)
			}
		})
	}
}

// TestCutEmptyAnswerIsKept: an empty answer cut by max_tokens is a stored failure, not an
// unusable entry: it is not paid for again.
func TestCutEmptyAnswerIsKept(t *testing.T) {
	c, srv, cfg := testClient(t, llmtest.Options{}, nil)
	key := c.key(ask("x", 0))
	entry := filepath.Join(cfg.Store, key[:2], key+".json")
	os.MkdirAll(filepath.Dir(entry), 0o755)
	os.WriteFile(entry, []byte(fmt.Sprintf(`{"key": %q, "model": %q, "content": [""], "finish_reason": ["length"]}`, key, cfg.Model)), 0o644)
	if r, f, err := c.Chat(context.Background(), ask("x", 0)); err != nil || f == nil || f.Reason != ReasonTruncated || !r.Cached || srv.Stats().Requests != 0 {
		t.Errorf("got %+v %v %v after %d requests", r, f, err, srv.Stats().Requests)
	}
}
