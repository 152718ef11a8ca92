package pairjudge

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Comparison)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Judgment)(nil)).Elem())
}

// Turn is one turn of a comparison as the judge is shown it: positions as shown.
type Turn struct {
	Question string
	AnswerA  string
	AnswerB  string
}

// Comparison is one ordering of one comparison to judge: a model's answer to one turn of
// one question in one language against the baseline's, the model shown first or second.
type Comparison struct {
	QuestionID string
	Lang       string
	Category   string
	Turn       int // 1-based: the turn judged; a later turn is judged on the whole dialogue
	Model      string
	Baseline   string
	ModelFirst bool
	Turns      []Turn // the dialogue up to Turn
	Reference  string // the question's reference answer to the judged turn, when it has one

	ModelOffLanguage, BaselineOffLanguage bool
	ModelChars, BaselineChars             int
	Placeholder                           bool // an answer is placeholder text
	// EstimatedAnswers counts the answers of the dialogue that an --estimate run does
	// not have (evalio.Answer.Estimated): the judge's estimate adds their bound.
	EstimatedAnswers int
}

// Order names a comparison's ordering in outputs.
func (c Comparison) Order() string {
	if c.ModelFirst {
		return OrderModelFirst
	}
	return OrderBaselineFirst
}

// Orderings.
const (
	OrderModelFirst    = "model_first"
	OrderBaselineFirst = "baseline_first"
)

// Winners, from the model's side.
const (
	WinnerModel    = "model"
	WinnerBaseline = "baseline"
	WinnerTie      = "tie"
)

// How a verdict was reached.
const (
	ParsedProse      = "prose"      // read from the judge's reply
	ParsedStructured = "structured" // read from the judge's JSON (--structured_output)
	ParsedReask      = "reask"      // read from the reply to the corrective re-ask
	ParsedGate       = "gate"       // no judge call: the answer-language gate decided
)

// Judgment is one ordering's outcome: a line of <output>/judgments/<lang>/*.jsonl, and
// the input of the leaderboard. Winner is "" when there is no verdict; Error says why.
type Judgment struct {
	QuestionID string `json:"question_id"`
	Lang       string `json:"lang"`
	Category   string `json:"category,omitempty"`
	Turn       int    `json:"turn"`
	Model      string `json:"model"`
	Baseline   string `json:"baseline"`
	ModelA     string `json:"model_a"` // shown first
	ModelB     string `json:"model_b"`
	Order      string `json:"order"` // model_first or baseline_first

	Winner   string `json:"winner,omitempty"`  // model, baseline or tie
	Verdict  string `json:"verdict,omitempty"` // the judge's verdict as written, e.g. [[A>B]] or <score1>7</score1> <score2>5</score2>
	ScoreA   *int   `json:"score_a,omitempty"` // xinstruction: the scores, positions as shown
	ScoreB   *int   `json:"score_b,omitempty"`
	Strength int    `json:"strength,omitempty"` // arena: 2 for >>, 1 for >
	Parsed   string `json:"parsed,omitempty"`   // prose, structured, reask or gate
	Reasked  bool   `json:"reasked,omitempty"`  // the first reply had no verdict
	Error    string `json:"error,omitempty"`    // why there is no verdict
	Raw      string `json:"judge_text,omitempty"`
	Judge    string `json:"judge_model,omitempty"`
	Format   string `json:"judge_format,omitempty"`

	ModelOffLanguage    bool `json:"model_off_language,omitempty"`
	BaselineOffLanguage bool `json:"baseline_off_language,omitempty"`
	ModelChars          int  `json:"model_chars"`
	BaselineChars       int  `json:"baseline_chars"`
	JudgeCalls          int  `json:"judge_calls"` // requests made (not from the store)
	PromptTokens        int  `json:"prompt_tokens,omitempty"`
	CompletionTokens    int  `json:"completion_tokens,omitempty"`
	Cached              bool `json:"cached,omitempty"`
	Placeholder         bool `json:"placeholder,omitempty"`
}

// judgmentOf starts c's judgment: everything but the outcome.
func judgmentOf(c Comparison) Judgment {
	j := Judgment{QuestionID: c.QuestionID, Lang: c.Lang, Category: c.Category, Turn: c.Turn, Model: c.Model, Baseline: c.Baseline,
		ModelA: c.Baseline, ModelB: c.Model, Order: c.Order(),
		ModelOffLanguage: c.ModelOffLanguage, BaselineOffLanguage: c.BaselineOffLanguage,
		ModelChars: c.ModelChars, BaselineChars: c.BaselineChars, Placeholder: c.Placeholder}
	if c.ModelFirst {
		j.ModelA, j.ModelB = c.Model, c.Baseline
	}
	return j
}

// winner turns a position ("A", "B", "tie") into a side.
func winner(c Comparison, position string) string {
	switch {
	case position == "tie":
		return WinnerTie
	case (position == "A") == c.ModelFirst:
		return WinnerModel
	default:
		return WinnerBaseline
	}
}
