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
	register.DoFn6x1[context.Context, record.Pair, func(Candidate), func(string, record.Pair), func(record.Rejected), func(string, int), error](&lookupFn{})
	register.DoFn6x1[context.Context, string, func(*record.Pair) bool, func(Candidate), func(record.Rejected), func(string, int), error](&embedMissesFn{})
	register.Emitter1[Candidate]()
	register.Emitter1[record.Rejected]()
	register.Emitter2[string, int]()
	register.Emitter2[string, record.Pair]()
	register.Iter1[record.Pair]()
}

// Reasons of diversification's dead letters.
const (
	ReasonEmbeddingFailed  = "embedding_failed"  // the provider failed for good on the pair's batch
	ReasonEmbeddingInvalid = "embedding_invalid" // a vector of the wrong length, or not finite
)

// Embed embeds the instruction of every pair (PCollection<record.Pair>). It returns
// PCollection<Candidate>, the dead letters of pairs whose embedding failed for good
// (stage "diversify"), and counts: "diversify/in/<lang>" and, for a model endpoint,
// "llm/diversify/<lang>/<counter>". It panics at construction time if p.Embedder is
// invalid.
//
// An embedder without an endpoint (the local one) embeds in batches of p.Batch as the
// pairs come. One with an endpoint keeps its vectors in the response store: each batch
// is looked up there first, and only the misses are sent, gathered per language across
// the whole run (a GroupByKey) into requests as full as the provider takes. So a re-run
// sends as many requests as its new instructions need, however the runner bundles the
// pairs and wherever the new ones fall among the old.
func Embed(s beam.Scope, p Params, pairs beam.PCollection) (cands, rejected, counts beam.PCollection) {
	s = s.Scope("diversify.Embed")
	if err := p.Embedder.Validate(); err != nil {
		panic(fmt.Sprintf("diversify.Embed: %v", err))
	}
	spec, _ := p.Embedder.Spec() // Validate checked it
	if len(spec.Endpoint) == 0 {
		return beam.ParDo3(s, &embedFn{Spec: spec, Batch: p.Batch}, pairs)
	}
	hits, misses, lookupRejected, lookupCounts := beam.ParDo4(s, &lookupFn{Spec: spec, Batch: p.Batch}, pairs)
	made, madeRejected, madeCounts := beam.ParDo3(s, &embedMissesFn{Spec: spec, Batch: p.Batch}, beam.GroupByKey(s, misses))
	return beam.Flatten(s, hits, made), beam.Flatten(s, lookupRejected, madeRejected), beam.Flatten(s, lookupCounts, madeCounts)
}

// embedder is what the embedding DoFns share: the embedder, opened on the worker, and
// the bundle's counts.
type embedder struct {
	emb embeddings.Embedder
	// stored is emb when it keeps a store it can answer from without a call
	stored embeddings.Stored
	counts map[string]int
}

func (e *embedder) setup(ctx context.Context, spec embeddings.Spec) error {
	var err error
	e.emb, err = embeddings.Open(ctx, spec)
	e.stored, _ = e.emb.(embeddings.Stored)
	return err
}

