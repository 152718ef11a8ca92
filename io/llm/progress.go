package llm

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Progress counts a stage's calls in this process and logs a line every interval while
// there is news: done, in flight, waiting to retry, failed, cache hits, retries, rate, ETA
// (when the stage's total is known), tokens and cost. One Progress per stage and process,
// shared by its DoFn instances.
//
// The calls' retries are counted as they happen, by the Clients that report to it
// (Client.ReportTo; Worker.Setup does it), so that a 429 storm shows while it lasts
// rather than when its calls end. A stage rate limited for longer than StallWarning with
// no answer logs a warning.
type Progress struct {
	// StallWarning is how long the stage may be rate limited with no answer before a
	// warning is logged (then again every StallWarning while it lasts). Set it before
	// the calls start; StageProgress sets a minute.
	StallWarning time.Duration

	stage    string
	price    Price
	started  time.Time
	total    atomic.Int64
	inFlight atomic.Int64
	waiting  atomic.Int64 // calls backing off before a retry
	done     atomic.Int64
	failed   atomic.Int64
	cached   atomic.Int64
	retries  atomic.Int64
	prompt   atomic.Int64
	complet  atomic.Int64
	stop     chan struct{}
	lastDone int64

	limitMu        sync.Mutex
	limitedSince   time.Time // first 429 since the last answer; zero: not rate limited
	lastRetryAfter time.Duration
	lastWarning    time.Time
}

var (
	progressMu  sync.Mutex
	progressFor = map[string]*Progress{}
)

// StageProgress returns the process's Progress for stage, starting its logger on first use.
func StageProgress(stage string, price Price, every time.Duration) *Progress {
	progressMu.Lock()
	defer progressMu.Unlock()
	if p := progressFor[stage]; p != nil {
		return p
	}
	p := &Progress{StallWarning: time.Minute, stage: stage, price: price, started: time.Now(), stop: make(chan struct{})}
	progressFor[stage] = p
	if every > 0 {
		go p.loop(every)
	}
	return p
}

// SetTotal records how many calls the stage will make, for the ETA.
func (p *Progress) SetTotal(n int64) { p.total.Store(n) }

// Start counts a call going out.
func (p *Progress) Start() { p.inFlight.Add(1) }

// Finish counts a call's end. Its retries were counted as they happened.
func (p *Progress) Finish(r Reply, failed bool) {
	p.inFlight.Add(-1)
	p.done.Add(1)
	if failed {
		p.failed.Add(1)
	}
	if r.Cached {
		p.cached.Add(1)
	}
	if !r.Cached {
		p.prompt.Add(int64(r.PromptTokens))
		p.complet.Add(int64(r.CompletionTokens))
	}
}

// retrying counts a call that failed transiently and backs off before retrying, until
// the returned func is called. A 429 (limited) also counts towards the stall warning,
// which names endpoint (a URL without credentials) and the server's last Retry-After.
// A nil Progress counts nothing.
func (p *Progress) retrying(endpoint string, limited bool, retryAfter time.Duration) (done func()) {
	if p == nil {
		return func() {}
	}
	p.retries.Add(1)
	p.waiting.Add(1)
	if limited {
		now := time.Now()
		p.limitMu.Lock()
		if p.limitedSince.IsZero() {
			p.limitedSince = now
		}
		p.lastRetryAfter = retryAfter
		since := p.limitedSince
		warn := now.Sub(since) > p.StallWarning && now.Sub(p.lastWarning) > p.StallWarning
		if warn {
			p.lastWarning = now
		}
		p.limitMu.Unlock()
		if warn {
			slog.Warn("llm: rate limited with no answer", "stage", p.stage, "endpoint", endpoint,
				"for", now.Sub(since).Round(time.Millisecond), "waiting", p.waiting.Load(), "retry_after", retryAfter)
		}
	}
	return func() { p.waiting.Add(-1) }
}

// answered records an answer from the server: the stage is no longer stalled.
func (p *Progress) answered() {
	if p == nil {
		return
	}
	p.limitMu.Lock()
	p.limitedSince = time.Time{}
	p.limitMu.Unlock()
}

func (p *Progress) loop(every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for range t.C {
		if d := p.done.Load(); d != p.lastDone || p.inFlight.Load() > 0 {
			p.lastDone = d
			slog.Info(p.Line())
		}
	}
}

// Line renders the progress.
func (p *Progress) Line() string {
	done, total := p.done.Load(), p.total.Load()
	elapsed := time.Since(p.started).Seconds()
	rate := float64(done) / max(elapsed, 1e-9)
	eta := "unknown"
	if total > 0 && rate > 0 {
		eta = (time.Duration(float64(max(total-done, 0))/rate) * time.Second).Round(time.Second).String()
	}
	prompt, complet := p.prompt.Load(), p.complet.Load()
	return fmt.Sprintf("llm %s: done %d/%d, in flight %d, waiting %d, failed %d, from store %d, retries %d, %.1f/s, ETA %s, tokens %d+%d, cost %.4f",
		p.stage, done, total, p.inFlight.Load(), p.waiting.Load(), p.failed.Load(), p.cached.Load(), p.retries.Load(), rate, eta,
		prompt, complet, p.price.Cost(int(prompt), int(complet)))
}
