package evalio

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Answer is one model's answer to one turn of one question in one language: a line of
// <output>/answers/<model>/<lang>/*.jsonl, and of an --answers file (which needs only
// question_id, model, lang, answer and, for later turns, turn).
type Answer struct {
	QuestionID string `json:"question_id"`
	Model      string `json:"model"`
	Lang       string `json:"lang"`
	Turn       int    `json:"turn"`
	Answer     string `json:"answer"`

	Category string `json:"category,omitempty"`
	Prompt   string `json:"prompt,omitempty"`   // the user's turn as asked
	ModelID  string `json:"model_id,omitempty"` // the endpoint's model name
	Imported bool   `json:"imported,omitempty"` // read from --answers, not asked by this run
	// The answer-language gate's finding (see internal/langgate).
	OffLanguage    bool    `json:"off_language"`
	Detected       string  `json:"detected_lang,omitempty"`
	DetectedConf   float64 `json:"detected_confidence,omitempty"`
	GateNote       string  `json:"gate_note,omitempty"`
	Chars          int     `json:"chars"`
	PromptTokens   int     `json:"prompt_tokens,omitempty"`
	CompletionToks int     `json:"completion_tokens,omitempty"`
	Cached         bool    `json:"cached,omitempty"`
	Placeholder    bool    `json:"placeholder,omitempty"` // written by the project's fake model: placeholder text
	Template       string  `json:"template,omitempty"`
	Source         string  `json:"source,omitempty"` // for an imported answer, its file
	Line           int64   `json:"line,omitempty"`
	// Estimated marks, in an --estimate run, an answer the store does not have: its
	// text is unknown, and the judge's estimate counts it at the max_tokens bound.
	Estimated bool `json:"-"`
}

// answerLine is what an --answers line must hold; question_id may be a number.
type answerLine struct {
	QuestionID json.RawMessage `json:"question_id"`
	Model      string          `json:"model"`
	Lang       string          `json:"lang"`
	Turn       *int            `json:"turn"`
	Answer     *string         `json:"answer"`
}

// ParseAnswer parses one line of an --answers file.
func ParseAnswer(line []byte) (Answer, error) {
	var l answerLine
	if err := json.Unmarshal(line, &l); err != nil {
		return Answer{}, &ParseError{ReasonMalformed, err.Error()}
	}
	id, err := idString(l.QuestionID)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{QuestionID: id, Model: strings.TrimSpace(l.Model), Lang: strings.ToLower(strings.TrimSpace(l.Lang)), Turn: 1}
	if l.Turn != nil {
		a.Turn = *l.Turn
	}
	switch {
	case a.Model == "":
		return Answer{}, &ParseError{ReasonBadField, "no model"}
	case !ValidModelName(a.Model):
		return Answer{}, &ParseError{ReasonBadField, fmt.Sprintf("model %q: want letters, digits, '.', '_' or '-'", a.Model)}
	case a.Lang == "":
		return Answer{}, &ParseError{ReasonBadField, "no lang"}
	case a.Turn < 1:
		return Answer{}, &ParseError{ReasonBadField, fmt.Sprintf("turn %d < 1", a.Turn)}
	case l.Answer == nil:
		return Answer{}, &ParseError{ReasonNoText, "no answer"}
	}
	a.Answer = *l.Answer
	return a, nil
}

// ValidModelName reports whether name can name a model in outputs: it becomes a
// directory (answers/<model>/) and part of count keys.
func ValidModelName(name string) bool {
	if name == "" || len(name) > 100 {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return name != "." && name != ".."
}
