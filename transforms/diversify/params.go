// Package diversify selects a diverse, fixed-size set of pairs per language: it embeds
// the English instructions, clusters them per language with k-means, and samples
// exactly N pairs per language across the clusters (X-Instruction's stage 3).
package diversify

import (
	"encoding/json"
	"fmt"

	"github.com/xinstruct/xinstruct/embeddings"
	"github.com/xinstruct/xinstruct/internal/diversity"
	"github.com/xinstruct/xinstruct/io/llm"
)

// Stage names diversification in the funnel, the dead letters and the usage counts.
const Stage = "diversify"

// Defaults of Params.
const (
	DefaultPerLanguage = 32000
	// DefaultClusters makes many small clusters: 32 pairs each at 32k per language, about
	// 100 candidates each in a 100k fit sample (README: "Choosing --clusters").
	DefaultClusters  = 1000
	DefaultFitSample = 100000
	DefaultIters     = 50
	DefaultTol       = 1e-4
	// DefaultSeedSample bounds k-means++, which reads its candidates once per centroid
	// (memory-bound): measured at k = 1000 on 40k candidates, seeding from 10k costs
	// about 5 Lloyd iterations (from 20k, 14) and ends 0.1% higher in inertia.
	DefaultSeedSample = 10000
	DefaultBatch      = 256
)

// Params configure Diversify.
type Params struct {
	Embedder    EmbedderSpec `json:"embedder"`
	PerLanguage int          `json:"per_language"` // N: pairs selected per language
	Clusters    int          `json:"clusters"`     // k per language (fewer when the fit sample is smaller)
	FitSample   int          `json:"fit_sample"`   // candidates per language k-means is fitted on
	SeedSample  int          `json:"seed_sample"`  // candidates k-means++ seeds from
	Iters       int          `json:"kmeans_iters"` // maximum Lloyd iterations
	Tol         float64      `json:"kmeans_tol"`   // stop when the inertia improves by less, relative; 0 = run Iters
	Seed        uint64       `json:"seed"`         // makes the fit sample, seeding, tie-breaks and random baseline reproducible
	Batch       int          `json:"batch"`        // instructions per embedding call and rows per assignment block
	// WithinCluster is the rule a cluster gives its pairs by (diversity.Order*).
	WithinCluster string `json:"within_cluster"`
}

// DefaultParams returns the defaults: the local embedder, 32k per language.
func DefaultParams() Params {
	return Params{
		Embedder:    EmbedderSpec{Kind: EmbedderLocal},
		PerLanguage: DefaultPerLanguage,
		Clusters:    DefaultClusters,
		FitSample:   DefaultFitSample,
		SeedSample:  DefaultSeedSample,
		Iters:       DefaultIters,
		Tol:         DefaultTol,
		Seed:        1,
		Batch:       DefaultBatch,

		WithinCluster: diversity.OrderSpread,
	}
}

// Validate reports the first thing wrong with p, in terms of the flags.
func (p Params) Validate() error {
	switch {
	case p.PerLanguage < 1:
		return fmt.Errorf("--per_language=%d: want ≥ 1", p.PerLanguage)
	case p.Clusters < 1:
		return fmt.Errorf("--clusters=%d: want ≥ 1", p.Clusters)
	case p.FitSample < p.Clusters:
		return fmt.Errorf("--fit_sample=%d: want ≥ --clusters (%d)", p.FitSample, p.Clusters)
	case p.SeedSample < 0:
		return fmt.Errorf("seed sample %d: want ≥ 0", p.SeedSample)
	case p.Iters < 0:
		return fmt.Errorf("--kmeans_iters=%d: want ≥ 0", p.Iters)
	case p.Tol < 0 || p.Tol != p.Tol:
		return fmt.Errorf("k-means tolerance %v: want ≥ 0", p.Tol)
	case p.Batch < 1:
		return fmt.Errorf("--embed_batch=%d: want ≥ 1", p.Batch)
	}
	if err := diversity.ValidateOrder(p.WithinCluster); err != nil {
		return err
	}
	return p.Embedder.Validate()
}

// EmbedderSpec says which embeddings.Embedder to open on the worker, in the flags'
// terms: Kind is --embedder, a provider the binary imports (embeddings/local and
// embeddings/openai register EmbedderLocal and EmbedderOpenAI). It holds no secret: the
// API key of an "openai" embedder is read from the environment in Setup.
type EmbedderSpec struct {
	Kind  string     `json:"kind"`  // EmbedderLocal or EmbedderOpenAI
	Model string     `json:"model"` // openai: the embedding model
	Dims  int        `json:"dims"`  // local: vector length (0 = 256); openai: requested dimensions (0 = the model's)
	Batch int        `json:"batch"` // openai: texts per request (0 = 64)
	LLM   llm.Config `json:"llm"`   // openai: endpoint, limits, retries, store
}

// Embedder kinds of the generate pipeline, as their providers register them.
const (
	EmbedderLocal  = "local"
	EmbedderOpenAI = "openai"
)

// Validate reports what is wrong with e, as its provider sees it.
func (e EmbedderSpec) Validate() error {
	spec, err := e.Spec()
	if err == nil {
		err = spec.Validate()
	}
	if err != nil {
		return fmt.Errorf("--embedder=%s (--embedding_model=%q, --embedding_dims=%d): %w", e.Kind, e.Model, e.Dims, err)
	}
	return nil
}

// Spec is e as embeddings.Open takes it: LLM, when set, is the spec's Endpoint. It fails
// only if LLM cannot be encoded as JSON (a price or budget that is not a finite number).
func (e EmbedderSpec) Spec() (embeddings.Spec, error) {
	spec := embeddings.Spec{Kind: e.Kind, Model: e.Model, Dims: e.Dims, Batch: e.Batch}
	if e.LLM != (llm.Config{}) {
		endpoint, err := json.Marshal(e.LLM)
		if err != nil {
			return embeddings.Spec{}, err
		}
		spec.Endpoint = endpoint
	}
	return spec, nil
}
