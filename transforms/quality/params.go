package quality

import (
	"fmt"
	"math"
	"strings"
)

// Params are the quality rules' thresholds. DefaultParams gives the defaults; the comment
// on each field says why. A share rule is turned off by setting its maximum to 1 (or its
// minimum to 0).
//
// Shares of characters are counted in runes. Letters include combining marks (Indic vowel
// signs, Thai tone marks); white space and invisible format characters (ZWJ, ZWNJ,
// direction marks) count neither as letters nor in the denominator.
type Params struct {
	// MinLetterShare is the least share of letters among the non-space runes (0.60).
	// Clean prose in the test corpora has at least 0.70 except for one flattened table
	// (0.63); number tables and symbol soup are well under 0.5.
	MinLetterShare float64

	// MaxDigitShare is the largest share of digits among the non-space runes (0.25).
	// Census-style prose with many numbers reaches 0.18; the one flattened table in the
	// corpora (a list of office holders with dates) has 0.29 and is rejected.
	MaxDigitShare float64

	// MaxURLShare is the largest share of the non-space runes that may be URLs or e-mail
	// addresses (0.20).
	MaxURLShare float64

	// BoilerplateHits is how many boilerplate markers (cookie notices, "all rights
	// reserved", "page not found", HTML tags, "{{" templating ...) reject a text (3). One
	// or two stray tags in a long article do not.
	BoilerplateHits int
	// MaxBoilerplateLineShare is the largest share of the non-empty lines that may carry
	// a marker (0.30), when at least two lines do. It catches short pages that are mostly
	// footer or notice.
	MaxBoilerplateLineShare float64

	// RepeatMinCopies and RepeatMinRunes say when a character, or a unit of a few
	// characters, repeated back to back is degenerate: at least RepeatMinCopies copies
	// (5) covering at least RepeatMinRunes runes (12). Reduplication in Indonesian,
	// Swahili or Tamil ("mbali mbali", "மிக, மிக, மிக, மிக") has at most 4 copies;
	// "........" has 8 runes.
	RepeatMinCopies int
	RepeatMinRunes  int

	// MaxRepeatedLineShare is the largest share of the line runes that may be in lines
	// occurring more than once (exactly, after trimming) (0.30).
	MaxRepeatedLineShare float64

	// MinLines is the least number of non-empty lines for bullet_lines and short_lines
	// to apply (5): a title, a date line and a paragraph are not a menu.
	MinLines int

	// MaxBulletLineShare is the largest share of non-empty lines that may start with a
	// bullet or list marker ("•", "-", "*", "·", "|", "–", "►", ">" ...) (0.90, as in
	// Gopher's filters, Rae et al. 2021).
	MaxBulletLineShare float64

	// ShortLineRunes is the length in runes below which a line is short (20), and
	// MaxShortLineShare the largest share of short lines among the non-empty lines
	// (0.67, FineWeb's threshold). FineWeb counts 30 characters; 20 runes is used here
	// because Thai and Turkish Wikipedia keep "key : value" and list lines of 20 to 30
	// runes, while menu items ("Contact us", "Privacy Policy") are shorter.
	ShortLineRunes    int
	MaxShortLineShare float64
}

// DefaultParams returns the default thresholds, chosen on the shared corpora of clean
// text in the ten target languages (see the package tests).
func DefaultParams() Params {
	return Params{
		MinLetterShare:          0.60,
		MaxDigitShare:           0.25,
		MaxURLShare:             0.20,
		BoilerplateHits:         3,
		MaxBoilerplateLineShare: 0.30,
		RepeatMinCopies:         5,
		RepeatMinRunes:          12,
		MaxRepeatedLineShare:    0.30,
		MinLines:                5,
		MaxBulletLineShare:      0.90,
		ShortLineRunes:          20,
		MaxShortLineShare:       0.67,
	}
}

// Validate reports whether p is usable: every share in [0, 1] and not NaN, counts
// positive, and RepeatMinCopies at least 2.
func (p Params) Validate() error {
	var errs []string
	share := func(name string, v float64) {
		if math.IsNaN(v) || v < 0 || v > 1 {
			errs = append(errs, fmt.Sprintf("%s = %v, want a share in [0, 1]", name, v))
		}
	}
	atLeast := func(name string, v, min int) {
		if v < min {
			errs = append(errs, fmt.Sprintf("%s = %d, want at least %d", name, v, min))
		}
	}
	share("MinLetterShare", p.MinLetterShare)
	share("MaxDigitShare", p.MaxDigitShare)
	share("MaxURLShare", p.MaxURLShare)
	atLeast("BoilerplateHits", p.BoilerplateHits, 1)
	share("MaxBoilerplateLineShare", p.MaxBoilerplateLineShare)
	atLeast("RepeatMinCopies", p.RepeatMinCopies, 2)
	atLeast("RepeatMinRunes", p.RepeatMinRunes, 1)
	share("MaxRepeatedLineShare", p.MaxRepeatedLineShare)
	atLeast("MinLines", p.MinLines, 1)
	share("MaxBulletLineShare", p.MaxBulletLineShare)
	atLeast("ShortLineRunes", p.ShortLineRunes, 1)
	share("MaxShortLineShare", p.MaxShortLineShare)
	if len(errs) > 0 {
		return fmt.Errorf("quality: invalid params: %s", strings.Join(errs, "; "))
	}
	return nil
}
