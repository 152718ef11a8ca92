package codertest

import (
	"encoding/json"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

type inner struct {
	A string
	U uint32
}

type full struct {
	S   string
	N   int64
	I8  int8
	F   float64
	F32 float32
	B   bool
	Xs  []float32
	M   map[int]inner
	At  time.Time
	In  inner
	P   *inner
	Arr [2]uint64

	hidden int // not filled, and not encoded
}

// lossy's coder forgets B, as a coder does when B is added to the type and not to it.
type lossy struct{ A, B string }

type unregistered struct{ A string }

type empty struct{ hidden int }

func init() {
	beam.RegisterCoder(reflect.TypeOf(full{}), func(v full) ([]byte, error) { return json.Marshal(v) },
		func(b []byte) (full, error) {
			var v full
			err := json.Unmarshal(b, &v)
			return v, err
		})
	beam.RegisterCoder(reflect.TypeOf(lossy{}), func(v lossy) ([]byte, error) { return []byte(v.A), nil },
		func(b []byte) (lossy, error) { return lossy{A: string(b)}, nil })
	beam.RegisterCoder(reflect.TypeOf(empty{}), func(empty) ([]byte, error) { return nil, nil },
		func([]byte) (empty, error) { return empty{}, nil })
}

// recorder is a testing.TB that records failures instead of failing the test.
type recorder struct {
	testing.TB
	msgs []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

// failures runs check on a recorder and returns what it reported.
func failures(t *testing.T, check func(testing.TB)) string {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		check(r)
	}()
	<-done
	return strings.Join(r.msgs, "\n")
}

func TestRoundTripPasses(t *testing.T) {
	RoundTrip[full](t)
}

func TestRoundTripCatchesADroppedField(t *testing.T) {
	got := failures(t, RoundTrip[lossy])
	if !strings.Contains(got, "lossy.B: got \"\", want \"lossy.B#2\"") {
		t.Fatalf("RoundTrip[lossy] reported %q, want the dropped field lossy.B", got)
	}
	if strings.Contains(got, "lossy.A") {
		t.Errorf("RoundTrip[lossy] reported the encoded field A: %q", got)
	}
}

func TestRoundTripNeedsACoder(t *testing.T) {
	if got := failures(t, RoundTrip[unregistered]); !strings.Contains(got, "no coder registered") {
		t.Fatalf("RoundTrip[unregistered] reported %q", got)
	}
	if got := failures(t, RoundTrip[empty]); !strings.Contains(got, "no exported field") {
		t.Fatalf("RoundTrip[empty] reported %q", got)
	}
}

// TestFilledSetsEveryField checks that every exported leaf of Filled's value is set, and
// no two leaves of one kind share a value.
func TestFilledSetsEveryField(t *testing.T) {
	v := Filled[full]()
	seen := map[string]string{}
	var walk func(rv reflect.Value, path string)
	walk = func(rv reflect.Value, path string) {
		switch rv.Kind() {
		case reflect.Struct:
			if rv.Type() == timeType {
				break
			}
			for i := range rv.NumField() {
				if rv.Type().Field(i).IsExported() {
					walk(rv.Field(i), path+"."+rv.Type().Field(i).Name)
				}
			}
			return
		case reflect.Slice, reflect.Array:
			if rv.Len() == 0 {
				t.Errorf("%s is empty", path)
			}
			for i := range rv.Len() {
				walk(rv.Index(i), fmt.Sprintf("%s[%d]", path, i))
			}
			return
		case reflect.Map:
			if rv.Len() < 2 {
				t.Errorf("%s has %d entries", path, rv.Len())
			}
			for _, k := range rv.MapKeys() {
				walk(rv.MapIndex(k), fmt.Sprintf("%s[%v]", path, k))
			}
			return
		case reflect.Pointer:
			if rv.IsNil() {
				t.Errorf("%s is nil", path)
				return
			}
			walk(rv.Elem(), path)
			return
		}
		if rv.IsZero() {
			t.Errorf("%s is zero", path)
		}
		if rv.Kind() == reflect.Bool {
			return
		}
		key := fmt.Sprintf("%v %v", rv.Kind(), rv.Interface())
		if other, ok := seen[key]; ok {
			t.Errorf("%s and %s are both %v", path, other, rv.Interface())
		}
		seen[key] = path
	}
	walk(reflect.ValueOf(v), "full")
	if v.N>>32 == 0 || float64(float32(v.F)) == v.F {
		t.Errorf("N = %d, F = %v: want values a narrower encoding would change", v.N, v.F)
	}
	if v.hidden != 0 {
		t.Errorf("an unexported field was filled")
	}
}

func TestFilledStopsAtRecursion(t *testing.T) {
	type node struct {
		Name string
		Kids []node
		Next *node
	}
	v := Filled[node]()
	if v.Name == "" || v.Kids != nil || v.Next != nil {
		t.Fatalf("Filled[node]() = %+v", v)
	}
}

func TestDiff(t *testing.T) {
	at := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	a := full{Xs: []float32{}, M: map[int]inner{}, At: at}
	b := full{At: at.In(time.FixedZone("x", 3600))}
	if d := Diff(a, b); d != "" {
		t.Errorf("nil and empty, or equal times, differ:\n%s", d)
	}
	b.In.U, b.Xs = 3, []float32{1}
	d := Diff(a, b)
	if !strings.Contains(d, "full.In.U: got 0, want 3") || !strings.Contains(d, "full.Xs length: got 0, want 1") {
		t.Errorf("Diff =\n%s", d)
	}
	if d := Diff(a, lossy{}); !strings.Contains(d, "want a codertest.lossy") {
		t.Errorf("Diff of two types = %q", d)
	}
}
