package llm

import (
	"context"
	"sync"
	"time"
)

// The usage counters a Worker counts for its calls, per language, under the keys its
// UsageKeys gives.
const (
	CountRequests         = "requests"          // calls sent, not answered from the store
	CountCacheHits        = "cache_hits"        // calls answered from the response store
	CountRetries          = "retries"           // transient failures retried
	CountFailures         = "failures"          // calls that came back as a Failure
	CountPromptTokens     = "prompt_tokens"     // as the server counted them
	CountCompletionTokens = "completion_tokens" // as the server counted them
	// The usage the store's answers took when they were asked: what the cache hits saved.
	CountSavedPromptTokens     = "saved_prompt_tokens"
	CountSavedCompletionTokens = "saved_completion_tokens"
)

// UsageKeys names the count of one usage counter of a Worker's calls in one language,
// e.g. "llm/<stage>/<lang>/<counter>": the caller's counting scheme, not this package's.
type UsageKeys func(lang, counter string) string

// Worker is the lifecycle every DoFn that calls a model shares, so that the DoFn keeps
// only its own logic (rendering prompts, parsing answers, choosing what to emit). T is
// the outcome of one element's calls. Per DoFn instance the Worker holds the client
// (built in Setup, on the worker, where the API key is) and the stage's progress log;
// per bundle a pool that keeps calls in flight, and counts.
//
// A DoFn keeps a Worker in an unexported field (Beam serializes exported ones) and
// forwards its lifecycle to it:
//
//	func (fn *myFn) Setup(ctx context.Context) error {
//		return fn.w.Setup(ctx, fn.Params.LLM, stage, fn.Params.ProgressEvery, keys)
//	}
//	func (fn *myFn) Teardown() error { return fn.w.Teardown() }
//	func (fn *myFn) StartBundle(...)   { fn.w.StartBundle() }
//	func (fn *myFn) ProcessElement(x X, emit func(Y), counts func(string, int)) error {
//		fn.w.Go(func() (outcome, error) { return fn.run(x) }) // calls fn.w.Call
//		return fn.w.Emit(func(o outcome) { emit(o.y) })
//	}
//	func (fn *myFn) FinishBundle(emit func(Y), counts func(string, int)) error {
//		return fn.w.FinishBundle(func(o outcome) { emit(o.y) }, counts)
//	}
//
// The work started with Go runs on other goroutines; Emit and FinishBundle hand its
// outcomes to the DoFn's function on the bundle's own goroutine, where Beam allows
// emitting, and every outcome within its bundle.
type Worker[T any] struct {
	Client   *Client
	Progress *Progress
	Ctx      context.Context // for the calls: outlives the element that started them

	keys   UsageKeys
	cancel context.CancelFunc
	pool   *Pool[T]
	mu     sync.Mutex // counts: Call adds from the pool's goroutines
	counts map[string]int
	stage  string
	// first and last are the bundle's first call's start and last call's end, in
	// Unix milliseconds (0: no call yet): the stage's wall time is their span over
	// every bundle (SpanKey).
	first, last int64
	// batchRead says the stage's batch failures were handed to the client (UseBatch)
	batchRead bool
}

// SpanKey names the count that carries a bundle's first call's start (which "first")
// or last call's end (which "last") of stage, in Unix milliseconds: a reader takes the
// minimum of the firsts and the maximum of the lasts (funnel.Collect), not their sum.
func SpanKey(stage, which string) string { return "span/" + stage + "/" + which + "_ms" }

// Setup builds the client for cfg and joins the stage's progress log. keys names the
// usage counts; nil counts no usage.
func (w *Worker[T]) Setup(ctx context.Context, cfg Config, stage string, progressEvery time.Duration, keys UsageKeys) error {
	client, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	w.Client, w.keys, w.stage = client, keys, stage
	w.Ctx, w.cancel = context.WithCancel(context.Background())
	w.Progress = StageProgress(stage, cfg.Price, progressEvery)
	client.ReportTo(w.Progress)
	return nil
}

// UseBatch hands the client the requests the stage's batches did not answer, from the
// side input that a batch prefetch gives the stage (see Client.UseBatchFailures): call
// it in ProcessElement before the element's calls. The side input is read once per DoFn
// instance (the global window's never changes), not per element: every read decodes it.
func (w *Worker[T]) UseBatch(next func(*BatchFailure) bool) {
	if w.batchRead {
		return
	}
	failures := map[string]BatchFailure{}
	var f BatchFailure
	for next(&f) {
		failures[f.Key] = f
	}
	w.Client.UseBatchFailures(failures)
	w.batchRead = true
}

