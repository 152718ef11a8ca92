package leaderboard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// lengthBiased makes n comparisons of "m" against "b" in "fi" whose model answers are on
// average meanDelta runes longer (sd 400), won with probability sigmoid(theta +
// phi·tanh(delta/400)); ties never happen.
func lengthBiased(rng *rand.Rand, n int, meanDelta, theta, phi float64) []Judgment {
	var js []Judgment
	for q := range n {
		delta := meanDelta + 400*rng.NormFloat64()
		w := WinnerBaseline
		if rng.Float64() < sigmoid(theta+phi*math.Tanh(delta/400)) {
			w = WinnerModel
		}
		p := both(fmt.Sprintf("q%04d", q), "fi", w, w)
		for i := range p {
			p[i].BaselineChars = 1000
			p[i].ModelChars = 1000 + int(math.Round(delta))
		}
		js = append(js, p...)
	}
	return js
}

func TestLengthControlledWinRate(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	// Wins only by being longer: at equal length it would be an even match.
	long := row(t, Aggregate(lengthBiased(rng, 600, 400, 0, 2), Options{Bootstrap: 10}), "fi", "", 0)
	if long.LCWinRate == nil {
		t.Fatalf("no LC win rate: %s", long.LCNote)
	}
	lc := *long.LCWinRate
	t.Logf("longer model: raw %.3f, LC %.3f", long.WinRateAdjusted, lc)
	if long.WinRateAdjusted < 0.6 || math.Abs(lc-0.5) > 0.06 || math.Abs(lc-0.5) > math.Abs(long.WinRateAdjusted-0.5)/2 {
		t.Errorf("raw %.3f, LC %.3f: LC should be near 0.5 and much nearer than the raw rate", long.WinRateAdjusted, lc)
	}

	// Better whatever the length: LC stays near the raw rate.
	good := row(t, Aggregate(lengthBiased(rng, 600, 0, 1, 0), Options{Bootstrap: 10}), "fi", "", 0)
	if good.LCWinRate == nil || math.Abs(*good.LCWinRate-good.WinRateAdjusted) > 0.03 {
		t.Errorf("length-blind model: raw %.3f, LC %v (%s)", good.WinRateAdjusted, good.LCWinRate, good.LCNote)
	}
}

func TestLengthControlledOmitted(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	few := row(t, Aggregate(lengthBiased(rng, 29, 0, 0, 1), Options{Bootstrap: 10}), "fi", "", 0)
	if few.LCWinRate != nil || few.LCNote == "" {
		t.Errorf("n = 29: LC %v, note %q", few.LCWinRate, few.LCNote)
	}
	same := lengthBiased(rng, 40, 0, 0, 1)
	for i := range same {
		same[i].ModelChars = 1200
	}
	r := row(t, Aggregate(same, Options{Bootstrap: 10}), "fi", "", 0)
	if r.LCWinRate != nil || r.LCNote == "" {
		t.Errorf("equal lengths: LC %v, note %q", r.LCWinRate, r.LCNote)
	}
	// Separated by length: the longer answer always wins, so θ and φ run away.
	sep := lengthBiased(rng, 60, 0, 0, 1)
	for i := range sep {
		if sep[i].ModelChars > sep[i].BaselineChars {
			sep[i].Winner = WinnerModel
		} else {
			sep[i].Winner = WinnerBaseline
		}
	}
	r = row(t, Aggregate(sep, Options{Bootstrap: 10}), "fi", "", 0)
	if r.LCWinRate != nil || r.LCNote == "" {
		t.Errorf("separated: LC %v, note %q", r.LCWinRate, r.LCNote)
	}
}
