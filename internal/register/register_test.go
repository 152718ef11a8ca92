package register_test

import (
	"context"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/funcx"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/util/reflectx"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/filter"

	"github.com/xinstruct/xinstruct/internal/register"
)

func TestMain(m *testing.M) { ptest.Main(m) }

type item struct {
	Key string
	N   int
}

// tagFn has every lifecycle method: Setup, StartBundle and FinishBundle emit, Teardown.
type tagFn struct {
	Suffix string

	setup bool
}

func (fn *tagFn) Setup() { fn.setup = true }

func (fn *tagFn) StartBundle(_ context.Context, emit func(item)) {
	emit(item{Key: "start"})
}

func (fn *tagFn) ProcessElement(_ context.Context, s string, emit func(item)) error {
	if !fn.setup {
		emit(item{Key: "no setup"})
	}
	emit(item{Key: s + fn.Suffix, N: len(s)})
	return nil
}

func (fn *tagFn) FinishBundle(emit func(item)) error {
	emit(item{Key: "finish"})
	return nil
}

func (fn *tagFn) Teardown() {}

func keyOf(it item) string { return it.Key }

func init() {
	register.DoFn3x1[context.Context, string, func(item), error](&tagFn{})
	register.Emitter1[item]()
	register.Function1x1(keyOf)
	register.Function1x1(isElement)
	register.Function1x1(isBundleMark)
	register.Function1x1(isStart)
	register.Function1x1(isFinish)
}

func TestWrapsProcessElementOnly(t *testing.T) {
	fn := &tagFn{Suffix: "!", setup: true}
	m, ok := reflectx.WrapMethods(fn)
	if !ok {
		t.Fatal("no struct wrapper registered for tagFn")
	}
	if len(m) != 1 {
		t.Fatalf("wrapped methods = %v, want ProcessElement only", slices.Sorted(maps.Keys(m)))
	}
	pe, ok := m["ProcessElement"].(reflectx.Func3x1)
	if !ok {
		t.Fatalf("ProcessElement's Func is a %T, want a reflectx.Func3x1", m["ProcessElement"])
	}
	var got []item
	if err := pe.Call3x1(context.Background(), "a", func(it item) { got = append(got, it) }); err != nil {
		t.Fatalf("Call3x1: %v", err)
	}
	if want := []item{{Key: "a!", N: 1}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Call3x1 emitted %v, want %v", got, want)
	}
}

// The methods without a wrapper are still found, through reflection.
func TestLifecycleMethodsFound(t *testing.T) {
	f, err := graph.NewFn(&tagFn{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := graph.AsDoFn(f, graph.MainSingle)
	if err != nil {
		t.Fatal(err)
	}
	for name, m := range map[string]*funcx.Fn{"Setup": d.SetupFn(), "StartBundle": d.StartBundleFn(), "ProcessElement": d.ProcessElementFn(), "FinishBundle": d.FinishBundleFn(), "Teardown": d.TeardownFn()} {
		if m == nil {
			t.Errorf("graph.AsDoFn: no %s", name)
		}
	}
}

func TestTypesRegistered(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeOf(tagFn{}), reflect.TypeOf(item{})} {
		key, _ := runtime.TypeKey(typ)
		if _, ok := runtime.LookupType(key); !ok {
			t.Errorf("%v is not registered", typ)
		}
	}
}

func isElement(k string) bool { return k != "start" && k != "finish" }

func isBundleMark(k string) bool { return !isElement(k) }

// TestPipeline runs tagFn: the elements come from ProcessElement, and StartBundle and
// FinishBundle, called through reflection, emit their marks.
func TestPipeline(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	keys := beam.ParDo(s, keyOf, beam.ParDo(s, &tagFn{Suffix: "!"}, beam.Create(s, "a", "bb")))
	passert.Equals(s, filter.Include(s, keys, isElement), "a!", "bb!")
	marks := filter.Include(s, keys, isBundleMark)
	passert.NonEmpty(s, filter.Include(s, marks, isStart))
	passert.NonEmpty(s, filter.Include(s, marks, isFinish))
	ptest.RunAndValidate(t, p)
}

func isStart(k string) bool  { return k == "start" }
func isFinish(k string) bool { return k == "finish" }
