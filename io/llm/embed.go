package llm

import (
	"context"
	"fmt"
	"slices"
)

// ReasonBadEmbedding is the dead-letter reason of an answer whose vectors have the wrong
// length: the server ignores "dimensions", or serves another model than asked for.
const ReasonBadEmbedding = "llm_bad_embedding"

// EmbedRequest is one embeddings call, to the Client's model.
type EmbedRequest struct {
	Inputs []string // non-empty texts (the API refuses empty ones); a repeated text is sent once
	// Dimensions asks the server to shorten the vectors to this length ("dimensions":
	// text-embedding-3 and later; other models refuse it). 0 = the model's own length.
	Dimensions int
}

// EmbedReply is the vectors of an EmbedRequest, and what getting them took.
type EmbedReply struct {
	Vectors      [][]float32 // one per input, in input order, as the server sent them; the caller owns them
	Cached       int         // inputs answered from the store
	PromptTokens int         // tokens the server counted for the inputs sent to it (0 if none were)
	Attempts     int         // HTTP requests made (0: all from the store, or refused by the budget)
	Retries      int         // transient failures retried
	Placeholder  bool        // some vector came from the project's fake server

	Sent int // distinct inputs sent to the server (0 if the store had them all)
	// SavedPromptTokens adds up the prompt tokens the distinct inputs answered from the
	// store took when they were asked: what the store saved this request
	SavedPromptTokens int
}

// embedKey is the store key of one input's vector. Every input has its own entry, so a
// re-run batched differently, or a batch that overlaps an earlier one, pays only for the
// inputs never embedded before. Kind "embedding" keeps it apart from every chat key.
func (c *Client) embedKey(input string, dims int) string {
	return keyMaterial{Kind: "embedding", Model: c.cfg.Model, Inputs: []string{input}, Dims: dims, StandIn: c.cfg.Placeholder}.key()
}

// Embed returns the model's vectors for r.Inputs: each from the store when it has it;
// the others from one request for just those, stored (one entry per input) before Embed
// returns. It goes the way Chat does (offline mode, budget, rate limits counting the
// inputs' approximate tokens, concurrency slots, retries), and its errors mean what
// Chat's mean: a *Failure is a permanent failure of the whole request (dead-letter its
// inputs); any other error is the job's environment (the store, offline mode, a bad
// request shape) and should fail the bundle.
func (c *Client) Embed(ctx context.Context, r EmbedRequest) (reply EmbedReply, f *Failure, err error) {
	defer func() { f, err = c.redact.failure(f), c.redact.error(err) }()
	if r.Dimensions < 0 {
		return EmbedReply{}, nil, fmt.Errorf("llm: embedding dimensions %d is negative", r.Dimensions)
	}
	if i := slices.Index(r.Inputs, ""); i >= 0 {
		return EmbedReply{}, nil, fmt.Errorf("llm: embedding input %d is empty: the API refuses empty inputs", i)
	}
	texts, slot := distinct(r.Inputs)
	keys := make([]string, len(texts))
	for i, t := range texts {
		keys[i] = c.embedKey(t, r.Dimensions)
	}
	hits, err := c.lookupVectors(ctx, keys, r.Dimensions)
	if err != nil {
		return EmbedReply{}, nil, err
	}
	vecs := hits.vectors
	reply = EmbedReply{Placeholder: hits.placeholder, SavedPromptTokens: hits.promptTokens}
	for _, s := range slot {
		if vecs[s] != nil {
			reply.Cached++
		}
	}
	var misses []int // into texts
	for i, v := range vecs {
		if v == nil {
			misses = append(misses, i)
		}
	}
	if len(misses) > 0 {
		if c.cfg.Offline {
			return EmbedReply{}, nil, fmt.Errorf("llm: offline, and the response store %s has no embedding for %d of %d inputs (the first is request %s, model %s, dimensions %d): run once online, or point --response_store at the store that has them",
				c.cfg.Store, len(misses), len(texts), keys[misses[0]][:16], c.cfg.Model, r.Dimensions)
		}
		missing := make([]string, len(misses))
		for j, i := range misses {
			missing[j] = texts[i]
		}
		reply.Sent = len(missing)
		got, f, err := c.fetchVectors(ctx, missing, r.Dimensions, &reply)
		if err != nil || f != nil {
			return reply, f, err
		}
		defer got.release()
		for j, i := range misses {
			vecs[i] = got.vectors[j]
		}
		if err := c.storeVectors(ctx, got, keys, misses); err != nil {
			return EmbedReply{}, nil, err
		}
		reply.Placeholder = reply.Placeholder || c.cfg.Placeholder
	}
	reply.Vectors = make([][]float32, len(r.Inputs))
	taken := make([]bool, len(texts))
	for i, s := range slot {
		if taken[s] { // a repeated input gets its own copy: the caller may scale it in place
			reply.Vectors[i] = slices.Clone(vecs[s])
		} else {
			reply.Vectors[i], taken[s] = vecs[s], true
		}
	}
	return reply, nil, nil
}

// fetchVectors asks the server for the vectors of inputs, under the budget, and fills
// reply's usage. On success the slot is held until fetched.release is called.
func (c *Client) fetchVectors(ctx context.Context, inputs []string, dims int, reply *EmbedReply) (fetched, *Failure, error) {
	tokens := approxInputTokens(inputs)
	worst := c.cfg.Price.Cost(tokens, 0)
	if err := c.budget.reserve(ctx, worst); err != nil {
		if f, ok := AsFailure(err); ok {
			return fetched{}, f, nil
		}
		return fetched{}, nil, err
	}
	ans, retries, release, f, err := withRetries(ctx, c, tokens, c.callEmbeddings(inputs, dims), classifyEmbedding)
	reply.Attempts, reply.Retries = retries+1, retries
	if err != nil || f != nil {
		release()
		c.budget.settle(worst, 0)
		if f != nil {
			f.Detail = fmt.Sprintf("%s (after %d retries)", f.Detail, retries)
		}
		return fetched{}, f, err
	}
	c.budget.settle(worst, c.cfg.Price.Cost(ans.promptTokens, 0))
	reply.PromptTokens = ans.promptTokens
	return fetched{embedAnswer: ans, inputs: inputs, release: release}, nil, nil
}

// fetched is a successful call's answer, with the concurrency slot it still holds: the
// slot is released once the vectors are stored, so that a SIGKILL loses at most the calls
// in flight, counting those whose answers are on their way to the store.
type fetched struct {
	embedAnswer
	inputs  []string
	release func()
}

// distinct returns the distinct inputs in first-seen order, and for each input the
// index of its text among them.
func distinct(inputs []string) (texts []string, slot []int) {
	at := make(map[string]int, len(inputs))
	slot = make([]int, len(inputs))
	for i, in := range inputs {
		s, ok := at[in]
		if !ok {
			s = len(texts)
			at[in] = s
			texts = append(texts, in)
		}
		slot[i] = s
	}
	return texts, slot
}

// approxInputTokens is approxTokens for embedding inputs: about 4 bytes a token, rounded
// up, so that it errs towards reserving too much.
func approxInputTokens(inputs []string) int {
	n := 0
	for _, in := range inputs {
		n += (len(in) + 3) / 4
	}
	return n
}
