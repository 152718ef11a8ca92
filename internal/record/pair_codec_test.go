package record

import (
	"reflect"
	"testing"

	"github.com/xinstruct/xinstruct/internal/codertest"
)

// TestPairCoder sends a Pair with every field set, its History's Judgements included,
// through its registered coder: a field added to Pair or Judgement and not to AppendPair
// and DecodePair fails it.
func TestPairCoder(t *testing.T) { codertest.RoundTrip[Pair](t) }

func TestPairRoundTrip(t *testing.T) {
	pairs := []Pair{
		{},
		{ID: "d#0", DocID: "d", Lang: "ta", Instruction: "Explain.", Output: "தமிழ் உரை", Source: "gs://b/t.jsonl", Line: 7,
			Generator: "m", Template: "generate_instruction@1", PromptTokens: 120, CompletionTokens: 30, Candidate: 2, Placeholder: true,
			History: []Judgement{
				{Round: 1, Label: "flawed", Rationale: "vague", JudgeModel: "j", InstructionBefore: "Explain?", Parsed: "json"},
				{Round: 2, Label: "good", JudgeModel: "j", InstructionBefore: "Explain.", Parsed: "prose+reask"},
			}},
		{Line: -3, Candidate: -1},
	}
	for _, p := range pairs {
		got, err := DecodePair(AppendPair(nil, p))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, p) {
			t.Errorf("round trip changed the pair:\n got %+v\nwant %+v", got, p)
		}
	}
}

func TestDecodePairRejectsTruncatedAndTrailing(t *testing.T) {
	b := AppendPair(nil, Pair{ID: "x", Output: "hello", History: []Judgement{{Round: 1, Label: "good"}}})
	for i := 0; i < len(b); i++ {
		if _, err := DecodePair(b[:i]); err == nil {
			t.Fatalf("decoding %d of %d bytes succeeded", i, len(b))
		}
	}
	if _, err := DecodePair(append(b, 0)); err == nil {
		t.Fatal("decoding with a trailing byte succeeded")
	}
}
