package llm

import (
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Progress counts a stage's calls in this process and logs a line every interval while
// there is news: done, in flight, failed, cache hits, rate, ETA (when the stage's total is
// known), tokens and cost. One Progress per stage and process, shared by its DoFn
// instances.
type Progress struct {
	stage    string
	price    Price
	started  time.Time
	total    atomic.Int64
	inFlight atomic.Int64
	done     atomic.Int64
	failed   atomic.Int64
	cached   atomic.Int64
	retries  atomic.Int64
	prompt   atomic.Int64
	complet  atomic.Int64
	stop     chan struct{}
	lastDone int64
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
	p := &Progress{stage: stage, price: price, started: time.Now(), stop: make(chan struct{})}
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

// Finish counts a call's end.
func (p *Progress) Finish(r Reply, failed bool) {
	p.inFlight.Add(-1)
	p.done.Add(1)
	if failed {
		p.failed.Add(1)
	}
	if r.Cached {
		p.cached.Add(1)
	}
	p.retries.Add(int64(r.Retries))
	if !r.Cached {
		p.prompt.Add(int64(r.PromptTokens))
		p.complet.Add(int64(r.CompletionTokens))
	}
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
	return fmt.Sprintf("llm %s: done %d/%d, in flight %d, failed %d, from store %d, retries %d, %.1f/s, ETA %s, tokens %d+%d, cost %.4f",
		p.stage, done, total, p.inFlight.Load(), p.failed.Load(), p.cached.Load(), p.retries.Load(), rate, eta,
		prompt, complet, p.price.Cost(int(prompt), int(complet)))
}
