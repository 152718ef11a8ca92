package diversify

import (
	"context"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/embeddings"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/io/llm"
)

// refusingEmbedder fails a whole request, as an OpenAI-compatible server does, when any
// of its texts holds "TOO LONG" (context length) or "BROKEN" (any other bad request).
type refusingEmbedder struct{ calls int }

func (e *refusingEmbedder) Dims() int { return 2 }

func (e *refusingEmbedder) Embed(_ context.Context, texts []string) ([][]float32, error) {
	e.calls++
	for _, t := range texts {
		if strings.Contains(t, "TOO LONG") {
			return nil, &llm.Failure{Reason: llm.ReasonContextLength, Detail: "maximum context length exceeded"}
		}
		if strings.Contains(t, "BROKEN") {
			return nil, &llm.Failure{Reason: llm.ReasonBadRequest, Detail: "invalid model"}
		}
	}
	out := make([][]float32, len(texts))
	for i := range out {
		out[i] = []float32{1, 0}
	}
	return out, nil
}

func runEmbed(t *testing.T, instructions []string) (emitted []string, rejected []record.Rejected, calls int) {
	t.Helper()
	e := &refusingEmbedder{}
	fn := &embedFn{Batch: len(instructions), embedder: embedder{emb: e}}
	fn.StartBundle(context.Background(), nil, nil, nil)
	emit := func(c Candidate) { emitted = append(emitted, c.Pair.ID) }
	reject := func(r record.Rejected) { rejected = append(rejected, r) }
	for i, in := range instructions {
		p := record.Pair{ID: string(rune('a' + i)), Lang: "fi", Instruction: in}
		if err := fn.ProcessElement(context.Background(), p, emit, reject, nil); err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	if err := fn.FinishBundle(context.Background(), emit, reject, func(k string, n int) { counts[k] += n }); err != nil {
		t.Fatal(err)
	}
	if counts["diversify/in/fi"] != len(instructions) || len(emitted)+len(rejected) != len(instructions) {
		t.Fatalf("%d in, %d emitted, %d rejected: %v", len(instructions), len(emitted), len(rejected), counts)
	}
	return emitted, rejected, e.calls
}

func TestOneRefusedTextDoesNotTakeItsBatchWithIt(t *testing.T) {
	in := []string{"Explain.", "Describe.", "Summarize.", "TOO LONG", "List.", "Compare.", "Define.", "Name."}
	emitted, rejected, calls := runEmbed(t, in)
	if len(rejected) != 1 || rejected[0].ID != "d" || rejected[0].Reason != ReasonEmbeddingFailed ||
		!strings.Contains(rejected[0].Detail, llm.ReasonContextLength) {
		t.Fatalf("rejected %+v, want only pair d, for its context length", rejected)
	}
	if len(emitted) != 7 {
		t.Fatalf("emitted %v", emitted)
	}
	if calls > 1+2*3 { // the batch, then two halves per level of a log2(8) = 3 deep search
		t.Errorf("%d calls to find one bad text among 8", calls)
	}
}

func TestARequestWideFailureIsNotSplit(t *testing.T) {
	_, rejected, calls := runEmbed(t, []string{"Explain.", "BROKEN", "Describe.", "List."})
	if len(rejected) != 4 || calls != 1 {
		t.Fatalf("%d dead letters after %d calls; a bad request is the request's, not a text's: want 4 after 1", len(rejected), calls)
	}
}

// meteredEmbedder reports one request and a token per text for every call.
type meteredEmbedder struct{ refusingEmbedder }

func (e *meteredEmbedder) EmbedUsage(ctx context.Context, texts []string) ([][]float32, embeddings.Usage, error) {
	vecs, err := e.Embed(ctx, texts)
	return vecs, embeddings.Usage{Requests: 1, PromptTokens: len(texts)}, err
}

func TestAMeteredEmbeddersUsageIsCounted(t *testing.T) {
	fn := &embedFn{Batch: 2, embedder: embedder{emb: &meteredEmbedder{}}}
	fn.StartBundle(context.Background(), nil, nil, nil)
	emit := func(Candidate) {}
	for i, lang := range []string{"fi", "fi", "sw"} {
		p := record.Pair{ID: string(rune('a' + i)), Lang: lang, Instruction: "Explain."}
		if err := fn.ProcessElement(context.Background(), p, emit, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	if err := fn.FinishBundle(context.Background(), emit, nil, func(k string, n int) { counts[k] += n }); err != nil {
		t.Fatal(err)
	}
	if counts["llm/diversify/fi/requests"] != 1 || counts["llm/diversify/fi/prompt_tokens"] != 2 || counts["llm/diversify/sw/prompt_tokens"] != 1 {
		t.Errorf("counts %v", counts)
	}
}

// storedEmbedder has a store that holds the texts starting "old"; a request is a call
// with a text the store lacks.
type storedEmbedder struct{ meteredEmbedder }

func (e *storedEmbedder) Lookup(_ context.Context, texts []string) ([][]float32, embeddings.Usage, error) {
	out := make([][]float32, len(texts))
	var u embeddings.Usage
	for i, t := range texts {
		if strings.HasPrefix(t, "old") {
			out[i] = []float32{0, 1}
			u.CacheHits++
			u.SavedPromptTokens++
		}
	}
	return out, u, nil
}

func (e *storedEmbedder) EmbedUsage(ctx context.Context, texts []string) ([][]float32, embeddings.Usage, error) {
	vecs, err := e.Embed(ctx, texts)
	return vecs, embeddings.Usage{Requests: 1, Inputs: len(texts), PromptTokens: len(texts)}, err
}

// TestOnlyMissesAreSentInFullBatches: new texts scattered among stored ones cost one
// request per Batch of new texts, not one per batch that holds one, and the store's
// answers are emitted without a call.
func TestOnlyMissesAreSentInFullBatches(t *testing.T) {
	var in []string
	for i := range 40 {
		if i%5 == 2 { // 8 new texts, one in every batch of 4 and 5
			in = append(in, "new "+string(rune('a'+i)))
		} else {
			in = append(in, "old "+string(rune('a'+i)))
		}
	}
	e := &storedEmbedder{}
	look := &lookupFn{Batch: 4, embedder: embedder{emb: e, stored: e}}
	look.StartBundle(context.Background(), nil, nil, nil, nil)
	var hits []Candidate
	var misses []record.Pair
	emit := func(c Candidate) { hits = append(hits, c) }
	miss := func(lang string, p record.Pair) { misses = append(misses, p) }
	for i, text := range in {
		if err := look.ProcessElement(context.Background(), record.Pair{ID: string(rune('A' + i)), Lang: "fi", Instruction: text}, emit, miss, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	count := func(k string, n int) { counts[k] += n }
	if err := look.FinishBundle(context.Background(), emit, miss, nil, count); err != nil {
		t.Fatal(err)
	}
	if len(hits) != 32 || len(misses) != 8 || e.calls != 0 {
		t.Fatalf("lookup: %d hits, %d misses, %d calls; want 32, 8, 0", len(hits), len(misses), e.calls)
	}
	embed := &embedMissesFn{Batch: 4, embedder: embedder{emb: e, stored: e}}
	embed.StartBundle(context.Background(), nil, nil, nil)
	i := 0
	next := func(p *record.Pair) bool {
		if i == len(misses) {
			return false
		}
		*p, i = misses[i], i+1
		return true
	}
	var made []Candidate
	if err := embed.ProcessElement(context.Background(), "fi", next, func(c Candidate) { made = append(made, c) }, nil, nil); err != nil {
		t.Fatal(err)
	}
	embed.FinishBundle(context.Background(), nil, nil, count)
	if len(made) != 8 || e.calls != 2 {
		t.Errorf("embedded %d in %d calls; want the 8 new texts in 2 requests of 4", len(made), e.calls)
	}
	if counts["llm/diversify/fi/cache_hits"] != 32 || counts["llm/diversify/fi/inputs"] != 8 || counts["llm/diversify/fi/requests"] != 2 ||
		counts["llm/diversify/fi/saved_prompt_tokens"] != 32 || counts["diversify/in/fi"] != 40 {
		t.Errorf("counts %v", counts)
	}
}
