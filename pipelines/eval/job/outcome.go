package job

import (
	"fmt"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// runFailure says in one line why a run that went through to its end must still not
// count as a success, or returns "" when it may: the funnel does not balance; a model
// stage whose calls failed for good beyond maxRate of its input (a wrong key or URL, a
// server that kept failing); a judge whose verdicts stayed unreadable beyond maxRate;
// no question read; or no comparison with an outcome. A budget that ran out is not a
// failure (what the user asked for), nor is a content filter's refusal.
func runFailure(r Report, maxRate float64) string {
	f := r.Funnel
	if !f.AllBalanced() {
		for _, st := range f.Stages {
			if !st.Balanced {
				return fmt.Sprintf("the %s stage does not balance: in %d, out %d, rejected %d, filtered %d (see report/%s)", st.Name, st.In, st.Out, st.Rejected, st.Filtered, ResultsName)
			}
		}
	}
	for _, st := range f.Stages {
		failures := map[string]int64{}
		var failed int64
		for reason, n := range st.RejectedByReason {
			if llm.CallFailed(reason) || reason == pairjudge.ReasonUnparseable {
				failures[reason] += n
				failed += n
			}
		}
		if st.In > 0 && float64(failed) > maxRate*float64(st.In) {
			top := funnel.TopReason(failures)
			what := "calls failed for good"
			if top == pairjudge.ReasonUnparseable {
				what = "verdicts could not be read, even after a corrective re-ask"
			}
			return fmt.Sprintf("%d of %d %s %s (%.0f%%, more than --max_failure_rate=%g), most as %s; the dead letters are in rejected/%s/, and a re-run pays only for them",
				failed, st.In, st.Name, what, 100*float64(failed)/float64(st.In), maxRate, top, st.Name)
		}
	}
	stage := func(name string) funnel.StageReport {
		for _, st := range f.Stages {
			if st.Name == name {
				return st
			}
		}
		return funnel.StageReport{}
	}
	if q := stage("questions"); q.Out == 0 {
		return fmt.Sprintf("no question to ask: %d read, %d rejected (most as %s), %d in languages not selected; check --questions and --languages",
			q.In, q.Rejected, funnel.TopReason(q.RejectedByReason), q.Filtered)
	}
	n := 0
	for _, x := range r.Results {
		if x.Lang == "all" && x.Category == "" && x.Turn == 0 {
			n += x.N
		}
	}
	if n == 0 {
		c := stage("compare")
		return fmt.Sprintf("no comparison had an outcome: of %d orderings, %d lacked the model's or the baseline's (%s) answer, and the judge gave %d verdicts; see rejected/ and report/%s",
			c.In, c.FilteredByReason[pairjudge.FilteredMissing], r.Baseline, stage("judge").Out, ResultsName)
	}
	return ""
}
