package openai

import (
	"sync/atomic"

	"github.com/xinstruct/xinstruct/io/llm"
)

// Usage counts what an Embedder's calls took since New. A DoFn that wants per-bundle
// counters takes Usage at the start and end of the bundle and emits the difference (Sub).
type Usage struct {
	Texts        int64 `json:"texts"`         // texts asked for, empty ones included
	Cached       int64 `json:"cached"`        // texts answered from the response store
	Requests     int64 `json:"requests"`      // embedding requests sent: batches with a text the store lacked
	Attempts     int64 `json:"attempts"`      // HTTP requests, retries included
	PromptTokens int64 `json:"prompt_tokens"` // as the server counted them
	Failed       int64 `json:"failed"`        // batches that came back as an error
	Sent         int64 `json:"sent"`          // distinct texts sent to the server
	// SavedPromptTokens adds up the prompt tokens the texts answered from the store
	// took when they were asked
	SavedPromptTokens int64 `json:"saved_prompt_tokens"`
}

// Sub returns u - v, field by field.
func (u Usage) Sub(v Usage) Usage {
	return Usage{
		Texts:        u.Texts - v.Texts,
		Cached:       u.Cached - v.Cached,
		Requests:     u.Requests - v.Requests,
		Attempts:     u.Attempts - v.Attempts,
		PromptTokens: u.PromptTokens - v.PromptTokens,
		Failed:       u.Failed - v.Failed,
		Sent:         u.Sent - v.Sent,

		SavedPromptTokens: u.SavedPromptTokens - v.SavedPromptTokens,
	}
}

// usageCounter is Usage for concurrent batches.
type usageCounter struct {
	texts, cached, requests, attempts, promptTokens, failed atomic.Int64
	sent, savedPromptTokens                                 atomic.Int64
}

// addBatch counts one batch's reply; failed says whether it came back as an error.
func (c *usageCounter) addBatch(r llm.EmbedReply, failed bool) {
	c.cached.Add(int64(r.Cached))
	if r.Attempts > 0 {
		c.requests.Add(1)
	}
	c.attempts.Add(int64(r.Attempts))
	c.promptTokens.Add(int64(r.PromptTokens))
	c.sent.Add(int64(r.Sent))
	c.savedPromptTokens.Add(int64(r.SavedPromptTokens))
	if failed {
		c.failed.Add(1)
	}
}

// add adds u.
func (c *usageCounter) add(u Usage) {
	c.texts.Add(u.Texts)
	c.cached.Add(u.Cached)
	c.requests.Add(u.Requests)
	c.attempts.Add(u.Attempts)
	c.promptTokens.Add(u.PromptTokens)
	c.failed.Add(u.Failed)
	c.sent.Add(u.Sent)
	c.savedPromptTokens.Add(u.SavedPromptTokens)
}

func (c *usageCounter) load() Usage {
	return Usage{
		Texts:        c.texts.Load(),
		Cached:       c.cached.Load(),
		Requests:     c.requests.Load(),
		Attempts:     c.attempts.Load(),
		PromptTokens: c.promptTokens.Load(),
		Failed:       c.failed.Load(),
		Sent:         c.sent.Load(),

		SavedPromptTokens: c.savedPromptTokens.Load(),
	}
}
