package llm

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

func newTestThrottle(max int, giveUpAfter time.Duration) *throttle {
	t := &throttle{endpoint: "test", giveUpAfter: giveUpAfter, free: make(chan struct{})}
	t.window, t.max = float64(max), float64(max)
	return t
}

// TestThrottleCutsOncePerWindowAndWidensSlowly: the refusals of requests sent
// in one window are one congestion event; answers widen the window by one per window.
func TestThrottleCutsOncePerWindowAndWidensSlowly(t *testing.T) {
	th := newTestThrottle(16, 0)
	ctx := context.Background()
	var sent []ticket
	for range 16 {
		tk, err := th.acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, tk)
	}
	for _, tk := range sent {
		th.refused(tk, true, 0, "HTTP 429")
	}
	if w, used := th.state(); w != 16*decrease || used != 0 {
		t.Fatalf("16 refusals of one window: window %v, in flight %d; want %v, 0", w, used, 16*decrease)
	}
	tk, _ := th.acquire(ctx)
	th.refused(tk, true, 0, "HTTP 429") // sent after the cut: a new event
	w0 := 16 * decrease * decrease
	if w, _ := th.state(); math.Abs(w-w0) > 1e-9 {
		t.Fatalf("a refusal of the next window: window %v, want %v", w, w0)
	}
	for range int(w0 / increase) { // 1/increase windows' worth
		tk, _ := th.acquire(ctx)
		th.answered(tk)
	}
	if w, _ := th.state(); w < w0+0.9 || w > w0+1.1 {
		t.Fatalf("%v answers at window %v: window %v, want about one more", 1/increase*w0, w0, w)
	}
	for range 1000 {
		tk, _ := th.acquire(ctx)
		th.answered(tk)
	}
	if w, _ := th.state(); w != 16 {
		t.Fatalf("after 1000 answers: window %v, want the bound 16", w)
	}
	// A failure that says nothing about load (a 500) leaves the window alone.
	tk, _ = th.acquire(ctx)
	th.refused(tk, false, 0, "HTTP 500")
	if w, _ := th.state(); w != 16 {
		t.Fatalf("after a 500: window %v, want 16", w)
	}
}

// TestThrottleAdmitsNoMoreThanTheWindow: the window bounds what is in flight, and a
// Retry-After holds every request until it has passed.
func TestThrottleAdmitsNoMoreThanTheWindowAndHoldsForRetryAfter(t *testing.T) {
	th := newTestThrottle(2, 0)
	ctx := context.Background()
	a, _ := th.acquire(ctx)
	b, _ := th.acquire(ctx)
	short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
	defer cancel()
	if _, err := th.acquire(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third request at window 2 was admitted (%v)", err)
	}
	th.answered(a)
	th.refused(b, true, 100*time.Millisecond, "HTTP 429") // a hint to that request alone
	start := time.Now()
	tk, err := th.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited > 50*time.Millisecond {
		t.Fatalf("a Retry-After of 100ms held the other requests for %v", waited)
	}
	th.refused(tk, true, holdAll, "HTTP 429") // a quota: everyone waits
	start = time.Now()
	if tk, err = th.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	if waited := time.Since(start); waited < holdAll-10*time.Millisecond {
		t.Fatalf("admitted %v after a Retry-After of %v", waited, holdAll)
	}
	th.answered(tk)
}

// TestThrottleStartsSlowly: a new process starts at a small window that doubles every
// window of answers, up to --max_in_flight, until the first overload.
func TestThrottleStartsSlowly(t *testing.T) {
	th := sharedThrottle(t.Name(), 32, 0)
	ctx := context.Background()
	if w, _ := th.state(); w != initialWindow {
		t.Fatalf("a new throttle's window is %v; want %v", w, initialWindow)
	}
	for range initialWindow {
		tk, _ := th.acquire(ctx)
		th.answered(tk)
	}
	if w, _ := th.state(); w != 2*initialWindow {
		t.Fatalf("after a window of answers the window is %v; want %v", w, 2*initialWindow)
	}
	for range 100 {
		tk, _ := th.acquire(ctx)
		th.answered(tk)
	}
	if w, _ := th.state(); w != 32 {
		t.Fatalf("after 100 answers the window is %v; want --max_in_flight, 32", w)
	}
}

