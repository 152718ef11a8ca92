package llm

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// withRetries makes call, retrying transient failures: the shared rate limits before
// every attempt, the endpoint's adaptive window (throttle), a concurrency slot and a
// deadline per attempt, backoff honouring
// Retry-After, 429s bounded by RateLimitPatience rather than MaxRetries. Chat and Embed
// both go through it. On success the slot of the successful attempt is
// still held: the caller releases it when it is done with the answer. release is never nil.
func withRetries[T any](ctx context.Context, c *Client, tokens int, call func(context.Context) (T, error),
	classifyErr func(error) (bool, *Failure)) (ans T, retries int, release func(), f *Failure, err error) {
	release = func() {}
	start := time.Now()
	counted := 0 // retries counted against MaxRetries: 429s are not
	for attempt := 0; ; attempt++ {
		if err := c.limits.wait(ctx, tokens); err != nil {
			return ans, attempt, release, nil, err
		}
		var tk ticket
		if tk, err = c.throttle.acquire(ctx); err != nil {
			return ans, attempt, release, nil, err // the context ended, or the breaker is open
		}
		var retryAfter time.Duration
		var done func()
		ans, retryAfter, done, err = attemptInSlot(ctx, c, call)
		if err == nil {
			c.throttle.answered(tk)
			c.progress.answered()
			return ans, attempt, done, nil, nil
		}
		done()
		if ctx.Err() != nil {
			c.throttle.released()
			return ans, attempt, release, nil, ctx.Err()
		}
		transient, f := classifyErr(err)
		if !transient {
			c.throttle.answered(tk) // the endpoint works; this request is wrong
			return ans, attempt, release, f, nil
		}
		c.throttle.refused(tk, overloaded(err), retryAfter, refusalReason(err))
		if rateLimited(err) {
			if time.Since(start) > c.cfg.RateLimitPatience {
				return ans, attempt, release, &Failure{Reason: ReasonGaveUp, Detail: fmt.Sprintf("still rate limited after %v: %v", c.cfg.RateLimitPatience, err)}, nil
			}
		} else if counted++; counted > c.cfg.MaxRetries {
			return ans, attempt, release, &Failure{Reason: ReasonGaveUp, Detail: err.Error()}, nil
		}
		waited := c.progress.retrying(redactedURL(c.endpoint()), rateLimited(err), retryAfter)
		select {
		case <-time.After(c.cfg.Backoff.Delay(attempt+1, retryAfter)):
			waited()
		case <-ctx.Done():
			waited()
			return ans, attempt, release, nil, ctx.Err()
		}
	}
}

// attemptInSlot makes one call while holding a concurrency slot, and returns the func
// that releases it: a call backing off does not hold one, so others keep the pipe full.
func attemptInSlot[T any](ctx context.Context, c *Client, call func(context.Context) (T, error)) (T, time.Duration, func(), error) {
	var zero T
	if err := c.slots.acquire(ctx); err != nil {
		return zero, 0, func() {}, err
	}
	off := c.progress.onWire()
	var once sync.Once
	release := func() { once.Do(func() { off(); c.slots.release() }) }
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	actx, retryAfter := withRetryAfterSlot(actx)
	ans, err := call(actx)
	return ans, *retryAfter, release, err
}
