// Package langid routes documents to their language, and rejects those in a language
// the job does not want or whose declared language the text contradicts.
package langid

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	lid "github.com/xinstruct/xinstruct/internal/langid"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn4x0[context.Context, record.Doc, func(record.Doc), func(record.Rejected)](&identifyFn{})
}

// Params configure Identify.
type Params struct {
	Languages []string // ISO 639-1 codes to keep
	// MinConfidence is the least detector confidence to route a document. Below it the
	// text is mixed or too ambiguous to trust, and is rejected as undetermined_language.
	MinConfidence float64
}

// DefaultMinConfidence: on the shared real corpora the detector's confidence for the
// right language is above 0.9 for nearly every document; mixed-language pages fall below 0.5.
const DefaultMinConfidence = 0.5

// Validate reports whether p makes sense.
func (p Params) Validate() error {
	if len(p.Languages) == 0 {
		return fmt.Errorf("no languages")
	}
	known := lid.Default().Languages()
	for _, l := range p.Languages {
		if !slices.Contains(known, l) {
			return fmt.Errorf("language %q is not one the detector knows (%s)", l, strings.Join(known, ","))
		}
	}
	if p.MinConfidence < 0 || p.MinConfidence > 1 {
		return fmt.Errorf("MinConfidence %v is not in [0, 1]", p.MinConfidence)
	}
	return nil
}

// Identify detects each document's language and routes it there (Doc.Lang,
// Doc.LangConfidence). It rejects a document as
//   - lang_mismatch when it declares a language the text contradicts,
//   - other_language when the text is in a language outside p.Languages,
//   - undetermined_language when the detector finds no language or is not confident.
//
// It takes PCollection<record.Doc> and returns PCollection<record.Doc> and
// PCollection<record.Rejected>. It panics at construction time if p is invalid.
func Identify(s beam.Scope, p Params, docs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("langid.Identify")
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("langid.Identify: %v", err))
	}
	return beam.ParDo2(s, &identifyFn{Params: p}, docs)
}

// NormalizeCode turns a declared language tag into the ISO 639-1 code the detector
// uses: "SW", "sw-KE" and "sw_TZ" are all "sw".
func NormalizeCode(tag string) string {
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	return strings.ToLower(strings.TrimSpace(tag))
}

// Route decides, from the detector's result for a document's text and the language the
// document declares (any tag NormalizeCode understands; "" for none), whether Identify
// keeps the document, routed to got.Lang, or rejects it. It returns reason "" to keep
// it, and otherwise the dead letter's reason and detail.
func Route(p Params, got lid.Result, declared string) (reason, detail string) {
	declared = NormalizeCode(declared)
	switch {
	case got.Lang == "":
		return record.ReasonUndetermined, "no language detected"
	case declared != "" && declared != got.Lang:
		return record.ReasonLangMismatch, fmt.Sprintf("declared %s, detected %s (confidence %.2f)", declared, got.Lang, got.Confidence)
	case !slices.Contains(p.Languages, got.Lang):
		return record.ReasonOtherLanguage, fmt.Sprintf("detected %s (confidence %.2f), not one of %s", got.Lang, got.Confidence, strings.Join(p.Languages, ","))
	case got.Confidence < p.MinConfidence:
		return record.ReasonUndetermined, fmt.Sprintf("detected %s with confidence %.2f < %.2f", got.Lang, got.Confidence, p.MinConfidence)
	}
	return "", ""
}

// RejectionReasons lists the reasons Route returns.
func RejectionReasons() []string {
	return []string{record.ReasonLangMismatch, record.ReasonOtherLanguage, record.ReasonUndetermined}
}

type identifyFn struct {
	Params Params

	detector *lid.Detector
	counters map[string]beam.Counter
}

func (fn *identifyFn) Setup() {
	fn.detector = lid.Default()
	fn.counters = map[string]beam.Counter{}
	for _, r := range RejectionReasons() {
		fn.counters[r] = beam.NewCounter("ingest", "rejected_"+r)
	}
}

func (fn *identifyFn) ProcessElement(ctx context.Context, d record.Doc, kept func(record.Doc), rejected func(record.Rejected)) {
	got := fn.detector.Detect(d.Text)
	if reason, detail := Route(fn.Params, got, d.Lang); reason != "" {
		fn.counters[reason].Inc(ctx, 1)
		rejected(record.Reject(d, record.StageIngest, reason, detail))
		return
	}
	d.Lang, d.LangConfidence = got.Lang, got.Confidence
	kept(d)
}
