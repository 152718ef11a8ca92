package llm

import (
	"errors"
	"io"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
)

// ProgressBars makes the process's progress board draw a live bar per stage on w (a
// terminal) instead of logging lines: for a launcher that runs the DoFns in its own
// process (the direct runner, prism in LOOPBACK mode) with stderr on a terminal. The
// bars come from github.com/vbauerster/mpb/v8, which redraws several bars in place and
// prints other output above them. Logs must go through the returned writer, or they
// tear the bars; after stop it writes to w directly. stop completes the bars of the
// finished stages, leaves the others as they stand, and returns when they are drawn.
func ProgressBars(w io.Writer) (logs io.Writer, stop func()) {
	c := mpb.New(mpb.WithOutput(w), mpb.WithRefreshRate(200*time.Millisecond))
	v := &barView{c: c}
	b := processBoard
	b.mu.Lock()
	b.bars = v
	b.mu.Unlock()
	stop = func() {
		b.mu.Lock()
		if b.bars == v {
			v.draw(b, b.now())
			for _, p := range b.stages {
				if p.bar.bar != nil && !p.bar.bar.Completed() {
					p.bar.bar.Abort(false)
				}
			}
			b.bars = nil
		}
		b.mu.Unlock()
		c.Wait()
	}
	return fallbackWriter{c, w}, stop
}

// barView draws the board's stages as bars.
type barView struct{ c *mpb.Progress }

// barHandle is a stage's bar and the text beside it.
type barHandle struct {
	bar  *mpb.Bar
	text atomic.Pointer[string]
}

// draw updates every started stage's bar from its counts at now (the board's mutex held).
func (v *barView) draw(b *board, now time.Time) {
	bound, used := processSlots.inFlight()
	for _, p := range b.order {
		if p.reported {
			continue
		}
		s := p.snapshot()
		if p.bar.bar == nil {
			h := &p.bar
			h.bar = v.c.AddBar(0, // 0: completed only when the stage is, not when units reach a total
				mpb.PrependDecorators(decor.Name(p.stage, decor.WC{W: 12, C: decor.DindentRight}), decor.CountersNoUnit("%d/%d", decor.WC{W: 12})),
				mpb.AppendDecorators(decor.Any(func(decor.Statistics) string {
					if t := h.text.Load(); t != nil {
						return *t
					}
					return ""
				})))
		}
		var text string
		if s.finished() {
			text = strings.TrimPrefix(s.doneSegment(now.Sub(p.first)), p.stage+" ")
			p.reported = true
		} else {
			text = s.details(p.rate(now)) + "  (process in flight " + strconv.Itoa(used) + "/" + strconv.Itoa(bound) + ")"
		}
		p.bar.text.Store(&text)
		if s.total > 0 {
			p.bar.bar.SetTotal(s.total, false)
		}
		p.bar.bar.SetCurrent(s.units)
		if p.reported {
			p.bar.bar.SetTotal(s.units, true)
		}
	}
}

// fallbackWriter writes above the bars while they run, and to w once they are done.
type fallbackWriter struct {
	c *mpb.Progress
	w io.Writer
}

func (f fallbackWriter) Write(p []byte) (int, error) {
	n, err := f.c.Write(p)
	var done mpb.ErrDone[*mpb.Progress]
	if err != nil && errors.As(err, &done) {
		return f.w.Write(p)
	}
	return n, err
}
