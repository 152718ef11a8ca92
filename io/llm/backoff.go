package llm

import (
	"math/rand/v2"
	"time"
)

// Backoff is the retry schedule: exponential from Initial, capped at Max, with full
// jitter, so that many goroutines hit by the same 429 storm do not come back in step.
type Backoff struct {
	Initial time.Duration
	Max     time.Duration
}

// Delay returns how long to wait before retry number attempt (1 for the first retry).
// A server's Retry-After, when given, is the floor: waiting less only earns another 429.
func (b Backoff) Delay(attempt int, retryAfter time.Duration) time.Duration {
	d := b.Initial << min(attempt-1, 20)
	if d > b.Max || d <= 0 {
		d = b.Max
	}
	d = time.Duration(rand.Int64N(int64(d)/2+1)) + d/2 // jitter in [d/2, d]
	return max(d, retryAfter)
}
