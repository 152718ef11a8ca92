package llm

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/io/llm/store"
)

// APIKeyEnv is the environment variable the API key is read from.
const APIKeyEnv = "OPENAI_API_KEY"

// Client calls one model. It is safe for concurrent use; build one per DoFn instance in
// Setup, and Close it in Teardown.
type Client struct {
	cfg    Config
	api    *openai.Client
	store  store.Store
	limits *limits
	budget *budget
	// throttle adapts the requests in flight to the endpoint and model, and stops the
	// job when it refuses everything: shared by the process's Clients of that endpoint
	throttle *throttle
	slots    *slots   // shared by every Client of the process
	redact   redactor // built from the key: every Failure, error and log line goes through it
	// progress counts retries as they happen (ReportTo); nil: none
	progress *Progress
	// batchFailed holds the requests the stage's batches did not answer (UseBatchFailures)
	batchFailed atomic.Pointer[map[string]BatchFailure]
}

// New builds a Client for cfg, reading the API key cfg.APIKeySecret refers to (see
// ResolveKey). New runs in a DoFn's Setup, on the worker: a key that cannot be read there
// fails Setup, and with it the bundle and the job, rather than every call failing with
// a 401 that would dead-letter every record.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("llm: %v", err)
	}
	if IsStandIn(cfg.BaseURL) {
		cfg.Placeholder = true
	}
	key, err := workerKey(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("llm: the key could not be read on the worker: %v", err)
	}
	api, err := newAPI(cfg, key)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenWith(ctx, cfg.Store, store.Options{Fsync: cfg.StoreFsync})
	if err != nil {
		return nil, fmt.Errorf("llm: opening the response store: %v", err)
	}
	c := &Client{
		cfg:    cfg,
		api:    api,
		store:  st,
		limits: sharedLimits(cfg.BaseURL, cfg.Model, cfg.RPM, cfg.TPM),
		budget: sharedBudget(cfg.Store, cfg.RunID, cfg.MaxRequests, cfg.MaxCost),
		slots:  sharedSlots(cfg.MaxInFlight),
		redact: newRedactor(key),
	}
	c.throttle = sharedThrottle(redactedURL(c.endpoint())+" model "+cfg.Model, cfg.MaxInFlight, cfg.GiveUpAfter)
	return c, nil
}

// workerKey resolves cfg's key, unless cfg never calls a model (the stand-in, offline
// mode), which needs none: a worker without access to the secret can still replay a
// store.
func workerKey(ctx context.Context, cfg Config) (string, error) {
	if cfg.Offline || IsStandIn(cfg.BaseURL) {
		return "", nil
	}
	return ResolveKey(ctx, cfg.APIKeySecret)
}

// endpoint names where answers come from, for the stored entries: the base URL without
// its query (which some gateways use for keys), or the stand-in.
func (c *Client) endpoint() string {
	if c.cfg.Placeholder {
		return StandInURL
	}
	u, _, _ := strings.Cut(c.cfg.BaseURL, "?")
	if u == "" {
		return "https://api.openai.com/v1"
	}
	return u
}

// ReportTo makes c count its calls' retries, and the calls waiting to retry, in p as
// they happen, and report a stage stalled by rate limits (see Progress). Call it before
// the calls start.
func (c *Client) ReportTo(p *Progress) { c.progress = p }

// Close gives the budget this process leased and did not spend back to the run's ledger,
// and releases the store.
func (c *Client) Close() error {
	c.budget.giveBack(context.Background())
	return c.store.Close()
}

// Config returns the client's configuration.
func (c *Client) Config() Config { return c.cfg }

var (
	httpMu sync.Mutex
	httpT  *http.Transport
)

// sharedTransport keeps enough idle connections for the requests in flight: the default
// two per host would make most requests open a new connection.
func sharedTransport(inFlight int) *http.Transport {
	httpMu.Lock()
	defer httpMu.Unlock()
	if httpT == nil {
		httpT = http.DefaultTransport.(*http.Transport).Clone()
	}
	httpT.MaxIdleConnsPerHost = max(httpT.MaxIdleConnsPerHost, 2*inFlight)
	httpT.MaxIdleConns = max(httpT.MaxIdleConns, 4*inFlight)
	return httpT
}

// ChatRequest is one chat call.
type ChatRequest struct {
	Template  string    // id@version of the prompt template, part of the key
	Messages  []Message //
	Candidate int       // candidate index: distinct candidates are distinct requests
	// Schema, when set, asks for JSON conforming to it (structured output, where the
	// server supports it).
	Schema     json.RawMessage
	SchemaName string
}

