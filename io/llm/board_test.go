package llm

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// fakeClock is a board's clock, moved by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time      { return c.t }
func (c *fakeClock) add(d time.Duration) { c.t = c.t.Add(d) }
func newTestBoard(every time.Duration) (*board, *fakeClock) {
	c := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	return &board{now: c.now, every: every}, c
}

func (b *board) stage(name string, price Price) *Progress {
	p := &Progress{StallWarning: time.Minute, stage: name, price: price}
	b.add(p, b.every)
	return p
}

// run advances the clock by d in polls, doing units at rate a second for p, and returns
// the lines printed.
func (b *board) run(c *fakeClock, d time.Duration, work map[*Progress]float64) []string {
	var lines []string
	owed := map[*Progress]float64{}
	for step := time.Duration(0); step < d; step += boardPoll {
		c.add(boardPoll)
		for p, rate := range work {
			owed[p] += rate * boardPoll.Seconds()
			if n := int64(owed[p]); n > 0 {
				p.Done(n)
				owed[p] -= float64(n)
			}
		}
		if line, ok := b.tick(c.now()); ok {
			lines = append(lines, line)
		}
	}
	return lines
}

var rateRe = regexp.MustCompile(`(\S+) (\d+)/(\d+|\?) \(([\d.]+)/s, ETA ([^,]+),`)

// stageFigures reads stage's done, rate and ETA off a line.
func stageFigures(t *testing.T, line, stage string) (done string, rate float64, eta string) {
	t.Helper()
	for _, m := range rateRe.FindAllStringSubmatch(line, -1) {
		if m[1] == stage {
			fmt.Sscan(m[4], &rate)
			return m[2], rate, m[5]
		}
	}
	t.Fatalf("no %s in %q", stage, line)
	return
}

// TestBoardOneLineStableOrderFirstLineSoon: several stages print one line per tick,
// in the order of their first calls (not of registration), the first line within 5 s
// of the first call even with a long interval, then one per interval.
func TestBoardOneLineStableOrderFirstLineSoon(t *testing.T) {
	b, c := newTestBoard(30 * time.Second)
	judge := b.stage("judge_r1", Price{})
	gen := b.stage("generate", Price{})
	gen.SetTotal(1000)
	judge.SetTotal(500)
	c.add(time.Minute) // no call yet: nothing to say
	if line, ok := b.tick(c.now()); ok {
		t.Fatalf("a line before any call: %s", line)
	}
	gen.Start()
	judge.Start()
	lines := b.run(c, 5*time.Second, map[*Progress]float64{gen: 10, judge: 5})
	if len(lines) != 1 {
		t.Fatalf("%d lines in the first 5 s, want 1: %q", len(lines), lines)
	}
	line := lines[0]
	if i, j := strings.Index(line, "generate "), strings.Index(line, "judge_r1 "); i < 0 || j < i {
		t.Errorf("stages not in first-call order: %s", line)
	}
	if strings.Count(line, "\n") != 0 || !strings.HasPrefix(line, "progress: ") || !strings.Contains(line, "in flight ") || !strings.Contains(line, "spent $") {
		t.Errorf("line: %s", line)
	}
	lines = b.run(c, 90*time.Second, map[*Progress]float64{gen: 10, judge: 5})
	if len(lines) != 3 {
		t.Errorf("%d lines in 90 s at 30 s, want 3", len(lines))
	}
	for _, l := range lines {
		if i, j := strings.Index(l, "generate "), strings.Index(l, "judge_r1 "); i < 0 || j < i {
			t.Errorf("order changed: %s", l)
		}
	}
}

// TestBoardRateIsRecent: the rate is the last 30 s's, not the average since the start:
// after a fast minute and a slow minute it shows the slow rate, and the ETA follows it.
func TestBoardRateIsRecent(t *testing.T) {
	b, c := newTestBoard(10 * time.Second)
	p := b.stage("generate", Price{})
	p.SetTotal(100000)
	p.Start()
	b.run(c, time.Minute, map[*Progress]float64{p: 80})
	lines := b.run(c, time.Minute, map[*Progress]float64{p: 20})
	last := lines[len(lines)-1]
	_, rate, eta := stageFigures(t, last, "generate")
	if rate < 19 || rate > 21 {
		t.Errorf("rate %.1f after a minute at 20/s (and one at 80/s before), want ~20: %s", rate, last)
	}
	left := 100000 - p.units.Load()
	want := time.Duration(float64(left) / 20 * float64(time.Second))
	got, err := time.ParseDuration(eta)
	if err != nil || got < want*9/10 || got > want*11/10 {
		t.Errorf("ETA %s, want ~%s", eta, want)
	}
}

