package diversify

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/dataset"
)

func init() {
	register.Function1x1(DatasetRow)
	register.Function1x1(CardStats)
}

// ForDataset turns what Diversify produced into what io/dataset writes: the selected
// pairs as PCollection<dataset.Row> and the per-language reports as
// PCollection<dataset.LangStats>, for dataset.Write.
func ForDataset(s beam.Scope, r Result) (rows, stats beam.PCollection) {
	s = s.Scope("diversify.ForDataset")
	return beam.ParDo(s, DatasetRow, r.Selected), beam.ParDo(s, CardStats, r.Reports)
}

// DatasetRow is the dataset row of a selected pair.
func DatasetRow(s Scored) dataset.Row {
	p := s.Pair
	r := dataset.Row{ID: p.ID, Lang: p.Lang, Instruction: p.Instruction, Output: p.Output, Cluster: int32(s.Cluster),
		Rank: int32(s.Rank), Source: p.Source, Placeholder: p.Placeholder, History: []dataset.Judgement{}}
	for _, j := range p.History {
		r.History = append(r.History, dataset.Judgement{Round: int32(j.Round), Label: j.Label, Rationale: j.Rationale,
			JudgeModel: j.JudgeModel, InstructionBefore: j.InstructionBefore, Parsed: j.Parsed})
	}
	return r
}

// CardStats is what the dataset card says of a language's report: the lengths and
// per-cluster counts of the selected pairs, and the mean pairwise cosine distances of
// the selected and the random sample.
func CardStats(r LangReport) dataset.LangStats {
	sel := r.Selected
	sm, rm := r.Measures.Selected, r.Measures.Random
	perCluster, candidates := make([]int64, r.K), make([]int64, r.K)
	for c, n := range sel.PerCluster {
		if c >= 0 && c < r.K {
			perCluster[c] = n
		}
	}
	for c, n := range r.ClusterSizes {
		if c >= 0 && c < r.K {
			candidates[c] = n
		}
	}
	return dataset.LangStats{
		Lang:       r.Lang,
		Candidates: r.Candidates,
		Target:     r.Target,
		Selected: dataset.Lengths{N: sel.N, InstrSum: sel.InstrSum, InstrSumSq: sel.InstrSumSq,
			OutSum: sel.OutSum, OutSumSq: sel.OutSumSq},
		PerCluster:           perCluster,
		CandidatesPerCluster: candidates,
		SelectedDistance:     sel.MeanCosineDistance(),
		RandomDistance:       r.Random.MeanCosineDistance(),
		SelectedVendi:        sm.Vendi, RandomVendi: rm.Vendi,
		SelectedCoverage: sm.CoverageMean, RandomCoverage: rm.CoverageMean,
		SelectedCoverageP95: sm.CoverageP95, RandomCoverageP95: rm.CoverageP95,
		SelectedNearDup: sm.NearDupShare, RandomNearDup: rm.NearDupShare,
		SelectedTopics: int64(sm.Topics), RandomTopics: int64(rm.Topics),
		SelectedTopicEntropy: sm.TopicEntropy, RandomTopicEntropy: rm.TopicEntropy,
		Probes:  int64(r.Measures.Probes),
		RandomN: r.Random.N,
		K:       r.K,
		FitRows: r.FitRows,
		Iters:   r.Iters,
		Inertia: r.Inertia,
	}
}