// TestBreakerOpensAfterRefusalsForGiveUpAfter: an endpoint that refuses everything for
// give_up_after stops the calls with one error; a single answer before then resets it.
func TestBreakerOpensAfterRefusalsForGiveUpAfter(t *testing.T) {
	th := newTestThrottle(4, 100*time.Millisecond)
	ctx := context.Background()
	refuse := func() error {
		tk, err := th.acquire(ctx)
		if err != nil {
			return err
		}
		th.refused(tk, false, 0, "HTTP 502")
		return nil
	}
	for range 3 {
		if err := refuse(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(30 * time.Millisecond)
	}
	tk, _ := th.acquire(ctx)
	th.answered(tk) // the endpoint answered once: the spell is over
	for range 3 {
		if err := refuse(); err != nil {
			t.Fatalf("the breaker opened though the endpoint answered 60ms ago: %v", err)
		}
		time.Sleep(30 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond)
	var open *BreakerOpenError
	if err := refuse(); !errors.As(err, &open) {
		t.Fatalf("refused for 120ms with give_up_after 100ms: %v", err)
	}
	if !strings.Contains(open.Error(), "HTTP 502") || open.Refusals != 3 {
		t.Errorf("the breaker's message: %q (%d refusals)", open.Error(), open.Refusals)
	}
}

// TestEndpointThatRefusesEverythingFailsTheCallNotTheRecord: through the Client, a server
// that answers 429 to everything ends the calls with the breaker's error (which fails
// the bundle and the job), not with a dead letter per record after RateLimitPatience.
func TestEndpointThatRefusesEverythingFailsTheCallNotTheRecord(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{llmtest.Kind429}, RetryAfter: 10 * time.Millisecond},
		func(cfg *Config) { cfg.GiveUpAfter = 300 * time.Millisecond })
	start := time.Now()
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		wg.Go(func() {
			_, f, err := c.Chat(context.Background(), ask(fmt.Sprintf("document %d", i), 0))
			if f != nil {
				err = fmt.Errorf("dead letter %v", f)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if !errors.Is(err, ErrBreakerOpen) {
			t.Fatalf("call %d: %v; want the breaker's error", i, err)
		}
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("the calls took %v to give up with give_up_after 300ms", d)
	}
	if n := srv.Stats().Requests; n > 200 {
		t.Errorf("%d requests in 300ms of refusals: the throttle did not back off", n)
	}
}

// TestWindowSettlesNearCapacity: one process with --max_in_flight=32 against a server that
// serves 8 at once and refuses the rest keeps most of the server busy and gets few 429s.
func TestWindowSettlesNearCapacity(t *testing.T) {
	const capacity, latency, calls = 8, 20 * time.Millisecond, 600
	c, srv, _ := testClient(t, llmtest.Options{MaxConcurrency: capacity, Latency: latency, RetryAfter: time.Millisecond},
		func(cfg *Config) { cfg.MaxInFlight = 32 })
	start := time.Now()
	var wg sync.WaitGroup
	for i := range calls {
		wg.Go(func() {
			if _, f, err := c.Chat(context.Background(), ask(fmt.Sprintf("document %d", i), 0)); err != nil || f != nil {
				t.Errorf("call %d: %v %v", i, err, f)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	st := srv.Stats()
	// Little's law: the server's mean concurrency is its answers times their latency over
	// the time taken.
	busy := float64(st.Completed) * latency.Seconds() / elapsed.Seconds() / capacity
	refused := st.ByStatus[429]
	t.Logf("%d calls in %v: server busy %.0f%% of its capacity of %d, %d 429s (%.1f per 100 answers)",
		calls, elapsed.Round(time.Millisecond), 100*busy, capacity, refused, 100*float64(refused)/float64(st.Completed))
	// AIMD with a 0.7 cut averages about 85% of capacity for one worker; a loaded
	// machine's scheduling delays count against it here.
	if busy < 0.5 {
		t.Errorf("the server was busy %.0f%% of its capacity; want at least 50%%", 100*busy)
	}
	if float64(refused) > 0.25*float64(st.Completed) {
		t.Errorf("%d 429s for %d answers", refused, st.Completed)
	}
}
