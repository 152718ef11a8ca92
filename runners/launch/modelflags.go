package launch

import (
	"flag"
	"fmt"
	"time"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/llm"
)

// ModelFlags are the model flags every pipeline shares: the endpoint, sampling, retries,
// limits, the response store, offline mode, prices and budgets. Each pipeline binds the
// model names it needs itself (--generator_model, --judge_model, --models).
type ModelFlags struct {
	baseURL, apiType, apiVersion    *string
	apiKeySecret                    *string
	temperature, topP               *float64
	maxTokens, maxRetries, inFlight *int
	rpm, tpm                        *int
	timeout, progressEvery, latency *time.Duration
	giveUpAfter                     *time.Duration
	store, price                    *string
	storeFsync, offline             *bool
	maxRequests                     *int64
	maxCost, maxFailureRate         *float64
	batchAPI                        *bool
	batchPrice, batchFallback       *string
	batchSize                       *int
	batchPoll, batchMaxWait         *time.Duration
}

// BindModelFlags binds the shared model flags to fs.
func BindModelFlags(fs *flag.FlagSet) *ModelFlags {
	d := llm.DefaultConfig()
	b := llm.DefaultBatchConfig()
	return &ModelFlags{
		baseURL:        fs.String("llm_base_url", "", "OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 or http://localhost:8000/v1 (vLLM); empty: the offline stand-in model, whose answers are placeholder text"),
		apiType:        fs.String("llm_api_type", d.APIType, `"openai" (also vLLM, Ollama, llama.cpp server) or "azure"`),
		apiVersion:     fs.String("llm_api_version", "", "Azure OpenAI API version"),
		apiKeySecret:   fs.String("api_key_secret", "", "where the API key is read, in the launcher and on every worker: a reference, never the key: empty = $OPENAI_API_KEY (local runs); env:NAME = the environment variable NAME (Flink: a Kubernetes Secret as env var); projects/P/secrets/S/versions/V = a Google Secret Manager version (Dataflow: the worker service account needs roles/secretmanager.secretAccessor)"),
		temperature:    fs.Float64("temperature", 0.7, "sampling temperature"),
		topP:           fs.Float64("top_p", float64(d.Sampling.TopP), "nucleus sampling top_p"),
		maxTokens:      fs.Int("max_tokens", d.Sampling.MaxTokens, "most tokens in an answer; an answer cut there is rejected as llm_truncated"),
		timeout:        fs.Duration("request_timeout", d.Timeout, "deadline of one request attempt"),
		maxRetries:     fs.Int("max_retries", d.MaxRetries, "retries of a request's transient failures (429, 5xx, timeouts, resets)"),
		inFlight:       fs.Int("max_in_flight", d.MaxInFlight, "most concurrent requests per worker process; each worker sends fewer while the endpoint answers 429 or 503, and widens again as answers come, so a fleet settles near the endpoint's capacity"),
		giveUpAfter:    fs.Duration("give_up_after", d.GiveUpAfter, "how long an endpoint may refuse every request of a worker (429, 5xx, unreachable) before the job fails, rather than stall and dead-letter everything (0: never)"),
		rpm:            fs.Int("rpm", 0, "requests per minute per worker process, not for the fleet: divide the provider's quota by the most workers, or leave 0 and let the adaptive in-flight window find the capacity (0: no limit)"),
		tpm:            fs.Int("tpm", 0, "tokens per minute per worker process, not for the fleet (see --rpm; 0: no limit)"),
		store:          fs.String("response_store", "", "response store, local directory or gs:// prefix (default: <output>/responses)"),
		storeFsync:     fs.Bool("store_fsync", false, "fsync every stored answer: survives a machine crash, not only a killed job, at a few ms per answer on local disk"),
		offline:        fs.Bool("offline", false, "answer from the response store only; a request it has no answer for fails the job"),
		price:          fs.String("price", "0,0", "price per 1M input tokens and per 1M output tokens, e.g. 0.15,0.60"),
		maxRequests:    fs.Int64("max_requests", 0, "stop calling the model after this many requests in the whole run, across all workers (leased from <response_store>/_ledger/<run_id>.json; 0: no cap)"),
		maxCost:        fs.Float64("max_cost", 0, "stop calling the model before this spend in the whole run, across all workers (leased from <response_store>/_ledger/<run_id>.json; 0: no cap)"),
		maxFailureRate: fs.Float64("max_failure_rate", 0.2, "a run in which more than this share of a model stage's calls failed for good ends as failed: no _SUCCESS, non-zero exit (its dead letters and stored answers stay for the re-run)"),
		progressEvery:  fs.Duration("progress_every", 30*time.Second, "how often to log progress of the model stages"),
		latency:        fs.Duration("estimate_latency", 2*time.Second, "the latency of one model call that --estimate's time assumes"),
		batchAPI:       fs.Bool("batch_api", false, "send each model stage's requests that the response store lacks as Batch API jobs (/v1/batches, answered within 24h at about half the price) before the stage runs, instead of online calls; a killed run polls its batches again when re-run"),
		batchPrice:     fs.String("batch_price", "", "price per 1M input and output tokens of batched requests, as --price (default: half of --price)"),
		batchSize:      fs.Int("batch_size", b.MaxItems, fmt.Sprintf("most requests in one batch (at most %d)", llm.MaxBatchItems)),
		batchFallback:  fs.String("batch_fallback", b.Fallback, "what becomes of a request a batch did not answer (an item that failed, a batch that expired): online (asked online in the stage) or dead_letter (rejected as "+llm.ReasonBatchFailed+")"),
		batchPoll:      fs.Duration("batch_poll", b.Poll.Max, "the longest wait between two polls of a running batch"),
		batchMaxWait:   fs.Duration("batch_max_wait", 0, "how long a stage waits for its batches before the job fails, leaving them recorded for the next run of the same job to poll (0: until they end, at most the provider's 24h)"),
	}
}

