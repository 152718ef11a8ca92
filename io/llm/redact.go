package llm

import (
	"errors"
	"net/url"
	"regexp"
	"strings"
)

// Redacted replaces a secret in every text this package lets out.
const Redacted = "[REDACTED]"

// Some servers echo the request's headers in an error body (a 401 that says
// "Authorization: Bearer sk-..."), and go-openai puts the body into the error. Every
// Failure, error and log line made here goes through a redactor first, so that a key
// never reaches a dead letter, a log or the job's console.
var (
	// A header that carries a credential, as a server may echo it: "Authorization: Bearer
	// x", "api-key=x", "\"x-api-key\": \"x\"". The value (with its scheme) is replaced.
	headerSecret = regexp.MustCompile(`(?i)\b((?:x-)?api[-_]key|authorization|proxy-authorization)("?\s*[:=]\s*"?)(?:(?:bearer|basic|token)\s+)?[^\s"',;}]+`)
	bearerSecret = regexp.MustCompile(`(?i)\b(bearer)\s+[^\s"',;}]+`)
	keyLike      = regexp.MustCompile(`\bsk-[A-Za-z0-9_-]{8,}`)
)

// minKeyLen is the shortest key replaced literally: replacing a one-letter "key"
// wherever it occurs would garble the text without protecting anything.
const minKeyLen = 4

// A redactor scrubs the API key of one Client (read from the environment in New) and
// anything that looks like a credential.
type redactor struct{ key string }

func newRedactor(key string) redactor {
	if len(key) < minKeyLen {
		key = ""
	}
	return redactor{key: key}
}

// string returns s without the key, credential headers, bearer tokens and sk- keys.
func (r redactor) string(s string) string {
	if r.key != "" {
		s = strings.ReplaceAll(s, r.key, Redacted)
	}
	s = headerSecret.ReplaceAllString(s, "${1}${2}"+Redacted)
	s = bearerSecret.ReplaceAllString(s, "${1} "+Redacted)
	return keyLike.ReplaceAllString(s, Redacted)
}

// stored returns s without the key itself, for text stored as a model's answer: the
// generic patterns would rewrite an answer that merely talks about API keys.
func (r redactor) stored(s string) string {
	if r.key == "" {
		return s
	}
	return strings.ReplaceAll(s, r.key, Redacted)
}

// failure redacts f's detail in place, and returns f.
func (r redactor) failure(f *Failure) *Failure {
	if f != nil {
		f.Detail = r.string(f.Detail)
	}
	return f
}

// error returns err with a redacted message. errors.Is still sees what err wraps
// (context.Canceled, a store's sentinel errors), but errors.As cannot reach the original
// values, whose messages may hold the key.
func (r redactor) error(err error) error {
	if err == nil {
		return nil
	}
	if f, ok := err.(*Failure); ok {
		return r.failure(f)
	}
	msg := r.string(err.Error())
	return &redactedError{msg: msg, cause: err}
}

type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Is(target error) bool { return errors.Is(e.cause, target) }

// redactedURL is a base URL fit for a log line: no user info, query or fragment (some
// gateways take the key there).
func redactedURL(baseURL string) string {
	if baseURL == "" {
		return "https://api.openai.com/v1"
	}
	u, err := url.Parse(baseURL)
	if err != nil {
		s, _, _ := strings.Cut(baseURL, "?")
		return s
	}
	u.User, u.RawQuery, u.Fragment, u.RawFragment = nil, "", "", ""
	u.ForceQuery = false
	return u.String()
}
