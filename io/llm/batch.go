package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/io/llm/store"
)

// The provider's Batch API (OpenAI's /v1/files and /v1/batches) answers requests sent as
// a file within 24 hours, at about half the online price. A stage that uses it sends its
// store misses as batches before it runs (BatchItem, SubmitBatches, AwaitBatch,
// HarvestBatch), and each answer is stored under the key the online call would have
// used, as the online call would store it: the stage then finds every answer in the
// store, and a later run, online or offline, cannot tell a batch answer from an online one.
//
// A batch is recorded in a manifest below the response store, <store>/_batches/pending/,
// before its file is uploaded and again as soon as the provider names it, so that a job
// killed while its batches run polls the same batches when it is run again rather than
// paying for their requests twice (SubmitBatches adopts them). Once its answers are
// stored the manifest moves to <store>/_batches/done/.

// Fallbacks for the requests a batch did not answer (BatchConfig.Fallback).
const (
	FallbackOnline     = "online"      // the stage asks online
	FallbackDeadLetter = "dead_letter" // the stage dead-letters them as ReasonBatchFailed
)

// ReasonBatchFailed is the dead-letter reason of a request that a batch did not answer
// (the item failed, or the batch expired, was cancelled or failed) under
// FallbackDeadLetter.
const ReasonBatchFailed = "llm_batch_failed"

// The usage counters of a stage's batches, per language, beside a Worker's (under the
// same UsageKeys scheme): requests sent in batches, those the batches did not answer,
// tokens as the provider counted them, and the cost at the batch price in 1e-9 currency
// units (counts are integers; the ledger keeps costs the same way).
const (
	CountBatchRequests         = "batch_requests"
	CountBatchFailures         = "batch_failures"
	CountBatchPromptTokens     = "batch_prompt_tokens"
	CountBatchCompletionTokens = "batch_completion_tokens"
	CountBatchCostNanos        = "batch_cost_nanos"
)

// MaxBatchItems is the most requests OpenAI takes in one batch (and at most 200 MB).
const MaxBatchItems = 50000

// batchWindow is the completion window batches ask for: the only one OpenAI offers.
const batchWindow = "24h"

// BatchConfig configures the Batch API for a stage's store misses. The zero value is
// off: every call is online.
type BatchConfig struct {
	Enabled bool `json:"enabled"`
	// Price is what a batched call costs, for the budget and the reports.
	Price Price `json:"price"`
	// MaxItems is the most requests in one batch.
	MaxItems int `json:"max_items"`
	// Poll is how often a running batch is polled: from Initial, doubling up to Max.
	Poll Backoff `json:"poll"`
	// MaxWait bounds how long a batch is awaited (0: until it ends, which the provider
	// makes at most its 24h window). A batch still running then fails the job; it stays
	// recorded below the store, and the same job run again later polls it again.
	MaxWait time.Duration `json:"max_wait"`
	// Fallback is what becomes of a request the batch did not answer for a transient
	// reason: FallbackOnline or FallbackDeadLetter. A request the provider refused as
	// wrong (a 4xx, say context_length_exceeded) is dead-lettered with that failure's
	// reason either way: asking online would be refused the same way.
	Fallback string `json:"fallback"`
}

// DefaultBatchConfig is the Batch API's configuration when it is turned on with no
// more said.
func DefaultBatchConfig() BatchConfig {
	return BatchConfig{MaxItems: 10000, Poll: Backoff{Initial: 15 * time.Second, Max: 2 * time.Minute}, Fallback: FallbackOnline}
}

