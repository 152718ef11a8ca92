package llm

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// syncBuffer is a log sink that the calls' goroutines may write to at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRateLimitStormIsVisible: against a server that answers 429 to everything, the
// progress line shows the calls waiting to retry and the retries while the storm lasts,
// not only when the calls give up, and a stage stalled for longer than StallWarning logs
// a warning with the endpoint, the waiting calls and the last
// Retry-After.
func TestRateLimitStormIsVisible(t *testing.T) {
	var logs syncBuffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	defer slog.SetDefault(old)

	c, srv, _ := testClient(t, llmtest.Options{ErrorRate: 1, ErrorKinds: []llmtest.ErrorKind{llmtest.Kind429}, RetryAfter: 20 * time.Millisecond},
		func(cfg *Config) { cfg.RateLimitPatience = 800 * time.Millisecond })
	stage := fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano()) // a fresh Progress under -count
	p := StageProgress(stage, Price{}, 0)
	p.StallWarning = 200 * time.Millisecond
	c.ReportTo(p)

	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			p.Start()
			r, f, err := c.Chat(context.Background(), ask(fmt.Sprint(i), 0))
			p.Finish(r, f != nil || err != nil)
			if f == nil || f.Reason != ReasonGaveUp {
				t.Errorf("call %d: %v %v, want %s", i, f, err, ReasonGaveUp)
			}
		})
	}
	sawWaiting := false
	for deadline := time.Now().Add(600 * time.Millisecond); time.Now().Before(deadline) && !sawWaiting; time.Sleep(5 * time.Millisecond) {
		sawWaiting = p.waiting.Load() > 0 && p.retries.Load() > 0 && p.calls.Load() == 0
	}
	if !sawWaiting {
		t.Errorf("no call was seen waiting, with retries counted, during the storm: %s", p.Line())
	}
	mid := p.Line()
	wg.Wait()
	if !strings.Contains(mid, "retrying ") || strings.Contains(mid, "retries 0,") {
		t.Errorf("progress during the storm: %s", mid)
	}
	if srv.Stats().Completed != 0 {
		t.Fatal("the server answered")
	}
	end := p.Line()
	if p.waiting.Load() != 0 || !strings.Contains(end, "failed 4") || p.retries.Load() < 8 {
		t.Errorf("progress after the storm: %s", end)
	}
	var warning string
	for _, l := range strings.Split(logs.String(), "\n") {
		if strings.Contains(l, "level=WARN") && strings.Contains(l, "rate limited") {
			warning = l
			break
		}
	}
	if warning == "" {
		t.Fatalf("no stall warning in:\n%s", logs.String())
	}
	for _, want := range []string{"endpoint=" + c.cfg.BaseURL, "waiting=", "retry_after=20ms", "stage=" + stage} {
		if !strings.Contains(warning, want) {
			t.Errorf("the warning lacks %q: %s", want, warning)
		}
	}
}

// TestAnswersResetTheStall: a rate limit that answers now and then is not a stall.
func TestAnswersResetTheStall(t *testing.T) {
	p := &Progress{StallWarning: time.Hour}
	p.retrying("e", true, 0)()
	if p.limitedSince.IsZero() {
		t.Fatal("a 429 did not start the stall")
	}
	p.answered()
	if !p.limitedSince.IsZero() || p.waiting.Load() != 0 || p.retries.Load() != 1 {
		t.Errorf("after an answer: since %v, waiting %d, retries %d", p.limitedSince, p.waiting.Load(), p.retries.Load())
	}
}
