package diversify

import (
	"context"
	"fmt"

	"github.com/xinstruct/xinstruct/embeddings"
	"github.com/xinstruct/xinstruct/embeddings/local"
	"github.com/xinstruct/xinstruct/embeddings/openai"
)

// Open opens the embedder spec names, on the worker (an API key is read here, from the
// environment, never from spec). Call the returned function to release it.
func Open(ctx context.Context, spec EmbedderSpec) (embeddings.Embedder, func() error, error) {
	if err := spec.Validate(); err != nil {
		return nil, nil, err
	}
	switch spec.Kind {
	case EmbedderLocal:
		return local.New(local.Options{Dims: spec.Dims}), func() error { return nil }, nil
	case EmbedderOpenAI:
		e, err := openai.New(ctx, openai.Config{LLM: spec.LLM, Model: spec.Model, Dims: spec.Dims, BatchSize: spec.Batch})
		if err != nil {
			return nil, nil, err
		}
		return &countedOpenAI{e}, e.Close, nil
	}
	return nil, nil, fmt.Errorf("diversify: embedder %q is not available", spec.Kind)
}

// usageReporter is an embedder that reports the model usage of each call.
type usageReporter interface {
	EmbedUsage(ctx context.Context, texts []string) ([][]float32, map[string]int, error)
}

// embedBatch embeds texts, with the call's usage counters when the embedder reports them.
func embedBatch(ctx context.Context, e embeddings.Embedder, texts []string) ([][]float32, map[string]int, error) {
	if u, ok := e.(usageReporter); ok {
		return u.EmbedUsage(ctx, texts)
	}
	vecs, err := e.Embed(ctx, texts)
	return vecs, nil, err
}

// countedOpenAI reports an OpenAI embedder's usage per call in the funnel's counters
// (those of the chat stages: requests, cache_hits, retries, failures, prompt_tokens).
type countedOpenAI struct{ *openai.Embedder }

func (c *countedOpenAI) EmbedUsage(ctx context.Context, texts []string) ([][]float32, map[string]int, error) {
	before := c.Usage()
	vecs, err := c.Embed(ctx, texts)
	u := c.Usage().Sub(before)
	return vecs, map[string]int{
		"requests": int(u.Requests), "cache_hits": int(u.Cached), "retries": int(u.Attempts - u.Requests),
		"failures": int(u.Failed), "prompt_tokens": int(u.PromptTokens),
	}, err
}
