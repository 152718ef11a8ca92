package llm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	openai "github.com/sashabaranov/go-openai"
)

// Probe says what a pre-flight call exercises: a chat completion or an embedding.
type Probe int

const (
	ProbeChat Probe = iota
	ProbeEmbedding
)

// Preflight makes one small real call to cfg's model, outside the store, the budget and
// the retries, so that a job launched against a wrong endpoint fails in seconds with a
// hint instead of dead-lettering every record. The stand-in and offline mode need no
// call and pass. The error names the endpoint and model and, for the usual mistakes
// (no /v1 in the base URL, a missing or refused key, an unknown model, nothing
// listening), says what to change.
func Preflight(ctx context.Context, cfg Config, probe Probe) error {
	if cfg.Offline {
		return nil
	}
	key, err := workerKey(ctx, cfg)
	if err != nil {
		return fmt.Errorf("model %q at %s: the key could not be read in the launcher: %v", cfg.Model, displayURL(cfg.BaseURL), err)
	}
	c, err := newAPI(cfg, key)
	if err != nil {
		return err
	}
	timeout := cfg.Timeout
	if timeout <= 0 || timeout > 30*time.Second {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch probe {
	case ProbeEmbedding:
		_, err = c.CreateEmbeddings(ctx, openai.EmbeddingRequestStrings{Input: []string{"pre-flight"}, Model: openai.EmbeddingModel(cfg.Model)})
	default:
		_, err = c.CreateChatCompletion(ctx, openai.ChatCompletionRequest{Model: cfg.Model, MaxTokens: 1,
			Messages: []openai.ChatCompletionMessage{{Role: "user", Content: "Reply with OK."}}})
	}
	if err == nil && cfg.Batch.Enabled && probe == ProbeChat {
		// vLLM and most local servers serve no Batch API: say so now, not after the
		// first stage has been ingested.
		limit := 1
		if _, berr := c.ListBatch(ctx, nil, &limit); berr != nil {
			return newRedactor(key).error(fmt.Errorf("%s does not offer the Batch API (GET /v1/batches: %s): drop --batch_api, or point --llm_base_url at a provider that has it",
				displayURL(cfg.BaseURL), firstLine(berr.Error(), 200)))
		}
	}
	if err == nil {
		return nil
	}
	return newRedactor(key).error(fmt.Errorf("model %q at %s: %s", cfg.Model, displayURL(cfg.BaseURL), preflightHint(cfg, key, err)))
}

// newAPI builds the go-openai client of cfg with key (resolved by ResolveKey), the
// stand-in served in this process.
func newAPI(cfg Config, key string) (*openai.Client, error) {
	var ocfg openai.ClientConfig
	if cfg.APIType == "azure" {
		ocfg = openai.DefaultAzureConfig(key, cfg.BaseURL)
		ocfg.APIVersion = cfg.APIVersion
	} else {
		ocfg = openai.DefaultConfig(key)
		if cfg.BaseURL != "" {
			ocfg.BaseURL = cfg.BaseURL
		}
	}
	var base http.RoundTripper = sharedTransport(max(1, cfg.MaxInFlight))
	if IsStandIn(cfg.BaseURL) {
		base, ocfg.BaseURL = standInTransport(), "http://stand-in.invalid/v1"
	}
	ocfg.HTTPClient = &http.Client{Transport: retryAfterTransport{base: base}}
	return openai.NewClientWithConfig(ocfg), nil
}

func displayURL(baseURL string) string { return redactedURL(baseURL) }

// preflightHint turns a failed pre-flight call into one line that says what to change.
// It never repeats the server's body for auth errors: some echo the key.
func preflightHint(cfg Config, key string, err error) string {
	status, code := 0, ""
	var apiErr *openai.APIError
	var reqErr *openai.RequestError
	switch {
	case errors.As(err, &apiErr):
		status, code = apiErr.HTTPStatusCode, fmt.Sprint(apiErr.Code)
	case errors.As(err, &reqErr):
		status = reqErr.HTTPStatusCode
	}
	src := KeySource(cfg.APIKeySecret)
	keyState := fmt.Sprintf("%s is unset in this process", src)
	if key != "" {
		keyState = fmt.Sprintf("the key from %s in this process has %d characters", src, len(key))
	}
	var dnsErr *net.DNSError
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Sprintf("HTTP %d: the endpoint refused the API key; it is read from %s (--api_key_secret), in the launcher for this check and on every worker for the job; %s", status, src, keyState)
	case status == http.StatusNotFound && (code == "model_not_found" || !needsV1(cfg)):
		return fmt.Sprintf("HTTP 404: the endpoint does not know model %q (check --generator_model, --judge_model, --embedding_model, or the server's /v1/models)", cfg.Model)
	case status == http.StatusNotFound:
		return fmt.Sprintf("HTTP 404: nothing is served at this path; OpenAI-compatible servers answer under /v1: try --llm_base_url=%s/v1", strings.TrimRight(displayURL(cfg.BaseURL), "/"))
	case status == http.StatusTooManyRequests:
		return "HTTP 429: the endpoint is rate limiting or out of quota already; check the account's limits, or lower --max_in_flight and --rpm"
	case status != 0:
		return fmt.Sprintf("HTTP %d: %s", status, firstLine(err.Error(), 200))
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused: nothing listens there; is the server running, and are the host and port right?"
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("the host %q does not resolve", dnsErr.Name)
	case errors.Is(err, context.DeadlineExceeded):
		return "no answer within the pre-flight's deadline; is the endpoint reachable from here? (--skip_preflight when only the workers can reach it)"
	}
	return firstLine(err.Error(), 200)
}

// needsV1 reports whether cfg's base URL looks like an OpenAI-compatible server given
// without its /v1 path, the most common cause of a 404.
func needsV1(cfg Config) bool {
	if cfg.APIType == "azure" || cfg.BaseURL == "" || IsStandIn(cfg.BaseURL) {
		return false
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil {
		return false
	}
	return !strings.Contains(u.Path, "/v1")
}

func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > n {
		s = s[:n] + "..."
	}
	return s
}
