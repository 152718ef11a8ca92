package llmtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Markers that trigger permanent faults when they appear in a request's message text.
const (
	MarkerContextLength = "FAKE_CONTEXT_LENGTH" // 400 context_length_exceeded
	MarkerBadRequest    = "FAKE_BAD_REQUEST"    // 400 invalid_request_error
	MarkerContentFilter = "FAKE_CONTENT_FILTER" // 200, finish_reason content_filter, empty content
	MarkerTruncate      = "FAKE_TRUNCATE"       // 200, finish_reason length, content cut
)

// maxN is the most choices the real API gives for one request.
const maxN = 128

type chatRequest struct {
	Model               string          `json:"model"`
	Messages            []chatMessage   `json:"messages"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	MaxTokens           int             `json:"max_tokens"`
	MaxCompletionTokens int             `json:"max_completion_tokens"`
	N                   *int            `json:"n"`
	Seed                *int64          `json:"seed"`
	Stream              bool            `json:"stream"`
	ResponseFormat      *responseFormat `json:"response_format"`
}

type chatMessage struct {
	Role    string          `json:"role"`
	Content json.RawMessage `json:"content"`
}

type responseFormat struct {
	Type       string `json:"type"`
	JSONSchema *struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
		Strict bool            `json:"strict"`
	} `json:"json_schema"`
}

// text returns the message's text: content as a string, or the text parts of an array.
func (m chatMessage) text() (string, error) {
	c := bytes.TrimSpace(m.Content)
	if len(c) == 0 || string(c) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(c, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(c, &parts); err != nil {
		return "", fmt.Errorf("content is neither a string nor an array of parts")
	}
	var b strings.Builder
	for _, p := range parts {
		if p.Type == "text" || p.Type == "" {
			if b.Len() > 0 {
				b.WriteString("\n")
			}
			b.WriteString(p.Text)
		}
	}
	return b.String(), nil
}

type chatChoice struct {
	Index        int        `json:"index"`
	Message      chatOutput `json:"message"`
	Logprobs     *struct{}  `json:"logprobs"`
	FinishReason string     `json:"finish_reason"`
}

type chatOutput struct {
	Role    string  `json:"role"`
	Content string  `json:"content"`
	Refusal *string `json:"refusal"`
}

type usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

type chatResponse struct {
	ID                string       `json:"id"`
	Object            string       `json:"object"`
	Created           int64        `json:"created"`
	Model             string       `json:"model"`
	Choices           []chatChoice `json:"choices"`
	Usage             usage        `json:"usage"`
	SystemFingerprint string       `json:"system_fingerprint"`
}

// tokens approximates a token count as ceil(bytes/4).
func tokens(s string) int { return (len(s) + 3) / 4 }

func (s *Server) chat(_ *http.Request, body []byte, fault ErrorKind) answer {
	var req chatRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("", "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.) %v", err)
	}
	if len(req.Messages) == 0 {
		return badRequest("messages", "[] is too short - 'messages'")
	}
	if req.Stream {
		return badRequest("stream", "fakellm: streaming is not supported")
	}
	n := 1
	if req.N != nil {
		n = *req.N
	}
	if n < 1 || n > maxN {
		return badRequest("n", "%d is not a valid value for 'n': it must be between 1 and %d.", n, maxN)
	}
	if req.Model == "" {
		req.Model = s.opts.Model
	}
	p := prompt{messages: make([]message, len(req.Messages))}
	var all strings.Builder
	for i, m := range req.Messages {
		t, err := m.text()
		if err != nil {
			return badRequest(fmt.Sprintf("messages.[%d].content", i), "Invalid 'messages[%d].content': %v.", i, err)
		}
		p.messages[i] = message{role: m.Role, text: t}
		all.WriteString(t)
	}
	text := all.String()
	promptTokens := tokens(text)

	var gen generator
	var root map[string]any // the json_schema's schema
	format := ""
	if req.ResponseFormat != nil {
		format = req.ResponseFormat.Type
	}
	switch format {
	case "", "text":
		gen = instructionGenerator(p)
	case "json_object":
		gen = jsonObjectGenerator(p)
	case "json_schema":
		js := req.ResponseFormat.JSONSchema
		if js == nil || len(bytes.TrimSpace(js.Schema)) == 0 {
			return badRequest("response_format.json_schema", "Missing required parameter: 'response_format.json_schema'.")
		}
		var schema any
		if err := json.Unmarshal(js.Schema, &schema); err != nil {
			return badRequest("response_format.json_schema.schema", "Invalid schema: %v", err)
		}
		var ok bool
		if root, ok = schema.(map[string]any); !ok {
			return badRequest("response_format.json_schema.schema", "Invalid schema: not an object")
		}
		gen = schemaGenerator(root)
	default:
		return badRequest("response_format.type", "Invalid value: '%s'. Supported values are: 'json_object', 'json_schema', and 'text'.", format)
	}
	if c, ok := evalJudgeOf(p, req.Model); ok {
		gen = s.evalJudgeGenerator(c, format, root)
	} else if old, ok := rewriteOf(p); ok {
		if format == "" || format == "text" {
			gen = rewriteGenerator(p, old)
		}
	} else if j, ok := judgeOf(p); ok {
		gen = s.judgeGenerator(j, format, root)
	} else if format == "" || format == "text" {
		if lang, ok := s.evalAnswerOf(p, req.Model); ok {
			gen = evalAnswerGenerator(s.answerer(req.Model), lang)
		}
	}

	switch {
	case strings.Contains(text, MarkerBadRequest):
		return badRequest("", "Invalid request (fakellm: the messages contain %s).", MarkerBadRequest)
	case strings.Contains(text, MarkerContextLength):
		return contextLengthExceeded(promptTokens)
	}

	key := contentKey(req)
	id := fmt.Sprintf("chatcmpl-fakellm%s%06d", key.hex(6), s.ids.Add(1)%1000000)
	resp := chatResponse{
		ID: id, Object: "chat.completion", Created: time.Now().Unix(), Model: req.Model,
		SystemFingerprint: "fakellm",
		Choices:           []chatChoice{},
	}
	if fault == KindMalformedBody {
		head, _ := json.Marshal(map[string]any{"id": id, "object": "chat.completion", "created": resp.Created, "model": req.Model})
		malformed := append(head[:len(head)-1:len(head)-1], `,"choices":[<html><head><title>502 Bad Gateway</title></head></html>`...)
		return answer{status: http.StatusOK, body: malformed}
	}
	limit := req.MaxCompletionTokens
	if limit == 0 {
		limit = req.MaxTokens
	}
	output := 0
	if fault != KindEmptyChoices {
		seen := map[string]bool{}
		for i := range n {
			content, reason := gen(key, i, seen), "stop"
			seen[content] = true
			switch {
			case strings.Contains(text, MarkerContentFilter):
				content, reason = "", "content_filter"
			case strings.Contains(text, MarkerTruncate) || fault == KindTruncated:
				content, reason = cut(content, len(content)/2), "length"
			}
			if limit > 0 && tokens(content) > limit {
				content, reason = cut(content, 4*limit), "length"
			}
			output += tokens(content)
			resp.Choices = append(resp.Choices, chatChoice{
				Index: i, Message: chatOutput{Role: "assistant", Content: content}, FinishReason: reason,
			})
		}
	}
	resp.Usage = usage{PromptTokens: promptTokens, CompletionTokens: output, TotalTokens: promptTokens + output}
	a := jsonAnswer(resp)
	a.completed = fault == ""
	a.prompt, a.output = promptTokens, output
	return a
}

// cut returns s's first n bytes or fewer, ending on a rune boundary.
func cut(s string, n int) string {
	if n >= len(s) {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// A hashKey identifies what an answer depends on: the request without n and the token limits,
// so that a cut answer is a prefix of the uncut one and choice 0 is the same for any n.
type hashKey [32]byte

func contentKey(req chatRequest) hashKey {
	k := struct {
		Model          string          `json:"model"`
		Messages       []chatMessage   `json:"messages"`
		Temperature    *float64        `json:"temperature"`
		TopP           *float64        `json:"top_p"`
		Seed           *int64          `json:"seed"`
		ResponseFormat *responseFormat `json:"response_format"`
	}{req.Model, req.Messages, req.Temperature, req.TopP, req.Seed, req.ResponseFormat}
	b, err := json.Marshal(k)
	if err != nil {
		panic(err) // decoded from JSON: re-encodes
	}
	return sha256.Sum256(b)
}

// sub derives a 64-bit hash for one use of the key: a choice, a path in a schema.
func (k hashKey) sub(parts ...any) uint64 {
	h := sha256.New()
	h.Write(k[:])
	for _, p := range parts {
		fmt.Fprintf(h, "\x00%v", p)
	}
	return binary.LittleEndian.Uint64(h.Sum(nil))
}

func (k hashKey) hex(n int) string { return fmt.Sprintf("%x", k[:n]) }

// A generator returns choice i's content for the request with key k; seen holds the
// contents of the choices before it, which it should avoid repeating.
type generator func(k hashKey, i int, seen map[string]bool) string
