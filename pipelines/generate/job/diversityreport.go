package job

import (
	"context"
	"encoding/json"
	"math"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/publish"
)

func init() {
	register.DoFn3x2[context.Context, publish.Verdict, func(*dataset.LangStats) bool, publish.Verdict, error](&diversityReportFn{})
	register.Iter1[dataset.LangStats]()
}

// DiversityName is the report of the selection's diversity against the random
// baseline, per language: report/diversity.json (the card's "Diversity" table).
const DiversityName = "diversity.json"

// DiversityReport is report/diversity.json.
type DiversityReport struct {
	WithinCluster string          `json:"within_cluster"`
	Languages     []LangDiversity `json:"languages"`
}

// LangDiversity is one language's row; measures too small to take are null.
type LangDiversity struct {
	Lang       string       `json:"lang"`
	Candidates int64        `json:"candidates"`
	Selected   SetDiversity `json:"selected"`
	Random     SetDiversity `json:"random"` // a uniform random sample of the same size from the same candidates
	Probes     int64        `json:"coverage_probes"`
}

// SetDiversity is what the card says of one set (see README, "What the card says of diversity").
type SetDiversity struct {
	N            int64    `json:"n"`
	Vendi        *float64 `json:"vendi"`
	CoverageMean *float64 `json:"coverage_mean"`
	CoverageP95  *float64 `json:"coverage_p95"`
	NearDupShare *float64 `json:"near_dup_share"`
	Topics       int64    `json:"topics"`
	TopicEntropy *float64 `json:"topic_entropy"`
	MeanDistance *float64 `json:"mean_pairwise_distance"`
}

// diversityReport adds report/diversity.json to the verdict, from the card's statistics
// (PCollection<dataset.LangStats>).
func diversityReport(s beam.Scope, cfg Config, verdict, stats beam.PCollection) beam.PCollection {
	return beam.ParDo(s.Scope("generate.DiversityReport"), &diversityReportFn{WithinCluster: cfg.Diversify.WithinCluster}, verdict, beam.SideInput{Input: stats})
}

type diversityReportFn struct{ WithinCluster string }

func (fn *diversityReportFn) ProcessElement(_ context.Context, v publish.Verdict, stats func(*dataset.LangStats) bool) (publish.Verdict, error) {
	r := DiversityReport{WithinCluster: fn.WithinCluster, Languages: []LangDiversity{}}
	var st dataset.LangStats
	for stats(&st) {
		r.Languages = append(r.Languages, LangDiversity{Lang: st.Lang, Candidates: st.Candidates, Probes: st.Probes,
			Selected: SetDiversity{N: st.Selected.N, Vendi: finite(st.SelectedVendi), CoverageMean: finite(st.SelectedCoverage),
				CoverageP95: finite(st.SelectedCoverageP95), NearDupShare: finite(st.SelectedNearDup), Topics: st.SelectedTopics,
				TopicEntropy: finite(st.SelectedTopicEntropy), MeanDistance: finite(st.SelectedDistance)},
			Random: SetDiversity{N: st.RandomN, Vendi: finite(st.RandomVendi), CoverageMean: finite(st.RandomCoverage),
				CoverageP95: finite(st.RandomCoverageP95), NearDupShare: finite(st.RandomNearDup), Topics: st.RandomTopics,
				TopicEntropy: finite(st.RandomTopicEntropy), MeanDistance: finite(st.RandomDistance)}})
	}
	slices.SortFunc(r.Languages, func(a, b LangDiversity) int { return strings.Compare(a.Lang, b.Lang) })
	b, err := json.Marshal(r)
	if err != nil {
		return v, err
	}
	reports := map[string]json.RawMessage{}
	for k, x := range v.Reports {
		reports[k] = x
	}
	reports[DiversityName] = b
	v.Reports = reports
	return v, nil
}

// finite is x, or nil (JSON null) for NaN and infinities, which JSON cannot hold.
func finite(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}
