package pairjudge

import (
	"encoding/json"
	"slices"
	"testing"
)

func TestSchema(t *testing.T) {
	for f, props := range map[Format][]string{
		FormatXInstruction: {"explanation", "score1", "score2"},
		FormatPairwise:     {"explanation", "verdict"},
		FormatArena:        {"explanation", "verdict"},
	} {
		raw, name := Schema(f)
		if name == "" {
			t.Fatalf("%s: no name", f)
		}
		var s struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
			Additional *bool                      `json:"additionalProperties"`
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Strict mode: every property required, no additional ones.
		if s.Type != "object" || s.Additional == nil || *s.Additional || !slices.Equal(s.Required, props) || len(s.Properties) != len(props) {
			t.Errorf("%s: schema %s", f, raw)
		}
		for _, p := range props {
			if _, ok := s.Properties[p]; !ok {
				t.Errorf("%s: no property %s", f, p)
			}
		}
	}
	var enums = map[Format][]string{FormatPairwise: {"A", "B", "C"}, FormatArena: {"A>>B", "A>B", "A=B", "B>A", "B>>A"}}
	for f, want := range enums {
		raw, _ := Schema(f)
		var s struct {
			Properties struct {
				Verdict struct {
					Enum []string `json:"enum"`
				} `json:"verdict"`
			} `json:"properties"`
		}
		if err := json.Unmarshal(raw, &s); err != nil || !slices.Equal(s.Properties.Verdict.Enum, want) {
			t.Errorf("%s: enum %v, %v", f, s.Properties.Verdict.Enum, err)
		}
		// Every enum value parses.
		for _, e := range want {
			b, _ := json.Marshal(map[string]string{"explanation": "x", "verdict": e})
			if _, err := ParseStructured(f, string(b)); err != nil {
				t.Errorf("%s: enum value %q: %v", f, e, err)
			}
		}
	}
	if raw, name := Schema("single"); raw != nil || name != "" {
		t.Errorf("unknown format: %s %q", raw, name)
	}
}

func TestParseStructured(t *testing.T) {
	for _, tc := range []struct {
		name  string
		f     Format
		reply string
		w     want
	}{
		{"x A", FormatXInstruction, `{"explanation": "A is better.", "score1": 8, "score2": 3}`, want{winner: "A", score1: 8, score2: 3, token: "<score1>8</score1> <score2>3</score2>"}},
		{"x tie", FormatXInstruction, `{"explanation": "", "score1": 5, "score2": 5}`, want{winner: "tie", score1: 5, score2: 5}},
		{"x B fenced", FormatXInstruction, "```json\n{\"explanation\": \"B.\", \"score1\": 0, \"score2\": 10}\n```", want{winner: "B", score1: 0, score2: 10}},
		{"x fenced no tag", FormatXInstruction, "\n```\n{\"explanation\": \"B.\", \"score1\": 1, \"score2\": 2}\n```\n", want{winner: "B", score1: 1, score2: 2}},
		{"x out of range", FormatXInstruction, `{"explanation": "", "score1": 11, "score2": 3}`, want{}},
		{"x negative", FormatXInstruction, `{"explanation": "", "score1": -1, "score2": 3}`, want{}},
		{"x fraction", FormatXInstruction, `{"explanation": "", "score1": 7.5, "score2": 3}`, want{}},
		{"x string score", FormatXInstruction, `{"explanation": "", "score1": "7", "score2": 3}`, want{}},
		{"x missing score", FormatXInstruction, `{"explanation": "", "score1": 7}`, want{}},
		{"x null score", FormatXInstruction, `{"explanation": "", "score1": 7, "score2": null}`, want{}},
		{"x missing explanation", FormatXInstruction, `{"score1": 7, "score2": 3}`, want{}},
		{"x extra property", FormatXInstruction, `{"explanation": "", "score1": 7, "score2": 3, "note": 1}`, want{}},
		{"x verdict property", FormatXInstruction, `{"explanation": "", "score1": 7, "score2": 3, "verdict": "A"}`, want{}},
		{"p A", FormatPairwise, `{"explanation": "A.", "verdict": "A"}`, want{winner: "A", strength: 1, token: "[[A]]"}},
		{"p C", FormatPairwise, `{"explanation": "Same.", "verdict": "C"}`, want{winner: "tie"}},
		{"p bracketed", FormatPairwise, `{"explanation": "A.", "verdict": "[[A]]"}`, want{}},
		{"p lower", FormatPairwise, `{"explanation": "A.", "verdict": "a"}`, want{}},
		{"p arena value", FormatPairwise, `{"explanation": "A.", "verdict": "A>B"}`, want{}},
		{"p scores", FormatPairwise, `{"explanation": "A.", "verdict": "A", "score1": 3}`, want{}},
		{"a A>>B", FormatArena, `{"explanation": "", "verdict": "A>>B"}`, want{winner: "A", strength: 2, token: "[[A>>B]]"}},
		{"a B>A", FormatArena, `{"explanation": "", "verdict": "B>A"}`, want{winner: "B", strength: 1}},
		{"a A=B", FormatArena, `{"explanation": "", "verdict": "A=B"}`, want{winner: "tie"}},
		{"a pairwise value", FormatArena, `{"explanation": "", "verdict": "B"}`, want{}},
		{"prose around", FormatPairwise, `Here it is: {"explanation": "A.", "verdict": "A"}`, want{}},
		{"text after", FormatPairwise, `{"explanation": "A.", "verdict": "A"} Thanks!`, want{}},
		{"two objects", FormatPairwise, `{"explanation": "A.", "verdict": "A"}{"explanation": "B.", "verdict": "B"}`, want{}},
		{"prose around fence", FormatPairwise, "Sure:\n```json\n{\"explanation\": \"A.\", \"verdict\": \"A\"}\n```", want{}},
		{"python fence", FormatPairwise, "```python\n{\"explanation\": \"A.\", \"verdict\": \"A\"}\n```", want{}},
		{"prose verdict", FormatPairwise, "A is better. [[A]]", want{}},
		{"array", FormatPairwise, `[{"explanation": "A.", "verdict": "A"}]`, want{}},
		{"empty", FormatArena, "", want{}},
		{"truncated", FormatArena, `{"explanation": "A is`, want{}},
	} {
		v, err := ParseStructured(tc.f, tc.reply)
		check(t, tc.name, v, err, tc.w)
	}
	if _, err := ParseStructured("single", `{}`); err == nil {
		t.Error("unknown format: no error")
	}
}
