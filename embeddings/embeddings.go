package embeddings

import (
	"context"
	"fmt"
	"math"
)

// An Embedder returns one vector per text, in input order. Safe for concurrent use.
//
// Every returned vector has length Dims(). Providers document what they return for an
// empty text.
type Embedder interface {
	Embed(ctx context.Context, texts []string) ([][]float32, error)
	Dims() int
}

// Cosine returns the cosine similarity of a and b,
//
//	a·b / (‖a‖ ‖b‖),
//
// accumulated in float64. It returns 0 if either vector is all zeros (the local
// provider's vector for a text without features). It panics if len(a) != len(b).
func Cosine(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("embeddings: Cosine of vectors of lengths %d and %d", len(a), len(b)))
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / (math.Sqrt(na) * math.Sqrt(nb))
}
