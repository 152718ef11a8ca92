package llmtest

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// apiError is the body of every non-200 answer, in OpenAI's shape. Param and Code are
// JSON null when empty, as OpenAI sends them (go-openai then reads Code as the int 0).
type apiError struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func errorAnswer(status int, typ, param, code, msg string) answer {
	b, err := json.Marshal(struct {
		Error apiError `json:"error"`
	}{apiError{Message: msg, Type: typ, Param: ptr(param), Code: ptr(code)}})
	if err != nil {
		panic(err) // strings only: cannot fail
	}
	return answer{status: status, body: b}
}

func badRequest(param, format string, args ...any) answer {
	return errorAnswer(http.StatusBadRequest, "invalid_request_error", param, "", fmt.Sprintf(format, args...))
}

func notFound(r *http.Request) answer {
	return errorAnswer(http.StatusNotFound, "invalid_request_error", "", "",
		fmt.Sprintf("Invalid URL (%s %s)", r.Method, r.URL.Path))
}

// contextLengthMax is the context length the fake claims when FAKE_CONTEXT_LENGTH is present.
const contextLengthMax = 128000

func contextLengthExceeded(promptTokens int) answer {
	return errorAnswer(http.StatusBadRequest, "invalid_request_error", "messages", "context_length_exceeded",
		fmt.Sprintf("This model's maximum context length is %d tokens. However, your messages resulted in %d tokens. "+
			"Please reduce the length of the messages.", contextLengthMax, contextLengthMax+promptTokens))
}

// rateLimited is the 429 for both an admission refusal and an injected Kind429. Besides
// Retry-After it sets OpenAI's x-ratelimit-* headers, which go-openai's RateLimitHeaders read.
func rateLimited(retryAfter time.Duration, why string) answer {
	a := errorAnswer(http.StatusTooManyRequests, "requests", "", "rate_limit_exceeded",
		fmt.Sprintf("Rate limit reached for requests (%s). Please try again in %dms.", why, retryAfter.Milliseconds()))
	a.header = http.Header{}
	a.header.Set("Retry-After", strconv.FormatInt(int64(math.Ceil(retryAfter.Seconds())), 10))
	a.header.Set("retry-after-ms", strconv.FormatInt(retryAfter.Milliseconds(), 10))
	a.header.Set("x-ratelimit-remaining-requests", "0")
	a.header.Set("x-ratelimit-reset-requests", retryAfter.String())
	return a
}

func serverError() answer {
	return errorAnswer(http.StatusInternalServerError, "server_error", "", "",
		"The server had an error while processing your request. Sorry about that!")
}

func overloaded() answer {
	return errorAnswer(http.StatusServiceUnavailable, "service_unavailable", "", "overloaded",
		"The engine is currently overloaded, please try again later.")
}

func gatewayTimeout() answer {
	return errorAnswer(http.StatusGatewayTimeout, "server_error", "", "timeout",
		"Request timed out.")
}
