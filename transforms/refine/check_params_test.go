package refine

import (
	"math"
	"testing"
)

func TestCheckParamsValidate(t *testing.T) {
	if err := DefaultCheckParams().Validate(); err != nil {
		t.Fatalf("DefaultCheckParams().Validate() = %v", err)
	}
	for _, mod := range []func(*CheckParams){
		func(p *CheckParams) { p.MinInstructionChars = 0 },
		func(p *CheckParams) { p.MaxInstructionChars = p.MinInstructionChars - 1 },
		func(p *CheckParams) { p.MinEnglishConfidence = -0.1 },
		func(p *CheckParams) { p.MinEnglishConfidence = 1.5 },
		func(p *CheckParams) { p.MinEnglishConfidence = math.NaN() },
		func(p *CheckParams) { p.MaxOverlap = 1.01 },
		func(p *CheckParams) { p.MaxOverlap = math.NaN() },
	} {
		p := DefaultCheckParams()
		mod(&p)
		if err := p.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil, want an error", p)
		}
	}
}
