package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

func TestParseRetryAfter(t *testing.T) {
	for _, tc := range []struct {
		h    map[string]string
		want time.Duration
	}{
		{map[string]string{"retry-after-ms": "250"}, 250 * time.Millisecond},
		{map[string]string{"Retry-After": "2"}, 2 * time.Second},
		{map[string]string{"Retry-After": "1.5"}, 1500 * time.Millisecond},
		{map[string]string{"retry-after-ms": "40", "Retry-After": "1"}, 40 * time.Millisecond}, // the precise one wins
		{map[string]string{"Retry-After": "soon"}, 0},
		{map[string]string{}, 0},
	} {
		h := http.Header{}
		for k, v := range tc.h {
			h.Set(k, v)
		}
		if got := parseRetryAfter(h); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.h, got, tc.want)
		}
	}
	date := http.Header{"Retry-After": {time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)}}
	if got := parseRetryAfter(date); got < time.Second || got > 3*time.Second {
		t.Errorf("HTTP-date Retry-After parsed as %v", got)
	}
}

func TestClassify(t *testing.T) {
	code := func(c string) *openai.APIError { return &openai.APIError{HTTPStatusCode: 400, Code: c, Message: "m"} }
	for _, tc := range []struct {
		err       error
		transient bool
		reason    string
	}{
		{&openai.APIError{HTTPStatusCode: 429}, true, ""},
		{&openai.APIError{HTTPStatusCode: 500}, true, ""},
		{&openai.APIError{HTTPStatusCode: 503}, true, ""},
		{&openai.RequestError{HTTPStatusCode: 502, Err: errors.New("bad gateway")}, true, ""},
		{code("context_length_exceeded"), false, ReasonContextLength},
		{code("content_filter"), false, ReasonContentFilter},
		{&openai.APIError{HTTPStatusCode: 401, Message: "bad key"}, false, ReasonBadRequest},
		{&openai.APIError{HTTPStatusCode: 404}, false, ReasonBadRequest},
		{&json.SyntaxError{}, true, ""},
		{errEmptyAnswer, true, ""},
		{fmt.Errorf("post: %w", syscall.ECONNRESET), true, ""},
		{context.DeadlineExceeded, true, ""},
		{&net.OpError{Op: "dial", Err: errors.New("refused")}, true, ""},
	} {
		transient, f := classify(tc.err)
		reason := ""
		if f != nil {
			reason = f.Reason
		}
		if transient != tc.transient || reason != tc.reason {
			t.Errorf("%T %v: transient %v reason %q; want %v %q", tc.err, tc.err, transient, reason, tc.transient, tc.reason)
		}
	}
	if !rateLimited(&openai.APIError{HTTPStatusCode: 429}) || rateLimited(&openai.APIError{HTTPStatusCode: 503}) {
		t.Error("rateLimited is wrong")
	}
}

func TestBackoffGrowsIsCappedAndRespectsRetryAfter(t *testing.T) {
	b := Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	for attempt, hi := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		hi *= time.Millisecond
		for range 50 {
			d := b.Delay(attempt+1, 0)
			if d < hi/2 || d > hi {
				t.Fatalf("attempt %d: delay %v outside [%v, %v]", attempt+1, d, hi/2, hi)
			}
		}
	}
	if d := b.Delay(1, 5*time.Second); d != 5*time.Second {
		t.Errorf("Retry-After 5s gave a %v delay", d)
	}
	if d := b.Delay(100, 0); d > time.Second || d <= 0 {
		t.Errorf("attempt 100: %v", d)
	}
}

func TestPoolBoundsPendingAndReportsErrors(t *testing.T) {
	p := NewPool[int](3)
	var running, peak atomic.Int64
	for i := range 20 {
		p.Go(func() (int, error) {
			n := running.Add(1)
			for {
				old := peak.Load()
				if n <= old || peak.CompareAndSwap(old, n) {
					break
				}
			}
			time.Sleep(5 * time.Millisecond)
			running.Add(-1)
			if i == 7 {
				return 0, errors.New("boom")
			}
			return i, nil
		})
	}
	done, err := p.Wait()
	if peak.Load() > 3 {
		t.Errorf("%d ran at once, the pool allows 3", peak.Load())
	}
	if len(done) != 19 || err == nil || err.Error() != "boom" {
		t.Errorf("%d results, error %v; want 19 and boom", len(done), err)
	}
}
