// Package leaderboard turns an LLM judge's pairwise verdicts into a leaderboard: win rates
// against a baseline with cluster-bootstrap intervals, judge-health numbers (position
// consistency, first-position bias, parse failures), Bradley-Terry scores, a
// length-controlled win rate, and a README with a chart for a person to read.
//
// It is pure Go and has no Beam code: a pipeline collects the Judgments and calls Aggregate,
// then RenderMarkdown and RenderChart.
package leaderboard

// The values of Judgment.Winner.
const (
	WinnerModel    = "model"
	WinnerBaseline = "baseline"
	WinnerTie      = "tie"
)

// Usual values of Judgment.Error. Any non-empty Error means the judgment has no verdict; only
// ErrJudgeUnparseable is counted on its own (as a parse failure after the re-ask).
const (
	ErrJudgeUnparseable = "judge_unparseable"
	ErrAnswerMissing    = "answer_missing"
	ErrLLMGaveUp        = "llm_gave_up"
)

// Judgment is one single-order comparison of a model's answer with the baseline's answer
// to one question (one turn of it) in one language.
type Judgment struct {
	QuestionID string `json:"question_id"` // the unit the bootstrap resamples
	Lang       string `json:"lang"`
	Category   string `json:"category"`
	Turn       int    `json:"turn"` // 1-based; a multi-turn question has a judgment per turn
	Model      string `json:"model"`
	Baseline   string `json:"baseline"`
	ModelFirst bool   `json:"model_first"` // the model's answer was shown first (as assistant A)
	Winner     string `json:"winner"`      // "model", "baseline" or "tie"; "" when there is no verdict (Error says why)
	Strength   int    `json:"strength"`    // Arena-Hard format: 2 for >>, 1 for >, 0 for a tie; 0 otherwise
	Error      string `json:"error"`       // why there is no verdict, e.g. "judge_unparseable", "answer_missing", "llm_gave_up"
	Reasked    bool   `json:"reasked"`     // the judge's first reply did not parse and it was asked again (whatever came of it)
	ByGate     bool   `json:"by_gate"`     // decided by the answer-language gate without a judge call

	ModelOffLanguage    bool `json:"model_off_language"` // the answer is not in Lang
	BaselineOffLanguage bool `json:"baseline_off_language"`

	ModelChars    int `json:"model_chars"` // answer lengths in characters (runes)
	BaselineChars int `json:"baseline_chars"`

	JudgeCalls       int `json:"judge_calls"` // judge requests made for this judgment (0 when from the store or by the gate)
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

// hasVerdict tells whether j is a usable single-order verdict.
func (j Judgment) hasVerdict() bool {
	if j.Error != "" {
		return false
	}
	switch j.Winner {
	case WinnerModel, WinnerBaseline, WinnerTie:
		return true
	}
	return false
}

// pickedFirst tells whether j's verdict chose the answer that was shown first.
func (j Judgment) pickedFirst() bool {
	return (j.Winner == WinnerModel) == j.ModelFirst
}
