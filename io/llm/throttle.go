package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// throttle adapts the requests one process has in flight to one endpoint to what the
// endpoint accepts, with TCP's rules: a slow start (the window doubles every window of
// answers until the first overload signal), then AIMD: every answer widens the window by
// increase/window, every overload signal (429, 503, 529, a timeout) cuts it by decrease,
// once per window: refusals of requests sent before the last cut are the same congestion
// event and do not cut it again. A Retry-After is honoured: the refused request waits at
// least that long (Backoff.Delay), and one of holdAll or more holds every request of the
// process to that endpoint.
// N workers that each do this converge on the endpoint's capacity between them, with no
// setting that depends on N: each backs off on the refusals it sees and probes back up.
//
// AIMD rather than the SRE client-side throttling formula (what Beam Python's
// RemoteModelHandler uses): that formula rejects requests locally with a probability, and
// a rejected request here would only be retried later; what a worker controls is how
// many requests it has in flight, and AIMD steers exactly that.
//
// The throttle is also the endpoint's circuit breaker: when every request to it has been
// refused (overloaded, 5xx, unreachable) for GiveUpAfter, calls stop with an error that
// fails the bundle, and so the job, instead of the job stalling for hours and then
// dead-lettering everything as llm_gave_up.
type throttle struct {
	endpoint    string
	giveUpAfter time.Duration

	mu        sync.Mutex
	window    float64 // requests allowed in flight, in [1, max]
	max       float64 // --max_in_flight
	slowStart bool    // no overload seen yet: the window doubles every window of answers
	used      int
	epoch     int       // cuts so far
	notBefore time.Time // a Retry-After: no request starts before
	free      chan struct{}

	refusingSince time.Time // first refusal since the last answer; zero: not refusing
	lastRefusal   time.Time
	refusals      int
	lastReason    string
	lastWarning   time.Time
	lastNarrowLog time.Time
}

// What an answer adds to the window (times 1/window) and what an overload signal
// multiplies it by. TCP's 1 and 0.5 (or CUBIC's 0.7) refuse too often here: a fleet's
// windows are small (the endpoint's capacity shared by N workers), and AIMD's refusal
// rate grows as increase/window². Measured by TestFleet (4 processes, 32 in flight each,
// a server serving 12): 1 and 0.7 gave 35-60 429s per 100 answers, 0.25 and 0.5 gave 8-14,
// the server 87-91% busy either way. The price: after a cut, a lone worker regains one
// request of window every 4 windows of answers.
const (
	increase = 0.25
	decrease = 0.5
)

// holdAll is the shortest Retry-After that holds every request of the process, not only
// the refused one: a wait of seconds is a quota that resets for the whole key; a shorter
// one is a hint to that request, and holding everyone for it idles a server that has
// room again after one answer.
const holdAll = time.Second

// initialWindow is the window a process starts with; it doubles every window of answers
// (TCP's slow start) until the first overload signal: a fleet that started at
// --max_in_flight each would open with a storm of refusals.
const initialWindow = 2

// quiet is how long without a refusal makes the next one start a new refusing spell: a
// process that made no calls for a while (another stage was running) was not refused.
const quiet = 2 * time.Minute

var (
	throttlesMu  sync.Mutex
	throttlesFor = map[string]*throttle{}
)

// sharedThrottle returns the process's throttle for endpoint, raising its bound to
// maxInFlight if that is higher.
func sharedThrottle(endpoint string, maxInFlight int, giveUpAfter time.Duration) *throttle {
	throttlesMu.Lock()
	defer throttlesMu.Unlock()
	t := throttlesFor[endpoint]
	if t == nil {
		t = &throttle{endpoint: endpoint, giveUpAfter: giveUpAfter, free: make(chan struct{}), window: initialWindow, slowStart: true}
		throttlesFor[endpoint] = t
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if m := float64(maxInFlight); m > t.max {
		if !t.slowStart {
			t.window += m - t.max
		}
		t.max = m
		t.window = min(t.window, t.max)
		t.wake()
	}
	if giveUpAfter > t.giveUpAfter {
		t.giveUpAfter = giveUpAfter
	}
	return t
}

func (t *throttle) wake() {
	close(t.free)
	t.free = make(chan struct{})
}

// ticket is one admitted request: the epoch it was sent in.
type ticket struct{ epoch int }

// ErrBreakerOpen matches (errors.Is) the error of calls to an endpoint whose breaker is
// open, through the redaction that hides the rest of the chain.
var ErrBreakerOpen = errors.New("llm: the endpoint refuses every request")

// BreakerOpenError is what calls return once an endpoint has refused every request for
// longer than --give_up_after.
type BreakerOpenError struct {
	Endpoint string
	For      time.Duration
	Refusals int
	Last     string
}

func (e *BreakerOpenError) Error() string {
	return fmt.Sprintf("llm: %s refused every request for %v (%d refusals; the last: %s): the job stops rather than dead-letter every record; check the endpoint and its quota, or raise --give_up_after",
		e.Endpoint, roundDuration(e.For), e.Refusals, e.Last)
}

func (e *BreakerOpenError) Is(target error) bool { return target == ErrBreakerOpen }

// roundDuration rounds d for a person: to the second, or to 10ms below 10s.
func roundDuration(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(10 * time.Millisecond)
	}
	return d.Round(time.Second)
}

