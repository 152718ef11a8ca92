// Package funnel counts where records went: how many were read, kept (per language) and
// rejected (per reason), as an aggregation inside the pipeline, so that the numbers come
// from the run itself on every runner, including asynchronous ones whose launcher never
// sees the end of the job.
package funnel

import (
	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats"

	"github.com/xinstruct/xinstruct/internal/record"
)

func init() {
	register.DoFn2x0[record.Doc, func(string)](&docKeyFn{})
	register.DoFn2x0[record.Rejected, func(string)](&rejectedKeyFn{})
	register.DoFn2x0[beam.T, func(string)](&constKeyFn{})
	register.Emitter1[string]()
}

// Keys of the counts. Kept and rejected counts are suffixed with "/" and the language
// or the reason.
const (
	KeyRead     = "read"
	KeyKept     = "kept"
	KeyRejected = "rejected"
)

// CountDocs counts PCollection<record.Doc> per language under the key name+"/"+lang, and
// returns PCollection<KV<string, int>>.
func CountDocs(s beam.Scope, name string, docs beam.PCollection) beam.PCollection {
	s = s.Scope("funnel.CountDocs")
	return stats.Count(s, beam.ParDo(s, &docKeyFn{Prefix: name + "/"}, docs))
}

// CountRejected counts PCollection<record.Rejected> per reason under the key
// "rejected/"+reason, and returns PCollection<KV<string, int>>.
func CountRejected(s beam.Scope, rejected beam.PCollection) beam.PCollection {
	s = s.Scope("funnel.CountRejected")
	return stats.Count(s, beam.ParDo(s, &rejectedKeyFn{}, rejected))
}

// CountAll counts the elements of any PCollection under one key, and returns
// PCollection<KV<string, int>>.
func CountAll(s beam.Scope, key string, col beam.PCollection) beam.PCollection {
	s = s.Scope("funnel.CountAll")
	return stats.Count(s, beam.ParDo(s, &constKeyFn{Key: key}, col))
}

type docKeyFn struct{ Prefix string }

func (fn *docKeyFn) ProcessElement(d record.Doc, emit func(string)) { emit(fn.Prefix + d.Lang) }

type rejectedKeyFn struct{}

func (*rejectedKeyFn) ProcessElement(r record.Rejected, emit func(string)) {
	emit(KeyRejected + "/" + r.Reason)
}

type constKeyFn struct{ Key string }

func (fn *constKeyFn) ProcessElement(_ beam.T, emit func(string)) { emit(fn.Key) }
