package local

import (
	"context"
	"fmt"

	"github.com/xinstruct/xinstruct/embeddings"
)

// Kind is the name this provider registers under: embeddings.Open(ctx,
// embeddings.Spec{Kind: "local", Dims: 256}) returns New(Options{Dims: 256}). The spec's
// Model, Batch and Endpoint are ignored; Seed is DefaultSeed.
const Kind = "local"

func init() { embeddings.Register(Kind, provider{}) }

type provider struct{}

func (provider) Validate(s embeddings.Spec) error {
	if s.Dims < 0 {
		return fmt.Errorf("local embeddings: dims %d is negative", s.Dims)
	}
	return nil
}

func (provider) Open(_ context.Context, s embeddings.Spec) (embeddings.Embedder, error) {
	return New(Options{Dims: s.Dims}), nil
}