// acquire waits until a request may be sent: the window has room and any Retry-After
// has passed. It fails at once when the breaker is open.
func (t *throttle) acquire(ctx context.Context) (ticket, error) {
	for {
		t.mu.Lock()
		if err := t.openLocked(time.Now()); err != nil {
			t.mu.Unlock()
			return ticket{}, err
		}
		wait := time.Until(t.notBefore)
		if wait <= 0 && float64(t.used) < t.window {
			t.used++
			tk := ticket{t.epoch}
			t.mu.Unlock()
			return tk, nil
		}
		free := t.free
		t.mu.Unlock()
		var timer <-chan time.Time
		if wait > 0 {
			timer = time.After(wait)
		}
		select {
		case <-free:
		case <-timer:
		case <-ctx.Done():
			return ticket{}, ctx.Err()
		}
	}
}

// openLocked returns the breaker's error when it is open.
func (t *throttle) openLocked(now time.Time) error {
	if t.refusingSince.IsZero() || t.giveUpAfter <= 0 {
		return nil
	}
	if d := now.Sub(t.refusingSince); d >= t.giveUpAfter && now.Sub(t.lastRefusal) < quiet {
		return &BreakerOpenError{Endpoint: t.endpoint, For: d, Refusals: t.refusals, Last: t.lastReason}
	}
	return nil
}

// answered releases tk after an answer (or a permanent refusal of that one request,
// which still shows the endpoint working).
func (t *throttle) answered(tk ticket) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.used--
	if t.slowStart {
		t.window = min(t.max, t.window+1)
	} else {
		t.window = min(t.max, t.window+increase/t.window)
	}
	t.refusingSince, t.refusals = time.Time{}, 0
	t.wake()
}

// refused releases tk after a transient failure. overloaded marks the endpoint asking
// for less (it cuts the window); retryAfter holds every request until it passes.
func (t *throttle) refused(tk ticket, overloaded bool, retryAfter time.Duration, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := time.Now()
	t.used--
	if overloaded && tk.epoch == t.epoch {
		t.slowStart = false
		t.window = max(1, t.window*decrease)
		t.epoch++
		if now.Sub(t.lastNarrowLog) > 30*time.Second {
			t.lastNarrowLog = now
			slog.Info("llm: the endpoint asks for fewer requests; this worker process now sends fewer at once, and widens again as answers come",
				"endpoint", t.endpoint, "in_flight", int(t.window), "max_in_flight", int(t.max), "refusal", reason)
		}
	}
	if retryAfter >= holdAll && now.Add(retryAfter).After(t.notBefore) {
		t.notBefore = now.Add(retryAfter)
	}
	if t.refusingSince.IsZero() || now.Sub(t.lastRefusal) >= max(quiet, 2*retryAfter) {
		t.refusingSince, t.refusals = now, 0
	}
	t.refusals++
	t.lastRefusal, t.lastReason = now, reason
	if d := now.Sub(t.refusingSince); t.giveUpAfter > 0 && d >= t.giveUpAfter/10 && now.Sub(t.lastWarning) >= t.giveUpAfter/10 {
		t.lastWarning = now
		slog.Warn("llm: the endpoint has refused every request of this worker process",
			"endpoint", t.endpoint, "for", roundDuration(d), "refusals", t.refusals, "last", reason,
			"the job fails after", t.giveUpAfter)
	}
	t.wake()
}

// released returns tk without a verdict on the endpoint: the caller's context ended.
func (t *throttle) released() {
	t.mu.Lock()
	t.used--
	t.wake()
	t.mu.Unlock()
}

// state is the window and the requests in flight, for tests.
func (t *throttle) state() (window float64, used int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.window, t.used
}
