package refine

import (
	"fmt"
	"strings"

	"github.com/xinstruct/xinstruct/internal/langid"
)

// Shares of common English words (englishWords, requestWords) among an instruction's
// words, names left out, for the English check. Measured: the English Vicuna and
// MT-Bench questions of up to 500 characters have at least 0.33; first sentences of the
// shared corpora's documents and the MT-Bench translations (fi, bn, hi, ta, th, ur) reach
// 0.45 ("A on B:n isä. B on C:n isä. ...").
const (
	// minEnglishWords is the least share even when language ID says English: a short
	// Vietnamese sentence with one long English word in it ("Engineering News-Record là
	// một tạp chí ...") is English to language ID, with 0.99, and has 0.08.
	minEnglishWords = 0.2
	// enoughEnglishWords is the share that makes an instruction English whatever
	// language ID says: "Give me a recipe for nasi goreng in Indonesian." is Indonesian
	// to it, with 1.00, and has 0.78.
	enoughEnglishWords = 0.5
)

// notEnglish returns why in (with its words) is not English, or "". Names (see word) are
// left out, since they are in whatever language the place or person is: language ID
// reads the other words, and the share of common English words is taken over them.
// in is English if language ID says English with at least minConf and the share is at
// least minEnglishWords, or if the share is at least enoughEnglishWords. Single letters
// other than "a" and "i" (the "s" of "author's", the "x" of a formula) are not counted as
// words. An instruction made only of names is not English.
func notEnglish(in string, words []word, minConf float64) string {
	var b strings.Builder
	var n, eng int
	for _, w := range words {
		if w.name {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(w.s)
		if len(w.s) == 1 && w.s != "a" && w.s != "i" {
			continue
		}
		n++
		if englishWords[w.s] || requestWords[w.s] {
			eng++
		}
	}
	text := b.String()
	if n == 0 {
		text = in
	}
	r := langid.Default().Detect(text)
	share := 0.0
	if n > 0 {
		share = float64(eng) / float64(n)
	}
	if (r.Lang == "en" && r.Confidence >= minConf && share >= minEnglishWords) || share >= enoughEnglishWords {
		return ""
	}
	lang := r.Lang
	if lang == "" {
		lang = "undetermined"
	}
	return fmt.Sprintf("language ID says %s (%.2f; English needs %.2f), and %.0f%% of the words (names left out) are common English words",
		lang, r.Confidence, minConf, 100*share)
}
