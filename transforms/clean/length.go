package clean

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn4x0[context.Context, record.Doc, func(record.Doc), func(record.Rejected)](&lengthFn{})
}

// LengthParams bound a document's length in characters (Unicode code points, after
// normalization). X-Instruction's responses average 1,000-1,300 characters.
type LengthParams struct {
	MinChars int // shorter texts are rejected as too_short
	MaxChars int // longer texts are rejected as too_long
}

// DefaultLengthParams keeps texts of 200 to 4,000 characters: below 200 a text rarely
// answers an instruction on its own; above 4,000 it is an article, not a response, and
// costs tokens in every later LLM call.
func DefaultLengthParams() LengthParams { return LengthParams{MinChars: 200, MaxChars: 4000} }

// Validate reports whether the bounds make sense.
func (p LengthParams) Validate() error {
	if p.MinChars < 0 || p.MaxChars <= 0 || p.MinChars > p.MaxChars {
		return fmt.Errorf("length bounds [%d, %d] are not a non-empty range of positive lengths", p.MinChars, p.MaxChars)
	}
	return nil
}

// Length rejects documents outside p's bounds. It takes PCollection<record.Doc> and
// returns PCollection<record.Doc> and PCollection<record.Rejected>. It panics at
// construction time if p is invalid.
func Length(s beam.Scope, p LengthParams, docs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("clean.Length")
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("clean.Length: %v", err))
	}
	return beam.ParDo2(s, &lengthFn{Params: p}, docs)
}

type lengthFn struct {
	Params LengthParams

	tooShort, tooLong beam.Counter
}

func (fn *lengthFn) Setup() {
	fn.tooShort = beam.NewCounter("ingest", "rejected_"+record.ReasonTooShort)
	fn.tooLong = beam.NewCounter("ingest", "rejected_"+record.ReasonTooLong)
}

func (fn *lengthFn) ProcessElement(ctx context.Context, d record.Doc, kept func(record.Doc), rejected func(record.Rejected)) {
	switch reason, detail := checkLength(d.Text, -1, fn.Params); reason {
	case "":
		kept(d)
	case record.ReasonTooShort:
		fn.tooShort.Inc(ctx, 1)
		rejected(record.Reject(d, record.StageIngest, reason, detail))
	default:
		fn.tooLong.Inc(ctx, 1)
		rejected(record.Reject(d, record.StageIngest, reason, detail))
	}
}

// checkLength returns the reason (too_short or too_long) and detail of the dead letter
// of a text outside p's bounds, or reason "" for a text within them. runes is the
// text's length in runes if the caller knows it, or -1.
func checkLength(text string, runes int, p LengthParams) (reason, detail string) {
	// A text over MaxChars*4 bytes is too long whatever its characters; do not count them.
	if len(text) > 4*p.MaxChars {
		return record.ReasonTooLong, fmt.Sprintf("%d bytes > %d characters", len(text), p.MaxChars)
	}
	n := runes
	if n < 0 {
		n = utf8.RuneCountInString(text)
	}
	switch {
	case n < p.MinChars:
		return record.ReasonTooShort, fmt.Sprintf("%d characters < %d", n, p.MinChars)
	case n > p.MaxChars:
		return record.ReasonTooLong, fmt.Sprintf("%d characters > %d", n, p.MaxChars)
	}
	return "", ""
}
