package llm

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// TestWorkerLifecycle drives a Worker as Beam drives a DoFn, two bundles on one
// instance: every element's outcome is emitted within its bundle, and the usage is
// counted per language under the caller's keys, failures included.
func TestWorkerLifecycle(t *testing.T) {
	srv, url := llmtest.Start(t, llmtest.Options{})
	cfg := DefaultConfig()
	cfg.BaseURL, cfg.Store, cfg.RunID = url, t.TempDir(), t.Name()
	cfg.Model = "m-" + t.Name()
	cfg.MaxInFlight = 2
	cfg.Backoff = Backoff{Initial: 5 * time.Millisecond, Max: 50 * time.Millisecond}

	var w Worker[string]
	keys := func(lang, counter string) string { return "usage/" + lang + "/" + counter }
	if err := w.Setup(context.Background(), cfg, "worker_test", 0, keys); err != nil {
		t.Fatal(err)
	}
	defer w.Teardown()

	// bundle runs one bundle of texts (language "fi" for even indexes, "sw" for odd) and
	// returns what it emitted and counted.
	bundle := func(texts []string) (emitted []string, counts map[string]int) {
		w.StartBundle()
		emit := func(s string) { emitted = append(emitted, s) }
		for i, text := range texts {
			lang := []string{"fi", "sw"}[i%2]
			w.Add("in/"+lang, 1)
			w.Go(func() (string, error) {
				r, f, err := w.Call(lang, ask(text, 0))
				if f != nil {
					return "failed:" + text, err
				}
				return r.Content, err
			})
			if err := w.Emit(emit); err != nil {
				t.Fatal(err)
			}
		}
		counts = map[string]int{}
		if err := w.FinishBundle(emit, func(k string, n int) { counts[k] += n }); err != nil {
			t.Fatal(err)
		}
		return emitted, counts
	}

	var texts []string
	for i := range 9 {
		texts = append(texts, fmt.Sprintf("document %d", i))
	}
	texts = append(texts, "too long "+llmtest.MarkerContextLength) // index 9: "sw"
	emitted, counts := bundle(texts)
	if len(emitted) != len(texts) || !slices.Contains(emitted, "failed:"+texts[9]) {
		t.Fatalf("emitted %d outcomes, want %d with the failure: %q", len(emitted), len(texts), emitted)
	}
	want := map[string]int{"in/fi": 5, "in/sw": 5, "usage/fi/requests": 5, "usage/sw/requests": 5, "usage/sw/failures": 1}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("count %s = %d, want %d (all: %v)", k, counts[k], n, counts)
		}
	}
	if counts["usage/fi/prompt_tokens"] == 0 || counts["usage/fi/completion_tokens"] == 0 || counts["usage/fi/cache_hits"] != 0 {
		t.Errorf("token counts %v", counts)
	}

	// The second bundle starts from zero; its repeats come from the store.
	emitted, counts = bundle(texts[:4])
	if len(emitted) != 4 || counts["usage/fi/cache_hits"] != 2 || counts["usage/sw/cache_hits"] != 2 || counts["usage/fi/requests"] != 0 || counts["in/fi"] != 2 {
		t.Errorf("second bundle: %d emitted, counts %v", len(emitted), counts)
	}
	if n := srv.Stats().Completed; n != 9 {
		t.Errorf("%d calls completed at the server, want 9 (the failure is not retried, the repeats are stored)", n)
	}
	if line := w.Progress.Line(); !strings.Contains(line, " 14/? ") || !strings.Contains(line, "failed 1") {
		t.Errorf("progress %q", line)
	}
}

// TestWorkerFailsTheBundleOnAnEnvironmentError: an error from the work is the bundle's.
func TestWorkerFailsTheBundleOnAnEnvironmentError(t *testing.T) {
	var w Worker[int]
	w.pool, w.counts = NewPool[int](2), map[string]int{}
	w.Go(func() (int, error) { return 0, fmt.Errorf("store unreachable") })
	if err := w.FinishBundle(func(int) {}, func(string, int) { t.Error("counts emitted from a failed bundle") }); err == nil {
		t.Error("FinishBundle returned no error")
	}
}
