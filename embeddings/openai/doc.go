// Package openai is an [embeddings.Embedder] backed by an OpenAI-compatible
// /v1/embeddings endpoint (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp server, or the
// project's fake server), called through the project's LLM layer, io/llm: its
// per-process rate limits and concurrency slots, retries with backoff, budget, offline
// mode, and its content-addressed response store.
//
// # Store and re-runs
//
// Every text's vector is stored on its own, keyed by (model, dimensions, text), so a
// re-run makes no requests at all, even with another BatchSize, and a batch that overlaps
// earlier ones pays only for its new texts. In offline mode (llm.Config.Offline) a text
// the store does not hold is an error that names the store.
//
// # Vectors
//
// Embed returns one vector per text, in input order, L2-normalised, so that cosine
// similarity is a dot product, as the local provider guarantees. A text that is empty or
// only white space gets the zero vector, as with the local provider: the API refuses empty
// input, and such a text carries no signal ([embeddings.Cosine] gives it 0 against
// anything). Any other text, punctuation included, is the model's to embed.
//
// Config.Dims > 0 is sent as the request's "dimensions" (text-embedding-3 and later
// shorten their vectors to it; other models refuse the parameter), and every vector must
// have that length. Config.Dims == 0 takes the model's own length, learned from the first
// answer: Dims returns 0 until an Embed call has returned a vector, and every later vector
// must have the same length.
//
// # Failures
//
// An error that wraps an *llm.Failure (see llm.AsFailure) is a permanent failure of one
// batch (a text too long for the model, a request refused, transient faults that outlasted
// the retries, the budget spent): the caller may dead-letter the batch's texts. Any other
// error is the job's environment (the store, offline mode) and should fail the bundle.
//
// The API key is read by New, on the worker, from what LLM.APIKeySecret refers to
// (llm.ResolveKey: $OPENAI_API_KEY by default); a Config holds the reference, never the key.
package openai
