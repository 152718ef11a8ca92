package llm

import (
	"context"
	"errors"
	"fmt"

	openai "github.com/sashabaranov/go-openai"
)

// errIncompleteEmbeddings marks a 200 whose vectors do not match the inputs one to one
// (missing, repeated or out-of-range indices, empty vectors): a server or proxy glitch
// that a retry may fix.
var errIncompleteEmbeddings = errors.New("the answer's vectors do not match the inputs")

// wrongLengthError is an answer with vectors of another length than asked for, or of
// several lengths. A server that ignores "dimensions" does so on every retry, so it is a
// permanent failure; storing such vectors would poison the store for every later run.
type wrongLengthError struct {
	index, got, want int
	asked            bool // want is the requested dimensions, not the first vector's length
}

func (e *wrongLengthError) Error() string {
	if e.asked {
		return fmt.Sprintf("vector %d has %d entries, %d were asked for (does the server ignore \"dimensions\"?)", e.index, e.got, e.want)
	}
	return fmt.Sprintf("vector %d has %d entries, vector 0 has %d", e.index, e.got, e.want)
}

// embedAnswer is what one successful embeddings call brings back.
type embedAnswer struct {
	vectors      [][]float32 // in input order
	promptTokens int
	model        string // as the server reported it
}

// callEmbeddings returns the function that makes one embeddings request for inputs and
// checks its answer. The vectors travel as JSON floats, the API's default: base64 is
// undocumented, and a server that ignored the format would make every answer unreadable.
func (c *Client) callEmbeddings(inputs []string, dims int) func(context.Context) (embedAnswer, error) {
	req := openai.EmbeddingRequestStrings{Input: inputs, Model: openai.EmbeddingModel(c.cfg.Model), Dimensions: dims}
	return func(ctx context.Context) (embedAnswer, error) {
		resp, err := c.api.CreateEmbeddings(ctx, req)
		if err != nil {
			return embedAnswer{}, err
		}
		vecs, err := inInputOrder(resp.Data, len(inputs), dims)
		return embedAnswer{vectors: vecs, promptTokens: resp.Usage.PromptTokens, model: string(resp.Model)}, err
	}
}

// inInputOrder returns the vectors of data ordered by their index, after checking that
// there is exactly one non-empty vector per input, each of length dims (when dims > 0) or
// all of one length.
func inInputOrder(data []openai.Embedding, n, dims int) ([][]float32, error) {
	if len(data) != n {
		return nil, fmt.Errorf("%w: %d vectors for %d inputs", errIncompleteEmbeddings, len(data), n)
	}
	out := make([][]float32, n)
	for _, d := range data {
		if d.Index < 0 || d.Index >= n || out[d.Index] != nil {
			return nil, fmt.Errorf("%w: index %d is out of range or repeated", errIncompleteEmbeddings, d.Index)
		}
		if len(d.Embedding) == 0 {
			return nil, fmt.Errorf("%w: empty vector at index %d", errIncompleteEmbeddings, d.Index)
		}
		out[d.Index] = d.Embedding
	}
	want := dims
	if want == 0 && n > 0 {
		want = len(out[0])
	}
	for i, v := range out {
		if len(v) != want {
			return nil, &wrongLengthError{index: i, got: len(v), want: want, asked: dims > 0}
		}
	}
	return out, nil
}

// classifyEmbedding is classify, knowing the embedding answers' own defects.
func classifyEmbedding(err error) (transient bool, permanent *Failure) {
	var wrong *wrongLengthError
	switch {
	case errors.As(err, &wrong):
		return false, &Failure{Reason: ReasonBadEmbedding, Detail: wrong.Error()}
	case errors.Is(err, errIncompleteEmbeddings):
		return true, nil
	}
	return classify(err)
}
