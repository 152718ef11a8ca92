package estimate

import (
	"math"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// DefaultEvalTypical are stated typical lengths of eval answers and verdicts.
func DefaultEvalTypical() Typical { return Typical{Answer: 350, Verdict: 200} }

// EvalStage is one model stage of an eval estimate: counted call by call.
type EvalStage struct {
	Name    string
	Usage   funnel.Usage // the counted estimate, all languages
	Typical int          // a typical answer's tokens
	Reask   float64      // the share of calls asked again (the judge's corrective re-ask)
	Price   llm.Price
}

// Eval turns the eval's counted stages into rows: each stage's calls as counted (the
// judge's re-asks projected on top), tokens out at a typical length and at the bound.
func Eval(stages []EvalStage, t Throughput) []Row {
	var rows []Row
	for _, st := range stages {
		u := st.Usage
		reasks := int64(math.Round(float64(u.Requests) * st.Reask))
		scale := 1 + st.Reask
		r := Row{Stage: st.Name, Calls: u.Requests + u.CacheHits + reasks, StoreHits: u.CacheHits,
			PromptTokens: int64(float64(u.PromptTokens) * scale), PromptTokensMax: int64(float64(u.PromptTokensMax) * scale),
			OutputTokens: (u.Requests + reasks) * int64(st.Typical), OutputMax: int64(float64(u.CompletionTokens) * scale),
			Projected: reasks > 0}
		r.price(st.Price)
		r.Time = t.time(r.Calls-r.StoreHits, perCall(r))
		rows = append(rows, r)
	}
	return rows
}
