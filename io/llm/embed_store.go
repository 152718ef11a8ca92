package llm

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/xinstruct/xinstruct/io/llm/store"
)

// storeParallelism bounds one Embed call's concurrent store reads and writes: on gs://
// each is a round trip, and a batch holds tens of inputs.
const storeParallelism = 16

// An input's vector is stored in Entry.Embedding, as JSON floats: Go writes a float32 as
// the shortest decimal that reads back to the same bits, so nothing is lost, and the entry
// stays readable with jq. Base64 would be about half the size (some 8 KB against 15 KB for
// 1536 dimensions), which is not worth a second encoding in the store's schema.

// found is what the store holds of one request's inputs.
type found struct {
	vectors     [][]float32 // per key; nil: not stored
	placeholder bool        // some vector came from the project's fake server
	// promptTokens adds up the stored vectors' prompt tokens: what asking for them took
	// when they were asked, and so what the store saved
	promptTokens int
}

// lookupVectors reads the stored vectors of keys. Like Chat, it treats a corrupt entry as
// a miss online (the new answer replaces it) and as an error offline; an entry without a
// usable vector of the right length counts as corrupt.
func (c *Client) lookupVectors(ctx context.Context, keys []string, dims int) (found, error) {
	vecs := make([][]float32, len(keys))
	placeholder := make([]bool, len(keys))
	tokens := make([]int, len(keys))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(storeParallelism)
	for i, key := range keys {
		g.Go(func() error {
			e, ok, err := c.store.Get(gctx, key)
			if err == nil && ok && e.Placeholder == c.cfg.Placeholder {
				v, usable := storedVector(e, dims)
				if usable {
					vecs[i], placeholder[i], tokens[i] = v, e.Placeholder, e.PromptTokens
					return nil
				}
				err = &store.CorruptError{Path: key, Err: fmt.Errorf("no usable vector of %d dimensions", dims)}
			}
			if err != nil && !(store.IsCorrupt(err) && !c.cfg.Offline) {
				return fmt.Errorf("llm: reading the response store: %v", err)
			}
			if err != nil {
				slog.Warn("llm: corrupt response store entry; asking the model again", "error", c.redact.string(err.Error()))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return found{}, err
	}
	f := found{vectors: vecs}
	for i, p := range placeholder {
		f.placeholder = f.placeholder || p
		f.promptTokens += tokens[i]
	}
	return f, nil
}

// storedVector returns e's vector if it is one non-empty vector of dims entries (any
// length when dims is 0).
func storedVector(e store.Entry, dims int) ([]float32, bool) {
	if len(e.Embedding) != 1 {
		return nil, false
	}
	v := e.Embedding[0]
	return v, len(v) > 0 && (dims == 0 || len(v) == dims)
}

// storeVectors stores got's vectors, the vector of texts[misses[j]] under keys[misses[j]].
// The API reports usage per request, not per input, so each entry's prompt tokens are its
// share of the request's, in proportion to its length: the shares add up to the total.
func (c *Client) storeVectors(ctx context.Context, got fetched, keys []string, misses []int) error {
	shares := tokenShares(got.promptTokens, got.inputs)
	now := time.Now().UTC()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(storeParallelism)
	for j, i := range misses {
		e := store.Entry{Key: keys[i], Model: c.cfg.Model, ResponseModel: got.model, PromptTokens: shares[j],
			Embedding: [][]float32{got.vectors[j]}, CreatedAt: now, Placeholder: c.cfg.Placeholder, Endpoint: c.endpoint()}
		g.Go(func() error {
			if err := c.store.Put(gctx, e); err != nil {
				return fmt.Errorf("llm: writing the response store: %v", err)
			}
			return nil
		})
	}
	return g.Wait()
}

// tokenShares splits total among inputs in proportion to their approximate tokens; the
// last takes the rounding remainder.
func tokenShares(total int, inputs []string) []int {
	shares := make([]int, len(inputs))
	weight := approxInputTokens(inputs)
	if len(inputs) == 0 || weight == 0 {
		return shares
	}
	left := total
	for i, in := range inputs[:len(inputs)-1] {
		shares[i] = total * approxInputTokens([]string{in}) / weight
		left -= shares[i]
	}
	shares[len(inputs)-1] = left
	return shares
}
