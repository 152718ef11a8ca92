package diversify

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/embeddings"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func init() {
	register.DoFn5x1[context.Context, record.Pair, func(Candidate), func(record.Rejected), func(string, int), error](&embedFn{})
	register.Emitter1[Candidate]()
	register.Emitter1[record.Rejected]()
	register.Emitter2[string, int]()
}

// Reasons of diversification's dead letters.
const (
	ReasonEmbeddingFailed  = "embedding_failed"  // the provider failed for good on the pair's batch
	ReasonEmbeddingInvalid = "embedding_invalid" // a vector of the wrong length, or not finite
)

// Embed embeds the instruction of every pair (PCollection<record.Pair>) in batches of
// p.Batch per call. It returns PCollection<Candidate>, the dead letters of pairs whose
// embedding failed for good (stage "diversify"), and counts: "diversify/in/<lang>" and,
// for a model endpoint, "llm/diversify/<lang>/<counter>".
// It panics at construction time if p.Embedder is invalid.
func Embed(s beam.Scope, p Params, pairs beam.PCollection) (cands, rejected, counts beam.PCollection) {
	s = s.Scope("diversify.Embed")
	if err := p.Embedder.Validate(); err != nil {
		panic(fmt.Sprintf("diversify.Embed: %v", err))
	}
	spec, _ := p.Embedder.Spec() // Validate checked it
	return beam.ParDo3(s, &embedFn{Spec: spec, Batch: p.Batch}, pairs)
}

type embedFn struct {
	Spec  embeddings.Spec
	Batch int

	emb    embeddings.Embedder      // unexported: Beam serializes exported DoFn fields
	buf    map[string][]record.Pair // per language, so that usage is counted per language
	counts map[string]int
}

func (fn *embedFn) Setup(ctx context.Context) error {
	var err error
	fn.emb, err = embeddings.Open(ctx, fn.Spec)
	return err
}

func (fn *embedFn) Teardown() error {
	if c, ok := fn.emb.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func (fn *embedFn) StartBundle(context.Context, func(Candidate), func(record.Rejected), func(string, int)) {
	fn.buf, fn.counts = map[string][]record.Pair{}, map[string]int{}
}

func (fn *embedFn) ProcessElement(ctx context.Context, p record.Pair, emit func(Candidate), reject func(record.Rejected), _ func(string, int)) error {
	fn.counts[funnel.In(Stage, p.Lang).String()]++
	fn.buf[p.Lang] = append(fn.buf[p.Lang], p)
	if len(fn.buf[p.Lang]) < fn.Batch {
		return nil
	}
	return fn.flush(ctx, p.Lang, emit, reject)
}

func (fn *embedFn) FinishBundle(ctx context.Context, emit func(Candidate), reject func(record.Rejected), counts func(string, int)) error {
	for _, lang := range slices.Sorted(maps.Keys(fn.buf)) {
		if err := fn.flush(ctx, lang, emit, reject); err != nil {
			return err
		}
	}
	for k, n := range fn.counts {
		counts(k, n)
	}
	return nil
}

func (fn *embedFn) flush(ctx context.Context, lang string, emit func(Candidate), reject func(record.Rejected)) error {
	batch := fn.buf[lang]
	delete(fn.buf, lang)
	return fn.embedPairs(ctx, lang, batch, emit, reject)
}

// embedPairs embeds one language's batch and emits its candidates or dead letters.
func (fn *embedFn) embedPairs(ctx context.Context, lang string, batch []record.Pair, emit func(Candidate), reject func(record.Rejected)) error {
	if len(batch) == 0 {
		return nil
	}
	texts := make([]string, len(batch))
	for i, p := range batch {
		texts[i] = p.Instruction
	}
	vecs, err := fn.embed(ctx, lang, texts)
	if f, ok := llm.AsFailure(err); ok {
		// One text the provider refuses (too long, filtered) fails its whole request:
		// halve the batch until it stands alone, so that the others are not lost with it.
		if len(batch) > 1 && (f.Reason == llm.ReasonContextLength || f.Reason == llm.ReasonContentFilter) {
			half := len(batch) / 2
			if err := fn.embedPairs(ctx, lang, batch[:half], emit, reject); err != nil {
				return err
			}
			return fn.embedPairs(ctx, lang, batch[half:], emit, reject)
		}
		// Any other permanent failure (not a transient fault, which the LLM layer
		// retried): dead letters, so that the run can go on.
		for _, p := range batch {
			reject(record.RejectPair(p, Stage, ReasonEmbeddingFailed, f.Error()))
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("diversify: embedding %d instructions: %w", len(texts), err)
	}
	if len(vecs) != len(texts) {
		return fmt.Errorf("diversify: the embedder returned %d vectors for %d texts", len(vecs), len(texts))
	}
	for i, p := range batch {
		if why := invalidVector(vecs[i], fn.emb.Dims()); why != "" {
			reject(record.RejectPair(p, Stage, ReasonEmbeddingInvalid, why))
			continue
		}
		emit(Candidate{Pair: p, Vec: vecs[i]})
	}
	return nil
}

// embed embeds texts, counting the call's usage when the embedder reports it.
func (fn *embedFn) embed(ctx context.Context, lang string, texts []string) ([][]float32, error) {
	m, ok := fn.emb.(embeddings.Metered)
	if !ok {
		return fn.emb.Embed(ctx, texts)
	}
	vecs, u, err := m.EmbedUsage(ctx, texts)
	for counter, n := range map[string]int{llm.CountRequests: u.Requests, llm.CountCacheHits: u.CacheHits,
		llm.CountRetries: u.Retries, llm.CountFailures: u.Failures, llm.CountPromptTokens: u.PromptTokens} {
		fn.counts[funnel.LLM(Stage, lang, counter).String()] += n
	}
	return vecs, err
}

// invalidVector says what is wrong with v, or "".
func invalidVector(v []float32, dims int) string {
	if len(v) != dims {
		return fmt.Sprintf("vector of length %d, want %d", len(v), dims)
	}
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return "vector with a value that is not finite"
		}
	}
	return ""
}
