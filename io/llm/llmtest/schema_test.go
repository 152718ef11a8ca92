package llmtest_test

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/sashabaranov/go-openai"

	"github.com/xinstruct/xinstruct/io/llm/llmtest"
)

var schemas = map[string]string{
	"judge": `{"type":"object","properties":{"label":{"type":"string","enum":["good","flawed","bad"]},
		"rationale":{"type":"string"}},"required":["label","rationale"],"additionalProperties":false}`,
	"scalars": `{"type":"object","properties":{
		"score":{"type":"integer","minimum":1,"maximum":5},
		"even":{"type":"integer","minimum":-7,"maximum":7,"multipleOf":2},
		"confidence":{"type":"number","exclusiveMinimum":0,"exclusiveMaximum":1},
		"ok":{"type":"boolean"},
		"tags":{"type":"array","items":{"type":"string","enum":["a","b","c"]},"minItems":1,"maxItems":3,"uniqueItems":true},
		"notes":{"type":["string","null"]},
		"when":{"type":"string","format":"date-time"},
		"kind":{"const":"instruction"}},
		"required":["score","even","confidence","ok","tags","notes","when","kind"],"additionalProperties":false}`,
	"defs": `{"type":"object","properties":{"pairs":{"type":"array","items":{"$ref":"#/$defs/pair"},"minItems":3}},
		"required":["pairs"],"additionalProperties":false,
		"$defs":{"pair":{"type":"object","properties":{
			"instruction":{"type":"string","minLength":60},"code":{"type":"string","maxLength":5}},
			"required":["instruction","code"],"additionalProperties":false}}}`,
	"anyOf": `{"type":"object","properties":{"answer":{"anyOf":[{"type":"null"},
		{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"],"additionalProperties":false}]}},
		"required":["answer"],"additionalProperties":false}`,
	"recursive": `{"type":"object","properties":{"name":{"type":"string"},"children":{"type":"array","items":{"$ref":"#"}}},
		"required":["name","children"],"additionalProperties":false}`,
}

func TestJSONSchema(t *testing.T) {
	_, c := start(t, llmtest.Options{})
	for name, text := range schemas {
		t.Run(name, func(t *testing.T) {
			var schema map[string]any
			if err := json.Unmarshal([]byte(text), &schema); err != nil {
				t.Fatal(err)
			}
			req := openai.ChatCompletionRequest{
				Model: "judge",
				N:     3,
				Messages: []openai.ChatCompletionMessage{
					{Role: "system", Content: "Label the pair."},
					{Role: "user", Content: "Instruction: Explain the monsoon in Hindi.\nResponse: भारत में मानसून जून से सितंबर तक रहता है।"},
				},
				ResponseFormat: &openai.ChatCompletionResponseFormat{
					Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
					JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: name, Schema: json.RawMessage(text), Strict: true},
				},
			}
			resp, err := c.CreateChatCompletion(ctx(t), req)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, ch := range resp.Choices {
				var v any
				if err := json.Unmarshal([]byte(ch.Message.Content), &v); err != nil {
					t.Fatalf("not JSON: %q: %v", ch.Message.Content, err)
				}
				if err := conforms(schema, schema, v, "$"); err != nil {
					t.Errorf("%s does not conform: %v", ch.Message.Content, err)
				}
				seen[ch.Message.Content] = true
			}
			if name != "anyOf" && len(seen) != 3 { // anyOf's only variable part is one integer
				t.Errorf("%d distinct answers among 3 choices", len(seen))
			}
			again, err := c.CreateChatCompletion(ctx(t), req)
			if err != nil {
				t.Fatal(err)
			}
			if again.Choices[0].Message.Content != resp.Choices[0].Message.Content {
				t.Errorf("not deterministic: %s then %s", resp.Choices[0].Message.Content, again.Choices[0].Message.Content)
			}
		})
	}
}

