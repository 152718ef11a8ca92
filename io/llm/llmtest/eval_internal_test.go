package llmtest

import (
	"testing"

	"github.com/xinstruct/xinstruct/internal/langid"
	"github.com/xinstruct/xinstruct/internal/script"
)

// TestAnswerBankLanguages checks that internal/langid identifies every sentence of the
// answer bank, and answers composed of them at several lengths, as the bank's language,
// with and without the quality marker, and that the script is the language's.
func TestAnswerBankLanguages(t *testing.T) {
	if len(answerBank) != len(evalLanguages) {
		t.Errorf("answer bank has %d languages, the suffix names %d", len(answerBank), len(evalLanguages))
	}
	for _, code := range evalLanguages {
		bank := answerBank[code]
		if len(bank) < 6 || len(bank) > 10 {
			t.Errorf("%s: %d sentences, want 6-10", code, len(bank))
		}
		want, _ := script.ForLanguage(code)
		check := func(text string) {
			t.Helper()
			for _, s := range []string{text, text + qualityMarker(7.5), text + qualityMarker(0)} {
				if r := langid.Default().Detect(s); r.Lang != code {
					t.Errorf("%s: langid says %q (%.2f): %q", code, r.Lang, r.Confidence, s)
				}
				if got := script.Count(s).Dominant(); got != want {
					t.Errorf("%s: script %v, want %v: %q", code, got, want, s)
				}
			}
		}
		for _, s := range bank {
			check(s)
		}
		for seed := range uint64(20) {
			for _, target := range []int{1, 100, 300, 1000} {
				check(composeAnswer(bank, target, seed))
			}
		}
	}
}

func TestComposeAnswerLength(t *testing.T) {
	bank := answerBank["en"]
	for _, target := range []int{1, 50, 300, 2000} {
		for seed := range uint64(10) {
			s := composeAnswer(bank, target, seed)
			if len(s) == 0 {
				t.Fatal("empty answer")
			}
			longest := 0
			for _, b := range bank {
				longest = max(longest, len(b)+1)
			}
			if target > longest && abs(len(s)-target) > longest/2+1 {
				t.Errorf("target %d: length %d", target, len(s))
			}
		}
	}
}

func TestAnswerQuality(t *testing.T) {
	for in, want := range map[string]float64{
		"":                                     5,
		"text (placeholder answer, quality 7)": 7,
		"(placeholder answer, quality 10) then (placeholder answer, quality 2.5)": 2.5,
		"(placeholder answer, quality 1e-05)":                                     1e-05,
		"(placeholder answer, quality x)":                                         5,
	} {
		if got := answerQuality(in); got != want {
			t.Errorf("answerQuality(%q) = %g, want %g", in, got, want)
		}
	}
}

func TestFormatOf(t *testing.T) {
	for in, want := range map[string]evalFormat{
		"end with <score1>N</score1> <score2>N</score2>": evalXInstruction,
		"[[A>>B]] [[A>B]] [[A=B]]":                       evalArena,
		`"[[A]]", "[[B]]", "[[C]]" for a tie`:            evalPairwise,
		"say which is better":                            "",
	} {
		if got := formatOf(in); got != want {
			t.Errorf("formatOf(%q) = %q, want %q", in, got, want)
		}
	}
}
