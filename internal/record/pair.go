package record

import "strconv"

// Pair is an instruction-tuning sample: an English instruction, and as its output a
// native text in another language.
type Pair struct {
	ID          string // DocID + "#" + candidate index
	DocID       string
	Lang        string
	Instruction string
	Output      string // the document's text, unchanged
	Source      string
	Line        int64

	Generator        string // model that wrote the instruction
	Template         string // prompt template id@version
	PromptTokens     int
	CompletionTokens int
	Candidate        int
	Placeholder      bool // the instruction is placeholder text from the project's fake model

	// History is the pair's refinement, one entry per judge round, oldest first.
	History []Judgement
}

// Judgement is one refinement round's verdict on a pair.
type Judgement struct {
	Round             int    `json:"round"`
	Label             string `json:"label"` // good, flawed or bad
	Rationale         string `json:"rationale"`
	JudgeModel        string `json:"judge_model"`
	InstructionBefore string `json:"instruction_before"` // the instruction that was judged
	Parsed            string `json:"parsed"`             // how the verdict was read: json, fenced_json, embedded_json, prose; "+reask" after a corrective re-ask
}

// RejectPair builds the dead letter for a pair (or a document whose pair could not be made).
func RejectPair(p Pair, stage, reason, detail string) Rejected {
	return Rejected{Reason: reason, Stage: stage, Source: p.Source, Line: p.Line, ID: p.ID, Detail: detail, Record: Excerpt(p.Instruction + "\n---\n" + p.Output)}
}

// Stages after ingest.
const (
	StageGenerate = "generate" // writes instructions
	StageChecks   = "checks"   // cheap pair checks before any judge call
)

// StageJudge and StageRewrite name refinement round r's stages: "judge_r1", "rewrite_r1".
func StageJudge(round int) string   { return "judge_r" + strconv.Itoa(round) }
func StageRewrite(round int) string { return "rewrite_r" + strconv.Itoa(round) }
