package llmtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Stats count what a Server has seen since it started or was last reset.
// Requests that got no response (KindReset, KindTimeout, a client that went away during
// the latency) are counted under status 0, so the ByStatus counts add up to Requests.
type Stats struct {
	Requests         int64               `json:"requests"`          // every HTTP request to /v1/*
	ByStatus         map[int]int64       `json:"by_status"`         // answers per HTTP status; 0 = no response
	Completed        int64               `json:"completed"`         // 200s carrying the request's own answer (not a malformed_body, empty_choices or truncated fault)
	CompletedByKey   map[string]int64    `json:"completed_by_key"`  // Completed per Fingerprint of the request body: a count above 1 is a duplicate call
	Faults           map[ErrorKind]int64 `json:"faults"`            // injected transient faults by kind
	PromptTokens     int64               `json:"prompt_tokens"`     // usage reported in 200 answers
	CompletionTokens int64               `json:"completion_tokens"` // usage reported in 200 answers
	MaxInFlight      int64               `json:"max_in_flight"`     // most admitted /v1/* requests being served at once
	FirstRequest     time.Time           `json:"first_request"`     // arrival of the first /v1/* request; zero if none
	LastRequest      time.Time           `json:"last_request"`      // arrival of the latest /v1/* request
	ChatRequests     int64               `json:"chat_requests"`     // online chat calls: POST /v1/chat/completions, whatever their answer

	// The Batch API (see "Batches" in the package documentation).
	Files             int64            `json:"files"`               // input files uploaded with purpose "batch"
	Batches           int64            `json:"batches"`             // batches created
	BatchItems        int64            `json:"batch_items"`         // requests answered in batches, failed ones included
	BatchItemFailures int64            `json:"batch_item_failures"` // of those, answered with an error (in the error file)
	BatchItemsByID    map[string]int64 `json:"batch_items_by_id"`   // BatchItems per custom_id: a count above 1 is a request batched twice
}

func newStats() Stats {
	return Stats{
		ByStatus:       map[int]int64{},
		CompletedByKey: map[string]int64{},
		Faults:         map[ErrorKind]int64{},
		BatchItemsByID: map[string]int64{},
	}
}

func (st Stats) clone() Stats {
	st.ByStatus = maps.Clone(st.ByStatus)
	st.CompletedByKey = maps.Clone(st.CompletedByKey)
	st.Faults = maps.Clone(st.Faults)
	st.BatchItemsByID = maps.Clone(st.BatchItemsByID)
	return st
}

// Fingerprint is the key of Stats.CompletedByKey for a request body: its SHA-256, in hex.
func Fingerprint(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// A Server is a fake OpenAI-compatible API. Its methods are safe for concurrent use.
type Server struct {
	opts Options

	done      chan struct{} // closed by Close: releases held and waiting requests
	closeOnce sync.Once

	inFlight atomic.Int64
	arrivals atomic.Uint64 // admitted chat and embedding requests: the fault draw's index
	ids      atomic.Uint64

	mu    sync.Mutex
	stats Stats
	hs    *http.Server

	bmu        sync.Mutex // the Batch API's files and batches
	files      map[string]*fakeFile
	batches    map[string]*fakeBatch
	batchOrder []string // batch ids, oldest first
}

// New returns a Server; Start serves it on a local port, or Handler mounts it elsewhere.
// New panics if opts is invalid (see Options.Validate).
func New(opts Options) *Server {
	if err := opts.Validate(); err != nil {
		panic(err)
	}
	return &Server{opts: opts.withDefaults(), done: make(chan struct{}), stats: newStats(),
		files: map[string]*fakeFile{}, batches: map[string]*fakeBatch{}}
}

// Start serves s on 127.0.0.1 at a free port and returns the base URL to give an OpenAI
// client, "http://127.0.0.1:PORT/v1". Close stops it.
func (s *Server) Start() (baseURL string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hs != nil {
		return "", errors.New("fakellm: already started")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("fakellm: %w", err)
	}
	s.hs = &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go s.hs.Serve(ln) //nolint:errcheck // returns http.ErrServerClosed after Close
	return "http://" + ln.Addr().String() + "/v1", nil
}

// Handler returns the HTTP handler, for mounting s in another server (e.g. httptest).
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// Close stops the server Start started, and releases the requests s is holding (latency,
// KindTimeout) without an answer. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		s.mu.Lock()
		hs := s.hs
		s.mu.Unlock()
		if hs != nil {
			hs.Close()
		}
	})
}

// Stats returns a copy of the current counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats.clone()
}

// reset zeroes the stats and restarts the fault sequence, so that a run after Reset sees
// the same faults at the same arrivals as the first.
func (s *Server) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats = newStats()
	s.arrivals.Store(0)
}

// answer is what a handler decided to send.
type answer struct {
	status    int // 0: no response
	body      []byte
	header    http.Header
	fault     ErrorKind
	completed bool // a 200 carrying the request's own answer
	prompt    int  // usage in the body
	output    int
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Fakellm", "placeholder")
	switch {
	case r.URL.Path == "/fake/stats" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Stats())
	case r.URL.Path == "/fake/reset" && r.Method == http.MethodPost:
		s.reset()
		writeJSON(w, http.StatusOK, map[string]bool{"reset": true})
	case r.URL.Path == "/v1" || strings.HasPrefix(r.URL.Path, "/v1/"):
		s.serveV1(w, r)
	default:
		send(w, notFound(r))
	}
}

