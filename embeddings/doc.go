// Package embeddings defines the Embedder interface that turns texts into dense vectors,
// plus small pure helpers over such vectors.
//
// The split follows go-cloud's blob / blob/driver: this package holds only the contract
// and provider-independent vector math, and every provider lives in its own package
// beneath it, so that a caller that needs one provider does not pull in the dependencies
// (HTTP clients, credentials) of the others:
//
//   - [github.com/xinstruct/xinstruct/embeddings/local]: hashed word and character n-gram
//     features with a seeded sparse random projection. No model weights, no network, and
//     the same vectors on every run and machine. The default.
//   - [github.com/xinstruct/xinstruct/embeddings/openai]: any OpenAI-compatible
//     /v1/embeddings endpoint, batched, through io/llm's rate limits, retries,
//     budget and response store (one stored entry per text, so reruns are free).
//
// Providers register themselves by kind in their package's init, as go-cloud's drivers
// register URL schemes. A pipeline chooses one with a serializable [Spec] (the kind and
// its settings), which its DoFn carries to the workers and opens there with [Open], never
// by injecting a value; so a binary must import the providers it offers:
//
//	import (
//		_ "github.com/xinstruct/xinstruct/embeddings/local"
//		_ "github.com/xinstruct/xinstruct/embeddings/openai"
//	)
//
// Nothing here depends on Beam, or on any provider.
package embeddings
