package llmtest_test

import (
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

func cosine(a, b []float32) float64 {
	var dot float64
	for i := range a {
		dot += float64(a[i]) * float64(b[i])
	}
	return dot
}

func norm(v []float32) float64 { return math.Sqrt(cosine(v, v)) }

func TestEmbeddings(t *testing.T) {
	_, c := start(t, llmtest.Options{})
	texts := []string{
		"Explain how farmers in Tanzania prepare their fields before the rainy season.",
		"Explain how farmers in Kenya prepare their fields before the rainy season.",
		"Write a poem about a cat that sleeps on the roof all afternoon.",
	}
	resp, err := c.CreateEmbeddings(ctx(t), openai.EmbeddingRequestStrings{Input: texts, Model: openai.SmallEmbedding3})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Object != "list" || resp.Model != openai.SmallEmbedding3 || len(resp.Data) != 3 {
		t.Fatalf("resp = %+v", resp)
	}
	wantTokens := 0
	for _, s := range texts {
		wantTokens += (len(s) + 3) / 4
	}
	if resp.Usage.PromptTokens != wantTokens || resp.Usage.TotalTokens != wantTokens {
		t.Errorf("usage %+v, want %d prompt tokens", resp.Usage, wantTokens)
	}
	vs := make([][]float32, len(resp.Data))
	for i, d := range resp.Data {
		if d.Index != i || d.Object != "embedding" || len(d.Embedding) != llmtest.DefaultDimensions {
			t.Errorf("data[%d]: index %d, object %q, %d dims", i, d.Index, d.Object, len(d.Embedding))
		}
		if n := norm(d.Embedding); math.Abs(n-1) > 1e-5 { // float32 rounding of 256 components
			t.Errorf("data[%d]: norm %v, want 1", i, n)
		}
		if !slices.Equal(d.Embedding, llmtest.Vector(texts[i], llmtest.DefaultDimensions)) {
			t.Errorf("data[%d] is not Vector(text)", i)
		}
		vs[i] = d.Embedding
	}
	similar, unrelated := cosine(vs[0], vs[1]), cosine(vs[0], vs[2])
	if similar < 0.8 || similar <= unrelated+0.5 {
		t.Errorf("cosine: similar texts %.3f, unrelated %.3f; want similar above 0.8 and far above unrelated", similar, unrelated)
	}

	// A single string, the dimensions parameter, and determinism across calls.
	one, err := c.CreateEmbeddings(ctx(t), openai.EmbeddingRequest{Input: texts[2], Model: "e", Dimensions: 64})
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Data) != 1 || !slices.Equal(one.Data[0].Embedding, llmtest.Vector(texts[2], 64)) {
		t.Errorf("single input, 64 dims: %+v", one.Data)
	}
}

func TestEmbeddingsBase64(t *testing.T) {
	_, c := start(t, llmtest.Options{})
	resp, err := c.CreateEmbeddings(ctx(t), openai.EmbeddingRequestStrings{
		Input: []string{"habari ya asubuhi"}, Model: "e", EncodingFormat: openai.EmbeddingEncodingFormatBase64, Dimensions: 32,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Data) != 1 || !slices.Equal(resp.Data[0].Embedding, llmtest.Vector("habari ya asubuhi", 32)) {
		t.Errorf("base64 data = %+v", resp.Data)
	}
}

func TestEmbeddingsInvalid(t *testing.T) {
	_, c := start(t, llmtest.Options{})
	for name, req := range map[string]openai.EmbeddingRequestConverter{
		"tokens":         openai.EmbeddingRequestTokens{Input: [][]int{{1, 2, 3}}, Model: "e"},
		"empty string":   openai.EmbeddingRequestStrings{Input: []string{"a", ""}, Model: "e"},
		"no input":       openai.EmbeddingRequestStrings{Model: "e"},
		"dimensions":     openai.EmbeddingRequestStrings{Input: []string{"a"}, Model: "e", Dimensions: 100000},
		"context length": openai.EmbeddingRequestStrings{Input: []string{"a FAKE_CONTEXT_LENGTH"}, Model: "e"},
	} {
		_, err := c.CreateEmbeddings(ctx(t), req)
		var apiErr *openai.APIError
		if !errors.As(err, &apiErr) || apiErr.HTTPStatusCode != 400 {
			t.Errorf("%s: err = %v, want a 400", name, err)
		}
		if name == "context length" && apiErr != nil && apiErr.Code != "context_length_exceeded" {
			t.Errorf("context length: code %v", apiErr.Code)
		}
	}
}

func TestVector(t *testing.T) {
	for _, tc := range []struct {
		text string
		dims int
	}{{"a", 1}, {"", 8}, {"ab", 2}, {"Hello, world", 3}, {"ภาษาไทย", 16}} {
		v := llmtest.Vector(tc.text, tc.dims)
		if len(v) != tc.dims || math.Abs(norm(v)-1) > 1e-6 {
			t.Errorf("Vector(%q, %d) = %v: want %d dims, norm 1", tc.text, tc.dims, v, tc.dims)
		}
	}
	// Case and spacing do not matter.
	if !slices.Equal(llmtest.Vector("Hello  World", 16), llmtest.Vector("hello world", 16)) {
		t.Error("Vector depends on case or spacing")
	}
	defer func() {
		if recover() == nil {
			t.Error("Vector(_, 0) did not panic")
		}
	}()
	llmtest.Vector("x", 0)
}
