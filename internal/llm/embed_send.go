package llm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// errIncompleteEmbeddings marks a 200 whose vectors do not match the inputs one to one
// (missing, repeated or out-of-range indices, empty vectors): a server or proxy glitch
// that a retry may fix.
var errIncompleteEmbeddings = errors.New("the answer's vectors do not match the inputs")

// wrongLengthError is an answer with vectors of another length than asked for, or of
// several lengths. A server that ignores "dimensions" does so on every retry, so it is a
// permanent failure; storing such vectors would poison the store for every later run.
type wrongLengthError struct {
	index, got, want int
	asked            bool // want is the requested dimensions, not the first vector's length
}

func (e *wrongLengthError) Error() string {
	if e.asked {
		return fmt.Sprintf("vector %d has %d entries, %d were asked for (does the server ignore \"dimensions\"?)", e.index, e.got, e.want)
	}
	return fmt.Sprintf("vector %d has %d entries, vector 0 has %d", e.index, e.got, e.want)
}

// embedAnswer is what one successful embeddings call brings back.
type embedAnswer struct {
	vectors      [][]float32 // in input order
	promptTokens int
	model        string // as the server reported it
}

// callEmbeddings returns the function that makes one embeddings request for inputs and
// checks its answer. The vectors travel as JSON floats, the API's default: base64 is
// undocumented, and a server that ignored the format would make every answer unreadable.
func (c *Client) callEmbeddings(inputs []string, dims int) func(context.Context) (embedAnswer, error) {
	req := openai.EmbeddingRequestStrings{Input: inputs, Model: openai.EmbeddingModel(c.cfg.Model), Dimensions: dims}
	return func(ctx context.Context) (embedAnswer, error) {
		resp, err := c.api.CreateEmbeddings(ctx, req)
		if err != nil {
			return embedAnswer{}, err
		}
		vecs, err := inInputOrder(resp.Data, len(inputs), dims)
		return embedAnswer{vectors: vecs, promptTokens: resp.Usage.PromptTokens, model: string(resp.Model)}, err
	}
}

// inInputOrder returns the vectors of data ordered by their index, after checking that
// there is exactly one non-empty vector per input, each of length dims (when dims > 0) or
// all of one length.
func inInputOrder(data []openai.Embedding, n, dims int) ([][]float32, error) {
	if len(data) != n {
		return nil, fmt.Errorf("%w: %d vectors for %d inputs", errIncompleteEmbeddings, len(data), n)
	}
	out := make([][]float32, n)
	for _, d := range data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("%w: index %d is out of range or repeated", errIncompleteEmbeddings, d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, fmt.Errorf("%w: empty vector at index %d", errIncompleteEmbeddings, d.Index)
		}
		out[d.Index] = d.Embedding
	}
	want := dims
	if want == 0 && n > 0 {
		want = len(out[0])
	}
	for i, v := range out {
		if len(v) != want {
			return nil, &wrongLengthError{index: i, got: len(v), want: want, asked: dims > 0}
		}
	}
	return out, nil
}

// classifyEmbedding is classify, knowing the embedding answers' own defects.
func classifyEmbedding(err error) (transient bool, permanent *Failure) {
	var wrong *wrongLengthError
	switch {
	case errors.As(err, &wrong):
		return false, &Failure{Reason: ReasonBadEmbedding, Detail: wrong.Error()}
	case errors.Is(err, errIncompleteEmbeddings):
		return true, nil
	}
	return classify(err)
}

// withRetries makes call, retrying transient failures with the policy of Chat's send: the
// shared rate limits before every attempt, a concurrency slot and a deadline per attempt,
// backoff honouring Retry-After, 429s bounded by RateLimitPatience rather than MaxRetries.
// It is that loop for any call shape. On success the slot of the successful attempt is
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
		var retryAfter time.Duration
		var done func()
		ans, retryAfter, done, err = attemptInSlot(ctx, c, call)
		if err == nil {
			return ans, attempt, done, nil, nil
		}
		done()
		if ctx.Err() != nil {
			return ans, attempt, release, nil, ctx.Err()
		}
		transient, f := classifyErr(err)
		if !transient {
			return ans, attempt, release, f, nil
		}
		if rateLimited(err) {
			if time.Since(start) > c.cfg.RateLimitPatience {
				return ans, attempt, release, &Failure{Reason: ReasonGaveUp, Detail: fmt.Sprintf("still rate limited after %v: %v", c.cfg.RateLimitPatience, err)}, nil
			}
		} else if counted++; counted > c.cfg.MaxRetries {
			return ans, attempt, release, &Failure{Reason: ReasonGaveUp, Detail: err.Error()}, nil
		}
		select {
		case <-time.After(c.cfg.Backoff.Delay(attempt+1, retryAfter)):
		case <-ctx.Done():
			return ans, attempt, release, nil, ctx.Err()
		}
	}
}

// attemptInSlot makes one call while holding a concurrency slot, and returns the func
// that releases it: a call backing off does not hold one, so others keep the pipe full.
func attemptInSlot[T any](ctx context.Context, c *Client, call func(context.Context) (T, error)) (T, time.Duration, func(), error) {
	var zero T
	select {
	case c.slots <- struct{}{}:
	case <-ctx.Done():
		return zero, 0, func() {}, ctx.Err()
	}
	var once sync.Once
	release := func() { once.Do(func() { <-c.slots }) }
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	actx, retryAfter := withRetryAfterSlot(actx)
	ans, err := call(actx)
	return ans, *retryAfter, release, err
}
