package openai

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync/atomic"

	"golang.org/x/sync/errgroup"

	"github.com/xinstruct/xinstruct/embeddings"
	"github.com/xinstruct/xinstruct/io/llm"
)

var _ embeddings.Stored = (*Embedder)(nil)

// Embedder is the OpenAI-compatible embeddings.Embedder. It is safe for concurrent use;
// create it with New (in a DoFn's Setup) and Close it (in Teardown).
type Embedder struct {
	cfg    Config
	client *llm.Client
	dims   atomic.Int64 // Config.Dims, or the model's length once learned; 0: not yet known
	usage  usageCounter
}

// New opens an Embedder for cfg, reading the API key cfg.LLM.APIKeySecret refers to, as llm.New does.
func New(ctx context.Context, cfg Config) (*Embedder, error) {
	if cfg.BatchSize == 0 {
		cfg.BatchSize = DefaultBatchSize
	}
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("openai embeddings: %v", err)
	}
	client, err := llm.New(ctx, cfg.llmConfig())
	if err != nil {
		return nil, fmt.Errorf("openai embeddings: %w", err)
	}
	e := &Embedder{cfg: cfg, client: client}
	e.dims.Store(int64(cfg.Dims))
	return e, nil
}

// Close releases the response store.
func (e *Embedder) Close() error { return e.client.Close() }

// Dims returns the length of every vector Embed returns: Config.Dims, or when that is 0,
// the model's length once an Embed call has returned a vector (0 before).
func (e *Embedder) Dims() int { return int(e.dims.Load()) }

// Usage returns what the Embedder's calls that have returned took.
func (e *Embedder) Usage() Usage { return e.usage.load() }

// Embed returns one L2-normalised vector of length Dims per text, in input order; the zero
// vector for a text that is empty or only white space. Texts go in batches of
// Config.BatchSize, sent concurrently up to LLM.MaxInFlight. An error wrapping an
// *llm.Failure is a batch's permanent failure; see the package documentation.
func (e *Embedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	vecs, _, err := e.EmbedUsage(ctx, texts)
	return vecs, err
}

// EmbedUsage is Embed, also returning what this call took (Usage adds up every call's):
// requests and retries count batches sent, cache hits count texts.
func (e *Embedder) EmbedUsage(ctx context.Context, texts []string) ([][]float32, embeddings.Usage, error) {
	var call usageCounter
	vecs, err := e.embed(ctx, texts, &call)
	u := call.load()
	e.usage.add(u)
	return vecs, embeddings.Usage{Requests: int(u.Requests), CacheHits: int(u.Cached), Retries: int(u.Attempts - u.Requests),
		Failures: int(u.Failed), PromptTokens: int(u.PromptTokens), Inputs: int(u.Sent), SavedPromptTokens: int(u.SavedPromptTokens)}, err
}

// Lookup returns the stored vector of each text, L2-normalised as Embed returns it (nil
// where the store has none, and for a text that is empty or only white space, which
// Embed answers without the store), and what the hits saved. It calls no model.
func (e *Embedder) Lookup(ctx context.Context, texts []string) ([][]float32, embeddings.Usage, error) {
	vecs, saved, err := e.client.StoredEmbeddings(ctx, texts, e.cfg.Dims)
	if err != nil {
		return nil, embeddings.Usage{}, fmt.Errorf("openai embeddings: %w", err)
	}
	u := embeddings.Usage{SavedPromptTokens: saved}
	for i, v := range vecs {
		if v == nil {
			continue
		}
		if strings.TrimSpace(texts[i]) == "" {
			vecs[i] = nil
			continue
		}
		if err := e.checkDims(len(v)); err != nil {
			return nil, embeddings.Usage{}, err
		}
		normalize(v)
		u.CacheHits++
	}
	e.usage.add(Usage{Texts: int64(len(texts)), Cached: int64(u.CacheHits), SavedPromptTokens: int64(saved)})
	return vecs, u, nil
}

// embed is Embed, counting the call's usage in call.
func (e *Embedder) embed(ctx context.Context, texts []string, call *usageCounter) ([][]float32, error) {
	call.texts.Add(int64(len(texts)))
	var work []int // texts with something to embed
	for i, t := range texts {
		if strings.TrimSpace(t) != "" {
			work = append(work, i)
		}
	}
	out := make([][]float32, len(texts))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(e.client.Config().MaxInFlight)
	for start := 0; start < len(work); start += e.cfg.BatchSize {
		batch := work[start:min(start+e.cfg.BatchSize, len(work))]
		g.Go(func() error { return e.embedBatch(gctx, texts, batch, out, call) })
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if len(work) == len(texts) {
		return out, nil
	}
	dims := e.Dims()
	if dims == 0 {
		return nil, errors.New("openai embeddings: the zero vector of an empty text needs the model's length, unknown before its first answer: set Config.Dims")
	}
	for i, v := range out {
		if v == nil {
			out[i] = make([]float32, dims)
		}
	}
	return out, nil
}

// embedBatch embeds texts[i] for each i in batch into out[i], counting usage in call.
func (e *Embedder) embedBatch(ctx context.Context, texts []string, batch []int, out [][]float32, call *usageCounter) error {
	inputs := make([]string, len(batch))
	for j, i := range batch {
		inputs[j] = texts[i]
	}
	reply, f, err := e.client.Embed(ctx, llm.EmbedRequest{Inputs: inputs, Dimensions: e.cfg.Dims})
	call.addBatch(reply, err != nil || f != nil)
	switch {
	case err != nil:
		return fmt.Errorf("openai embeddings: %w", err)
	case f != nil:
		return fmt.Errorf("openai embeddings: batch of %d texts: %w", len(inputs), f)
	}
	for j, v := range reply.Vectors {
		if err := e.checkDims(len(v)); err != nil {
			call.failed.Add(1)
			return err
		}
		normalize(v)
		out[batch[j]] = v
	}
	return nil
}

// checkDims learns the model's length from the first vector when Config.Dims is 0, and
// holds every vector to it. (With Dims > 0 the LLM layer has checked already.) Vectors of
// another length can only come from a store that holds another model's vectors under this
// model's name, or a server that changed its model.
func (e *Embedder) checkDims(n int) error {
	if e.dims.CompareAndSwap(0, int64(n)) {
		return nil
	}
	if want := e.Dims(); n != want {
		return fmt.Errorf("openai embeddings: a vector of %d entries, where earlier ones had %d: did the model behind %q change?", n, want, e.client.Config().Model)
	}
	return nil
}

// normalize scales v to unit length in place:
//
//	v / ‖v‖,
//
// with the norm accumulated in float64. OpenAI's vectors are unit already (to float32
// rounding); other servers' need not be. The zero vector stays zero.
func normalize(v []float32) {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	if ss == 0 {
		return
	}
	n := math.Sqrt(ss)
	for i, x := range v {
		v[i] = float32(float64(x) / n)
	}
}
