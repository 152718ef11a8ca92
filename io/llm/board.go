package llm

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// The progress board's timing.
const (
	// RateWindow is how far back the progress rate looks: the rate is the units done
	// in the last RateWindow (or since the stage's first call, when that is sooner).
	RateWindow = 30 * time.Second
	// firstLineWithin bounds the wait for the first progress line after the first call.
	firstLineWithin = 5 * time.Second
	// boardPoll is how often the board samples the stages' counts and checks whether a
	// line is due (or redraws the bars).
	boardPoll = 250 * time.Millisecond
)

// board is the process's progress display: the stages register with it as their DoFns
// set up, and it prints one line per tick listing every active stage in the order of
// their first calls (pipeline order), then the requests on the wire in the whole process and the spend so
// far. The first line comes within firstLineWithin of the process's first call, then one
// every interval while there is news. A stage that finished (its total done, no call
// left) prints a final "done" segment once and drops out. On a terminal (ProgressBars)
// live bars replace the lines.
type board struct {
	mu      sync.Mutex
	now     func() time.Time
	print   func(line string)
	auto    bool // run the ticker on first registration (the process's board; tests tick by hand)
	running bool

	stages  []*Progress // in registration order
	order   []*Progress // the shown stages that started, in the order of their first call: pipeline order
	every   time.Duration
	first   time.Time // the process's first call; zero: none yet
	next    time.Time // when the next line is due
	lastSig int64     // the counts of the last line: a line with no news and no call is not printed
	bars    *barView  // non-nil: live bars instead of lines
}

var processBoard = &board{now: time.Now, print: func(line string) { slog.Info(line) }, auto: true}

// add registers p; the board prints at the shortest interval of its stages.
func (b *board) add(p *Progress, every time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	p.board, p.shown = b, true
	b.stages = append(b.stages, p)
	if b.every == 0 || every < b.every {
		b.every = every
	}
	if b.auto && !b.running {
		b.running = true
		go b.loop()
	}
}

// started records p's first call (or unit), for its rate and the board's first line.
func (b *board) started(p *Progress) {
	if p.seen.Load() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.seen.Load() {
		return
	}
	now := b.now()
	p.first = now
	p.samples = []sample{{at: now, units: p.units.Load()}}
	if p.shown {
		b.order = append(b.order, p)
		if b.first.IsZero() {
			b.first = now
			b.next = now.Add(min(b.every, firstLineWithin))
		}
	}
	p.seen.Store(true)
}

func (b *board) loop() {
	t := time.NewTicker(boardPoll)
	defer t.Stop()
	for range t.C {
		if line, ok := b.tick(b.now()); ok {
			b.print(line)
		}
	}
}

// tick samples the stages at now and returns the line due at now, if one is. With bars
// it redraws them instead, and returns no line.
func (b *board) tick(now time.Time) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, p := range b.stages {
		if p.seen.Load() {
			p.sample(now)
		}
	}
	if b.bars != nil {
		b.bars.draw(b, now)
		return "", false
	}
	if b.first.IsZero() || now.Before(b.next) {
		return "", false
	}
	b.next = now.Add(b.every)
	line, sig, news := b.render(now)
	if line == "" || (!news && sig == b.lastSig) {
		return "", false
	}
	b.lastSig = sig
	return line, true
}

// render is the line at now: each shown stage that started and has not been reported
// done, in the order of their first calls (Beam sets DoFns up in no useful order), then the process's requests on the wire and its spend.
// news says a stage is calling or just finished; sig sums the counts, to tell a line
// with news from a repeat.
func (b *board) render(now time.Time) (line string, sig int64, news bool) {
	var segs []string
	spent := 0.0
	for _, p := range b.order {
		s := p.snapshot()
		spent += s.cost
		if p.reported {
			if s.finished() {
				continue
			}
			p.reported = false // more work came after all
		}
		sig += s.units + s.calls + s.retries + s.total
		if s.finished() {
			segs = append(segs, s.doneSegment(now.Sub(p.first)))
			p.reported, news = true, true
			continue
		}
		if s.calling > 0 || s.waiting > 0 {
			news = true
		}
		segs = append(segs, s.segment(p.rate(now)))
	}
	if len(segs) == 0 {
		return "", sig, false
	}
	bound, used := processSlots.inFlight()
	return fmt.Sprintf("progress: %s | in flight %d/%d, spent $%.4f", strings.Join(segs, " | "), used, bound, spent), sig, news
}

// sample records p's units at now, keeping what the rate over RateWindow needs.
func (p *Progress) sample(now time.Time) {
	p.samples = append(p.samples, sample{at: now, units: p.units.Load()})
	cut := now.Add(-RateWindow)
	for len(p.samples) > 2 && !p.samples[1].at.After(cut) {
		p.samples = p.samples[1:]
	}
}

// rate is the units a second over the last RateWindow before now: from the newest
// sample at least RateWindow old, or the oldest (the first call) when none is.
func (p *Progress) rate(now time.Time) float64 {
	if len(p.samples) == 0 {
		return 0
	}
	base := p.samples[0]
	cut := now.Add(-RateWindow)
	for _, s := range p.samples[1:] {
		if s.at.After(cut) {
			break
		}
		base = s
	}
	dt := now.Sub(base.at).Seconds()
	if dt <= 0 {
		return 0
	}
	return float64(p.units.Load()-base.units) / dt
}

// FlushProgress prints the process's progress line now, if it has news (the stages that
// finished since the last line): for the launcher, when the runner returns.
func FlushProgress() {
	b := processBoard
	b.mu.Lock()
	if b.bars != nil || b.first.IsZero() {
		b.mu.Unlock()
		return
	}
	now := b.now()
	for _, p := range b.stages {
		if p.seen.Load() {
			p.sample(now)
		}
	}
	line, sig, news := b.render(now)
	ok := line != "" && (news || sig != b.lastSig)
	b.lastSig = sig
	b.mu.Unlock()
	if ok {
		b.print(line)
	}
}

// ResetProgress forgets every stage's progress and starts the process's board afresh:
// for a process that runs several jobs (tests), whose stages would otherwise add up.
func ResetProgress() {
	progressMu.Lock()
	defer progressMu.Unlock()
	b := processBoard
	b.mu.Lock()
	defer b.mu.Unlock()
	progressFor = map[string]*Progress{}
	b.stages, b.order, b.every, b.first, b.next, b.lastSig = nil, nil, 0, time.Time{}, time.Time{}, 0
}
