package llm

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/time/rate"
)

// limits are the per-process rate limits of one endpoint and model. Every goroutine and
// every DoFn instance in a worker process shares them: the provider's quota is per key,
// not per DoFn. (golang.org/x/time/rate: a token bucket that can wait for n tokens at
// once, which tokens-per-minute needs.)
type limits struct {
	requests *rate.Limiter // nil: unlimited
	tokens   *rate.Limiter
}

var (
	limitsMu  sync.Mutex
	limitsFor = map[string]*limits{}
)

func sharedLimits(baseURL, model string, rpm, tpm int) *limits {
	key := fmt.Sprintf("%s|%s|%d|%d", baseURL, model, rpm, tpm)
	limitsMu.Lock()
	defer limitsMu.Unlock()
	if l := limitsFor[key]; l != nil {
		return l
	}
	l := &limits{}
	if rpm > 0 {
		// A burst of a second's worth lets a cold start fill the pipe without exceeding
		// the minute's quota.
		l.requests = rate.NewLimiter(rate.Limit(float64(rpm)/60), max(1, rpm/60))
	}
	if tpm > 0 {
		l.tokens = rate.NewLimiter(rate.Limit(float64(tpm)/60), max(tpm/60, 1))
	}
	limitsFor[key] = l
	return l
}

// wait blocks until one request of about tokens tokens may be sent.
func (l *limits) wait(ctx context.Context, tokens int) error {
	if l.requests != nil {
		if err := l.requests.Wait(ctx); err != nil {
			return err
		}
	}
	if l.tokens != nil {
		// A request larger than the bucket could never be admitted: take what the bucket
		// holds; the next requests then wait longer.
		n := min(tokens, l.tokens.Burst())
		if err := l.tokens.WaitN(ctx, n); err != nil {
			return err
		}
	}
	return nil
}
