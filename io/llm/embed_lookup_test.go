package llm

import (
	"context"
	"slices"
	"testing"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

// TestStoredEmbeddingsCallsNothing: the lookup answers what the store has, says what
// those answers cost when they were asked, and leaves the rest (and the empty input) nil
// without a request; Embed then reports the inputs it sent and what its hits saved.
func TestStoredEmbeddingsCallsNothing(t *testing.T) {
	c, srv, _ := testClient(t, llmtest.Options{}, nil)
	all := texts("doc", 12)
	first, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: all[:10], Dimensions: 32})
	if err != nil || f != nil {
		t.Fatal(err, f)
	}
	if first.Sent != 10 || first.SavedPromptTokens != 0 {
		t.Errorf("first request: sent %d, saved %d tokens; want 10 sent, none saved", first.Sent, first.SavedPromptTokens)
	}
	before := srv.Stats().Requests
	in := append(slices.Clone(all), "", all[3])
	vecs, saved, err := c.StoredEmbeddings(context.Background(), in, 32)
	if err != nil {
		t.Fatal(err)
	}
	if n := srv.Stats().Requests - before; n != 0 {
		t.Errorf("the lookup made %d requests", n)
	}
	for i, v := range vecs {
		stored := i < 10 || i == len(in)-1
		if stored != (v != nil) || stored && !slices.Equal(v, llmtest.Vector(in[i], 32)) {
			t.Errorf("input %d (stored: %v): vector %v", i, stored, v)
		}
	}
	if &vecs[3][0] == &vecs[len(in)-1][0] {
		t.Error("a repeated input shares its vector's memory with the first")
	}
	// Each stored entry keeps its share of its request's tokens; the shares add up to the
	// request's, and a repeated input saves its tokens once.
	if saved != first.PromptTokens {
		t.Errorf("the stored vectors saved %d tokens; their request took %d", saved, first.PromptTokens)
	}
	if _, _, err := c.StoredEmbeddings(context.Background(), all, 64); err != nil {
		t.Errorf("a lookup with nothing stored at these dimensions: %v", err)
	}
	again, f, err := c.Embed(context.Background(), EmbedRequest{Inputs: all, Dimensions: 32})
	if err != nil || f != nil {
		t.Fatal(err, f)
	}
	if again.Sent != 2 || again.Cached != 10 || again.SavedPromptTokens != first.PromptTokens {
		t.Errorf("second request: sent %d, cached %d, saved %d tokens; want 2, 10, %d", again.Sent, again.Cached, again.SavedPromptTokens, first.PromptTokens)
	}
}