// Reply is a usable answer.
type Reply struct {
	Content          string
	PromptTokens     int
	CompletionTokens int
	Cached           bool // from the store: no call was made
	Attempts         int  // HTTP requests made for it (0: none, from the store or refused by the budget)
	Retries          int  // transient failures retried before this answer
	Placeholder      bool // from the project's fake server
	Key              string
}

func (c *Client) key(r ChatRequest) string {
	return keyMaterial{Kind: "chat", Model: c.cfg.Model, Template: r.Template, Messages: r.Messages,
		Sampling: c.cfg.Sampling, Schema: r.Schema, Candidate: r.Candidate, StandIn: c.cfg.Placeholder}.key()
}

// Chat returns the model's answer to r: from the store when it has one, otherwise from
// the model, stored before Chat returns. A *Failure (see AsFailure) means the element
// should be dead-lettered; any other error is a failure of the job's environment (the
// store, offline mode) and should fail the bundle. Neither holds the API key, nor any
// credential a server echoed.
func (c *Client) Chat(ctx context.Context, r ChatRequest) (reply Reply, f *Failure, err error) {
	defer func() { f, err = c.redact.failure(f), c.redact.error(err) }()
	key := c.key(r)
	if e, ok, err := c.store.Get(ctx, key); err != nil && !(store.IsCorrupt(err) && !c.cfg.Offline) {
		return Reply{}, nil, fmt.Errorf("llm: reading the response store: %v", err)
	} else if err != nil {
		// Only a machine crash mid-write (without --store_fsync) or a damaged disk makes a
		// corrupt entry: ask again, and the new answer replaces it.
		slog.Warn("llm: corrupt response store entry; asking the model again", "error", c.redact.string(err.Error()))
	} else if ok && e.Placeholder == c.cfg.Placeholder {
		if bad := unusableChat(e); bad == "" {
			reply, f := c.replyFrom(e, true, 0)
			return reply, f, nil
		} else if c.cfg.Offline {
			return Reply{}, nil, fmt.Errorf("llm: offline, and the response store %s has an unusable entry for request %s (%s; template %s, model %s): run once online to replace it",
				c.cfg.Store, key, bad, r.Template, c.cfg.Model)
		} else {
			// Parsed, but no answer in it: a store written by an older version, or by hand.
			// Trusting it would dead-letter the element on every run without asking again.
			slog.Warn("llm: unusable response store entry; asking the model again", "key", key, "problem", bad)
		}
	}
	if c.cfg.Offline {
		return Reply{}, nil, fmt.Errorf("llm: offline, and the response store %s has no answer for request %s (template %s, model %s): run once online, or point --response_store at the store that has it",
			c.cfg.Store, key[:16], r.Template, c.cfg.Model)
	}
	if f := c.batchFailure(key); f != nil {
		return Reply{}, f, nil
	}
	promptTokens := approxTokens(r.Messages)
	worst := c.cfg.Price.Cost(promptTokens, c.cfg.Sampling.MaxTokens)
	if err := c.budget.reserve(ctx, worst); err != nil {
		if f, ok := AsFailure(err); ok {
			return Reply{}, f, nil
		}
		return Reply{}, nil, err
	}
	resp, retries, release, f, err := c.send(ctx, r, promptTokens)
	// The slot is held until the answer is stored: a SIGKILL loses at most the calls in
	// flight, counting those whose answer is on its way to the store.
	defer release()
	if err != nil || f != nil {
		c.budget.settle(worst, 0)
		if f != nil {
			f.Detail = fmt.Sprintf("%s (after %d retries)", f.Detail, retries)
		}
		return Reply{Attempts: retries + 1, Retries: retries}, f, err
	}
	e := c.entry(key, r.Template, resp)
	c.budget.settle(worst, c.cfg.Price.Cost(e.PromptTokens, e.CompletionTokens))
	// Stored before anything else happens to it: from here on, no retry, re-run or crash
	// pays for this answer again.
	if err := c.store.Put(ctx, e); err != nil {
		return Reply{}, nil, fmt.Errorf("llm: writing the response store: %v", err)
	}
	reply, f = c.replyFrom(e, false, retries)
	reply.Attempts = retries + 1
	return reply, f, nil
}

// entry is the store entry of an answer to the request with key, online or batched alike.
func (c *Client) entry(key, template string, resp openai.ChatCompletionResponse) store.Entry {
	e := store.Entry{Key: key, Model: c.cfg.Model, ResponseModel: resp.Model, Template: template,
		PromptTokens: resp.Usage.PromptTokens, CompletionTokens: resp.Usage.CompletionTokens,
		CreatedAt: time.Now().UTC(), Placeholder: c.cfg.Placeholder, Endpoint: c.endpoint()}
	for _, ch := range resp.Choices {
		e.Content = append(e.Content, c.redact.stored(ch.Message.Content))
		e.FinishReason = append(e.FinishReason, string(ch.FinishReason))
	}
	return e
}