// Teardown cancels calls still running and closes the client.
func (w *Worker[T]) Teardown() error {
	if w.cancel != nil {
		w.cancel()
	}
	if w.Client != nil {
		return w.Client.Close()
	}
	return nil
}

// StartBundle starts a bundle: a fresh pool and counts. Elements in progress beyond the
// requests in flight are those backing off from a retry: room for as many again keeps
// every connection slot busy.
func (w *Worker[T]) StartBundle() {
	w.pool = NewPool[T](2 * w.Client.Config().MaxInFlight)
	w.counts = map[string]int{}
}

// Go starts one element's work, f, on its own goroutine, after waiting for room in the
// bundle's pool, and counts one unit of the stage's progress when it ends. An error
// from f is the job's environment failing: the bundle fails with it.
func (w *Worker[T]) Go(f func() (T, error)) { w.GoUnits(1, f) }

// GoUnits is Go for work that does units of the stage's total (SetTotal) at once: an
// ask's turns, when the total counts turns.
func (w *Worker[T]) GoUnits(units int, f func() (T, error)) {
	p := w.Progress
	w.pool.Go(func() (T, error) {
		defer p.Done(int64(units))
		return f()
	})
}

// Emit hands the outcomes finished since the last Emit to emit; call it at the end of
// ProcessElement. It returns the first error a call returned.
func (w *Worker[T]) Emit(emit func(T)) error { return w.emit(w.pool.Take, emit) }

// FinishBundle waits for the bundle's work, hands its outcomes to emit, and then emits
// the bundle's counts.
func (w *Worker[T]) FinishBundle(emit func(T), counts func(string, int)) error {
	if err := w.emit(w.pool.Wait, emit); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for k, n := range w.counts {
		counts(k, n)
	}
	if w.first > 0 {
		counts(SpanKey(w.stage, "first"), int(w.first))
		counts(SpanKey(w.stage, "last"), int(w.last))
	}
	w.counts, w.first, w.last = map[string]int{}, 0, 0
	return nil
}

func (w *Worker[T]) emit(take func() ([]T, error), emit func(T)) error {
	done, err := take()
	for _, o := range done {
		emit(o)
	}
	return err
}

// Add adds n to a count of the bundle. It is safe to call from the work Go started.
func (w *Worker[T]) Add(key string, n int) {
	w.mu.Lock()
	w.counts[key] += n
	w.mu.Unlock()
}

// Call makes one chat call for an element in language lang: counted in the stage's
// progress and in the bundle's usage counts.
func (w *Worker[T]) Call(lang string, r ChatRequest) (Reply, *Failure, error) {
	w.Progress.Start()
	start := time.Now().UnixMilli()
	reply, f, err := w.Client.Chat(w.Ctx, r)
	w.span(start, time.Now().UnixMilli())
	w.Progress.Finish(reply, f != nil || err != nil)
	if err == nil {
		w.countUsage(lang, reply, f != nil)
	}
	return reply, f, err
}

func (w *Worker[T]) span(start, end int64) {
	w.mu.Lock()
	if w.first == 0 || start < w.first {
		w.first = start
	}
	w.last = max(w.last, end)
	w.mu.Unlock()
}

// countUsage counts a call's usage. A call that failed the job (err) is not counted:
// its bundle fails.
func (w *Worker[T]) countUsage(lang string, r Reply, failed bool) {
	if w.keys == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if failed {
		w.counts[w.keys(lang, CountFailures)]++
	}
	if r.Cached {
		w.counts[w.keys(lang, CountCacheHits)]++
		w.counts[w.keys(lang, CountSavedPromptTokens)] += r.PromptTokens
		w.counts[w.keys(lang, CountSavedCompletionTokens)] += r.CompletionTokens
		return
	}
	if r.Attempts == 0 {
		return // refused before any call (budget)
	}
	w.counts[w.keys(lang, CountRequests)]++
	w.counts[w.keys(lang, CountRetries)] += r.Retries
	w.counts[w.keys(lang, CountPromptTokens)] += r.PromptTokens
	w.counts[w.keys(lang, CountCompletionTokens)] += r.CompletionTokens
}
