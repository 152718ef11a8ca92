package stats

import (
	"strconv"
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
)

func TestMain(m *testing.M) { ptest.Main(m) }

func TestCount(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	got := Count(s, beam.Create(s, "a", "b", "a", "c", "a"))
	passert.Equals(s, beam.ParDo(s, fromKV, got), "a=3", "b=1", "c=1")
	ptest.RunAndValidate(t, p)
}

func TestCountElms(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	passert.Equals(s, CountElms(s, beam.Create(s, "a", "b", "a")), 3)
	passert.Equals(s, CountElms(s, beam.ParDo(s, toKV, beam.Create(s, "a=1", "b=2"))), 2)
	passert.Equals(s, CountElms(s, beam.CreateList(s, []string{})), 0)
	ptest.RunAndValidate(t, p)
}

func TestSum(t *testing.T) {
	p, s := beam.NewPipelineWithRoot()
	passert.Equals(s, Sum(s, beam.Create(s, 1, 2, 3, 4)), 10)
	got := SumPerKey(s, beam.ParDo(s, toKV, beam.Create(s, "a=1", "b=2", "a=5")))
	passert.Equals(s, beam.ParDo(s, fromKV, got), "a=6", "b=2")
	ptest.RunAndValidate(t, p)
}

func TestPanicsOnNonInts(t *testing.T) {
	for name, f := range map[string]func(beam.Scope){
		"Sum":       func(s beam.Scope) { Sum(s, beam.Create(s, 1.5, 2.5)) },
		"SumPerKey": func(s beam.Scope) { SumPerKey(s, beam.ParDo(s, toKV64, beam.Create(s, "a=1"))) },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("%s of non-ints did not panic", name)
				}
			}()
			_, s := beam.NewPipelineWithRoot()
			f(s)
		})
	}
}

// toKV parses "key=n".
func toKV(kv string) (string, int) {
	k, v, _ := strings.Cut(kv, "=")
	n, err := strconv.Atoi(v)
	if err != nil {
		panic(err)
	}
	return k, n
}

func fromKV(k string, n int) string { return k + "=" + strconv.Itoa(n) }

func toKV64(kv string) (string, int64) {
	k, n := toKV(kv)
	return k, int64(n)
}

func init() {
	beam.RegisterFunction(toKV)
	beam.RegisterFunction(toKV64)
	beam.RegisterFunction(fromKV)
}