// unusableChat says what makes a stored chat entry unusable, or "" if nothing does: no
// content, finish reasons that do not pair with the contents, or an empty first answer
// that was not cut (by max_tokens or a content filter, which are failures worth keeping).
func unusableChat(e store.Entry) string {
	switch {
	case len(e.Content) == 0:
		return "no content"
	case len(e.FinishReason) != len(e.Content):
		return fmt.Sprintf("%d finish reasons for %d contents", len(e.FinishReason), len(e.Content))
	case e.Content[0] == "" && e.FinishReason[0] != string(openai.FinishReasonLength) && e.FinishReason[0] != string(openai.FinishReasonContentFilter):
		return fmt.Sprintf("empty content with finish_reason %q", e.FinishReason[0])
	}
	return ""
}

// replyFrom turns a stored entry into a reply, or into the failure it records: an
// answer cut by max_tokens or refused by a content filter is stored too (it was paid
// for), and is the same failure on every run.
func (c *Client) replyFrom(e store.Entry, cached bool, retries int) (Reply, *Failure) {
	reply := Reply{PromptTokens: e.PromptTokens, CompletionTokens: e.CompletionTokens, Cached: cached,
		Retries: retries, Placeholder: e.Placeholder, Key: e.Key}
	if len(e.Content) == 0 {
		return reply, &Failure{Reason: ReasonEmptyAnswer, Detail: "no choices"}
	}
	reply.Content = e.Content[0]
	switch e.FinishReason[0] {
	case string(openai.FinishReasonLength):
		return reply, &Failure{Reason: ReasonTruncated, Detail: fmt.Sprintf("cut at max_tokens=%d", c.cfg.Sampling.MaxTokens)}
	case string(openai.FinishReasonContentFilter):
		return reply, &Failure{Reason: ReasonContentFilter, Detail: "finish_reason content_filter"}
	}
	if reply.Content == "" {
		return reply, &Failure{Reason: ReasonEmptyAnswer, Detail: "empty content"}
	}
	return reply, nil
}

func (c *Client) request(r ChatRequest) openai.ChatCompletionRequest {
	req := openai.ChatCompletionRequest{
		Model:       c.cfg.Model,
		Temperature: c.cfg.Sampling.Temperature,
		TopP:        c.cfg.Sampling.TopP,
		MaxTokens:   c.cfg.Sampling.MaxTokens,
	}
	for _, m := range r.Messages {
		req.Messages = append(req.Messages, openai.ChatCompletionMessage{Role: m.Role, Content: m.Content})
	}
	if r.Candidate > 0 {
		// Distinct candidates must be distinct requests to the server too: a seed per
		// candidate varies a sampling server's answer and a caching proxy's key.
		seed := r.Candidate
		req.Seed = &seed
	}
	if len(r.Schema) > 0 {
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: r.SchemaName, Schema: r.Schema, Strict: true},
		}
	}
	return req
}

// send makes the call, retrying transient failures (withRetries). On success the
// concurrency slot of the successful attempt is still held: the caller releases it when
// it is done with the answer. release is never nil.
func (c *Client) send(ctx context.Context, r ChatRequest, promptTokens int) (resp openai.ChatCompletionResponse, retries int, release func(), f *Failure, err error) {
	req := c.request(r)
	return withRetries(ctx, c, promptTokens+c.cfg.Sampling.MaxTokens, func(actx context.Context) (openai.ChatCompletionResponse, error) {
		resp, err := c.api.CreateChatCompletion(actx, req)
		if err == nil && len(resp.Choices) == 0 {
			err = errEmptyAnswer
		}
		return resp, err
	}, classify)
}

// Estimate says what Chat(r) would cost without calling anything: whether the store
// already has the answer, and if not, the prompt's approximate tokens and the answer's
// most (max_tokens).
func (c *Client) Estimate(ctx context.Context, r ChatRequest) (cached bool, promptTokens, maxCompletionTokens int, err error) {
	if e, ok, err := c.store.Get(ctx, c.key(r)); err != nil {
		return false, 0, 0, fmt.Errorf("llm: reading the response store: %v", err)
	} else if ok && e.Placeholder == c.cfg.Placeholder && unusableChat(e) == "" {
		return true, 0, 0, nil
	}
	return false, approxTokens(r.Messages), c.cfg.Sampling.MaxTokens, nil
}
