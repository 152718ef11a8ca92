package llmtest

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Embedding request limits, as the real API's.
const (
	DefaultDimensions = 256
	maxDimensions     = 4096
	maxInputs         = 2048
)

type embeddingRequest struct {
	Input          json.RawMessage `json:"input"`
	Model          string          `json:"model"`
	EncodingFormat string          `json:"encoding_format"`
	Dimensions     int             `json:"dimensions"`
}

type embeddingData struct {
	Object    string `json:"object"`
	Index     int    `json:"index"`
	Embedding any    `json:"embedding"` // []float32, or a base64 string of little-endian float32s
}

type embeddingResponse struct {
	Object string          `json:"object"`
	Data   []embeddingData `json:"data"`
	Model  string          `json:"model"`
	Usage  struct {
		PromptTokens int `json:"prompt_tokens"`
		TotalTokens  int `json:"total_tokens"`
	} `json:"usage"`
}

func (s *Server) embeddings(_ *http.Request, body []byte, fault ErrorKind) answer {
	var req embeddingRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return badRequest("", "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.) %v", err)
	}
	inputs, bad := parseInputs(req.Input)
	if bad != nil {
		return *bad
	}
	dims := req.Dimensions
	if dims == 0 {
		dims = DefaultDimensions
	}
	if dims < 1 || dims > maxDimensions {
		return badRequest("dimensions", "Invalid 'dimensions': %d; it must be between 1 and %d.", dims, maxDimensions)
	}
	switch req.EncodingFormat {
	case "", "float", "base64":
	default:
		return badRequest("encoding_format", "Invalid value: '%s'. Supported values are: 'float' and 'base64'.", req.EncodingFormat)
	}
	if req.Model == "" {
		req.Model = s.opts.Model
	}
	all := strings.Join(inputs, "\n")
	promptTokens := 0
	for _, in := range inputs {
		promptTokens += tokens(in)
	}
	switch {
	case strings.Contains(all, MarkerBadRequest):
		return badRequest("input", "Invalid request (fakellm: the input contains %s).", MarkerBadRequest)
	case strings.Contains(all, MarkerContextLength):
		return errorAnswer(http.StatusBadRequest, "invalid_request_error", "input", "context_length_exceeded",
			fmt.Sprintf("This model's maximum context length is 8192 tokens, however you requested %d tokens. Please reduce your prompt.", 8192+promptTokens))
	}
	if fault == KindMalformedBody {
		return answer{status: http.StatusOK, body: []byte(`{"object":"list","data":[<html><head><title>502 Bad Gateway</title></head></html>`)}
	}

	resp := embeddingResponse{Object: "list", Data: []embeddingData{}, Model: req.Model}
	resp.Usage.PromptTokens, resp.Usage.TotalTokens = promptTokens, promptTokens
	n := len(inputs)
	switch fault {
	case KindEmptyChoices:
		n = 0
	case KindTruncated:
		n--
	}
	for i := range n {
		v := Vector(inputs[i], dims)
		var e any = v
		if req.EncodingFormat == "base64" {
			b := make([]byte, 4*len(v))
			for j, x := range v {
				binary.LittleEndian.PutUint32(b[4*j:], math.Float32bits(x))
			}
			e = base64.StdEncoding.EncodeToString(b)
		}
		resp.Data = append(resp.Data, embeddingData{Object: "embedding", Index: i, Embedding: e})
	}
	a := jsonAnswer(resp)
	a.completed = fault == ""
	a.prompt = promptTokens
	return a
}

// parseInputs reads "input": a string or an array of strings. Token arrays are refused.
func parseInputs(raw json.RawMessage) ([]string, *answer) {
	raw = bytes.TrimSpace(raw)
	fail := func(format string, args ...any) ([]string, *answer) {
		a := badRequest("input", format, args...)
		return nil, &a
	}
	if len(raw) == 0 || string(raw) == "null" {
		return fail("Missing required parameter: 'input'.")
	}
	var one string
	if err := json.Unmarshal(raw, &one); err == nil {
		if one == "" {
			return fail("'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.")
		}
		return []string{one}, nil
	}
	var many []string
	if err := json.Unmarshal(raw, &many); err != nil {
		return fail("fakellm: 'input' must be a string or an array of strings (token arrays are not supported).")
	}
	if len(many) == 0 || len(many) > maxInputs {
		return fail("'$.input' is invalid: it must hold between 1 and %d strings.", maxInputs)
	}
	for i, s := range many {
		if s == "" {
			return fail("'$.input[%d]' is invalid: empty string.", i)
		}
	}
	return many, nil
}

// Vector returns the unit vector the server gives text in dims dimensions: counts of the
// text's character trigrams (lower-cased, spaces collapsed, padded with a space at each
// end) hashed into dims buckets with a hashed sign, then L2-normalised. Texts that share
// many trigrams get a high cosine similarity; unrelated texts get about 0. A text whose
// counts cancel out gets the first basis vector. Vector panics if dims < 1.
func Vector(text string, dims int) []float32 {
	if dims < 1 {
		panic(fmt.Sprintf("llmtest.Vector: dims %d < 1", dims))
	}
	runes := []rune(" " + strings.Join(strings.FieldsFunc(strings.ToLower(text), unicode.IsSpace), " ") + " ")
	acc := make([]float64, dims)
	h := fnv.New64a()
	var buf [12]byte
	for i := 0; i+3 <= len(runes); i++ {
		h.Reset()
		n := 0
		for _, r := range runes[i : i+3] {
			n += utf8.EncodeRune(buf[n:], r)
		}
		h.Write(buf[:n])
		x := mix(h.Sum64())
		if x>>63 == 0 {
			acc[x%uint64(dims)]++
		} else {
			acc[x%uint64(dims)]--
		}
	}
	var norm float64
	for _, x := range acc {
		norm += x * x
	}
	out := make([]float32, dims)
	if norm == 0 {
		out[0] = 1
		return out
	}
	norm = math.Sqrt(norm)
	for i, x := range acc {
		out[i] = float32(x / norm)
	}
	return out
}
