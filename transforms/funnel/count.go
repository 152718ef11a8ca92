// Package funnel counts where records went: how many were read, kept (per language) and
// rejected (per reason), as an aggregation inside the pipeline, so that the numbers come
// from the run itself on every runner, including asynchronous ones whose launcher never
// sees the end of the job.
package funnel

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/internal/stats"
)

func init() {
	register.DoFn2x0[record.Pair, func(string, int)](&pairCountFn{})
	register.DoFn2x0[record.Doc, func(string, int)](&docCountFn{})
	register.DoFn2x0[record.Rejected, func(string, int)](&rejectedCountFn{})
	register.DoFn2x0[beam.T, func(string, int)](&constCountFn{})
	register.Emitter2[string, int]()
}

// CountDocs counts PCollection<record.Doc> per language under key in the document's
// language (e.g. KeyKept), and returns PCollection<KV<string, int>>.
func CountDocs(s beam.Scope, key Key, docs beam.PCollection) beam.PCollection {
	s = s.Scope("funnel.CountDocs")
	return stats.SumPerKey(s, beam.ParDo(s, &docCountFn{Key: key}, docs))
}

// CountPairs counts PCollection<record.Pair> per language under key in the pair's
// language (e.g. OutKey(stage)), and returns PCollection<KV<string, int>>.
func CountPairs(s beam.Scope, key Key, pairs beam.PCollection) beam.PCollection {
	s = s.Scope("funnel.CountPairs")
	return stats.SumPerKey(s, beam.ParDo(s, &pairCountFn{Key: key}, pairs))
}

// CountRejected counts PCollection<record.Rejected> per stage and reason under
// Rejected(stage, reason), and returns PCollection<KV<string, int>>.
func CountRejected(s beam.Scope, rejected beam.PCollection) beam.PCollection {
	s = s.Scope("funnel.CountRejected")
	return stats.SumPerKey(s, beam.ParDo(s, &rejectedCountFn{}, rejected))
}

// CountAll counts the elements of any PCollection under one key, and returns
// PCollection<KV<string, int>>.
func CountAll(s beam.Scope, key Key, col beam.PCollection) beam.PCollection {
	s = s.Scope("funnel.CountAll")
	return stats.SumPerKey(s, beam.ParDo(s, &constCountFn{Key: key}, col))
}

// bundleCounts adds up counts within a bundle and emits one (key, n) per key when the
// bundle ends: a shuffle of a few keys per bundle instead of a pair per element, which
// the direct runner would otherwise hold in memory until the end of the job.
type bundleCounts struct {
	counts map[Key]int
}

func (b *bundleCounts) StartBundle(func(string, int)) { b.counts = map[Key]int{} }

func (b *bundleCounts) FinishBundle(emit func(string, int)) {
	for k, n := range b.counts {
		emit(k.String(), n)
	}
	b.counts = nil
}

type docCountFn struct {
	Key Key
	bundleCounts
}

func (fn *docCountFn) ProcessElement(d record.Doc, _ func(string, int)) {
	fn.counts[fn.Key.WithLang(d.Lang)]++
}

type pairCountFn struct {
	Key Key
	bundleCounts
}

func (fn *pairCountFn) ProcessElement(p record.Pair, _ func(string, int)) {
	fn.counts[fn.Key.WithLang(p.Lang)]++
}

type rejectedCountFn struct{ bundleCounts }

func (fn *rejectedCountFn) ProcessElement(r record.Rejected, _ func(string, int)) {
	fn.counts[Rejected(r.Stage, r.Reason)]++
}

type constCountFn struct {
	Key Key
	bundleCounts
}

func (fn *constCountFn) ProcessElement(_ beam.T, _ func(string, int)) { fn.counts[fn.Key]++ }
