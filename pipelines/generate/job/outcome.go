package job

import (
	"fmt"

	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// runFailure says in one line why a run that went through to its end must still not
// count as a success, or returns "" when it may: a model stage whose calls failed for
// good (the model layer's dead letters: a wrong key, a wrong URL, a server that kept
// failing) beyond maxRate of its input, or an empty dataset. A budget that ran out is
// not a failure: it is what the user asked for, and the re-run with a larger cap pays
// only for what is left. Nor is a content filter's refusal: it is the provider's verdict
// on a text, not a broken setup.
func runFailure(r funnel.Report, maxRate float64) string {
	for _, st := range r.Stages {
		failures := map[string]int64{}
		var failed int64
		for reason, n := range st.RejectedByReason {
			if isCallFailure(reason) {
				failures[reason] = n
				failed += n
			}
		}
		top := funnel.TopReason(failures)
		if st.In > 0 && float64(failed) > maxRate*float64(st.In) {
			return fmt.Sprintf("%d of %d %s calls failed for good (%.0f%%, more than --max_failure_rate=%g), most as %s; the dead letters are in rejected/%s/, and a re-run pays only for them",
				failed, st.In, st.Name, 100*float64(failed)/float64(st.In), maxRate, top, st.Name)
		}
	}
	if len(r.Stages) == 0 && r.Kept == 0 {
		return fmt.Sprintf("ingest kept no document (%d read, %d rejected, most as %s): check --input and --languages", r.Read, r.Rejected, funnel.TopReason(r.RejectedByReason))
	}
	for _, st := range r.Stages {
		if st.Name != diversify.Stage || st.Out > 0 {
			continue
		}
		switch {
		case r.Kept == 0:
			return fmt.Sprintf("the dataset is empty: no document passed ingest (%d read, %d rejected, most as %s)", r.Read, r.Rejected, funnel.TopReason(r.RejectedByReason))
		case r.Accepted == 0:
			return fmt.Sprintf("the dataset is empty: none of the %d documents kept by ingest ended as an accepted pair; see report/funnel.json and rejected/", r.Kept)
		default:
			return "the dataset is empty: diversification selected nothing"
		}
	}
	return ""
}

// isCallFailure reports whether a dead letter's reason is a model call that failed for
// good, as opposed to a verdict on the record (judged bad, failed a check).
func isCallFailure(reason string) bool {
	return reason == diversify.ReasonEmbeddingFailed || llm.CallFailed(reason)
}
