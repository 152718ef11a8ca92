// Package fakellm is the project's own fake OpenAI-compatible server, for tests, benchmarks
// and the offline demo. It speaks the wire format of the real API (as
// github.com/sashabaranov/go-openai reads it) on
//
//	POST /v1/chat/completions   deterministic placeholder answers
//	POST /v1/embeddings         deterministic unit vectors from hashed character trigrams
//	GET  /v1/models             the configured model
//	GET  /fake/stats            Stats as JSON
//	POST /fake/reset            zero the stats
//
// Its answers are placeholder text, not model output. Every response carries the header
// "X-Fakellm: placeholder", and the command prints so on start; the answers themselves carry
// no marker, because the pipeline checks that a generated instruction is clean English.
//
// # Chat answers
//
// The same request body always gets the same content (Options.Seed does not change it).
// Without a response_format the answer is a plausible English instruction of 40-200
// characters, built from about twenty templates chosen by hash, naming the language the
// prompt names (e.g. "written in Swahili", "language: sw") and a topic taken from a few
// ASCII-letter words of the prompt's text section (between <text> and </text>, after a
// "Text:" line, or the longest paragraph of the last user message) or a generic noun
// phrase. With a json_schema response format the answer is JSON conforming to the schema
// (type, properties, required, enum, const, items, min/max bounds, $ref to $defs, anyOf);
// with json_object it is a JSON object. n choices differ from each other; an answer longer
// than max_completion_tokens (or max_tokens) is cut and finishes with "length". Tokens are
// counted as ceil(bytes/4).
//
// # Faults
//
// Transient faults (Options.ErrorRate, Options.ErrorKinds) are drawn per arrival from
// Options.Seed, never from the request's content, so a retry of a failed request can
// succeed. Permanent faults come from markers in the messages' text, so a test can put them
// in a document:
//
//	FAKE_CONTEXT_LENGTH   400 invalid_request_error, code context_length_exceeded
//	FAKE_BAD_REQUEST      400 invalid_request_error
//	FAKE_CONTENT_FILTER   200, finish_reason content_filter, empty content
//	FAKE_TRUNCATE         200, finish_reason length, content cut
//
// The first two also apply to embedding inputs. Options.MaxConcurrency answers 429 at once,
// with Retry-After, to requests beyond the limit. Every error body has OpenAI's shape,
// {"error":{"message","type","param","code"}}, so go-openai returns an *openai.APIError
// with HTTPStatusCode set.
package fakellm
