package funnel

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/record"
)

func TestMain(m *testing.M) { ptest.Main(m) }

func TestCountsAddUpAcrossBundles(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	var docs []record.Doc
	for i := 0; i < 1000; i++ {
		docs = append(docs, record.Doc{Lang: []string{"fi", "sw", "th"}[i%3]})
	}
	d := beam.Reshuffle(s, beam.CreateList(s, docs)) // several bundles on prism
	rej := beam.CreateList(s, []record.Rejected{{Stage: "ingest", Reason: "too_short"}, {Stage: "ingest", Reason: "too_short"}, {Stage: "ingest", Reason: "duplicate"}})
	counts := beam.Flatten(s, CountDocs(s, KeyKept, d), CountRejected(s, rej), CountAll(s, KeyRead, d))
	passert.Equals(s, beam.ParDo(s, formatCount, counts),
		"kept/fi=334", "kept/sw=333", "kept/th=333", "rejected/ingest/too_short=2", "rejected/ingest/duplicate=1", "read=1000")
	ptest.RunAndValidate(t, p)
}

func formatCount(k string, n int) string { return fmt.Sprintf("%s=%d", k, n) }

func init() { register.Function2x1(formatCount) }

func TestReportBalance(t *testing.T) {
	r := FromCounts(map[string]int64{"read": 10, "kept/fi": 6, "kept/sw": 1, "rejected/ingest/too_short": 2, "rejected/ingest/duplicate": 1})
	if !r.Balanced || r.Kept != 7 || r.Rejected != 3 || r.KeptByLanguage["fi"] != 6 || r.RejectedByReason["duplicate"] != 1 {
		t.Fatalf("report %+v", r)
	}
	lost := FromCounts(map[string]int64{"read": 10, "kept/fi": 6})
	if lost.Balanced || !strings.Contains(lost.Summary(), "4 records unaccounted for") {
		t.Fatalf("an unbalanced funnel was not reported:\n%s", lost.Summary())
	}
}

func TestStageReport(t *testing.T) {
	r := FromCounts(map[string]int64{
		"generate/in/fi": 5, "generate/out/fi": 4, "rejected/generate/llm_truncated": 1,
		"llm/generate/fi/requests": 3, "llm/generate/fi/cache_hits": 2, "llm/generate/fi/prompt_tokens": 1000, "llm/generate/fi/completion_tokens": 100,
	}, "generate")
	r.PriceUsage("generate", 1, 10) // per million: 1000*1 + 100*10 = 2000 -> 0.002
	if len(r.Stages) != 1 || !r.Stages[0].Balanced || r.Stages[0].Out != 4 || r.Stages[0].RejectedByReason["llm_truncated"] != 1 {
		t.Fatalf("stage %+v", r.Stages)
	}
	u := r.LLM["generate"]["fi"]
	if u.Requests != 3 || u.CacheHits != 2 || u.Cost < 0.00199 || u.Cost > 0.00201 {
		t.Fatalf("usage %+v", u)
	}
	if r.Rejected != 0 {
		t.Fatal("a generate-stage dead letter was counted as an ingest rejection")
	}
}

func TestFilteredBalancesAStage(t *testing.T) {
	counts := map[string]int64{
		"diversify/in/fi": 10, "diversify/out/fi": 6, "rejected/diversify/embedding_failed": 1, "filtered/diversify/not_selected": 3,
	}
	r := FromCounts(counts, "diversify")
	st := r.Stages[0]
	if !st.Balanced || st.Filtered != 3 || st.FilteredByReason["not_selected"] != 3 || st.Rejected != 1 {
		t.Fatalf("stage %+v", st)
	}
	if !strings.Contains(r.Summary(), "filtered 3") {
		t.Fatalf("the summary does not show what was filtered:\n%s", r.Summary())
	}
	counts["filtered/diversify/not_selected"] = 2
	if FromCounts(counts, "diversify").Stages[0].Balanced {
		t.Fatal("a stage that lost a pair balanced")
	}
}
