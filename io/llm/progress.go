package llm

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Progress counts a stage's work in this process: the elements (units) done out of the
// stage's total, the calls, those on the wire and those waiting to retry, failures,
// store hits, retries, tokens and cost. One Progress per stage and process, shared by
// its DoFn instances. The stages report to the process's progress board (see board),
// which prints one line per tick for all of them, or live bars on a terminal
// (ProgressBars).
//
// A unit is what the stage's total counts (a candidate, a pair, a turn): Worker.Go counts
// one when its work ends. A unit may take more calls than one (a corrective re-ask).
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

	stage   string
	price   Price
	total   atomic.Int64
	units   atomic.Int64 // units of work done (Worker.Go's, or Done's)
	calling atomic.Int64 // calls started and not finished: on the wire, waiting for a slot or backing off
	wire    atomic.Int64 // calls holding a concurrency slot: on the wire
	waiting atomic.Int64 // calls backing off before a retry
	calls   atomic.Int64 // calls finished
	failed  atomic.Int64
	cached  atomic.Int64
	retries atomic.Int64
	prompt  atomic.Int64
	complet atomic.Int64

	board *board      // the board it is shown on; nil: the process's, not shown
	shown bool        // listed on its board (StageProgress with an interval)
	seen  atomic.Bool // it made its first call (or counted its first unit)

	// Under the board's mutex:
	first    time.Time // the stage's first call, or first unit
	samples  []sample  // (time, units) for the recent rate
	reported bool      // its final line was printed
	bar      barHandle // the stage's live bar, on a terminal

	limitMu        sync.Mutex
	limitedSince   time.Time // first 429 since the last answer; zero: not rate limited
	lastRetryAfter time.Duration
	lastWarning    time.Time
}

type sample struct {
	at    time.Time
	units int64
}

var (
	progressMu  sync.Mutex
	progressFor = map[string]*Progress{}
)

// StageProgress returns the process's Progress for stage, registering it with the
// process's progress board on first use; every is how often the board prints (the
// first stage's that is not 0 sets it). With every 0 the stage counts but is not shown.
func StageProgress(stage string, price Price, every time.Duration) *Progress {
	progressMu.Lock()
	defer progressMu.Unlock()
	if p := progressFor[stage]; p != nil {
		return p
	}
	p := &Progress{StallWarning: time.Minute, stage: stage, price: price}
	progressFor[stage] = p
	if every > 0 {
		processBoard.add(p, every)
	}
	return p
}

func (p *Progress) home() *board {
	if p.board != nil {
		return p.board
	}
	return processBoard
}

// SetTotal records how many units the stage will do, for the ETA. A nil Progress
// ignores it.
func (p *Progress) SetTotal(n int64) {
	if p != nil {
		p.total.Store(n)
	}
}

// Start counts a call going out.
func (p *Progress) Start() {
	if p == nil {
		return
	}
	p.calling.Add(1)
	p.home().started(p)
}

// Finish counts a call's end. Its retries were counted as they happened.
func (p *Progress) Finish(r Reply, failed bool) {
	if p == nil {
		return
	}
	p.calling.Add(-1)
	p.calls.Add(1)
	if failed {
		p.failed.Add(1)
	}
	if r.Cached {
		p.cached.Add(1)
	} else {
		p.prompt.Add(int64(r.PromptTokens))
		p.complet.Add(int64(r.CompletionTokens))
	}
}

// Done counts n units of the stage's total done.
func (p *Progress) Done(n int64) {
	if p == nil {
		return
	}
	p.home().started(p)
	p.units.Add(n)
}

// onWire counts a request holding a concurrency slot until the returned func is called.
func (p *Progress) onWire() (off func()) {
	if p == nil {
		return func() {}
	}
	p.wire.Add(1)
	var once sync.Once
	return func() { once.Do(func() { p.wire.Add(-1) }) }
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

// Line renders the stage's progress on its own, with its rate since its first call.
func (p *Progress) Line() string {
	b := p.home()
	b.mu.Lock()
	defer b.mu.Unlock()
	s := p.snapshot()
	rate := 0.0
	if !p.first.IsZero() {
		rate = float64(s.units) / max(time.Since(p.first).Seconds(), 1e-9)
	}
	return "llm " + s.segment(rate)
}

// stageStats is one reading of a stage's counters.
type stageStats struct {
	stage                                       string
	total, units, calling, wire, waiting, calls int64
	failed, cached, retries, prompt, complet    int64
	cost                                        float64
}

func (p *Progress) snapshot() stageStats {
	s := stageStats{stage: p.stage, total: p.total.Load(), units: p.units.Load(), calling: p.calling.Load(),
		wire: p.wire.Load(), waiting: p.waiting.Load(), calls: p.calls.Load(), failed: p.failed.Load(),
		cached: p.cached.Load(), retries: p.retries.Load(), prompt: p.prompt.Load(), complet: p.complet.Load()}
	s.cost = p.price.Cost(int(s.prompt), int(s.complet))
	return s
}

// finished: every unit of a known total done and no call left.
func (s stageStats) finished() bool {
	return s.total > 0 && s.units >= s.total && s.calling == 0 && s.waiting == 0
}

// eta says when the stage should end at rate units a second.
func (s stageStats) eta(rate float64) string {
	remaining := s.total - s.units
	switch {
	case s.total <= 0 || rate <= 0:
		return "ETA —"
	case remaining <= 0:
		// Every unit counted, but calls are still going (retries): no honest estimate.
		return "ETA —"
	}
	return "ETA " + fmtDuration(time.Duration(float64(remaining)/rate*float64(time.Second)))
}

func (s stageStats) counts() string {
	if s.total > 0 {
		return fmt.Sprintf("%d/%d", s.units, s.total)
	}
	return fmt.Sprintf("%d/?", s.units)
}

// details are the stage's figures after its counts.
func (s stageStats) details(rate float64) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.1f/s, %s, on wire %d", rate, s.eta(rate), s.wire)
	if s.waiting > 0 {
		fmt.Fprintf(&b, ", retrying %d", s.waiting)
	}
	fmt.Fprintf(&b, ", failed %d, from store %d, retries %d, $%.4f", s.failed, s.cached, s.retries, s.cost)
	return b.String()
}

// segment is the stage's part of a progress line.
func (s stageStats) segment(rate float64) string {
	return fmt.Sprintf("%s %s (%s)", s.stage, s.counts(), s.details(rate))
}

// doneSegment is the stage's last part of a progress line, once it finished.
func (s stageStats) doneSegment(took time.Duration) string {
	return fmt.Sprintf("%s done %s in %s (calls %d, failed %d, from store %d, retries %d, $%.4f)",
		s.stage, s.counts(), fmtDuration(took), s.calls, s.failed, s.cached, s.retries, s.cost)
}

func fmtDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= time.Second:
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
