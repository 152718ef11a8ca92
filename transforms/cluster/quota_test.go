package cluster

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestQuotas(t *testing.T) {
	for _, tc := range []struct {
		name      string
		sizes     []int
		n         int
		want      []int
		shortfall int
	}{
		{"even", []int{10, 10, 10}, 9, []int{3, 3, 3}, 0},
		{"remainder to the largest", []int{10, 20, 10}, 10, []int{3, 4, 3}, 0},
		{"remainder ties to the lower index", []int{10, 10, 10}, 10, []int{4, 3, 3}, 0},
		{"tiny clusters give all they have", []int{1, 2, 100, 100}, 50, []int{1, 2, 24, 23}, 0},
		{"one huge cluster takes the rest", []int{3, 3, 3, 1000}, 100, []int{3, 3, 3, 91}, 0},
		{"n larger than the pool: keep all, report the shortfall", []int{5, 0, 7}, 32000, []int{5, 0, 7}, 31988},
		{"n equal to the pool", []int{5, 7}, 12, []int{5, 7}, 0},
		{"n zero", []int{5, 7}, 0, []int{0, 0}, 0},
		{"no clusters", nil, 10, []int{}, 10},
		{"empty clusters", []int{0, 0, 4}, 2, []int{0, 0, 2}, 0},
	} {
		got, short := Quotas(tc.sizes, tc.n)
		if !slices.Equal(got, tc.want) || short != tc.shortfall {
			t.Errorf("%s: Quotas(%v, %d) = %v, %d; want %v, %d", tc.name, tc.sizes, tc.n, got, short, tc.want, tc.shortfall)
		}
	}
}

// TestQuotasProperties checks, on random inputs, what a user relies on: exactly n (or
// everything, when there is less), no quota above its cluster's size, and evenness: a
// cluster that did not give everything gets at least every other cluster's quota minus one.
func TestQuotasProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 2000 {
		sizes := make([]int, 1+rng.IntN(300))
		total := 0
		for i := range sizes {
			sizes[i] = rng.IntN(1 + rng.IntN(500))
			total += sizes[i]
		}
		n := rng.IntN(total + 50)
		q, short := Quotas(sizes, n)
		sum := 0
		for i := range q {
			sum += q[i]
			if q[i] < 0 || q[i] > sizes[i] {
				t.Fatalf("trial %d: quota %d of a cluster of %d", trial, q[i], sizes[i])
			}
		}
		if want := min(n, total); sum != want || short != n-want {
			t.Fatalf("trial %d: quotas add to %d with shortfall %d; want %d and %d", trial, sum, short, want, n-want)
		}
		top := slices.Max(append([]int{0}, q...))
		for i := range q {
			if q[i] < sizes[i] && q[i] < top-1 {
				t.Fatalf("trial %d: cluster %d (size %d) got %d while another got %d", trial, i, sizes[i], q[i], top)
			}
		}
		if again, _ := Quotas(sizes, n); !slices.Equal(again, q) {
			t.Fatalf("trial %d: not deterministic", trial)
		}
	}
}

func TestQuotasPanics(t *testing.T) {
	for _, tc := range []struct {
		sizes []int
		n     int
	}{{[]int{1, -1}, 3}, {[]int{1}, -1}} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Quotas(%v, %d) did not panic", tc.sizes, tc.n)
				}
			}()
			Quotas(tc.sizes, tc.n)
		}()
	}
}

func ExampleQuotas() {
	// 32 samples from four clusters, two of them small.
	q, short := Quotas([]int{2, 5, 40, 40}, 32)
	fmt.Println(q, short)
	// Output: [2 5 13 12] 0
}
