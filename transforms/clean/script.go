package clean

import (
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/script"
)

func init() {
	register.DoFn4x0[context.Context, record.Doc, func(record.Doc), func(record.Rejected)](&scriptFn{})
}

// ScriptParams configure the script check.
type ScriptParams struct {
	// MinShare is the least fraction of a text's letters (combining marks included) that
	// must be in its language's script. Names, numbers and loanwords in Latin letters are
	// common in every language here, so this is well below 1.
	MinShare float64
}

// DefaultScriptParams requires 70% of letters in the language's script. The shared
// real corpora are at least 75% in their script (Thai and Hindi XQuAD paragraphs quote
// many Latin names), so real text passes and transliterated or mixed pages do not.
func DefaultScriptParams() ScriptParams { return ScriptParams{MinShare: 0.7} }

// Validate reports whether the parameters make sense.
func (p ScriptParams) Validate() error {
	if p.MinShare < 0 || p.MinShare > 1 {
		return fmt.Errorf("MinShare %v is not in [0, 1]", p.MinShare)
	}
	return nil
}

// Script rejects documents whose letters are not mostly in the script of the language
// they were routed to (Doc.Lang): Tamil script for ta, Arabic for ur, Devanagari for hi,
// Bengali for bn, Thai for th, Latin for fi, id, tr, vi, sw and en. A language without a
// known script is rejected as wrong_script too: it cannot be checked. It takes
// PCollection<record.Doc> and returns PCollection<record.Doc> and
// PCollection<record.Rejected>.
func Script(s beam.Scope, p ScriptParams, docs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("clean.Script")
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("clean.Script: %v", err))
	}
	return beam.ParDo2(s, &scriptFn{Params: p}, docs)
}

type scriptFn struct {
	Params ScriptParams

	rejected beam.Counter
}

func (fn *scriptFn) Setup() {
	fn.rejected = beam.NewCounter("ingest", "rejected_"+record.ReasonWrongScript)
}

func (fn *scriptFn) ProcessElement(ctx context.Context, d record.Doc, kept func(record.Doc), rejected func(record.Rejected)) {
	if ok, detail := CheckScript(d.Text, d.Lang, fn.Params.MinShare); !ok {
		fn.rejected.Inc(ctx, 1)
		rejected(record.Reject(d, record.StageIngest, record.ReasonWrongScript, detail))
		return
	}
	kept(d)
}

// CheckScript reports whether at least minShare of text's letters are in lang's script,
// and if not, why.
func CheckScript(text, lang string, minShare float64) (ok bool, detail string) {
	var c script.Counts
	if _, known := script.ForLanguage(lang); known {
		c = script.Count(text)
	}
	return checkScriptCounts(c, lang, minShare)
}

// checkScriptCounts is CheckScript for a text whose letters c counts.
func checkScriptCounts(c script.Counts, lang string, minShare float64) (ok bool, detail string) {
	want, known := script.ForLanguage(lang)
	if !known {
		return false, fmt.Sprintf("no script is known for language %q", lang)
	}
	if share := c.Share(want); share < minShare {
		return false, fmt.Sprintf("%.0f%% of letters in %s script, want at least %.0f%% (most are %s)", 100*share, want, 100*minShare, c.Dominant())
	}
	return true, ""
}
