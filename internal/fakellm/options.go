package fakellm

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// Options configure a Server. The zero value answers at once, never fails and admits any
// number of concurrent requests.
type Options struct {
	Latency        time.Duration // added to every request before answering (after admission)
	LatencyJitter  time.Duration // uniform extra latency in [0, jitter)
	MaxConcurrency int           // requests being served at once above this get 429 at once, with Retry-After; 0 = unlimited
	RetryAfter     time.Duration // what a 429 tells the client to wait ("Retry-After" in whole seconds, rounded up, and "retry-after-ms"); default 100ms
	ErrorRate      float64       // fraction of admitted chat and embedding requests that fail transiently, with a kind drawn from ErrorKinds
	ErrorKinds     []ErrorKind   // default: AllErrorKinds
	Seed           uint64        // seeds fault injection (which arrivals fail, and how) and latency jitter; answers do not depend on it
	Model          string        // model name echoed when the request has none, and listed by /v1/models; default DefaultModel
}

// DefaultModel is the model name used when Options.Model is empty.
const DefaultModel = "fakellm"

// DefaultRetryAfter is what a 429 tells the client to wait when Options.RetryAfter is zero.
const DefaultRetryAfter = 100 * time.Millisecond

// An ErrorKind is a transient fault the server can inject.
type ErrorKind string

// The transient fault kinds.
const (
	Kind500           ErrorKind = "500"            // 500 server_error
	Kind503           ErrorKind = "503"            // 503 service_unavailable, code "overloaded"
	Kind429           ErrorKind = "429"            // 429 rate_limit_exceeded, with Retry-After
	KindMalformedBody ErrorKind = "malformed_body" // 200 whose body is not valid JSON
	KindEmptyChoices  ErrorKind = "empty_choices"  // 200 with "choices": [] (embeddings: "data": [])
	KindTruncated     ErrorKind = "truncated"      // 200, finish_reason "length", content cut (embeddings: the last vector missing)
	KindReset         ErrorKind = "reset"          // the connection is closed (with RST) without a response
	KindTimeout       ErrorKind = "timeout"        // the request is held for HoldTimeout or until the client goes away
)

// HoldTimeout is how long a KindTimeout fault holds a request before answering 504.
const HoldTimeout = 10 * time.Minute

// AllErrorKinds returns every transient fault kind, the default for Options.ErrorKinds.
// It includes KindTimeout, which only ends when the client gives up: clients under test
// need a deadline.
func AllErrorKinds() []ErrorKind {
	return []ErrorKind{Kind500, Kind503, Kind429, KindMalformedBody, KindEmptyChoices, KindTruncated, KindReset, KindTimeout}
}

func (k ErrorKind) valid() bool {
	for _, v := range AllErrorKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// ParseErrorKinds parses a comma-separated list of kinds, e.g. "500,reset,timeout".
// Blanks around names are ignored; "" and "all" return nil, which means every kind.
func ParseErrorKinds(csv string) ([]ErrorKind, error) {
	if s := strings.TrimSpace(csv); s == "" || s == "all" {
		return nil, nil
	}
	var kinds []ErrorKind
	for _, f := range strings.Split(csv, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k := ErrorKind(f)
		if !k.valid() {
			return nil, fmt.Errorf("fakellm: unknown error kind %q (want some of %s)", f, kindList())
		}
		kinds = append(kinds, k)
	}
	return kinds, nil
}

func kindList() string {
	var names []string
	for _, k := range AllErrorKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// Validate reports whether o can configure a Server.
func (o Options) Validate() error {
	switch {
	case o.Latency < 0:
		return fmt.Errorf("fakellm: negative Latency %v", o.Latency)
	case o.LatencyJitter < 0:
		return fmt.Errorf("fakellm: negative LatencyJitter %v", o.LatencyJitter)
	case o.MaxConcurrency < 0:
		return fmt.Errorf("fakellm: negative MaxConcurrency %d", o.MaxConcurrency)
	case o.RetryAfter < 0:
		return fmt.Errorf("fakellm: negative RetryAfter %v", o.RetryAfter)
	case math.IsNaN(o.ErrorRate) || o.ErrorRate < 0 || o.ErrorRate > 1:
		return fmt.Errorf("fakellm: ErrorRate %v outside [0, 1]", o.ErrorRate)
	}
	for _, k := range o.ErrorKinds {
		if !k.valid() {
			return fmt.Errorf("fakellm: unknown error kind %q (want some of %s)", k, kindList())
		}
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.RetryAfter == 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if len(o.ErrorKinds) == 0 {
		o.ErrorKinds = AllErrorKinds()
	} else {
		o.ErrorKinds = append([]ErrorKind(nil), o.ErrorKinds...)
	}
	if o.Model == "" {
		o.Model = DefaultModel
	}
	return o
}
