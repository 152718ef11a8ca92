// Package stats is the part of Beam's transforms/stats this module uses, for ints only:
// Count, CountElms, Sum and SumPerKey, with Beam's names, scopes and pipeline shapes.
//
// Importing Beam's stats package registers all of it in its init, its quantiles DoFn
// included, through Beam's register package, whose wrappers for that one DoFn are about
// 4 MB of each pipeline binary (internal/bench/binsize). Each transform here panics at
// construction time, as Beam's does for a type it cannot sum, if the values are not ints.
package stats

import (
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"

	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.Function1x2(keyedCountFn)
	register.Function1x1(countFn)
	register.Function2x1(sumIntFn)
}

// Count counts the appearances of each element: PCollection<T> to PCollection<KV<T, int>>.
// T's encoding must be deterministic, as it becomes the key.
func Count(s beam.Scope, col beam.PCollection) beam.PCollection {
	s = s.Scope("stats.Count")
	return SumPerKey(s, beam.ParDo(s, keyedCountFn, col))
}

func keyedCountFn(elm beam.T) (beam.T, int) { return elm, 1 }

// CountElms counts the elements of col (PCollection<T> or PCollection<KV<K, V>>): a
// singleton PCollection<int>, 0 for an empty collection.
func CountElms(s beam.Scope, col beam.PCollection) beam.PCollection {
	s = s.Scope("stats.CountElms")
	if typex.IsKV(col.Type()) {
		col = beam.DropKey(s, col)
	}
	return Sum(s, beam.Flatten(s, beam.ParDo(s, countFn, col), beam.Create(s, 0)))
}

func countFn(_ beam.T) int { return 1 }

// Sum adds up a PCollection<int>: a singleton PCollection<int>.
func Sum(s beam.Scope, col beam.PCollection) beam.PCollection {
	s = s.Scope("stats.Sum")
	mustBeInt("stats.Sum", beam.ValidateNonCompositeType(col).Type())
	return beam.Combine(s, sumIntFn, col)
}

// SumPerKey adds up the values of each key: PCollection<KV<K, int>> to
// PCollection<KV<K, int>>.
func SumPerKey(s beam.Scope, col beam.PCollection) beam.PCollection {
	s = s.Scope("stats.SumPerKey")
	_, v := beam.ValidateKVType(col)
	mustBeInt("stats.SumPerKey", v.Type())
	return beam.CombinePerKey(s, sumIntFn, col)
}

func sumIntFn(x, y int) int { return x + y }

func mustBeInt(name string, t reflect.Type) {
	if t != reflect.TypeFor[int]() {
		panic(fmt.Sprintf("%s: values must be int, not %v", name, t))
	}
}
