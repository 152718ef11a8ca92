package evalio

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"unicode"
)

// Question is one eval question as read.
type Question struct {
	ID       string   // question_id, as a string
	Category string   //
	Turns    []string // the user's turns; one for a single-turn question
	Lang     string   // the language the question is written in, when the file says or DetectFileLanguage found it; "" otherwise
	// LangDetected says Lang was found by DetectFileLanguage, not given.
	LangDetected bool
	Reference    []string // reference answers per turn, when given
	// DroppedTurns counts empty turns after the first, dropped with every turn after
	// them (a translation that lost a turn): the question is asked with the turns before.
	DroppedTurns int
	Source       string // the file it came from
	Line         int64  // 1-based line in Source
}

// questionLine is a line of a question file.
type questionLine struct {
	ID        json.RawMessage `json:"question_id"`
	Category  string          `json:"category"`
	Text      string          `json:"text"`
	Turns     []string        `json:"turns"`
	Lang      string          `json:"lang"`
	Reference json.RawMessage `json:"reference"`
}

// Reasons a question or answer line is a dead letter.
const (
	ReasonMalformed   = "malformed_json"
	ReasonNoID        = "no_question_id"
	ReasonNoText      = "no_text"
	ReasonBadField    = "bad_field"
	ReasonUnsupported = "unsupported_language"
)

// ParseError is why a line is not a record: a reason (one of the Reason constants) and
// a detail for a person.
type ParseError struct{ Reason, Detail string }

func (e *ParseError) Error() string { return e.Reason + ": " + e.Detail }

// ParseQuestion parses one line of a question file.
func ParseQuestion(line []byte) (Question, error) {
	var l questionLine
	if err := json.Unmarshal(line, &l); err != nil {
		return Question{}, &ParseError{ReasonMalformed, err.Error()}
	}
	id, err := idString(l.ID)
	if err != nil {
		return Question{}, err
	}
	q := Question{ID: id, Category: strings.TrimSpace(l.Category), Lang: strings.ToLower(strings.TrimSpace(l.Lang))}
	switch {
	case len(l.Turns) > 0:
		q.Turns = l.Turns
	case strings.TrimSpace(l.Text) != "":
		q.Turns = []string{l.Text}
	}
	if len(q.Turns) == 0 {
		return Question{}, &ParseError{ReasonNoText, "neither text nor turns"}
	}
	if strings.TrimSpace(q.Turns[0]) == "" {
		return Question{}, &ParseError{ReasonNoText, "the first turn is empty"}
	}
	for i, t := range q.Turns {
		if strings.TrimSpace(t) == "" {
			q.DroppedTurns, q.Turns = len(q.Turns)-i, q.Turns[:i]
			break
		}
	}
	if q.Reference, err = references(l.Reference); err != nil {
		return Question{}, err
	}
	return q, nil
}

// idString accepts question_id as a JSON number or string.
func idString(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", &ParseError{ReasonNoID, "no question_id"}
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		if s = strings.TrimSpace(s); s == "" {
			return "", &ParseError{ReasonNoID, "question_id is empty"}
		}
		return s, nil
	}
	var n json.Number
	if err := json.Unmarshal(raw, &n); err == nil {
		return n.String(), nil
	}
	return "", &ParseError{ReasonBadField, "question_id is neither a number nor a string: " + string(raw)}
}

func references(raw json.RawMessage) ([]string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []string{s}, nil
	}
	var list []string
	if err := json.Unmarshal(raw, &list); err == nil {
		return list, nil
	}
	return nil, &ParseError{ReasonBadField, "reference is neither a string nor a list of strings"}
}

// asParseError returns err's ParseError, or one of ReasonMalformed.
func asParseError(err error) *ParseError {
	var pe *ParseError
	if errors.As(err, &pe) {
		return pe
	}
	return &ParseError{ReasonMalformed, err.Error()}
}

func isLetter(r rune) bool { return unicode.IsLetter(r) }