// TestBoardETAWhileRetrying: every unit counted but calls still going: no "0s" ETA, and
// the retrying calls are shown. A stage with no total says so rather than "/0".
func TestBoardETAWhileRetrying(t *testing.T) {
	b, c := newTestBoard(2 * time.Second)
	p := b.stage("generate", Price{})
	q := b.stage("judge_r1", Price{})
	p.SetTotal(10)
	p.Start()
	q.Start()
	b.run(c, 4*time.Second, map[*Progress]float64{p: 2.5, q: 1})
	p.Start()
	done := p.retrying("e", true, 0)
	lines := b.run(c, 2*time.Second, nil)
	if len(lines) != 1 {
		t.Fatalf("lines: %q", lines)
	}
	if d, _, eta := stageFigures(t, lines[0], "generate"); d != "10" || eta != "—" || !strings.Contains(lines[0], "retrying 1") {
		t.Errorf("done %s, ETA %q: %s", d, eta, lines[0])
	}
	if !strings.Contains(lines[0], "judge_r1 4/? ") {
		t.Errorf("a stage without a total: %s", lines[0])
	}
	done()
	p.Finish(Reply{}, false)
	p.Finish(Reply{}, false)
	lines = b.run(c, 2*time.Second, nil)
	if len(lines) != 1 || !strings.Contains(lines[0], "generate done 10/10 in ") {
		t.Fatalf("no done segment: %q", lines)
	}
	// Finished: reported once, then gone.
	q.Finish(Reply{}, false)
	lines = b.run(c, 4*time.Second, map[*Progress]float64{q: 1})
	for _, l := range lines {
		if strings.Contains(l, "generate") {
			t.Errorf("a finished stage printed again: %s", l)
		}
	}
	// No calls and no news: silence.
	if lines = b.run(c, 10*time.Second, nil); len(lines) != 0 {
		t.Errorf("lines with no news: %q", lines)
	}
}

// TestBoardSpend: each stage's spend and the process's.
func TestBoardSpend(t *testing.T) {
	b, c := newTestBoard(time.Second)
	price := Price{InputPerM: 1, OutputPerM: 2}
	p := b.stage("generate", price)
	q := b.stage("judge_r1", price)
	for _, s := range []*Progress{p, q} {
		s.Start()
		s.Finish(Reply{PromptTokens: 1_000_000, CompletionTokens: 500_000}, false)
	}
	lines := b.run(c, 2*time.Second, nil)
	if len(lines) == 0 || !strings.Contains(lines[0], "$2.0000) | judge_r1") || !strings.HasSuffix(lines[0], "spent $4.0000") {
		t.Errorf("spend: %q", lines)
	}
}

// TestInFlightIsOnTheWire: the in-flight figures count requests holding a concurrency
// slot, never more than --max_in_flight, and not the calls waiting for one: against a
// slow fake server with many more calls than slots, the server's own most-at-once and
// every figure the board shows stay within the bound, while the calls started far exceed it.
func TestInFlightIsOnTheWire(t *testing.T) {
	freshSlots(t)
	const maxInFlight = 3
	c, srv, _ := testClient(t, llmtest.Options{Latency: 20 * time.Millisecond}, func(cfg *Config) { cfg.MaxInFlight = maxInFlight })
	b, _ := newTestBoard(time.Second)
	b.now = time.Now
	p := b.stage("generate", Price{})
	p.SetTotal(40)
	c.ReportTo(p)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			p.Start()
			r, f, err := c.Chat(context.Background(), ask(fmt.Sprint(i), 0))
			p.Finish(r, f != nil || err != nil)
			p.Done(1)
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	wireRe := regexp.MustCompile(`on wire (\d+).*in flight (\d+)/(\d+)`)
	maxCalling, maxShown := int64(0), 0
	for running := true; running; {
		select {
		case <-finished:
			running = false
		case <-time.After(time.Millisecond):
		}
		maxCalling = max(maxCalling, p.calling.Load())
		b.mu.Lock()
		line, _, _ := b.render(time.Now())
		b.mu.Unlock()
		if m := wireRe.FindStringSubmatch(line); m != nil {
			var wire, used, bound int
			fmt.Sscan(m[1], &wire)
			fmt.Sscan(m[2], &used)
			fmt.Sscan(m[3], &bound)
			if wire > maxInFlight || used > maxInFlight || bound != maxInFlight {
				t.Fatalf("shown above the bound %d: %s", maxInFlight, line)
			}
			maxShown = max(maxShown, used, wire)
		}
	}
	if got := srv.Stats().MaxInFlight; got > maxInFlight {
		t.Errorf("the server saw %d at once", got)
	}
	if maxShown != maxInFlight {
		t.Errorf("most shown on the wire %d, want %d (the slots were full)", maxShown, maxInFlight)
	}
	if maxCalling <= maxInFlight {
		t.Errorf("calls started at most %d: the test did not queue calls beyond the slots", maxCalling)
	}
	if p.wire.Load() != 0 {
		t.Errorf("on wire after the calls: %d", p.wire.Load())
	}
}
