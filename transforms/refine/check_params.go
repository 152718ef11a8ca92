package refine

import "fmt"

// CheckParams are the thresholds of CheckPair. DefaultCheckParams gives the defaults; the
// comment on each field says why.
type CheckParams struct {
	// MinInstructionChars and MaxInstructionChars bound the instruction's length in
	// runes, after trimming white space (15 and 500). X-Instruction's instructions average
	// about 100 characters with a standard deviation of about 85, so 15 is the mean less
	// one deviation: below it are two- or three-word stubs ("Text:", "Explain.", "Write a
	// poem.") that cannot pin down a whole native document as their answer. 500 is the
	// mean plus about 4.7 deviations; the generator is asked for one line, and above 500
	// an "instruction" is almost always pasted text or a rambling model answer. Of the 80
	// English MT-Bench questions, 13 are longer than 500: 12 carry their own input data
	// ("Read the below passage ..."), one is a 511-character role-play prompt. All 80
	// Vicuna questions are within bounds.
	MinInstructionChars, MaxInstructionChars int

	// MinEnglishConfidence is the least language-ID confidence that the instruction is
	// English (0.70). Language ID (internal/langid) is reliable on sentences (the Vicuna
	// questions all score at least 0.77, nearly all 1.00), but short instructions that
	// name a dish, a place or a person are often taken for the language of the name
	// ("Write about Jyväskylä's Alvar Aalto buildings." is fi, 0.99), and one long English
	// word can make a short Vietnamese sentence English. So the English check (see
	// CheckPair) leaves names out, and weighs language ID together with the share of
	// common English words.
	MinEnglishConfidence float64

	// MaxOverlap is the largest share of the instruction's distinct character 4-grams
	// that may also occur in the output (0.50). Both texts are lower-cased, Latin
	// diacritics are folded ("Hà Nội" = "ha noi", "ş" = "s") and every run of non-letters
	// becomes one space, so a copy, a prefix or an echo of the output, and a copy with
	// its accents dropped, score near 1 (every first sentence of the shared corpora's
	// Latin-script documents scores 1.00 against its document). An unrelated English
	// question scores at most 0.15 against those documents, and the fake model's
	// placeholder instructions, which quote a word or two of their output, at most 0.29. For outputs in other scripts the share is near 0 whatever the
	// instruction says; an instruction that copies such an output is rejected by the
	// English check instead, and a romanization of it (Hindi written in Latin letters) is
	// caught only by that check, if at all.
	MaxOverlap float64
}

// DefaultCheckParams returns the default thresholds: 15 to 500 characters, English
// confidence 0.70, overlap 0.50.
func DefaultCheckParams() CheckParams {
	return CheckParams{
		MinInstructionChars:  15,
		MaxInstructionChars:  500,
		MinEnglishConfidence: 0.70,
		MaxOverlap:           0.50,
	}
}

// Validate reports what is wrong with p.
func (p CheckParams) Validate() error {
	switch {
	case p.MinInstructionChars < 1:
		return fmt.Errorf("min instruction chars %d < 1", p.MinInstructionChars)
	case p.MaxInstructionChars < p.MinInstructionChars:
		return fmt.Errorf("max instruction chars %d < min %d", p.MaxInstructionChars, p.MinInstructionChars)
	case !(p.MinEnglishConfidence >= 0 && p.MinEnglishConfidence <= 1):
		return fmt.Errorf("min English confidence %v not in [0,1]", p.MinEnglishConfidence)
	case !(p.MaxOverlap >= 0 && p.MaxOverlap <= 1):
		return fmt.Errorf("max overlap %v not in [0,1]", p.MaxOverlap)
	}
	return nil
}
