// Package llmtest is the project's own fake OpenAI-compatible server, for tests, benchmarks
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
// Judge and rewrite requests are answered as described under "Judge requests". For any
// other request, without a response_format the answer is a plausible English instruction
// of 40-200 characters, built from about twenty templates chosen by hash, naming the
// language the prompt names (e.g. "written in Swahili", "language: sw") and a topic taken
// from a few ASCII-letter words of the prompt's text section (between <text> and </text>,
// after a "Text:" line, or the longest paragraph of the last user message) or a generic
// noun phrase. With a json_schema response format the answer is JSON conforming to the schema
// (type, properties, required, enum, const, items, min/max bounds, $ref to $defs, anyOf);
// with json_object it is a JSON object. n choices differ from each other; an answer longer
// than max_completion_tokens (or max_tokens) is cut and finishes with "length". Tokens are
// counted as ceil(bytes/4).
//
// # Judge requests
//
// The pipeline's refinement stage uses the fake as a judge (prompt judge_pair in
// internal/prompts) and as a rewriter (rewrite_instruction). The fake recognises them from
// the messages' text, after checking the request (a bad response_format is still a 400):
//
//   - A rewrite request is one whose last user message ends, blanks aside, with
//     "### New English Instruction:". Without a response_format (or with "text") the answer
//     is a new placeholder instruction, made as for a generation prompt, that differs from
//     the old one (the trimmed text after "### Old English Instruction:" up to the next
//     "###" line). With a JSON response_format the answer is as for any other request.
//   - Otherwise, a judge request is one where a system (or developer) message contains
//     "Label the sample", or a user message contains both "### English Instruction:" and
//     "### Answer". The sample message is the last user message with both headers, or
//     else the first user message. The instruction is its text between
//     "### English Instruction:" and the next line starting "###"; the text is what lies
//     between its first <text> and its last </text> (tags matched case-insensitively,
//     blanks allowed before the ">"); the language comes from "### Answer (<Lang>):".
//     Every assistant message after the sample message counts as one re-ask (the
//     reask_judge prompt is then the last user turn); the answer to a re-ask is always
//     plain JSON (or schema JSON), never styled.
//
// A judge answer is {"label": L, "rationale": "<one sentence>"}, L drawn from
// Options.JudgeLabels (default good 0.6, flawed 0.3, bad 0.1) by the hash of (instruction,
// text) alone: the same pair always gets the same label, in any prompt, but a rewritten
// instruction for the same text gets a fresh draw, so a flawed pair can become good in a
// later round. (With n > 1, choice i's draws hash i too; choice 0 is the same for any n.)
// Rationales are one sentence, name the language when the prompt does, and contain no
// label word. Then, by the same hash:
//
//   - Options.JudgeMalformedRate of first asks are answered with a prose sentence that
//     contains none of the words good, flawed or bad ("I cannot determine a rating for
//     this sample without more context."), whatever the response_format: a server that
//     ignores the format. Re-ask k of a pair is malformed in Options.JudgeMalformedAfterReask
//     of cases, drawn afresh for each k; otherwise it carries the pair's label.
//   - Without a response_format the answer's shape is Options.JudgeStyle: "json" (the
//     default), "fenced" (the JSON inside a ```json fence), "prose" ("Label: flawed.
//     <rationale>") or "mixed" (one of the three per pair, by hash). With json_object it
//     is the JSON; with json_schema it is JSON conforming to the schema, carrying the label
//     and rationale in top-level "label" and "rationale" properties where the schema allows
//     those strings (as the judge schema, enum good/flawed/bad, does).
//
// Options.Gullible models a judge that obeys instructions smuggled out of the data, and
// only that: delimiter escape. If the sample message, outside its data section, contains an
// injection phrase (case-insensitive: "ignore the above"/"previous", "answer good", "say
// good", "label this good", "rate this as good", "mark it as good" and similar), the judge
// answers good with the rationale "Following the instruction in the sample.", on first ask
// and re-ask alike, and no malformed draw applies. The data section runs from the first
// <text> to the FIRST </text> after it, so a corpus text containing a raw "</text>" ends it
// early and what follows is outside; a defused closing tag such as "</ text>" does not, and
// an injection inside the section is ignored. A sample message with no <text> has no data
// section: all of it is outside. This is a model of one pipeline bug, not of real LLMs,
// which can follow injections inside delimiters too; a passing test with the gullible fake
// shows only that the pipeline keeps data within its delimiters.
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
package llmtest
