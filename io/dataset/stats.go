package dataset

import (
	"math"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

func init() {
	// The schema row coder: every field is exported, and no map (NaN distances would
	// not survive a JSON coder).
	beam.RegisterType(reflect.TypeOf((*LangStats)(nil)).Elem())
}

// LangStats is what the card says of one language: how many candidates reached the
// selection, how they were clustered, and the selected pairs beside a uniform random
// sample of the same size from the same candidates.
type LangStats struct {
	Lang       string
	Candidates int64   // pairs that reached clustering
	Target     int     // pairs asked for per language
	Selected   Lengths // the selected pairs
	PerCluster []int64 // selected pairs per cluster, by cluster index; len K
	// CandidatesPerCluster are the candidates assigned to each cluster; len K.
	CandidatesPerCluster []int64
	// SelectedDistance and RandomDistance are the mean pairwise cosine distances of the
	// instructions' embeddings of the selected pairs and of the random sample; NaN below
	// two pairs.
	SelectedDistance float64
	RandomDistance   float64
	// Diversity of the selected set and of the random sample (transforms/diversify.Measure):
	// the Vendi score (cosine kernel); coverage, the mean and 95th-percentile cosine
	// distance from a candidate (of Probes, a seeded sample) to its nearest member, lower
	// is better; the share of members with a near-duplicate; distinct verb–object topics
	// and their entropy (nats). NaN where a set is too small to measure.
	SelectedVendi, RandomVendi               float64
	SelectedCoverage, RandomCoverage         float64
	SelectedCoverageP95, RandomCoverageP95   float64
	SelectedNearDup, RandomNearDup           float64
	SelectedTopics, RandomTopics             int64
	SelectedTopicEntropy, RandomTopicEntropy float64
	Probes                                   int64
	RandomN                                  int64   // the random sample's size, the selection's
	K                                        int     // clusters fitted
	FitRows                                  int     // candidates in the fit sample
	Iters                                    int     // Lloyd iterations run
	Inertia                                  float64 // of the fit sample, after the last iteration
}

// Shortfall is how many pairs the language lacks to reach its target.
func (r LangStats) Shortfall() int64 { return max(0, int64(r.Target)-r.Selected.N) }

// ClustersCovered is the number of clusters that gave at least one pair.
func (r LangStats) ClustersCovered() int {
	n := 0
	for _, c := range r.PerCluster {
		if c > 0 {
			n++
		}
	}
	return n
}

// Lengths sum a set of pairs' instruction and output lengths, in Unicode characters,
// and their squares: sets add up, and the mean and standard deviation follow.
type Lengths struct {
	N          int64
	InstrSum   float64
	InstrSumSq float64
	OutSum     float64
	OutSumSq   float64
}

// Add returns the sums of the union of two disjoint sets.
func (l Lengths) Add(m Lengths) Lengths {
	l.N += m.N
	l.InstrSum += m.InstrSum
	l.InstrSumSq += m.InstrSumSq
	l.OutSum += m.OutSum
	l.OutSumSq += m.OutSumSq
	return l
}

// InstrMeanSD and OutMeanSD are the mean and (population) standard deviation of the
// instruction and output lengths; NaN for an empty set.
func (l Lengths) InstrMeanSD() (mean, sd float64) { return meanSDOf(l.N, l.InstrSum, l.InstrSumSq) }
func (l Lengths) OutMeanSD() (mean, sd float64)   { return meanSDOf(l.N, l.OutSum, l.OutSumSq) }

func meanSDOf(n int64, sum, sumSq float64) (float64, float64) {
	if n == 0 {
		return math.NaN(), math.NaN()
	}
	mean := sum / float64(n)
	return mean, math.Sqrt(math.Max(0, sumSq/float64(n)-mean*mean))
}