// Config returns the model configuration the flags say, for model (the pipeline's own
// flag; "" with no --llm_base_url means the stand-in's model) in the run that writes to
// output. With no --llm_base_url it is the offline stand-in (llm.StandInURL), which
// every worker serves for itself and whose answers are placeholder text.
func (m *ModelFlags) Config(model, output string, run Run) (llm.Config, error) {
	c := llm.DefaultConfig()
	c.BaseURL, c.APIType, c.APIVersion, c.Model = *m.baseURL, *m.apiType, *m.apiVersion, model
	if err := llm.ValidateKeyRef(*m.apiKeySecret); err != nil {
		return c, fmt.Errorf("--api_key_secret: %v", err)
	}
	c.APIKeySecret = *m.apiKeySecret
	c.Sampling = llm.Sampling{Temperature: float32(*m.temperature), TopP: float32(*m.topP), MaxTokens: *m.maxTokens}
	c.Timeout, c.MaxRetries, c.MaxInFlight, c.RPM, c.TPM = *m.timeout, *m.maxRetries, *m.inFlight, *m.rpm, *m.tpm
	c.GiveUpAfter = *m.giveUpAfter
	c.Store, c.StoreFsync, c.Offline = *m.store, *m.storeFsync, *m.offline
	c.MaxRequests, c.MaxCost, c.RunID = *m.maxRequests, *m.maxCost, run.ID
	var err error
	if c.Price, err = ParsePrice(*m.price); err != nil {
		return c, err
	}
	if c.Store == "" {
		c.Store = fsx.Join(output, "responses")
	}
	if c.Batch, err = m.batch(c.Price); err != nil {
		return c, err
	}
	if c.BaseURL == "" {
		c.BaseURL, c.Placeholder = llm.StandInURL, true
		if c.Model == "" {
			c.Model = llm.StandInModel
		}
	}
	return c, nil
}

// batch is the Batch API's configuration the flags say, for a model priced online at
// price.
func (m *ModelFlags) batch(price llm.Price) (llm.BatchConfig, error) {
	b := llm.DefaultBatchConfig()
	b.Enabled, b.MaxItems, b.Fallback = *m.batchAPI, *m.batchSize, *m.batchFallback
	b.Poll.Max, b.MaxWait = *m.batchPoll, *m.batchMaxWait
	b.Poll.Initial = min(b.Poll.Initial, b.Poll.Max)
	b.Price = llm.Price{InputPerM: price.InputPerM / 2, OutputPerM: price.OutputPerM / 2}
	if *m.batchPrice != "" {
		p, err := ParsePrice(*m.batchPrice)
		if err != nil {
			return b, fmt.Errorf("--batch_price: %v", err)
		}
		b.Price = p
	}
	switch {
	case !b.Enabled:
		return b, nil
	case *m.offline:
		return b, fmt.Errorf("--batch_api sends requests to the model; it cannot be used with --offline")
	case b.MaxItems < 1 || b.MaxItems > llm.MaxBatchItems:
		return b, fmt.Errorf("--batch_size=%d: want 1 to %d", b.MaxItems, llm.MaxBatchItems)
	case b.Fallback != llm.FallbackOnline && b.Fallback != llm.FallbackDeadLetter:
		return b, fmt.Errorf("--batch_fallback=%q: want %s or %s", b.Fallback, llm.FallbackOnline, llm.FallbackDeadLetter)
	case b.Poll.Max <= 0:
		return b, fmt.Errorf("--batch_poll=%v: want a positive duration", b.Poll.Max)
	case b.MaxWait < 0:
		return b, fmt.Errorf("--batch_max_wait=%v: want 0 or a positive duration", b.MaxWait)
	}
	return b, nil
}

// Batched reports whether the flags send the model stages' requests through the Batch
// API (--batch_api).
func (m *ModelFlags) Batched() bool { return *m.batchAPI }

// APIKeySecret is --api_key_secret: the reference the API key is read from.
func (m *ModelFlags) APIKeySecret() string { return *m.apiKeySecret }

// StandIn reports whether the flags chose the offline stand-in (no --llm_base_url).
func (m *ModelFlags) StandIn() bool { return *m.baseURL == "" }

// MaxFailureRate is the share of a model stage's calls that may fail for good before the
// run counts as failed.
func (m *ModelFlags) MaxFailureRate() float64 { return *m.maxFailureRate }

// EstimateLatency is the latency of one call that --estimate's time assumes.
func (m *ModelFlags) EstimateLatency() time.Duration { return *m.latency }

// ProgressEvery is how often the model stages log their progress.
func (m *ModelFlags) ProgressEvery() time.Duration { return *m.progressEvery }

// String names the endpoint for messages.
func (m *ModelFlags) String() string {
	if m.StandIn() {
		return fmt.Sprintf("the offline stand-in (%s)", llm.StandInURL)
	}
	return *m.baseURL
}

// OperationalModelSettings name the llm.Config fields (by their JSON names) that change
// how a run calls its models but not what it asks them: where the key, the store and
// the ledger are, limits, retries, timeouts, prices and budgets. A version's config
// hash (versions.ConfigHash) leaves them out, so that a faster or cheaper re-run of the
// same job has the same hash.
var OperationalModelSettings = []string{"api_key_secret", "timeout", "max_retries", "rate_limit_patience", "max_in_flight",
	"give_up_after", "rpm", "tpm", "backoff", "store", "store_fsync", "offline", "price", "max_requests", "max_cost", "run_id"}