func (e *embedder) teardown() error {
	if c, ok := e.emb.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

func (e *embedder) startBundle() { e.counts = map[string]int{} }

func (e *embedder) finishBundle(counts func(string, int)) {
	for k, n := range e.counts {
		counts(k, n)
	}
}

// embedPairs embeds one language's batch and emits its candidates or dead letters.
func (e *embedder) embedPairs(ctx context.Context, lang string, batch []record.Pair, emit func(Candidate), reject func(record.Rejected)) error {
	if len(batch) == 0 {
		return nil
	}
	texts := make([]string, len(batch))
	for i, p := range batch {
		texts[i] = p.Instruction
	}
	vecs, err := e.embed(ctx, lang, texts)
	if f, ok := llm.AsFailure(err); ok {
		// One text the provider refuses (too long, filtered) fails its whole request:
		// halve the batch until it stands alone, so that the others are not lost with it.
		if len(batch) > 1 && (f.Reason == llm.ReasonContextLength || f.Reason == llm.ReasonContentFilter) {
			half := len(batch) / 2
			if err := e.embedPairs(ctx, lang, batch[:half], emit, reject); err != nil {
				return err
			}
			return e.embedPairs(ctx, lang, batch[half:], emit, reject)
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
		e.emitVector(p, vecs[i], emit, reject)
	}
	return nil
}

// emitVector emits p's candidate, or its dead letter when v is not a usable vector.
func (e *embedder) emitVector(p record.Pair, v []float32, emit func(Candidate), reject func(record.Rejected)) {
	if why := invalidVector(v, e.emb.Dims()); why != "" {
		reject(record.RejectPair(p, Stage, ReasonEmbeddingInvalid, why))
		return
	}
	emit(Candidate{Pair: p, Vec: v})
}

// embed embeds texts, counting the call's usage when the embedder reports it.
func (e *embedder) embed(ctx context.Context, lang string, texts []string) ([][]float32, error) {
	m, ok := e.emb.(embeddings.Metered)
	if !ok {
		return e.emb.Embed(ctx, texts)
	}
	vecs, u, err := m.EmbedUsage(ctx, texts)
	e.count(lang, u)
	return vecs, err
}

// count counts usage in lang. An embedding's unit is the text: CountInputs counts the
// texts sent, CountRequests the requests that carried them, CountCacheHits the texts the
// store answered.
func (e *embedder) count(lang string, u embeddings.Usage) {
	for counter, n := range map[string]int{llm.CountRequests: u.Requests, llm.CountCacheHits: u.CacheHits,
		llm.CountRetries: u.Retries, llm.CountFailures: u.Failures, llm.CountPromptTokens: u.PromptTokens,
		funnel.CountInputs: u.Inputs, llm.CountSavedPromptTokens: u.SavedPromptTokens} {
		e.counts[funnel.LLM(Stage, lang, counter).String()] += n
	}
}

// embedFn embeds pairs in batches of Batch per language, as they come in the bundle.
type embedFn struct {
	Spec  embeddings.Spec
	Batch int

	embedder                          // unexported: Beam serializes exported DoFn fields
	buf      map[string][]record.Pair // per language, so that usage is counted per language
}

func (fn *embedFn) Setup(ctx context.Context) error { return fn.setup(ctx, fn.Spec) }

func (fn *embedFn) Teardown() error { return fn.teardown() }

func (fn *embedFn) StartBundle(context.Context, func(Candidate), func(record.Rejected), func(string, int)) {
	fn.buf = map[string][]record.Pair{}
	fn.startBundle()
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
	fn.finishBundle(counts)
	return nil
}

func (fn *embedFn) flush(ctx context.Context, lang string, emit func(Candidate), reject func(record.Rejected)) error {
	batch := fn.buf[lang]
	delete(fn.buf, lang)
	return fn.embedPairs(ctx, lang, batch, emit, reject)
}

// lookupFn looks pairs up in the embedder's store in batches of Batch per language:
// it emits the candidates of those it has, and the others keyed by their language, to
// be gathered and embedded by embedMissesFn. An embedder without a store misses all.
type lookupFn struct {
	Spec  embeddings.Spec
	Batch int

	embedder                          // unexported: Beam serializes exported DoFn fields
	buf      map[string][]record.Pair // per language
}

func (fn *lookupFn) Setup(ctx context.Context) error { return fn.setup(ctx, fn.Spec) }

func (fn *lookupFn) Teardown() error { return fn.teardown() }

func (fn *lookupFn) StartBundle(context.Context, func(Candidate), func(string, record.Pair), func(record.Rejected), func(string, int)) {
	fn.buf = map[string][]record.Pair{}
	fn.startBundle()
}

func (fn *lookupFn) ProcessElement(ctx context.Context, p record.Pair, emit func(Candidate), miss func(string, record.Pair), reject func(record.Rejected), _ func(string, int)) error {
	fn.counts[funnel.In(Stage, p.Lang).String()]++
	fn.buf[p.Lang] = append(fn.buf[p.Lang], p)
	if len(fn.buf[p.Lang]) < fn.Batch {
		return nil
	}
	return fn.flush(ctx, p.Lang, emit, miss, reject)
}

func (fn *lookupFn) FinishBundle(ctx context.Context, emit func(Candidate), miss func(string, record.Pair), reject func(record.Rejected), counts func(string, int)) error {
	for _, lang := range slices.Sorted(maps.Keys(fn.buf)) {
		if err := fn.flush(ctx, lang, emit, miss, reject); err != nil {
			return err
		}
	}
	fn.finishBundle(counts)
	return nil
}

func (fn *lookupFn) flush(ctx context.Context, lang string, emit func(Candidate), miss func(string, record.Pair), reject func(record.Rejected)) error {
	batch := fn.buf[lang]
	delete(fn.buf, lang)
	if fn.stored == nil {
		for _, p := range batch {
			miss(lang, p)
		}
		return nil
	}
	texts := make([]string, len(batch))
	for i, p := range batch {
		texts[i] = p.Instruction
	}
	vecs, u, err := fn.stored.Lookup(ctx, texts)
	if err != nil {
		return fmt.Errorf("diversify: looking up %d embeddings in the store: %w", len(texts), err)
	}
	fn.count(lang, u)
	for i, p := range batch {
		if vecs[i] == nil {
			miss(lang, p)
		} else {
			fn.emitVector(p, vecs[i], emit, reject)
		}
	}
	return nil
}

// embedMissesFn embeds one language's pairs that the store did not have, in batches of
// Batch: every request but the language's last is full.
type embedMissesFn struct {
	Spec  embeddings.Spec
	Batch int

	embedder // unexported: Beam serializes exported DoFn fields
}

func (fn *embedMissesFn) Setup(ctx context.Context) error { return fn.setup(ctx, fn.Spec) }

func (fn *embedMissesFn) Teardown() error { return fn.teardown() }

func (fn *embedMissesFn) StartBundle(context.Context, func(Candidate), func(record.Rejected), func(string, int)) {
	fn.startBundle()
}

func (fn *embedMissesFn) ProcessElement(ctx context.Context, lang string, pairs func(*record.Pair) bool, emit func(Candidate), reject func(record.Rejected), _ func(string, int)) error {
	var batch []record.Pair
	var p record.Pair
	for pairs(&p) {
		if batch = append(batch, p); len(batch) == fn.Batch {
			if err := fn.embedPairs(ctx, lang, batch, emit, reject); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return fn.embedPairs(ctx, lang, batch, emit, reject)
}

func (fn *embedMissesFn) FinishBundle(_ context.Context, _ func(Candidate), _ func(record.Rejected), counts func(string, int)) {
	fn.finishBundle(counts)
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
