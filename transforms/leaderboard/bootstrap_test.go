package leaderboard

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// synthetic makes one trial's judgments of model "m" against "b": questions questions, each
// in the given languages, with a question effect shared by its languages. Question q's
// comparisons score 1 with probability p_q-0.1, 0.5 with probability 0.2 and 0 otherwise,
// so their mean is p_q; p_q is uniform on [truth-0.25, truth+0.25], so the expected adjusted
// win rate is truth. Ties come both as two tie verdicts and as two verdicts that disagree.
func synthetic(rng *rand.Rand, truth float64, questions int, langs []string) []Judgment {
	var js []Judgment
	for q := range questions {
		p := truth - 0.25 + 0.5*rng.Float64()
		qid := fmt.Sprintf("q%03d", q)
		for _, l := range langs {
			var mf, bf string
			switch u := rng.Float64(); {
			case u < p-0.1:
				mf, bf = WinnerModel, WinnerModel
			case u < p+0.1:
				switch rng.IntN(3) {
				case 0:
					mf, bf = WinnerTie, WinnerTie
				case 1:
					mf, bf = WinnerModel, WinnerBaseline
				default:
					mf, bf = WinnerTie, WinnerBaseline
				}
			default:
				mf, bf = WinnerBaseline, WinnerBaseline
			}
			js = append(js, both(qid, l, mf, bf)...)
		}
	}
	return js
}

// TestIntervalCoverage checks that the 95% interval covers the true adjusted win rate in
// about 95% of trials, both for one language and for the row pooled over three languages,
// where only the cluster bootstrap accounts for the question effect they share. 400 trials
// of 80 questions with the default 1000 rounds take about a second on 2 cores.
func TestIntervalCoverage(t *testing.T) {
	const truth, trials, questions = 0.65, 400, 80
	langs := []string{"fi", "sw", "th"}
	rng := rand.New(rand.NewPCG(2024, 65))
	covered := map[string]int{}
	for trial := range trials {
		rep := Aggregate(synthetic(rng, truth, questions, langs), Options{Bootstrap: 1000, Seed: uint64(trial)})
		for _, lang := range []string{"fi", AllLangs} {
			r := row(t, rep, lang, "", 0)
			if r.N != questions*len(langs) && lang == AllLangs || r.Questions != questions {
				t.Fatalf("trial %d %s: n=%d questions=%d", trial, lang, r.N, r.Questions)
			}
			if r.CILow <= truth && truth <= r.CIHigh {
				covered[lang]++
			}
		}
	}
	for _, lang := range []string{"fi", AllLangs} {
		c := float64(covered[lang]) / trials
		t.Logf("coverage of the 95%% interval, %s row: %.3f (%d of %d trials)", lang, c, covered[lang], trials)
		if c < 0.91 || c > 0.98 {
			t.Errorf("%s row: coverage %.3f outside [0.91, 0.98]", lang, c)
		}
	}
}