func (b BatchConfig) validate() error {
	switch {
	case b.MaxItems < 1 || b.MaxItems > MaxBatchItems:
		return fmt.Errorf("batch size %d: want 1 to %d", b.MaxItems, MaxBatchItems)
	case b.MaxWait < 0:
		return fmt.Errorf("batch wait %v is negative", b.MaxWait)
	case b.Poll.Initial <= 0 || b.Poll.Max < b.Poll.Initial:
		return fmt.Errorf("batch polling %v..%v is not a range", b.Poll.Initial, b.Poll.Max)
	case b.Fallback != FallbackOnline && b.Fallback != FallbackDeadLetter:
		return fmt.Errorf("batch fallback %q: want %s or %s", b.Fallback, FallbackOnline, FallbackDeadLetter)
	case b.Price.InputPerM < 0 || b.Price.OutputPerM < 0:
		return fmt.Errorf("the batch price must not be negative")
	}
	return nil
}

// Key returns the response store's key of r: what the store holds r's answer under,
// and a batch's custom_id for it.
func (c *Client) Key(r ChatRequest) string { return c.key(r) }

// stored reports whether the store holds a usable answer under key, as Chat would use
// it. A corrupt entry is none: Chat asks again and replaces it.
func (c *Client) stored(ctx context.Context, key string) (bool, error) {
	e, ok, err := c.store.Get(ctx, key)
	if err != nil && store.IsCorrupt(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("llm: reading the response store: %v", err)
	}
	return ok && e.Placeholder == c.cfg.Placeholder && unusableChat(e) == "", nil
}

// BatchItem is one request of a batch, as SubmitBatches takes it.
type BatchItem struct {
	Key      string `json:"key"`
	Template string `json:"template"`
	Lang     string `json:"lang"` // what the caller counts the request's usage under
	// Line is the request's line of the batch's input file: custom_id is Key, and the
	// body is the request Chat would send.
	Line         []byte `json:"line"`
	PromptTokens int    `json:"prompt_tokens"` // approximate, for the budget's reservation
}

// BatchItem returns r as an item of a batch, counted under lang, and whether it needs
// one: false when the store already holds a usable answer.
func (c *Client) BatchItem(ctx context.Context, lang string, r ChatRequest) (item BatchItem, need bool, err error) {
	key := c.key(r)
	if ok, err := c.stored(ctx, key); err != nil || ok {
		return BatchItem{}, false, err
	}
	line, err := json.Marshal(openai.BatchChatCompletionRequest{CustomID: key, Method: http.MethodPost,
		URL: openai.BatchEndpointChatCompletions, Body: c.request(r)})
	if err != nil {
		return BatchItem{}, false, fmt.Errorf("llm: encoding a batch line: %v", err)
	}
	return BatchItem{Key: key, Template: r.Template, Lang: lang, Line: line, PromptTokens: approxTokens(r.Messages)}, true, nil
}

// BatchFailure is a request a batch did not answer, and why.
type BatchFailure struct {
	Key    string `json:"key"`
	Reason string `json:"reason"` // the dead-letter reason: ReasonBatchFailed, or a permanent failure's own
	Detail string `json:"detail"`
	// Permanent says the provider refused the request itself (a 4xx): asking again,
	// online, would be refused the same way.
	Permanent bool `json:"permanent"`
}

// UseBatchFailures makes Chat answer the requests a stage's batches did not answer as
// their failures say, when the store has no answer for them: a permanent failure is the
// call's Failure at once; any other falls back to an online call, or under
// FallbackDeadLetter is a ReasonBatchFailed Failure. Call it before the calls start.
func (c *Client) UseBatchFailures(failures map[string]BatchFailure) {
	c.batchFailed.Store(&failures)
}

// batchFailure is the Failure Chat returns for a store miss of key instead of calling,
// or nil when it should call.
func (c *Client) batchFailure(key string) *Failure {
	m := c.batchFailed.Load()
	if m == nil {
		return nil
	}
	bf, ok := (*m)[key]
	switch {
	case !ok:
		return nil
	case bf.Permanent:
		return &Failure{Reason: bf.Reason, Detail: "in a batch: " + bf.Detail}
	case c.cfg.Batch.Fallback == FallbackDeadLetter:
		return &Failure{Reason: ReasonBatchFailed, Detail: bf.Detail}
	}
	return nil
}
