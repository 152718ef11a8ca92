package par

import (
	"strings"
	"sync/atomic"
	"testing"
)

func TestDoCallsEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 1000} {
		calls := make([]atomic.Int32, n)
		if err := Do(n, func(i int) { calls[i].Add(1) }); err != nil {
			t.Fatal(err)
		}
		for i := range calls {
			if c := calls[i].Load(); c != 1 {
				t.Fatalf("n=%d: index %d called %d times", n, i, c)
			}
		}
	}
}

func TestJobsOverlap(t *testing.T) {
	var a, b atomic.Int64
	ja := Start(500, func(i int) { a.Add(int64(i)) })
	jb := Start(500, func(i int) { b.Add(int64(i)) })
	if err := jb.Wait(); err != nil {
		t.Fatal(err)
	}
	if err := ja.Wait(); err != nil {
		t.Fatal(err)
	}
	if a.Load() != 124750 || b.Load() != 124750 {
		t.Fatalf("sums %d, %d; want 124750", a.Load(), b.Load())
	}
}

func TestPanicIsReturned(t *testing.T) {
	err := Do(100, func(i int) {
		if i == 42 {
			panic("boom")
		}
	})
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("err = %v, want the panic", err)
	}
	// The pool survives.
	if err := Do(10, func(int) {}); err != nil {
		t.Fatal(err)
	}
}
