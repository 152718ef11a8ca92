package answer

import (
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/langgate"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/evalio"
)

func init() {
	register.DoFn2x0[evalio.Answer, func(evalio.Answer)](&gateFn{})
}

// Gate marks the answers that are not in the language they were asked in (OffLanguage,
// with what was detected), by the project's language ID and script check on the
// answer's language evidence: code, URLs and formulas are none (internal/langgate). An
// answer with too little evidence is not marked. With off it passes the answers on
// unchecked. It takes and returns PCollection<evalio.Answer>.
func Gate(s beam.Scope, off bool, answers beam.PCollection) beam.PCollection {
	s = s.Scope("answer.Gate")
	if off {
		return answers
	}
	return beam.ParDo(s, &gateFn{}, answers)
}

type gateFn struct{}

func (*gateFn) ProcessElement(a evalio.Answer, emit func(evalio.Answer)) {
	if !a.Estimated {
		r := langgate.Check(a.Answer, a.Lang)
		a.OffLanguage, a.Detected, a.DetectedConf = !r.OK, r.Detected, r.Confidence
		if !r.OK {
			a.GateNote = r.Reason
		} else if r.Reason != "" {
			a.GateNote = fmt.Sprintf("in %s: %s", a.Lang, r.Reason)
		}
	}
	emit(a)
}
