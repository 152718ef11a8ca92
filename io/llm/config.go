package llm

import (
	"fmt"
	"time"
)

// Config says how to reach a model and how to treat it. It is serialized into DoFns, so
// it holds no secret: the API key is read where the Client is built (New, Preflight),
// from what APIKeySecret refers to.
type Config struct {
	BaseURL    string `json:"base_url"`    // "" = api.openai.com; e.g. http://localhost:8000/v1 for vLLM
	APIType    string `json:"api_type"`    // "openai" (default; also vLLM, Ollama, llama.cpp) or "azure"
	APIVersion string `json:"api_version"` // Azure only
	Model      string `json:"model"`
	// APIKeySecret says where the API key is read, on each worker and in the launcher: ""
	// = $OPENAI_API_KEY, env:NAME = the environment variable NAME, or a Secret Manager
	// version projects/P/secrets/S/versions/V (see ResolveKey). A reference, never the key.
	APIKeySecret string   `json:"api_key_secret,omitempty"`
	Sampling     Sampling `json:"sampling"`

	Timeout    time.Duration `json:"timeout"`     // deadline of one attempt
	MaxRetries int           `json:"max_retries"` // retries of transient failures per call, 429s aside
	// RateLimitPatience bounds how long a call keeps retrying 429s. A 429 storm is the
	// server asking for patience, not a broken request: counting it against MaxRetries
	// would dead-letter a whole batch during a provider's busy minute.
	RateLimitPatience time.Duration `json:"rate_limit_patience"`
	// MaxInFlight bounds the concurrent requests of the whole worker process, to every
	// model and endpoint together (a generator and a judge share it). When Clients in one
	// process are given different values, the largest holds for all of them.
	MaxInFlight int `json:"max_in_flight"`
	// GiveUpAfter is how long an endpoint may refuse every request of a worker process
	// (429s, 5xx, unreachable) before its calls fail the job (see throttle); 0: never.
	GiveUpAfter time.Duration `json:"give_up_after"`
	RPM         int           `json:"rpm"` // requests per minute per worker process; 0 = no limit
	TPM         int           `json:"tpm"` // tokens per minute per worker process; 0 = no limit
	Backoff     Backoff       `json:"backoff"`

	Store       string  `json:"store"`        // response store: local directory or gs:// prefix
	Offline     bool    `json:"offline"`      // answer from the store only; a miss fails the job
	StoreFsync  bool    `json:"store_fsync"`  // make stored answers survive a machine crash, not only a killed process (store.Options)
	Price       Price   `json:"price"`        // for cost accounting and MaxCost
	MaxRequests int64   `json:"max_requests"` // calls allowed to this run, all workers together (the ledger below Store); 0 = no cap
	MaxCost     float64 `json:"max_cost"`     // spend allowed to this run, all workers together; 0 = no cap
	RunID       string  `json:"run_id"`       // scopes the budget: its ledger is <Store>/_ledger/<RunID>.json
	// Batch sends a stage's store misses through the provider's Batch API before the
	// stage runs (see BatchConfig); off by default.
	Batch BatchConfig `json:"batch"`

	// Placeholder marks answers from the project's fake server, so that every output
	// built from them can say it holds placeholder text.
	Placeholder bool `json:"placeholder"`
}

// DefaultConfig returns the defaults that flags start from.
func DefaultConfig() Config {
	return Config{
		APIType:           "openai",
		Sampling:          Sampling{Temperature: 0.7, TopP: 1, MaxTokens: 256},
		Timeout:           60 * time.Second,
		MaxRetries:        8,
		RateLimitPatience: 15 * time.Minute,
		MaxInFlight:       32,
		GiveUpAfter:       10 * time.Minute,
		Backoff:           Backoff{Initial: 250 * time.Millisecond, Max: 30 * time.Second},
		Batch:             DefaultBatchConfig(),
	}
}

// Validate reports the first setting that cannot work.
func (c Config) Validate() error {
	switch {
	case c.Model == "":
		return fmt.Errorf("no model")
	case c.APIType != "openai" && c.APIType != "azure":
		return fmt.Errorf("api type %q is not openai or azure", c.APIType)
	case c.APIType == "azure" && (c.BaseURL == "" || c.APIVersion == ""):
		return fmt.Errorf("azure needs a base URL and an API version")
	case ValidateKeyRef(c.APIKeySecret) != nil:
		return ValidateKeyRef(c.APIKeySecret)
	case c.Timeout <= 0:
		return fmt.Errorf("timeout %v is not positive", c.Timeout)
	case c.MaxRetries < 0 || c.MaxInFlight <= 0 || c.RPM < 0 || c.TPM < 0 || c.GiveUpAfter < 0:
		return fmt.Errorf("retries, in-flight and rate limits must not be negative (in-flight at least 1)")
	case c.Sampling.MaxTokens <= 0:
		return fmt.Errorf("max tokens %d is not positive", c.Sampling.MaxTokens)
	case c.Backoff.Initial <= 0 || c.Backoff.Max < c.Backoff.Initial:
		return fmt.Errorf("backoff %v..%v is not a range", c.Backoff.Initial, c.Backoff.Max)
	case c.Store == "":
		return fmt.Errorf("no response store")
	case c.MaxRequests < 0 || c.MaxCost < 0 || c.Price.InputPerM < 0 || c.Price.OutputPerM < 0:
		return fmt.Errorf("budgets and prices must not be negative")
	case c.Batch.Enabled && c.Offline:
		return fmt.Errorf("the Batch API calls the model: it cannot be used offline")
	case c.Batch.Enabled:
		return c.Batch.validate()
	}
	return nil
}

// approxTokens estimates tokens from bytes, as a rate limiter and budget need before the
// server counts them: about 4 bytes a token for English, fewer tokens per byte for other
// scripts, so this errs towards reserving too much.
func approxTokens(messages []Message) int {
	n := 0
	for _, m := range messages {
		n += len(m.Content)/4 + 4
	}
	return n
}
