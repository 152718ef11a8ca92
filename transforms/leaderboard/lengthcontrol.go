package leaderboard

import (
	"fmt"
	"math"
)

// Judges favour longer answers, so a model can climb a leaderboard by writing more. The
// length-controlled win rate, after AlpacaEval 2, asks what the win rate would be if the
// model's answers were as long as the baseline's: it fits the logistic model
//
//	P(model wins) = sigmoid(θ + φ·tanh(Δ/σ))
//
// to the row's outcomes (1, 0.5 or 0 as fractional targets), where Δ is the model's answer
// length minus the baseline's in runes and σ the standard deviation of Δ over the row, and
// reports sigmoid(θ), the prediction at Δ = 0.
//
// Compared with AlpacaEval 2 it leaves out the instruction-difficulty term (a per-question
// γ times a per-model weight, fitted jointly over all models) and the regularisation, since
// it fits each row alone; a model whose long answers also happen to go to the hard
// questions is thus not told apart from one that is only long.

// lcMinN is the fewest outcomes the fit is made on; below it two parameters are noise.
const lcMinN = 30

// lengthControlled fits the model above to the comparisons (all with an outcome) and returns
// sigmoid(θ), or nil and why not.
func lengthControlled(comps []*comparison) (*float64, string) {
	if len(comps) < lcMinN {
		return nil, fmt.Sprintf("not fitted: n = %d < %d", len(comps), lcMinN)
	}
	deltas := make([]float64, len(comps))
	var mean float64
	spread := false
	for i, c := range comps {
		var d float64
		orders := c.present()
		for _, j := range orders {
			d += float64(j.ModelChars-j.BaselineChars) / float64(len(orders))
		}
		deltas[i] = d
		spread = spread || d != deltas[0]
		mean += d / float64(len(comps))
	}
	if !spread {
		return nil, "not fitted: every answer-length difference is the same"
	}
	var ss float64
	for _, d := range deltas {
		ss += (d - mean) * (d - mean)
	}
	sd := math.Sqrt(ss / float64(len(comps)-1))
	xs := make([]float64, len(comps))
	ys := make([]float64, len(comps))
	for i, c := range comps {
		xs[i] = math.Tanh(deltas[i] / sd)
		ys[i] = c.score
	}
	theta, _, ok := fitLogistic(xs, ys)
	if !ok {
		return nil, "not fitted: the logistic fit did not converge (the outcomes may be separated by length)"
	}
	lc := sigmoid(theta)
	return &lc, ""
}

func sigmoid(x float64) float64 { return 1 / (1 + math.Exp(-x)) }

// fitLogistic fits y ~ sigmoid(a + b·x) by Newton's method on the log-likelihood (y in
// [0, 1]), reporting whether it converged to finite, moderate values.
func fitLogistic(xs, ys []float64) (a, b float64, ok bool) {
	const maxIter, tol, limit = 100, 1e-10, 20.0
	for range maxIter {
		var g0, g1, h00, h01, h11 float64
		for i, x := range xs {
			p := sigmoid(a + b*x)
			r := ys[i] - p
			w := p * (1 - p)
			g0 += r
			g1 += r * x
			h00 += w
			h01 += w * x
			h11 += w * x * x
		}
		det := h00*h11 - h01*h01
		if !(det > 1e-12*h00*h11) {
			return a, b, false
		}
		da := (h11*g0 - h01*g1) / det
		db := (h00*g1 - h01*g0) / det
		a += da
		b += db
		if math.IsNaN(a) || math.IsNaN(b) || math.Abs(a) > limit || math.Abs(b) > limit {
			return a, b, false
		}
		if math.Abs(da) < tol && math.Abs(db) < tol {
			return a, b, true
		}
	}
	return a, b, false
}
