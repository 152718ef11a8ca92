// Package llm is the one way the pipeline talks to a language model: an
// OpenAI-compatible chat or embeddings endpoint (OpenAI, Azure OpenAI, vLLM, Ollama,
// llama.cpp server), through github.com/sashabaranov/go-openai.
//
// A Client, built in a DoFn's Setup, puts every call through the same path:
//
//  1. the request's key, a SHA-256 of everything that determines the answer (model,
//     template id@version, messages, sampling parameters, candidate index), is looked up
//     in the response store: a hit costs nothing;
//  2. in offline mode a miss is an error; under a budget a miss that would exceed it is a
//     BudgetExhausted failure;
//  3. otherwise the call waits for the per-process rate limits (requests and tokens per
//     minute, shared by every goroutine and DoFn instance of the process) and a
//     concurrency slot, and is sent with a deadline;
//  4. transient failures (429, 5xx, timeouts, connection resets, malformed or empty
//     answers) are retried with exponential backoff and jitter, honouring the server's
//     Retry-After; permanent ones (other 4xx, content filter, context length, answers cut
//     by max_tokens) come back as a *Failure naming the dead-letter reason;
//  5. the answer is stored before Chat returns, so a retried bundle, a re-run or a run
//     killed with SIGKILL never pays for it again.
//
// With Config.Batch enabled, a stage first sends the requests the store cannot answer
// through the provider's Batch API (BatchItem, SubmitBatches, AwaitBatch, HarvestBatch;
// transforms/llmbatch wires them into a pipeline): each answer is stored under the key
// the online call would use, so the stage's calls then find them in the store. Batches
// are recorded below the store (<store>/_batches/) as soon as they are created, and a
// resumed run polls them rather than paying for their requests again. Chat answers what
// the batches did not answer as UseBatchFailures says: online, or as a Failure.
//
// The API key is read when the Client is built, on the worker, from what
// Config.APIKeySecret refers to ($OPENAI_API_KEY by default, env:NAME, or a Secret
// Manager version; see ResolveKey). A Config holds the reference only; the key is never
// part of a Config, a key, a log line or a stored entry.
package llm
