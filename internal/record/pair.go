package record

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
}

// RejectPair builds the dead letter for a pair (or a document whose pair could not be made).
func RejectPair(p Pair, stage, reason, detail string) Rejected {
	return Rejected{Reason: reason, Stage: stage, Source: p.Source, Line: p.Line, ID: p.ID, Detail: detail, Record: Excerpt(p.Instruction + "\n---\n" + p.Output)}
}

// StageGenerate is the stage that writes instructions.
const StageGenerate = "generate"
