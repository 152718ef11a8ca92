package evalio

import (
	"github.com/xinstruct/xinstruct/internal/langgate"
	"github.com/xinstruct/xinstruct/internal/langid"
)

// Detection thresholds of DetectFileLanguage.
const (
	minDetectLetters    = 20   // letters of language evidence for a question's vote to count
	minDetectConfidence = 0.9  // the language ID's confidence for its vote to count
	minFileShare        = 0.75 // share of the voting questions that must agree
)

// DetectFileLanguage gives the questions of one file that carry no lang the language
// most of them are written in, when that is not English: translated question sets
// (MT-Bench in Finnish, Thai, ...) carry no lang field, and their code and math
// questions, mostly Latin script and code in every language, would on their own be
// taken for English. Each question votes with the language ID of its first turn's
// language evidence (no code, URLs or formulas: langgate.Evidence) when it has enough
// letters and confidence; when at least three quarters of the votes agree on one
// language other than English, every question without lang gets it (LangDetected
// set). Otherwise nothing changes: the file's questions are English.
func DetectFileLanguage(qs []Question) {
	votes, voters := map[string]int{}, 0
	for _, q := range qs {
		if q.Lang != "" {
			continue
		}
		ev := langgate.Evidence(q.Turns[0])
		if letterCount(ev) < minDetectLetters {
			continue
		}
		r := langid.Default().Detect(ev)
		if r.Lang == "" || r.Confidence < minDetectConfidence {
			continue
		}
		votes[r.Lang]++
		voters++
	}
	best, n := "", 0
	for l, c := range votes {
		if c > n || (c == n && l < best) {
			best, n = l, c
		}
	}
	if best == "" || best == "en" || float64(n) < minFileShare*float64(voters) {
		return
	}
	for i := range qs {
		if qs[i].Lang == "" {
			qs[i].Lang, qs[i].LangDetected = best, true
		}
	}
}

func letterCount(s string) int {
	n := 0
	for _, r := range s {
		if isLetter(r) {
			n++
		}
	}
	return n
}
