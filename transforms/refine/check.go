package refine

import (
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn4x0[context.Context, record.Pair, func(record.Pair), func(record.Rejected)](&checkFn{})
}

// Check applies the pair checks (CheckPair) before any judge call. It takes
// PCollection<record.Pair> and returns the pairs that pass and the dead letters of those
// that do not (stage "checks", reason the failed check's name). It panics at
// construction time if p is invalid.
func Check(s beam.Scope, p CheckParams, pairs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("refine.Check")
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("refine.Check: %v", err))
	}
	return beam.ParDo2(s, &checkFn{Params: p}, pairs)
}

type checkFn struct {
	Params CheckParams
}

func (fn *checkFn) ProcessElement(_ context.Context, p record.Pair, kept func(record.Pair), rejected func(record.Rejected)) {
	if reason, detail, ok := CheckPair(p.Instruction, p.Output, fn.Params); !ok {
		rejected(record.RejectPair(p, record.StageChecks, reason, detail))
		return
	}
	kept(p)
}
