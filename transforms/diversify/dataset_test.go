package diversify

import (
	"math"
	"reflect"
	"testing"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/io/dataset"
)

func TestCardStatsCarriesWhatTheCardPrints(t *testing.T) {
	r := LangReport{Lang: "fi", Candidates: 9, Target: 4, K: 3, FitRows: 9, Iters: 5, Inertia: 1.5, ClusterSizes: map[int]int64{0: 4, 1: 2, 2: 3},
		Selected: SetStats{N: 2, InstrSum: 30, InstrSumSq: 500, OutSum: 7, OutSumSq: 25,
			VecSum: []float64{1, 1}, NormSqSum: 2, PerCluster: map[int]int64{0: 1, 2: 1}},
		Random: SetStats{N: 1, VecSum: []float64{1, 0}, NormSqSum: 1},
		Measures: Measures{Probes: 9,
			Selected: Diversity{N: 2, Vendi: 1.9, CoverageMean: 0.1, CoverageP95: 0.2, NearDupShare: 0, Topics: 2, TopicEntropy: 0.69},
			Random:   Diversity{N: 1, Vendi: 1, CoverageMean: 0.3, CoverageP95: 0.4, NearDupShare: 0.5, Topics: 1, TopicEntropy: 0}}}
	got := CardStats(r)
	want := dataset.LangStats{Lang: "fi", Candidates: 9, Target: 4, K: 3, FitRows: 9, Iters: 5, Inertia: 1.5,
		Selected:   dataset.Lengths{N: 2, InstrSum: 30, InstrSumSq: 500, OutSum: 7, OutSumSq: 25},
		PerCluster: []int64{1, 0, 1}, CandidatesPerCluster: []int64{4, 2, 3},
		// (1,1) summed from two unit vectors: 1 − (2 − 2)/(2·1) = 1.
		SelectedDistance: 1,
		SelectedVendi:    1.9, RandomVendi: 1, SelectedCoverage: 0.1, RandomCoverage: 0.3, SelectedCoverageP95: 0.2, RandomCoverageP95: 0.4,
		RandomNearDup: 0.5, SelectedTopics: 2, RandomTopics: 1, SelectedTopicEntropy: 0.69, Probes: 9, RandomN: 1}
	rnd := got.RandomDistance
	got.RandomDistance = 0
	if !reflect.DeepEqual(got, want) {
		t.Errorf("CardStats = %+v, want %+v", got, want)
	}
	if !math.IsNaN(rnd) { // one pair: no pairwise distance
		t.Errorf("random distance %v, want NaN", rnd)
	}
	if got.Shortfall() != 2 || got.ClustersCovered() != 2 {
		t.Errorf("shortfall %d, clusters covered %d; want 2, 2", got.Shortfall(), got.ClustersCovered())
	}
}

func TestDatasetRowKeepsTheHistory(t *testing.T) {
	s := Scored{Candidate: Candidate{Pair: record.Pair{ID: "d#0", Lang: "sw", Instruction: "i", Output: "o", Source: "f",
		Placeholder: true, History: []record.Judgement{{Round: 1, Label: "flawed", Rationale: "r", JudgeModel: "j", InstructionBefore: "i0", Parsed: "json"}}}},
		Cluster: 2, Rank: 1}
	want := dataset.Row{ID: "d#0", Lang: "sw", Instruction: "i", Output: "o", Cluster: 2, Rank: 1, Source: "f", Placeholder: true,
		History: []dataset.Judgement{{Round: 1, Label: "flawed", Rationale: "r", JudgeModel: "j", InstructionBefore: "i0", Parsed: "json"}}}
	if got := DatasetRow(s); !reflect.DeepEqual(got, want) {
		t.Errorf("DatasetRow = %+v, want %+v", got, want)
	}
	if got := DatasetRow(Scored{}); got.History == nil {
		t.Error("a pair never judged has a nil history: it would be null, not [], in the JSONL")
	}
}
