package openai

import (
	"fmt"

	"github.com/xinstruct/xinstruct/io/llm"
)

// DefaultBatchSize is the texts per request when Config.BatchSize is 0: large enough to
// amortise a request's overhead, small enough that one bad text fails few others.
const DefaultBatchSize = 64

// maxBatchSize is the OpenAI API's limit on inputs per request.
const maxBatchSize = 2048

// Config says which embedding model to call and how. It is serialized into DoFns, so it
// holds no secret.
type Config struct {
	// LLM is the endpoint, limits, retries, budget and response store. Its Model is
	// ignored when Model is set, so that one llm.Config can serve a chat stage and an
	// embedding stage.
	LLM       llm.Config `json:"llm"`
	Model     string     `json:"model"`      // e.g. "text-embedding-3-small"; "" = LLM.Model
	Dims      int        `json:"dims"`       // vector length, sent as "dimensions"; 0 = the model's own, learned from its first answer
	BatchSize int        `json:"batch_size"` // texts per request; 0 = DefaultBatchSize
}

// DefaultConfig returns the defaults that flags start from.
func DefaultConfig() Config {
	return Config{LLM: llm.DefaultConfig(), BatchSize: DefaultBatchSize}
}

// llmConfig is the configuration of the Client that New opens.
func (c Config) llmConfig() llm.Config {
	lc := c.LLM
	if c.Model != "" {
		lc.Model = c.Model
	}
	return lc
}

func (c Config) validate() error {
	switch {
	case c.Dims < 0:
		return fmt.Errorf("dims %d is negative", c.Dims)
	case c.BatchSize < 0 || c.BatchSize > maxBatchSize:
		return fmt.Errorf("batch size %d is not between 1 and %d (0 = %d)", c.BatchSize, maxBatchSize, DefaultBatchSize)
	}
	return nil
}
