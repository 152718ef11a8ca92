package openai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/xinstruct/xinstruct/embeddings"
)

// Kind is the name this provider registers under. Through embeddings.Open, a Spec's
// Model, Dims and Batch are Config's Model, Dims and BatchSize, and its Endpoint is
// Config.LLM as JSON; SpecFor builds such a Spec.
const Kind = "openai"

func init() { embeddings.Register(Kind, provider{}) }

// SpecFor returns the embeddings.Spec that opens an Embedder for cfg. It fails only if
// cfg.LLM cannot be encoded as JSON (a price or budget that is not a finite number).
func SpecFor(cfg Config) (embeddings.Spec, error) {
	endpoint, err := json.Marshal(cfg.LLM)
	if err != nil {
		return embeddings.Spec{}, fmt.Errorf("openai embeddings: %w", err)
	}
	return embeddings.Spec{Kind: Kind, Model: cfg.Model, Dims: cfg.Dims, Batch: cfg.BatchSize, Endpoint: endpoint}, nil
}

// configFor is the Config a Spec stands for.
func configFor(s embeddings.Spec) (Config, error) {
	cfg := Config{Model: s.Model, Dims: s.Dims, BatchSize: s.Batch}
	if len(s.Endpoint) == 0 {
		return cfg, errors.New("openai embeddings: the spec has no endpoint (an llm.Config: base URL, limits, store)")
	}
	if err := json.Unmarshal(s.Endpoint, &cfg.LLM); err != nil {
		return cfg, fmt.Errorf("openai embeddings: the spec's endpoint is not an llm.Config: %w", err)
	}
	return cfg, nil
}

type provider struct{}

func (provider) Validate(s embeddings.Spec) error {
	cfg, err := configFor(s)
	if err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("openai embeddings: %v", err)
	}
	if err := cfg.llmConfig().Validate(); err != nil {
		return fmt.Errorf("openai embeddings: %w", err)
	}
	return nil
}

func (provider) Open(ctx context.Context, s embeddings.Spec) (embeddings.Embedder, error) {
	cfg, err := configFor(s)
	if err != nil {
		return nil, err
	}
	e, err := New(ctx, cfg)
	if err != nil {
		return nil, err // not a nil *Embedder in a non-nil interface
	}
	return e, nil
}
