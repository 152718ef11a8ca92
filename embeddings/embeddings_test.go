package embeddings

import (
	"math"
	"testing"
)

func TestCosine(t *testing.T) {
	tests := []struct {
		a, b []float32
		want float64
	}{
		{[]float32{1, 0}, []float32{1, 0}, 1},
		{[]float32{1, 0}, []float32{0, 1}, 0},
		{[]float32{1, 0}, []float32{-2, 0}, -1},
		{[]float32{3, 4}, []float32{4, 3}, 24.0 / 25}, // (12+12)/(5*5)
		{[]float32{0, 0}, []float32{1, 0}, 0},         // zero vector: defined as 0
		{nil, nil, 0},
	}
	for _, tt := range tests {
		// Tolerance: float32 inputs are exact here, so only float64 rounding remains.
		if got := Cosine(tt.a, tt.b); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("Cosine(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestCosinePanicsOnLengthMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Cosine with mismatched lengths did not panic")
		}
	}()
	Cosine([]float32{1}, []float32{1, 2})
}
