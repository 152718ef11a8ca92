package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"

	openai "github.com/sashabaranov/go-openai"
)

// Dead-letter reasons of failed calls.
const (
	ReasonContextLength  = "llm_context_length"  // the prompt does not fit the model
	ReasonContentFilter  = "llm_content_filter"  // the provider refused to answer
	ReasonBadRequest     = "llm_bad_request"     // any other 4xx: the request itself is wrong
	ReasonTruncated      = "llm_truncated"       // the answer was cut by max_tokens
	ReasonEmptyAnswer    = "llm_empty_answer"    // no choices, or empty content, after retries
	ReasonGaveUp         = "llm_gave_up"         // transient failures outlasted the retries
	ReasonOfflineMiss    = "llm_offline_miss"    // offline mode, and the store has no answer
	ReasonBudgetExceeded = "llm_budget_exceeded" // the call would exceed --max_requests or --max_cost
)

// CallFailed reports whether a dead letter's reason is a model call that failed for
// good (a wrong key or URL, a server that kept failing, a request it refused), as
// opposed to what the user asked for (a budget that ran out) or the provider's verdict
// on a text (a content filter): what a run's failure rate counts.
func CallFailed(reason string) bool {
	return strings.HasPrefix(reason, "llm_") && reason != ReasonBudgetExceeded && reason != ReasonContentFilter
}

// Failure is a call that did not produce a usable answer. Reason is its dead-letter
// reason; the caller dead-letters the element rather than failing the bundle.
type Failure struct {
	Reason string
	Detail string
}

func (f *Failure) Error() string { return f.Reason + ": " + f.Detail }

// AsFailure returns err as a *Failure, if it is one.
func AsFailure(err error) (*Failure, bool) {
	var f *Failure
	ok := errors.As(err, &f)
	return f, ok
}

// errEmptyAnswer marks a 200 with no choices: a server glitch that a retry may fix.
var errEmptyAnswer = errors.New("the answer has no choices")

// rateLimited reports whether err is the server asking the client to slow down.
func rateLimited(err error) bool {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode == http.StatusTooManyRequests
	}
	var reqErr *openai.RequestError
	return errors.As(err, &reqErr) && reqErr.HTTPStatusCode == http.StatusTooManyRequests
}

// statusOf returns the HTTP status of a failed call, or 0 when there was no response.
func statusOf(err error) int {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return apiErr.HTTPStatusCode
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return reqErr.HTTPStatusCode
	}
	return 0
}

// overloaded reports whether a transient failure is the endpoint saying it has too much
// to do: 429, 503 (vLLM, gateways), 529 (Anthropic-style overloaded), or an attempt that
// timed out waiting in its queue. Other transient failures (a 500, a reset connection)
// say nothing about load.
func overloaded(err error) bool {
	switch statusOf(err) {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, 529:
		return true
	}
	return errors.Is(err, context.DeadlineExceeded)
}

// refusalReason names a transient failure in a few words, for the log and the breaker's
// message: the status, or the kind of network failure.
func refusalReason(err error) string {
	if s := statusOf(err); s != 0 {
		return fmt.Sprintf("HTTP %d", s)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	}
	return "network error"
}

// classify says whether err is worth retrying, and if not, which failure it is.
func classify(err error) (transient bool, permanent *Failure) {
	var apiErr *openai.APIError
	if errors.As(err, &apiErr) {
		return classifyStatus(apiErr.HTTPStatusCode, fmt.Sprint(apiErr.Code), apiErr.Message)
	}
	var reqErr *openai.RequestError
	if errors.As(err, &reqErr) {
		return classifyStatus(reqErr.HTTPStatusCode, "", fmt.Sprint(reqErr.Err))
	}
	if errors.Is(err, errEmptyAnswer) {
		return true, nil
	}
	// A 200 whose body is not the JSON it should be: a proxy or server glitch.
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &syntaxErr) || errors.As(err, &typeErr) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true, nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true, nil
	}
	var netErr net.Error
	if errors.As(err, &netErr) {
		return true, nil
	}
	return false, &Failure{Reason: ReasonBadRequest, Detail: err.Error()}
}

func classifyStatus(status int, code, message string) (bool, *Failure) {
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status == 409 || status >= 500:
		return true, nil
	case code == "context_length_exceeded":
		return false, &Failure{Reason: ReasonContextLength, Detail: message}
	case code == "content_filter" || code == "content_policy_violation":
		return false, &Failure{Reason: ReasonContentFilter, Detail: message}
	default:
		return false, &Failure{Reason: ReasonBadRequest, Detail: fmt.Sprintf("HTTP %d: %s", status, message)}
	}
}