func TestJSONSchemaEnumSpread(t *testing.T) {
	// The judge's label is picked by hash: over many requests every value comes up.
	_, c := start(t, llmtest.Options{})
	labels := map[string]int{}
	for i := range 30 {
		resp, err := c.CreateChatCompletion(ctx(t), openai.ChatCompletionRequest{
			Model:    "judge",
			Messages: []openai.ChatCompletionMessage{{Role: "user", Content: fmt.Sprintf("pair %d", i)}},
			ResponseFormat: &openai.ChatCompletionResponseFormat{
				Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
				JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: "judge", Schema: json.RawMessage(schemas["judge"])},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		var v struct{ Label string }
		if err := json.Unmarshal([]byte(resp.Choices[0].Message.Content), &v); err != nil {
			t.Fatal(err)
		}
		labels[v.Label]++
	}
	if len(labels) != 3 {
		t.Errorf("labels over 30 requests: %v, want all of good, flawed, bad", labels)
	}
}

func TestJSONObject(t *testing.T) {
	_, c := start(t, llmtest.Options{})
	resp, err := c.CreateChatCompletion(ctx(t), openai.ChatCompletionRequest{
		Model:          "m",
		Messages:       []openai.ChatCompletionMessage{{Role: "user", Content: "Answer in JSON."}},
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject},
	})
	if err != nil {
		t.Fatal(err)
	}
	var obj map[string]any
	if err := json.Unmarshal([]byte(resp.Choices[0].Message.Content), &obj); err != nil || len(obj) == 0 {
		t.Errorf("content %q is not a JSON object: %v", resp.Choices[0].Message.Content, err)
	}
}

// conforms checks v against the subset of JSON Schema the tests' schemas use.
func conforms(root, s map[string]any, v any, path string) error {
	if ref, ok := s["$ref"].(string); ok {
		if ref == "#" {
			return conforms(root, root, v, path)
		}
		name := strings.TrimPrefix(ref, "#/$defs/")
		return conforms(root, root["$defs"].(map[string]any)[name].(map[string]any), v, path)
	}
	if c, ok := s["const"]; ok && c != v {
		return fmt.Errorf("%s: %v, want const %v", path, v, c)
	}
	if e, ok := s["enum"].([]any); ok {
		found := false
		for _, x := range e {
			found = found || x == v
		}
		if !found {
			return fmt.Errorf("%s: %v not in %v", path, v, e)
		}
	}
	if alts, ok := s["anyOf"].([]any); ok {
		for _, alt := range alts {
			if conforms(root, alt.(map[string]any), v, path) == nil {
				return nil
			}
		}
		return fmt.Errorf("%s: %v matches no anyOf branch", path, v)
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		match := false
		for _, t := range types {
			match = match || hasType(v, t)
		}
		if !match {
			return fmt.Errorf("%s: %v (%T) is not %v", path, v, v, types)
		}
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range s["required"].([]any) {
			if _, ok := v[r.(string)]; !ok {
				return fmt.Errorf("%s: missing required %q", path, r)
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ps, ok := props[k]
			if !ok {
				if s["additionalProperties"] == false {
					return fmt.Errorf("%s: additional property %q", path, k)
				}
				continue
			}
			if err := conforms(root, ps.(map[string]any), v[k], path+"."+k); err != nil {
				return err
			}
		}
	case []any:
		if n, ok := s["minItems"].(float64); ok && float64(len(v)) < n {
			return fmt.Errorf("%s: %d items, want at least %v", path, len(v), n)
		}
		if n, ok := s["maxItems"].(float64); ok && float64(len(v)) > n {
			return fmt.Errorf("%s: %d items, want at most %v", path, len(v), n)
		}
		seen := map[string]bool{}
		for i, x := range v {
			b, _ := json.Marshal(x)
			if s["uniqueItems"] == true && seen[string(b)] {
				return fmt.Errorf("%s: item %d repeats %s", path, i, b)
			}
			seen[string(b)] = true
			if err := conforms(root, s["items"].(map[string]any), x, fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case string:
		if n, ok := s["minLength"].(float64); ok && float64(len([]rune(v))) < n {
			return fmt.Errorf("%s: %q shorter than %v", path, v, n)
		}
		if n, ok := s["maxLength"].(float64); ok && float64(len([]rune(v))) > n {
			return fmt.Errorf("%s: %q longer than %v", path, v, n)
		}
	case float64:
		if n, ok := s["minimum"].(float64); ok && v < n {
			return fmt.Errorf("%s: %v < minimum %v", path, v, n)
		}
		if n, ok := s["maximum"].(float64); ok && v > n {
			return fmt.Errorf("%s: %v > maximum %v", path, v, n)
		}
		if n, ok := s["exclusiveMinimum"].(float64); ok && v <= n {
			return fmt.Errorf("%s: %v <= exclusiveMinimum %v", path, v, n)
		}
		if n, ok := s["exclusiveMaximum"].(float64); ok && v >= n {
			return fmt.Errorf("%s: %v >= exclusiveMaximum %v", path, v, n)
		}
		if n, ok := s["multipleOf"].(float64); ok && math.Mod(v, n) != 0 {
			return fmt.Errorf("%s: %v is not a multiple of %v", path, v, n)
		}
	}
	return nil
}

func hasType(v any, t string) bool {
	switch t {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == math.Trunc(f)
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	}
	return false
}
