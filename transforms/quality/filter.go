package quality

import (
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn4x0[context.Context, record.Doc, func(record.Doc), func(record.Rejected)](&filterFn{})
	register.Emitter1[record.Doc]()
	register.Emitter1[record.Rejected]()
}

// Filter drops documents whose text fails p's rules (see Check). It takes
// PCollection<record.Doc> and returns the documents that pass (PCollection<record.Doc>)
// and dead letters for the others (PCollection<record.Rejected>, Stage "ingest", Reason
// "low_quality:<rule>", Detail from Check). It panics at construction time if p is
// invalid.
//
// Counters in namespace "quality": "kept", and "rejected_<rule>" for each rule.
func Filter(s beam.Scope, p Params, docs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("quality.Filter")
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("quality.Filter: %v", err))
	}
	return beam.ParDo2(s, &filterFn{Params: p}, docs)
}

type filterFn struct {
	Params Params

	kept     beam.Counter
	rejected map[string]beam.Counter // by rule
}

func (fn *filterFn) Setup() {
	fn.kept = beam.NewCounter("quality", "kept")
	fn.rejected = make(map[string]beam.Counter, len(ruleNames))
	for _, r := range ruleNames {
		fn.rejected[r] = beam.NewCounter("quality", "rejected_"+r)
	}
}

func (fn *filterFn) ProcessElement(ctx context.Context, d record.Doc, kept func(record.Doc), rejected func(record.Rejected)) {
	rule, detail, ok := Check(d.Text, fn.Params)
	if ok {
		fn.kept.Inc(ctx, 1)
		kept(d)
		return
	}
	fn.rejected[rule].Inc(ctx, 1)
	rejected(record.Reject(d, record.StageIngest, record.ReasonLowQuality+":"+rule, detail))
}
