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
	fn := &embedFn{Batch: len(instructions), emb: e}
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
	fn := &embedFn{Batch: 2, emb: &meteredEmbedder{}}
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
