// Package register registers DoFns and functions with Beam as Beam's own register package
// does, with the same names and type parameters, at a fraction of the binary size: a call
// site changes only its import path.
//
// Beam's register.DoFnNxM also builds direct callers for the DoFn's StartBundle and
// FinishBundle. To find their signatures at run time it instantiates, for every distinct
// set of type arguments, wrappers for every signature those methods could have (with and
// without a context, emitters of each of the DoFn's types, windows, ...): some 2,000
// generic functions per DoFn, about 3 MB of the binary each (code, and .gopclntab entries
// whose names spell out all the type arguments). Across this module's DoFns that was over
// half of each pipeline binary.
//
// DoFnNxM here registers what Beam's does for the per-element path: the DoFn's type and
// the struct types of its ProcessElement's parameters and results (runtime.RegisterType,
// schema.RegisterType), and a direct, reflection-free caller of ProcessElement. Beam calls
// the DoFn's other methods (Setup, StartBundle, FinishBundle, Teardown, the splittable
// DoFn methods) through reflection, as it does for every method of a DoFn that has no
// registered wrapper (graph.NewFn); they run once per bundle or per instance, not per
// element. FunctionNxM, EmitterN, IterN and CombinerN are Beam's, passed through.
//
// generated.go is written by gen.go: go generate ./internal/register
package register

//go:generate go run gen.go

import (
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/graphx/schema"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/typex"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/util/reflectx"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
)

// registerDoFn registers doFn (a pointer to a struct) the way Beam's register.DoFnNxM
// does, with a struct wrapper that holds ProcessElement only. pe is the type of
// ProcessElement without its receiver, caller makes a reflectx.Func of a func of that
// type, and method one of the ProcessElement method of a DoFn value.
func registerDoFn(doFn any, pe reflect.Type, caller, method func(any) reflectx.Func) {
	t := reflect.TypeOf(doFn).Elem()
	runtime.RegisterType(t)
	schema.RegisterType(t)
	registerMethodTypes(reflect.ValueOf(doFn).MethodByName("ProcessElement").Type())
	reflectx.RegisterFunc(pe, caller)
	reflectx.RegisterStructWrapper(t, func(fn any) map[string]reflectx.Func {
		return map[string]reflectx.Func{"ProcessElement": method(fn)}
	})
}

// registerMethodTypes registers the struct types among fn's parameters and results, as
// Beam's register package does.
func registerMethodTypes(fn reflect.Type) {
	for i := 0; i < fn.NumIn(); i++ {
		registerStruct(fn.In(i))
	}
	for i := 0; i < fn.NumOut(); i++ {
		registerStruct(fn.Out(i))
	}
}

func registerStruct(t reflect.Type) {
	if t = reflectx.SkipPtr(t); t.Kind() == reflect.Struct {
		runtime.RegisterType(t)
		schema.RegisterType(t)
	}
}

// Combiner1 is Beam's register.Combiner1.
func Combiner1[T0 any](accum any) { register.Combiner1[T0](accum) }

// Combiner2 is Beam's register.Combiner2.
func Combiner2[T0, T1 any](accum any) { register.Combiner2[T0, T1](accum) }

// Combiner3 is Beam's register.Combiner3.
func Combiner3[T0, T1, T2 any](accum any) { register.Combiner3[T0, T1, T2](accum) }

// Emitter1 is Beam's register.Emitter1.
func Emitter1[T1 any]() { register.Emitter1[T1]() }

// Emitter2 is Beam's register.Emitter2.
func Emitter2[T1, T2 any]() { register.Emitter2[T1, T2]() }

// Emitter3 is Beam's register.Emitter3.
func Emitter3[ET typex.EventTime, T1, T2 any]() { register.Emitter3[ET, T1, T2]() }

// Iter1 is Beam's register.Iter1.
func Iter1[T any]() { register.Iter1[T]() }

// Iter2 is Beam's register.Iter2.
func Iter2[T1, T2 any]() { register.Iter2[T1, T2]() }
