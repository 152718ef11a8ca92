package llm

import (
	"context"
	"time"
)

// Worker is what a DoFn that calls a model keeps per instance: the client (built in
// Setup, on the worker, where the API key is), the pool that keeps calls in flight, the
// stage's progress log and the bundle's usage counts. A DoFn embeds its calls' outcome
// type T and forwards its lifecycle methods to the Worker.
type Worker[T any] struct {
	Client   *Client
	Pool     *Pool[T]
	Progress *Progress
	Ctx      context.Context // for the calls: outlives the element that started them

	stage  string
	cancel context.CancelFunc
	counts map[string]int
}

// Setup builds the client for cfg and joins the stage's progress log.
func (w *Worker[T]) Setup(ctx context.Context, cfg Config, stage string, progressEvery time.Duration) error {
	client, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	w.Client, w.stage = client, stage
	w.Ctx, w.cancel = context.WithCancel(context.Background())
	w.Progress = StageProgress(stage, cfg.Price, progressEvery)
	return nil
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
	w.Pool = NewPool[T](2 * w.Client.Config().MaxInFlight)
	w.counts = map[string]int{}
}

// Add adds n to a count of the bundle.
func (w *Worker[T]) Add(key string, n int) { w.counts[key] += n }

// Call makes one chat call, counted in the stage's progress.
func (w *Worker[T]) Call(r ChatRequest) (Reply, *Failure, error) {
	w.Progress.Start()
	reply, f, err := w.Client.Chat(w.Ctx, r)
	w.Progress.Finish(reply, f != nil || err != nil)
	return reply, f, err
}

// CountUsage counts a call's usage under "llm/<stage>/<lang>/<counter>".
func (w *Worker[T]) CountUsage(lang string, r Reply, failed bool) {
	prefix := "llm/" + w.stage + "/" + lang + "/"
	if failed {
		w.counts[prefix+"failures"]++
	}
	if r.Cached {
		w.counts[prefix+"cache_hits"]++
		return
	}
	if r.Attempts == 0 {
		return // refused before any call (budget)
	}
	w.counts[prefix+"requests"]++
	w.counts[prefix+"retries"] += r.Retries
	w.counts[prefix+"prompt_tokens"] += r.PromptTokens
	w.counts[prefix+"completion_tokens"] += r.CompletionTokens
}

// FlushCounts emits the bundle's counts; call it at the end of FinishBundle.
func (w *Worker[T]) FlushCounts(emit func(string, int)) {
	for k, n := range w.counts {
		emit(k, n)
	}
	w.counts = map[string]int{}
}
