// Package codertest checks hand-written Beam coders (beam.RegisterCoder): a value with
// every exported field set must come back from the coder registered for its type, so that
// a field added to the type but not encoded, or dropped by the decoder, fails a test.
package codertest

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/graph/coder"
)

// RoundTrip checks the coder registered for T with Filled[T]() and with the zero T (see
// Check). It fails t if T has no exported field to fill.
func RoundTrip[T any](t testing.TB) {
	t.Helper()
	if countLeaves(reflect.TypeFor[T](), map[reflect.Type]bool{}) == 0 {
		t.Fatalf("%v has no exported field to check", reflect.TypeFor[T]())
	}
	Check(t, Filled[T]())
	var zero T
	Check(t, zero)
}

// Check encodes v with the coder registered for T and decodes it, as a runner does
// between stages, and fails t unless the result equals v field by field. Nil and empty
// slices and maps are equal, and so are times that are Equal. It fails t if no coder is
// registered for T.
func Check[T any](t testing.TB, v T) {
	t.Helper()
	rt := reflect.TypeFor[T]()
	if coder.LookupCustomCoder(rt) == nil {
		t.Fatalf("no coder registered for %v (beam.RegisterCoder)", rt)
	}
	var buf bytes.Buffer
	if err := beam.NewElementEncoder(rt).Encode(v, &buf); err != nil {
		t.Fatalf("encoding %v: %v", rt, err)
	}
	n := buf.Len()
	got, err := beam.NewElementDecoder(rt).Decode(&buf)
	if err != nil {
		t.Fatalf("decoding %v: %v", rt, err)
	}
	if buf.Len() != 0 {
		t.Errorf("decoding %v left %d of %d bytes unread", rt, buf.Len(), n)
	}
	if d := Diff(got, v); d != "" {
		t.Errorf("%v changed in a round trip through its coder (a field not encoded, or not decoded?):\n%s", rt, d)
	}
}

// Filled returns a T with every exported field set, recursively, to a distinct non-zero
// value: strings name their field ("Pair.History[1].Label#7"); integers and floats count
// up, with 64-bit integers using their high half and float64s a fraction no float32
// holds, so that a narrowed encoding shows; bools are true; slices get two elements and
// maps two entries; pointers point to a filled value; time.Time fields get distinct UTC
// times. Unexported fields stay zero. It panics on a type it cannot fill (an interface,
// a channel, a function).
func Filled[T any]() T {
	var v T
	f := &filler{active: map[reflect.Type]bool{}}
	f.fill(reflect.ValueOf(&v).Elem(), reflect.TypeFor[T]().Name())
	return v
}

var timeType = reflect.TypeFor[time.Time]()

type filler struct {
	n      int64
	active map[reflect.Type]bool // the struct types being filled: a recursive type stops at them
}

func (f *filler) next() int64 {
	f.n++
	return f.n
}

