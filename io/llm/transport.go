package llm

import (
	"context"
	"net/http"
	"strconv"
	"time"
)

// go-openai's *openai.APIError carries no headers, and the response value that does is
// not filled for every call shape (not for base64 embeddings, say). retryAfterTransport
// reads the server's Retry-After on the way in, for every call, and leaves it in a slot
// that the caller put in the request's context.
type retryAfterTransport struct{ base http.RoundTripper }

type retryAfterSlot struct{}

func withRetryAfterSlot(ctx context.Context) (context.Context, *time.Duration) {
	slot := new(time.Duration)
	return context.WithValue(ctx, retryAfterSlot{}, slot), slot
}

func (t retryAfterTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode < 400 {
		return resp, err
	}
	if slot, ok := req.Context().Value(retryAfterSlot{}).(*time.Duration); ok {
		*slot = parseRetryAfter(resp.Header)
	}
	return resp, nil
}

// parseRetryAfter reads "retry-after-ms" (OpenAI, Azure) or "Retry-After" in seconds or as
// an HTTP date. It returns 0 when neither is there or parses.
func parseRetryAfter(h http.Header) time.Duration {
	if v := h.Get("retry-after-ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms >= 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}
