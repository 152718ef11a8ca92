package diversify

import (
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

// Result holds what Diversify produces.
type Result struct {
	Selected beam.PCollection // PCollection<Scored>: exactly PerLanguage per language, or all a language has
	Rejected beam.PCollection // PCollection<record.Rejected>: pairs whose embedding failed
	Counts   beam.PCollection // PCollection<KV<string, int>>: funnel counts
	Reports  beam.PCollection // PCollection<LangReport>: one per language, for the dataset card
}

// Diversify embeds the accepted pairs' instructions (PCollection<record.Pair>), fits a
// k-means model per language on a bounded sample, assigns every pair to its nearest
// centroid and selects p.PerLanguage pairs per language across the clusters. It panics
// at construction time if p is invalid.
func Diversify(s beam.Scope, p Params, accepted beam.PCollection) Result {
	s = s.Scope("diversify.Diversify")
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("diversify.Diversify: %v", err))
	}
	cands, rejected, embedCounts := Embed(s, p, accepted)
	models := Fit(s, p, cands)
	assigned := Assign(s, p, cands, models)
	sizes := ClusterSizes(s, assigned)
	selected, selectCounts := Select(s, p, assigned, models, sizes)
	random := RandomSample(s, p, cands)
	reports := Reports(s, p, models, sizes, SelectedStats(s, selected), RandomStats(s, p, cands, random), Measure(s, p, cands, random, selected))
	return Result{Selected: selected, Rejected: rejected, Counts: beam.Flatten(s, embedCounts, selectCounts), Reports: reports}
}
