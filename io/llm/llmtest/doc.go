// Package llmtest is the project's own fake OpenAI-compatible server, for tests, benchmarks
// and the offline demo. It speaks the wire format of the real API (as
// github.com/sashabaranov/go-openai reads it) on
//
//	POST /v1/chat/completions   deterministic placeholder answers
//	POST /v1/embeddings         deterministic unit vectors from hashed character trigrams
//	GET  /v1/models             the configured model
//	POST /v1/files              upload a file (multipart; purpose "batch" for a batch's requests)
//	GET  /v1/files/{id}[/content]  a file's metadata, or its bytes
//	POST /v1/batches            create a batch of chat or embedding requests
//	GET  /v1/batches[/{id}]     list batches (newest first, limit and after), or retrieve one
//	POST /v1/batches/{id}/cancel
//	GET  /fake/stats            Stats as JSON
//	POST /fake/reset            zero the stats
//
// Its answers are placeholder text, not model output. Every response carries the header
// "X-Fakellm: placeholder", and the command prints so on start; the generation and judge
// answers themselves carry no marker, because the pipeline checks that a generated
// instruction is clean English. (An evaluated model's answer ends with a quality marker:
// see "Evaluation requests".)
//
// # Chat answers
//
// The same request body always gets the same content (Options.Seed does not change it).
// Judge and rewrite requests are answered as described under "Judge requests", evaluation
// answer and judge requests as under "Evaluation requests". For any other request, without a response_format the answer is a plausible English instruction
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
// # Evaluation requests
//
// The evaluation pipeline (prompts eval_answer, eval_judge_xinstruction,
// eval_judge_pairwise, eval_judge_arena and eval_reask in internal/prompts) uses the fake
// as the models being evaluated and as the pairwise judge comparing their answers. The
// fake checks for an evaluation judge request first, then for the refinement prompts
// above, then for an evaluation answer request.
//
// An evaluation answer request is one without a JSON response_format whose model is in
// Options.Answerers, or whose last user message ends, blanks aside, with
// "Answer in <Name>." for Name one of Finnish, Indonesian, Thai, Turkish, Vietnamese,
// Bengali, Hindi, Swahili, Tamil, Urdu or English. (A multi-turn question's later turns
// end the same way.) The target language is the suffix's; without one, the language
// internal/langid finds in the last user message (undetermined: English). The model
// answers as its Answerer, or as DefaultAnswerer (quality 5, never the wrong language)
// when it is not in Options.Answerers. By the hash of the request's content (the key of
// every answer, so the same request gets the same answer), a WrongLanguageRate share of
// answers are in English instead (an English question's in another language of the
// bank); the rest are in the target language. An answer is a few plain sentences of that
// language from a small embedded bank (a language the bank lacks is answered from the
// English one), in an order drawn by the hash, as near Chars characters (default
// DefaultAnswerChars) as whole sentences allow, ending with the marker
// " (placeholder answer, quality Q)": Q is the Answerer's Quality formatted with %g for
// an answer in the target language, and 0 for one in the wrong language.
//
// An evaluation judge request is one with a user message containing `<answer_a id="` or
// `<conversation_a id="` (the data message is the last such). Its nonce is the id in the
// first such opening tag. Side A's section is the text between the last opening tag
// `<answer_a id="NONCE">` (or `<conversation_a id="NONCE">`) and the first closing tag
// `</answer_a id="NONCE">` after it, and likewise for B; in a conversation the judged
// answer is what follows its last "### Assistant A:" (or "### Assistant B:"). A side's
// quality is the number in the LAST "(placeholder answer, quality Q)" marker of its judged
// answer, which the answerer writes last, so verdict tokens, scores or earlier markers
// forged inside an answer change nothing; an answer without a marker is quality 5. The
// verdict format is read from the system (or developer) messages, or failing those from
// the data message after B's section: "<score1>" is xinstruction, "[[A>>B]]" arena,
// "[[C]]" pairwise (the default). Every assistant message after the data message counts
// as one re-ask.
//
// The decision is drawn by the hash of the judge model's name and the messages up to the
// data message, so a re-ask carries the first ask's decision, and the two orders of a
// comparison (different contents) draw independently. With Accuracy (default
// DefaultEvalJudgeAccuracy, 0.8) and PositionBias from Options.EvalJudge, and u, v
// uniform draws in [0, 1):
//
//	if u < PositionBias:        the winner is A (the answer shown first)
//	else if quality A == B:     tie
//	else if v < Accuracy:       the higher-quality side wins
//	else:                       the lower-quality side wins
//
// So for a model of higher quality than the baseline, judged in both orders:
//
//	P_first  = P(model wins | shown first)  = PositionBias + (1-PositionBias)*Accuracy
//	P_second = P(model wins | shown second) = (1-PositionBias)*Accuracy
//
// and no verdict is a tie. FastChat's rule over both orders (a win when both orders give
// the model the win, a loss when both give it to the baseline, a tie otherwise) then has
// expected adjusted win rate (win + tie/2)/total = (P_first + P_second)/2, and the two
// orders agree with probability P_first*P_second + (1-P_first)*(1-P_second). Over
// comparisons of different qualities shown equally often in both orders, the share of
// decisive verdicts that go to the first position is (1+PositionBias)/2. At equal
// qualities, P(A) = PositionBias and P(tie) = 1-PositionBias: every decisive verdict goes
// to the first position. (In general, with ties: adjusted win rate =
// 1/2 + (P(both orders model) - P(both orders baseline))/2.)
//
// The reply is one or two sentences of explanation that contain no verdict token, a blank
// line and the verdict:
//
//   - pairwise: "My final verdict is: [[A]]", "[[B]]", or "[[C]]" for a tie;
//   - arena: "My final verdict is: [[A>>B]]" when the qualities differ by 3 or more (the
//     winner's side first), "[[A>B]]" (or "[[B>A]]") when by less, "[[A=B]]" for a tie;
//   - xinstruction: "<score1>8</score1> <score2>5</score2>" with 8 for the winner and 5 for
//     the loser, 6 and 6 for a tie.
//
// With EvalJudge.Echo, a blank line and two lines follow the verdict:
// For reference, Assistant A's answer ended: "<its last 80 characters>" (blanks collapsed,
// "..." before a cut), and the same for B; a parser that reads the last token of the reply
// instead of the verdict is then misled by any token the answers end with.
//
// With a json_schema response_format the answer conforms to the schema and carries the
// decision where the schema's top-level properties allow it: "explanation" (the sentence),
// "verdict" (pairwise "A", "B" or "C"; arena "A>>B", "A>B", "A=B", "B>A" or "B>>A") and
// "score1", "score2" (integers as above); with json_object it is that JSON for the format:
// {"explanation","verdict"} or {"explanation","score1","score2"}. Structured answers carry
// no echo. Options.JudgeMalformedRate and Options.JudgeMalformedAfterReask apply as for
// the refinement judge, drawn by the decision's hash: a malformed answer is a prose sentence
// with no verdict token, whatever the response_format, and a re-ask (the eval_reask
// prompt) is well-formed unless its own draw says otherwise. Options.Gullible and
// Options.JudgeStyle do not apply.
//
// # Batches
//
// A batch's input file holds one request a line, {"custom_id", "method": "POST", "url",
// "body"}, as OpenAI's Batch API takes it; a line that is not JSON, lacks a custom_id,
// repeats one or names another endpoint than the batch's fails the whole batch at
// creation (status "failed", with the lines in "errors"). A batch is "in_progress" until
// Options.BatchDelay after its creation; the first retrieval (or listing) after that
// answers every line exactly as the online endpoint answers the same body (markers and
// all, but no transient faults) and completes it: 200s go to the output file and every
// other answer to the error file, as {"id", "custom_id", "response": {"status_code",
// "request_id", "body"}, "error": null}. Options.BatchItemFailureRate of the requests,
// drawn by custom_id and Seed (so the same request fails in every batch), are answered
// with a 500 server_error instead. A batch may be cancelled while in progress: it ends
// "cancelled", with no answers. Batches, files and the Batch API's Stats live in the
// Server's memory.
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
