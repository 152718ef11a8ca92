package llm

import (
	"context"
	"fmt"
	"slices"
)

// StoredEmbeddings returns the stored vector of each input (nil where the store has
// none, and for an empty input) for the given dimensions, and the prompt tokens the
// stored ones took when they were asked: what answering them from the store saved. It
// calls no model, and a miss is not an error, offline or not.
//
// A caller that batches inputs looks them up first and sends only the misses, in full
// requests: then how many requests a re-run makes depends on how many inputs are new,
// not on how the new ones fall among the old in the batches.
func (c *Client) StoredEmbeddings(ctx context.Context, inputs []string, dims int) (vectors [][]float32, savedPromptTokens int, err error) {
	defer func() { err = c.redact.error(err) }()
	if dims < 0 {
		return nil, 0, fmt.Errorf("llm: embedding dimensions %d is negative", dims)
	}
	texts, slot := distinct(inputs)
	keys := make([]string, len(texts))
	for i, t := range texts {
		keys[i] = c.embedKey(t, dims)
	}
	hits, err := c.lookupVectors(ctx, keys, dims)
	if err != nil {
		return nil, 0, err
	}
	vectors = make([][]float32, len(inputs))
	taken := make([]bool, len(texts))
	for i, s := range slot {
		switch v := hits.vectors[s]; {
		case v == nil || inputs[i] == "":
		case taken[s]: // a repeated input gets its own copy: the caller may scale it in place
			vectors[i] = slices.Clone(v)
		default:
			vectors[i], taken[s] = v, true
		}
	}
	return vectors, hits.promptTokens, nil
}