func (s *Server) serveV1(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	s.mu.Lock()
	s.stats.Requests++
	if s.stats.FirstRequest.IsZero() {
		s.stats.FirstRequest = now
	}
	s.stats.LastRequest = now
	if r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/v1/chat/completions" {
		s.stats.ChatRequests++
	}
	s.mu.Unlock()

	n := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	if m := int64(s.opts.MaxConcurrency); m > 0 && n > m {
		a := rateLimited(s.opts.RetryAfter, fmt.Sprintf("fakellm: more than %d requests in flight", m))
		s.record(a, "")
		send(w, a)
		return
	}
	s.noteInFlight(n)

	route := s.route(r)
	var fault ErrorKind
	var arrival uint64
	if route.faultable {
		arrival = s.arrivals.Add(1) - 1
		fault = s.drawFault(arrival)
	}

	var body []byte
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		if err != nil {
			a := badRequest("", "fakellm: reading the request body: %v", err)
			s.record(a, "")
			send(w, a)
			return
		}
	}

	if !s.sleep(r.Context(), s.latency(arrival)) {
		s.record(answer{}, "")
		return
	}

	var a answer
	switch fault {
	case Kind500:
		a = serverError()
	case Kind503:
		a = overloaded()
	case Kind429:
		a = rateLimited(s.opts.RetryAfter, "fakellm: injected fault")
	case KindReset:
		s.record(answer{fault: fault}, "")
		resetConn(w)
		return
	case KindTimeout:
		if !s.sleep(r.Context(), HoldTimeout) {
			s.record(answer{fault: fault}, "")
			return
		}
		a = gatewayTimeout()
	default:
		a = route.serve(r, body, fault)
	}
	if fault != "" {
		a.fault = fault
	}
	s.record(a, Fingerprint(body))
	send(w, a)
}

// maxBody bounds a request body; the real API's limits are far below it.
const maxBody = 64 << 20

type route struct {
	faultable bool // transient faults apply
	serve     func(r *http.Request, body []byte, fault ErrorKind) answer
}

func (s *Server) route(r *http.Request) route {
	p := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case p == "/v1/chat/completions" && r.Method == http.MethodPost:
		return route{faultable: true, serve: s.chat}
	case p == "/v1/embeddings" && r.Method == http.MethodPost:
		return route{faultable: true, serve: s.embeddings}
	case p == "/v1/models" && r.Method == http.MethodGet:
		return route{serve: s.models}
	case strings.HasPrefix(p, "/v1/models/") && r.Method == http.MethodGet:
		return route{serve: s.model}
	}
	if serve, ok := s.batchRoute(r, p); ok {
		return route{serve: serve}
	}
	return route{serve: func(r *http.Request, _ []byte, _ ErrorKind) answer { return notFound(r) }}
}

func (s *Server) noteInFlight(n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > s.stats.MaxInFlight {
		s.stats.MaxInFlight = n
	}
}

func (s *Server) record(a answer, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.ByStatus[a.status]++
	if a.fault != "" {
		s.stats.Faults[a.fault]++
	}
	if a.status == http.StatusOK {
		s.stats.PromptTokens += int64(a.prompt)
		s.stats.CompletionTokens += int64(a.output)
	}
	if a.completed {
		s.stats.Completed++
		s.stats.CompletedByKey[key]++
	}
}

// drawFault decides, from the seed and the arrival's index alone, whether the arrival
// fails and how.
func (s *Server) drawFault(arrival uint64) ErrorKind {
	if s.opts.ErrorRate <= 0 {
		return ""
	}
	h := mix(s.opts.Seed ^ mix(arrival+0x6661756c74)) // "fault"
	if unit(h) >= s.opts.ErrorRate {
		return ""
	}
	kinds := s.opts.ErrorKinds
	return kinds[mix(h)%uint64(len(kinds))]
}

func (s *Server) latency(arrival uint64) time.Duration {
	d := s.opts.Latency
	if j := s.opts.LatencyJitter; j > 0 {
		h := mix(s.opts.Seed ^ mix(arrival+0x6a6974746572) ^ s.ids.Add(1)) // "jitter"
		d += time.Duration(unit(h) * float64(j))
	}
	return d
}

// sleep waits for d, and reports false if the client went away or s closed first.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}

// resetConn closes the connection without a response: with SO_LINGER 0, so the client
// sees a reset rather than an orderly close.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler) // HTTP/2 or a recorder: abort the response instead
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		tc.SetLinger(0) //nolint:errcheck // best effort: a plain close is also a failure
	}
	conn.Close()
}

func send(w http.ResponseWriter, a answer) {
	for k, v := range a.header {
		w.Header()[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(a.status)
	w.Write(a.body) //nolint:errcheck // the client may be gone; nothing to do
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		send(w, serverError())
		return
	}
	send(w, answer{status: status, body: b})
}

func (s *Server) models(_ *http.Request, _ []byte, _ ErrorKind) answer {
	return jsonAnswer(map[string]any{"object": "list", "data": []any{s.modelObject()}})
}

func (s *Server) model(r *http.Request, _ []byte, _ ErrorKind) answer {
	id := strings.TrimPrefix(strings.TrimSuffix(r.URL.Path, "/"), "/v1/models/")
	if id != s.opts.Model {
		return errorAnswer(http.StatusNotFound, "invalid_request_error", "model", "model_not_found",
			fmt.Sprintf("The model '%s' does not exist", id))
	}
	return jsonAnswer(s.modelObject())
}

func (s *Server) modelObject() map[string]any {
	return map[string]any{"id": s.opts.Model, "object": "model", "created": 0, "owned_by": "fakellm"}
}

func jsonAnswer(v any) answer {
	b, err := json.Marshal(v)
	if err != nil {
		return serverError()
	}
	return answer{status: http.StatusOK, body: b}
}

// mix is splitmix64's finalizer: a bijection that scatters nearby inputs.
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// unit maps h to [0, 1).
func unit(h uint64) float64 { return float64(h>>11) / (1 << 53) }
