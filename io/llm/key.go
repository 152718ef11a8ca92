package llm

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
)

// Message is one chat message.
type Message struct {
	Role    string `json:"role"` // "system", "user" or "assistant"
	Content string `json:"content"`
}

// Sampling holds the parameters that change a model's answer.
type Sampling struct {
	Temperature float32 `json:"temperature"`
	TopP        float32 `json:"top_p"`
	MaxTokens   int     `json:"max_tokens"`
}

// keyMaterial is everything that determines an answer. Its JSON encoding is canonical
// (fixed field order, no maps), so equal requests hash equally on every machine.
type keyMaterial struct {
	Kind      string          `json:"kind"` // "chat" or "embedding"
	Model     string          `json:"model"`
	Template  string          `json:"template"`
	Messages  []Message       `json:"messages,omitempty"`
	Inputs    []string        `json:"inputs,omitempty"`
	Sampling  Sampling        `json:"sampling"`
	Schema    json.RawMessage `json:"schema,omitempty"`
	Candidate int             `json:"candidate"`
	Dims      int             `json:"dims,omitempty"`
	// StandIn keeps the offline stand-in's placeholder answers apart from a real
	// endpoint's under the same model name; omitted when false, so that real endpoints'
	// keys are those of earlier releases.
	StandIn bool `json:"stand_in,omitempty"`
}

func (m keyMaterial) key() string {
	b, err := json.Marshal(m)
	if err != nil {
		panic(err) // only strings and numbers: cannot fail
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