func (f *filler) fill(v reflect.Value, path string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("%s#%d", path, f.next()))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n := f.next()
		if v.Type().Size() == 8 {
			n |= n << 32
		}
		if v.OverflowInt(n) {
			n = 1 + n%(1<<(8*v.Type().Size()-1)-1)
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		n := uint64(f.next())
		if v.Type().Size() == 8 {
			n |= n << 32
		}
		if v.OverflowUint(n) {
			n = 1 + n%(1<<(8*v.Type().Size())-1)
		}
		v.SetUint(n)
	case reflect.Float32:
		v.SetFloat(float64(f.next()) + 0.25)
	case reflect.Float64:
		v.SetFloat(float64(f.next()) + 1.0/3)
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(complex(float64(f.next())+0.25, float64(f.next())+0.5))
	case reflect.Array:
		for i := range v.Len() {
			f.fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Slice:
		if f.active[v.Type().Elem()] {
			return
		}
		v.Set(reflect.MakeSlice(v.Type(), 2, 2))
		for i := range v.Len() {
			f.fill(v.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if f.active[v.Type().Key()] || f.active[v.Type().Elem()] {
			return
		}
		v.Set(reflect.MakeMapWithSize(v.Type(), 2))
		for i := range 2 {
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			f.fill(k, fmt.Sprintf("%s.key%d", path, i))
			f.fill(e, fmt.Sprintf("%s[%v]", path, k))
			v.SetMapIndex(k, e)
		}
	case reflect.Pointer:
		if f.active[v.Type().Elem()] {
			return
		}
		v.Set(reflect.New(v.Type().Elem()))
		f.fill(v.Elem(), path)
	case reflect.Struct:
		if v.Type() == timeType {
			n := f.next()
			v.Set(reflect.ValueOf(time.Unix(1_700_000_000+n*86_400, n*1_000_001).UTC()))
			return
		}
		f.active[v.Type()] = true
		defer delete(f.active, v.Type())
		for i := range v.NumField() {
			if sf := v.Type().Field(i); sf.IsExported() {
				f.fill(v.Field(i), path+"."+sf.Name)
			}
		}
	default:
		panic(fmt.Sprintf("codertest: cannot fill %s of type %v", path, v.Type()))
	}
}

// countLeaves counts the exported fields of other than struct type that Filled sets
// in a value of type t, each struct type counted once.
func countLeaves(t reflect.Type, seen map[reflect.Type]bool) int {
	switch t.Kind() {
	case reflect.Struct:
		if t == timeType {
			return 1
		}
		if seen[t] {
			return 0
		}
		seen[t] = true
		n := 0
		for i := range t.NumField() {
			if sf := t.Field(i); sf.IsExported() {
				n += countLeaves(sf.Type, seen)
			}
		}
		return n
	case reflect.Array, reflect.Slice, reflect.Pointer:
		return countLeaves(t.Elem(), seen)
	case reflect.Map:
		return countLeaves(t.Key(), seen) + countLeaves(t.Elem(), seen)
	}
	return 1
}

// maxDiffs bounds the differences Diff reports.
const maxDiffs = 20

// Diff returns the differences between got and want, one line each with its field path
// ("Pair.History[1].Parsed: got "", want "x""), or "" if they are equal. Nil and empty
// slices and maps are equal; times compare with time.Time.Equal; NaNs equal NaNs.
// Unexported fields are compared too.
func Diff(got, want any) string {
	d := &differ{}
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	if !g.IsValid() || !w.IsValid() {
		if g.IsValid() != w.IsValid() {
			return fmt.Sprintf("got %#v, want %#v", got, want)
		}
		return ""
	}
	if g.Type() != w.Type() {
		return fmt.Sprintf("got a %v, want a %v", g.Type(), w.Type())
	}
	d.diff(g, w, w.Type().Name())
	if d.more > 0 {
		d.lines = append(d.lines, fmt.Sprintf("... and %d more", d.more))
	}
	return strings.Join(d.lines, "\n")
}

type differ struct {
	lines []string
	more  int
}

func (d *differ) add(path string, got, want any) {
	if len(d.lines) == maxDiffs {
		d.more++
		return
	}
	d.lines = append(d.lines, fmt.Sprintf("%s: got %s, want %s", path, show(got), show(want)))
}

func show(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func (d *differ) diff(g, w reflect.Value, path string) {
	switch w.Kind() {
	case reflect.String:
		if g.String() != w.String() {
			d.add(path, g.String(), w.String())
		}
	case reflect.Bool:
		if g.Bool() != w.Bool() {
			d.add(path, g.Bool(), w.Bool())
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if g.Int() != w.Int() {
			d.add(path, g.Int(), w.Int())
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if g.Uint() != w.Uint() {
			d.add(path, g.Uint(), w.Uint())
		}
	case reflect.Float32, reflect.Float64:
		if gf, wf := g.Float(), w.Float(); gf != wf && !(math.IsNaN(gf) && math.IsNaN(wf)) {
			d.add(path, gf, wf)
		}
	case reflect.Complex64, reflect.Complex128:
		if g.Complex() != w.Complex() {
			d.add(path, g.Complex(), w.Complex())
		}
	case reflect.Array:
		for i := range w.Len() {
			d.diff(g.Index(i), w.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Slice:
		if g.Len() != w.Len() {
			d.add(path+" length", g.Len(), w.Len())
			return
		}
		for i := range w.Len() {
			d.diff(g.Index(i), w.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		if g.Len() != w.Len() {
			d.add(path+" length", g.Len(), w.Len())
			return
		}
		for _, k := range w.MapKeys() {
			ge := g.MapIndex(k)
			if !ge.IsValid() {
				d.add(fmt.Sprintf("%s[%v]", path, k), "missing", "present")
				continue
			}
			d.diff(ge, w.MapIndex(k), fmt.Sprintf("%s[%v]", path, k))
		}
	case reflect.Pointer, reflect.Interface:
		if g.IsNil() || w.IsNil() {
			if g.IsNil() != w.IsNil() {
				d.add(path+" == nil", g.IsNil(), w.IsNil())
			}
			return
		}
		d.diff(g.Elem(), w.Elem(), path)
	case reflect.Struct:
		if w.Type() == timeType && w.CanInterface() {
			if gt, wt := g.Interface().(time.Time), w.Interface().(time.Time); !gt.Equal(wt) {
				d.add(path, gt, wt)
			}
			return
		}
		for i := range w.NumField() {
			d.diff(g.Field(i), w.Field(i), path+"."+w.Type().Field(i).Name)
		}
	default:
		if g.Kind() != w.Kind() || !g.IsNil() || !w.IsNil() {
			d.add(path, "a "+g.Kind().String(), "an equal "+w.Kind().String())
		}
	}
}
