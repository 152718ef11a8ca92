package clean

import (
	"context"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"golang.org/x/text/unicode/norm"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn4x0[context.Context, record.Doc, func(record.Doc), func(record.Rejected)](&normalizeFn{})
	register.Emitter1[record.Doc]()
	register.Emitter1[record.Rejected]()
}

// Normalize puts each document's text in Unicode NFC and cleans its whitespace with
// NormalizeText. A text left empty is rejected as missing_text. It takes
// PCollection<record.Doc> and returns PCollection<record.Doc> and
// PCollection<record.Rejected>.
func Normalize(s beam.Scope, docs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("clean.Normalize")
	return beam.ParDo2(s, &normalizeFn{}, docs)
}

// missingTextDetail is the detail of Normalize's dead letters.
const missingTextDetail = "no text left after whitespace and control-character cleanup"

type normalizeFn struct {
	rejected beam.Counter
}

func (fn *normalizeFn) Setup() {
	fn.rejected = beam.NewCounter("ingest", "rejected_"+record.ReasonMissingText)
}

func (fn *normalizeFn) ProcessElement(ctx context.Context, d record.Doc, kept func(record.Doc), rejected func(record.Rejected)) {
	text := NormalizeText(d.Text)
	if text == "" {
		fn.rejected.Inc(ctx, 1)
		rejected(record.Reject(d, record.StageIngest, record.ReasonMissingText, missingTextDetail))
		return
	}
	d.Text = text
	kept(d)
}

// NormalizeText returns text in NFC with its whitespace cleaned:
//   - invalid UTF-8 becomes U+FFFD;
//   - "\r\n", "\r", U+2028 and U+2029 become "\n"; tabs and other spaces (NBSP,
//     ideographic space, ...) become " ";
//   - control characters, zero-width spaces, soft hyphens and byte-order marks are
//     removed, but ZWJ and ZWNJ are kept: they change meaning in Indic and Arabic scripts;
//   - runs of spaces become one space, lines are trimmed, runs of blank lines become one
//     blank line (the paragraph break is kept), and the text is trimmed.
//
// A text that is already clean and NFC, as most are, is returned as it is, without
// allocating (see isNormal).
func NormalizeText(text string) string {
	ok, end, _ := isNormal(text)
	if ok {
		return text
	}
	return normalize(text, end)
}

// normalizeCount is NormalizeText, and also returns the result's length in runes.
func normalizeCount(text string) (string, int) {
	ok, end, n := isNormal(text)
	if ok {
		return text, n
	}
	text = normalize(text, end)
	return text, utf8.RuneCountInString(text)
}

// normalize is NormalizeText's general path. text[:validUpTo] must be valid UTF-8, and
// validUpTo at a rune boundary.
func normalize(text string, validUpTo int) string {
	if !utf8.ValidString(text[validUpTo:]) {
		text = strings.ToValidUTF8(text, "\uFFFD")
	}
	text = norm.NFC.String(text)

	var b strings.Builder
	b.Grow(len(text))
	newlines := 0    // newlines seen since the last visible character
	space := false   // a space is pending since the last visible character
	started := false // a visible character has been written
	for i := 0; i < len(text); {
		r, size := rune(text[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(text[i:])
		}
		i += size
		switch {
		case r == '\n' || r == '\u2028' || r == '\u2029':
			newlines++
			space = false
			continue
		case r == '\r':
			if i < len(text) && text[i] == '\n' {
				i++
			}
			newlines++
			space = false
			continue
		case r == '\t' || r == ' ':
			space = true
			continue
		case r < 0x20 || (r >= 0x7F && r <= 0x9F):
			continue // other C0/C1 controls
		case r == '\u200B' || r == '\uFEFF' || r == '\u00AD' || r == '\u2060':
			continue // zero-width space, BOM, soft hyphen, word joiner
		case r >= 0x80 && unicode.IsSpace(r):
			space = true
			continue
		}
		if started {
			switch {
			case newlines >= 2:
				b.WriteString("\n\n")
			case newlines == 1:
				b.WriteByte('\n')
			case space:
				b.WriteByte(' ')
			}
		}
		newlines, space, started = 0, false, true
		if size == 1 {
			b.WriteByte(byte(r))
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
