package pairjudge

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The structured verdicts' JSON schemas, compatible with OpenAI's strict mode: every
// property required, no additional properties. The explanation comes first, so that a
// model writing the object in order reasons before it decides.
var schemas = map[Format]struct {
	name   string
	schema string
}{
	FormatXInstruction: {"xinstruction_verdict", `{
  "type": "object",
  "properties": {
    "explanation": {"type": "string", "description": "A brief comparison of the two answers."},
    "score1": {"type": "integer", "minimum": 0, "maximum": 10, "description": "Assistant A's score."},
    "score2": {"type": "integer", "minimum": 0, "maximum": 10, "description": "Assistant B's score."}
  },
  "required": ["explanation", "score1", "score2"],
  "additionalProperties": false
}`},
	FormatPairwise: {"pairwise_verdict", `{
  "type": "object",
  "properties": {
    "explanation": {"type": "string", "description": "A short explanation comparing the two answers."},
    "verdict": {"type": "string", "enum": ["A", "B", "C"], "description": "A if Assistant A is better, B if Assistant B is better, C for a tie."}
  },
  "required": ["explanation", "verdict"],
  "additionalProperties": false
}`},
	FormatArena: {"arena_verdict", `{
  "type": "object",
  "properties": {
    "explanation": {"type": "string", "description": "A short explanation comparing the two answers."},
    "verdict": {"type": "string", "enum": ["A>>B", "A>B", "A=B", "B>A", "B>>A"], "description": "A>>B: A is significantly better; A>B: slightly better; A=B: tie; B>A, B>>A likewise for B."}
  },
  "required": ["explanation", "verdict"],
  "additionalProperties": false
}`},
}

// Schema is the JSON schema of f's structured verdict, and its name (for a response
// format's json_schema.name). It returns nil and "" for an unknown format.
func Schema(f Format) (schema json.RawMessage, name string) {
	s, ok := schemas[f]
	if !ok {
		return nil, ""
	}
	return json.RawMessage(s.schema), s.name
}

// structured is the union of the three schemas' objects; pointers tell a missing
// property from a zero one.
type structured struct {
	Explanation *string `json:"explanation"`
	Score1      *int    `json:"score1"`
	Score2      *int    `json:"score2"`
	Verdict     *string `json:"verdict"`
}

// ParseStructured reads a reply to a structured-output request: one JSON object
// conforming to Schema(f), alone or as the only content of a ``` code fence (with or
// without a json tag), white space around either allowed. Anything else is an error
// wrapping ErrNoVerdict (the caller re-asks): prose around the object, a missing or
// unknown property, a score that is not an integer from 0 to 10, a verdict outside the
// enum. Token is the verdict in the prose form ("[[A>B]]", "[[C]]",
// "<score1>7</score1> <score2>5</score2>").
func ParseStructured(f Format, reply string) (Verdict, error) {
	if _, ok := schemas[f]; !ok {
		return Verdict{}, errFormat(f)
	}
	body := unfence(strings.TrimSpace(reply))
	dec := json.NewDecoder(strings.NewReader(body))
	dec.DisallowUnknownFields()
	var obj structured
	if err := dec.Decode(&obj); err != nil {
		return Verdict{}, noVerdict("not a %s verdict object: %v", f, err)
	}
	var rest json.RawMessage
	if err := dec.Decode(&rest); !errors.Is(err, io.EOF) {
		return Verdict{}, noVerdict("text after the JSON object")
	}
	if obj.Explanation == nil {
		return Verdict{}, noVerdict(`no "explanation"`)
	}
	if f == FormatXInstruction {
		if obj.Verdict != nil {
			return Verdict{}, noVerdict(`unknown property "verdict" in an xinstruction verdict`)
		}
		if obj.Score1 == nil || obj.Score2 == nil {
			return Verdict{}, noVerdict(`"score1" or "score2" missing`)
		}
		s1, s2 := *obj.Score1, *obj.Score2
		if s1 < 0 || s1 > 10 || s2 < 0 || s2 > 10 {
			return Verdict{}, noVerdict("scores %d and %d: both must be from 0 to 10", s1, s2)
		}
		v := Verdict{Winner: "tie", Score1: s1, Score2: s2, Scored: true,
			Token: fmt.Sprintf("<score1>%d</score1> <score2>%d</score2>", s1, s2)}
		if s1 > s2 {
			v.Winner = "A"
		} else if s1 < s2 {
			v.Winner = "B"
		}
		return v, nil
	}
	if obj.Score1 != nil || obj.Score2 != nil {
		return Verdict{}, noVerdict("unknown property score1 or score2 in a %s verdict", f)
	}
	if obj.Verdict == nil {
		return Verdict{}, noVerdict(`no "verdict"`)
	}
	tokens := pairwiseTokens
	if f == FormatArena {
		tokens = arenaTokens
	}
	tok := "[[" + *obj.Verdict + "]]"
	v, ok := tokens[tok]
	if !ok {
		return Verdict{}, noVerdict("verdict %q is not one of the %s verdicts", *obj.Verdict, f)
	}
	v.Token = tok
	return v, nil
}

// unfence returns the content of s if s is one ``` code fence (its info string empty or
// "json", in any case), and s otherwise.
func unfence(s string) string {
	if !strings.HasPrefix(s, "```") || !strings.HasSuffix(s, "```") || len(s) < 6 {
		return s
	}
	inner := s[3 : len(s)-3]
	nl := strings.IndexByte(inner, '\n')
	if nl < 0 {
		return s
	}
	if info := strings.TrimSpace(inner[:nl]); info != "" && !strings.EqualFold(info, "json") {
		return s
	}
	inner = inner[nl+1:]
	if strings.Contains(inner, "```") {
		return s
	}
	return inner
}
