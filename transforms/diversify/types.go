package diversify

import "github.com/xinstruct/xinstruct/internal/record"

// Candidate is an accepted pair with the embedding of its English instruction.
type Candidate struct {
	Pair record.Pair
	Vec  []float32 // L2-normalized (or all zeros for a text without features)
}

// Scored is a candidate placed in its language's clustering.
type Scored struct {
	Candidate
	Cluster     int     // index of the nearest centroid
	Dist        float64 // squared Euclidean distance to that centroid
	Tie         uint64  // seeded hash of the pair's id: the last tie-break
	Rank        int     // after selection: the order the within-cluster rule took it in, from 0
	Gain        float64 // what the rule says it adds (+Inf within the quota of rules that do not say)
	ClusterSize int     // candidates in its cluster: offers of equal gain are kept in proportion to it
}

// Rounds is the number of judge rounds the pair went through: a pair judged good at
// once is preferred over one that needed a rewrite.
func (s Scored) Rounds() int { return len(s.Pair.History) }

// before orders candidates within a cluster: nearest to the centroid first, then fewer
// refinement rounds, then the seeded hash, then the id (hash collisions).
func before(a, b *Scored) bool {
	if a.Dist != b.Dist {
		return a.Dist < b.Dist
	}
	return tieBefore(a, b)
}

// tieBefore is the order that breaks ties in the within-cluster rules: fewer refinement
// rounds, then the seeded hash, then the id.
func tieBefore(a, b *Scored) bool {
	if ra, rb := a.Rounds(), b.Rounds(); ra != rb {
		return ra < rb
	}
	return randomBefore(a, b)
}

// randomBefore is the random rule's order: the seeded hash, then the id.
func randomBefore(a, b *Scored) bool {
	if a.Tie != b.Tie {
		return a.Tie < b.Tie
	}
	return a.Pair.ID < b.Pair.ID
}

// Model is one language's clustering: k centroids fitted on a sample of its candidates.
type Model struct {
	Lang      string
	K         int
	D         int
	Centroids []float32 // K×D, row-major
	FitRows   int       // candidates in the fit sample
	Inertia   float64   // of the fit sample, after the last iteration
	Iters     int       // Lloyd iterations run
}

// sampled is a candidate's vector with its seeded priority, for the fit sample.
type sampled struct {
	Prio uint64
	Vec  []float32
}
