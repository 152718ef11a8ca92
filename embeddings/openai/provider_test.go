package openai

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/embeddings"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// TestOpenThroughASpec opens the provider as a DoFn does: from a Spec that went through
// JSON, as an exported DoFn field does on its way to a worker.
func TestOpenThroughASpec(t *testing.T) {
	srv, cfg := startFake(t, llmtest.Options{})
	cfg.Dims, cfg.BatchSize = 16, 2
	spec, err := SpecFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	var shipped embeddings.Spec
	if err := json.Unmarshal(b, &shipped); err != nil {
		t.Fatal(err)
	}
	if err := shipped.Validate(); err != nil {
		t.Fatal(err)
	}
	e, err := embeddings.Open(context.Background(), shipped)
	if err != nil {
		t.Fatal(err)
	}
	defer e.(io.Closer).Close()
	m, ok := e.(embeddings.Metered)
	if !ok || e.Dims() != 16 {
		t.Fatalf("opened %T with %d dims, want a Metered embedder of 16", e, e.Dims())
	}
	texts := docs(5)
	vs, u, err := m.EmbedUsage(context.Background(), texts)
	if err != nil || len(vs) != 5 || len(vs[4]) != 16 {
		t.Fatalf("EmbedUsage: %d vectors, %v", len(vs), err)
	}
	if want := (embeddings.Usage{Requests: 3, PromptTokens: int(srv.Stats().PromptTokens), Inputs: 5}); u != want {
		t.Errorf("first call's usage %+v, want %+v", u, want)
	}
	first := u
	// The three texts are of one length: each saved a fifth of the first call's tokens.
	if _, u, _ = m.EmbedUsage(context.Background(), texts[:3]); u != (embeddings.Usage{CacheHits: 3, SavedPromptTokens: 3 * first.PromptTokens / 5}) {
		t.Errorf("second call's usage %+v, want 3 cache hits saving 3/5 of %d tokens, and nothing else", u, first.PromptTokens)
	}
	if total := e.(*Embedder).Usage(); total.Texts != 8 || total.Requests != 3 || total.Cached != 3 {
		t.Errorf("Usage() %+v does not add up the calls", total)
	}
}

func TestSpecValidation(t *testing.T) {
	_, cfg := startFake(t, llmtest.Options{})
	good, err := SpecFor(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		edit func(*embeddings.Spec)
		want string
	}{
		"no endpoint":     {func(s *embeddings.Spec) { s.Endpoint = nil }, "no endpoint"},
		"bad endpoint":    {func(s *embeddings.Spec) { s.Endpoint = json.RawMessage(`[1]`) }, "not an llm.Config"},
		"negative dims":   {func(s *embeddings.Spec) { s.Dims = -1 }, "dims"},
		"huge batch":      {func(s *embeddings.Spec) { s.Batch = 5000 }, "batch"},
		"no model at all": {func(s *embeddings.Spec) { s.Model = "" }, "no model"}, // the endpoint's Model is "" too
	} {
		s := good
		tc.edit(&s)
		if err := s.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate() = %v, want an error with %q", name, err, tc.want)
		}
		if e, err := embeddings.Open(context.Background(), s); err == nil || e != nil {
			t.Errorf("%s: Open returned %v, %v", name, e, err)
		}
	}
}
