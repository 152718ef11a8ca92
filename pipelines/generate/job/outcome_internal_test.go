package job

import (
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/transforms/funnel"
)

func TestRunFailure(t *testing.T) {
	stage := func(name string, in, out int64, rejected map[string]int64) funnel.StageReport {
		return funnel.StageReport{Name: name, In: in, Out: out, RejectedByReason: rejected}
	}
	ok := funnel.Report{Read: 10, Kept: 10, Accepted: 9, Stages: []funnel.StageReport{
		stage("generate", 10, 8, map[string]int64{"llm_gave_up": 2}),
		stage("diversify", 9, 9, nil)}}
	for _, c := range []struct {
		name string
		r    funnel.Report
		want string // "" = success
	}{
		{"at the rate", ok, ""},
		{"over the rate", funnel.Report{Kept: 10, Accepted: 7, Stages: []funnel.StageReport{
			stage("generate", 10, 7, map[string]int64{"llm_gave_up": 1, "llm_bad_request": 2}),
			stage("diversify", 7, 7, nil)}}, "3 of 10 generate calls failed for good (30%, more than --max_failure_rate=0.2), most as llm_bad_request"},
		{"budget and content filter are not failures", funnel.Report{Kept: 10, Accepted: 2, Stages: []funnel.StageReport{
			stage("generate", 10, 2, map[string]int64{"llm_budget_exceeded": 5, "llm_content_filter": 3}),
			stage("diversify", 2, 2, nil)}}, ""},
		{"judged bad is a verdict, not a failure", funnel.Report{Kept: 10, Accepted: 1, Stages: []funnel.StageReport{
			stage("judge_r1", 10, 1, map[string]int64{"judged_bad": 9}),
			stage("diversify", 1, 1, nil)}}, ""},
		{"embedding failures count", funnel.Report{Kept: 10, Accepted: 10, Stages: []funnel.StageReport{
			stage("diversify", 10, 5, map[string]int64{"embedding_failed": 5})}}, "5 of 10 diversify calls failed for good"},
		{"empty after ingest", funnel.Report{Read: 3, Rejected: 3, RejectedByReason: map[string]int64{"too_short": 3},
			Stages: []funnel.StageReport{stage("diversify", 0, 0, nil)}}, "no document passed ingest (3 read, 3 rejected, most as too_short)"},
		{"empty after refinement", funnel.Report{Kept: 4, Stages: []funnel.StageReport{stage("diversify", 0, 0, nil)}}, "none of the 4 documents"},
		{"ingest only, nothing kept", funnel.Report{Read: 1, Rejected: 1, RejectedByReason: map[string]int64{"too_short": 1}}, "ingest kept no document (1 read, 1 rejected, most as too_short)"},
		{"ingest only, an empty input", funnel.Report{}, "ingest kept no document (0 read"},
		{"ingest only, something kept", funnel.Report{Read: 2, Kept: 1, Rejected: 1}, ""},
	} {
		got := runFailure(c.r, 0.2)
		if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
			t.Errorf("%s: runFailure = %q, want %q", c.name, got, c.want)
		}
	}
}
