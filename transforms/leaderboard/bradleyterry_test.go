package leaderboard

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// versus makes judgments of model against baseline "b" on questions questions in langs,
// each comparison won with probability win, lost otherwise (both orders agree).
func versus(rng *rand.Rand, model string, win float64, questions int, langs ...string) []Judgment {
	var js []Judgment
	for q := range questions {
		for _, l := range langs {
			w := WinnerBaseline
			if rng.Float64() < win {
				w = WinnerModel
			}
			p := both(fmt.Sprintf("q%03d", q), l, w, w)
			p[0].Model, p[1].Model = model, model
			js = append(js, p...)
		}
	}
	return js
}

func btOf(t *testing.T, r Report, lang, model string) BTScore {
	t.Helper()
	for _, s := range r.BradleyTerry {
		if s.Lang == lang && s.Model == model {
			return s
		}
	}
	t.Fatalf("no Bradley-Terry score for %s in %s: %+v", model, lang, r.BradleyTerry)
	return BTScore{}
}

func TestBradleyTerry(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	js := append(versus(rng, "strong", 0.8, 80, "fi", "th"), versus(rng, "weak", 0.25, 80, "fi", "th")...)
	rep := Aggregate(js, Options{Bootstrap: 500, Seed: 1})
	for _, lang := range []string{"fi", "th", AllLangs} {
		b := btOf(t, rep, lang, "b")
		if b.Score != 1000 || b.CILow != 1000 || b.CIHigh != 1000 {
			t.Errorf("%s: baseline %+v, want exactly 1000", lang, b)
		}
		s, w := btOf(t, rep, lang, "strong"), btOf(t, rep, lang, "weak")
		if !(s.Score > 1000 && 1000 > w.Score) {
			t.Errorf("%s: strong %.1f, weak %.1f around the baseline's 1000", lang, s.Score, w.Score)
		}
		for _, x := range []BTScore{s, w} {
			if !(x.CILow < x.Score && x.Score < x.CIHigh) {
				t.Errorf("%s: interval [%.1f, %.1f] does not hold %.1f", lang, x.CILow, x.CIHigh, x.Score)
			}
		}
		// Against one baseline the fit has a closed form: the odds of the adjusted win rate,
		// with the prior's virtual tie.
		for _, m := range []string{"strong", "weak"} {
			var res Result
			for _, x := range rep.Results {
				if x.Model == m && x.Lang == lang && x.Category == "" && x.Turn == 0 {
					res = x
				}
			}
			won := float64(res.Wins) + 0.5*float64(res.Ties) + 0.5
			lost := float64(res.Losses) + 0.5*float64(res.Ties) + 0.5
			want := 1000 + 400*math.Log10(won/lost)
			if got := btOf(t, rep, lang, m).Score; math.Abs(got-want) > 1e-6 {
				t.Errorf("%s %s: score %.6f, want %.6f", lang, m, got, want)
			}
		}
	}
	// Sorted by language, AllLangs last, then by score.
	if n := len(rep.BradleyTerry); n != 9 || rep.BradleyTerry[0].Lang != "fi" || rep.BradleyTerry[0].Model != "strong" ||
		rep.BradleyTerry[n-1].Lang != AllLangs || rep.BradleyTerry[n-1].Model != "weak" {
		t.Errorf("order: %+v", rep.BradleyTerry)
	}
}

func TestBradleyTerryNeedsTwoModelsAndOneBaseline(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	if rep := Aggregate(versus(rng, "m", 0.7, 20, "fi"), Options{Bootstrap: 50}); rep.BradleyTerry != nil {
		t.Errorf("one model: %+v", rep.BradleyTerry)
	}
	other := versus(rng, "n", 0.7, 20, "fi")
	for i := range other {
		other[i].Baseline = "c"
	}
	if rep := Aggregate(append(versus(rng, "m", 0.7, 20, "fi"), other...), Options{Bootstrap: 50}); rep.BradleyTerry != nil {
		t.Errorf("two baselines: %+v", rep.BradleyTerry)
	}
}

func TestBradleyTerryAllWinsIsFinite(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 7))
	rep := Aggregate(append(versus(rng, "always", 1, 20, "fi"), versus(rng, "never", 0, 20, "fi")...), Options{Bootstrap: 50})
	a, n := btOf(t, rep, "fi", "always"), btOf(t, rep, "fi", "never")
	for _, x := range []float64{a.Score, a.CILow, a.CIHigh, n.Score, n.CILow, n.CIHigh} {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			t.Fatalf("not finite: %+v %+v", a, n)
		}
	}
	if !(a.Score > 1500 && n.Score < 500) {
		t.Errorf("always %.1f, never %.1f", a.Score, n.Score)
	}
}
