package leaderboard

import (
	"cmp"
	"math"
	"slices"
)

// Bradley-Terry scores put the models on one scale, as Arena-Hard-Auto does: each model has
// a strength s, and P(i beats j) = s_i/(s_i+s_j). They are fitted by Hunter's (2004) MM
// algorithm on the comparisons' outcomes, a tie counting as half a win each way, and shown
// on the Elo-like scale 1000 + 400·log10(s/s_baseline), so the baseline is exactly 1000.
//
// With every model judged against the one baseline, a model's score follows from its own
// adjusted win rate; the scale is still worth having, since it compares models in odds
// rather than in win rates that bunch up near 0 and 1. Each model also plays one virtual
// tie against the baseline (half a win each way), a weak prior that keeps the score finite
// for a model that wins or loses every comparison.

// BTScore is one model's Bradley-Terry score in one language (or AllLangs).
type BTScore struct {
	Lang   string  `json:"lang"`
	Model  string  `json:"model"` // the baseline too, at 1000
	Score  float64 `json:"score"`
	CILow  float64 `json:"ci_low"` // 95% percentile interval, resampling question IDs
	CIHigh float64 `json:"ci_high"`
}

// btPrior is the virtual games each model plays against the baseline, all ties.
const btPrior = 1.0

// bradleyTerry scores every model in each language and AllLangs when there is one baseline
// and at least two models; nil otherwise. Sorted by language (AllLangs last), then score
// (highest first), then model.
func bradleyTerry(comps []*comparison, o Options) []BTScore {
	var models, baselines, langs []string
	for _, c := range comps {
		if c.outcome {
			models = append(models, c.Model)
			baselines = append(baselines, c.Baseline)
			langs = append(langs, c.Lang)
		}
	}
	models, baselines, langs = uniq(models), uniq(baselines), uniq(langs)
	if len(baselines) != 1 || len(models) < 2 {
		return nil
	}
	index := map[string]int{}
	for i, m := range models {
		index[m] = i + 1 // 0 is the baseline
	}
	var out []BTScore
	for _, lang := range append(langs, AllLangs) {
		// Per question, per player: summed scores and number of comparisons.
		byQ := map[string][]cluster{}
		var ids []string
		for _, c := range comps {
			if !c.outcome || (lang != AllLangs && c.Lang != lang) {
				continue
			}
			q, ok := byQ[c.QuestionID]
			if !ok {
				q = make([]cluster, len(models)+1)
				byQ[c.QuestionID] = q
				ids = append(ids, c.QuestionID)
			}
			q[index[c.Model]].sum += c.score
			q[index[c.Model]].n++
		}
		slices.Sort(ids)
		qs := make([][]cluster, len(ids))
		for i, id := range ids {
			qs[i] = byQ[id]
		}
		total := make([]cluster, len(models)+1)
		for _, q := range qs {
			addClusters(total, q)
		}
		point := btScores(total)

		rng := newRNG(o.Seed, "bt\x00"+lang)
		boot := make([][]float64, len(models)+1)
		acc := make([]cluster, len(models)+1)
		for range o.Bootstrap {
			clear(acc)
			for range qs {
				addClusters(acc, qs[rng.IntN(len(qs))])
			}
			for i, s := range btScores(acc) {
				if !math.IsNaN(s) {
					boot[i] = append(boot[i], s)
				}
			}
		}
		out = append(out, BTScore{Lang: lang, Model: baselines[0], Score: 1000, CILow: 1000, CIHigh: 1000})
		for i, m := range models {
			if total[i+1].n == 0 {
				continue // the model has no outcome in this language
			}
			lo, hi := percentileInterval(boot[i+1])
			out = append(out, BTScore{Lang: lang, Model: m, Score: point[i+1], CILow: lo, CIHigh: hi})
		}
	}
	slices.SortFunc(out, func(a, b BTScore) int {
		return cmp.Or(compareLangs(a.Lang, b.Lang), cmp.Compare(b.Score, a.Score), cmp.Compare(a.Model, b.Model))
	})
	return out
}

func addClusters(dst, src []cluster) {
	for i := range src {
		dst[i].sum += src[i].sum
		dst[i].n += src[i].n
	}
}

// btScores turns each model's games against the baseline (player 0) into scores on the
// 1000-based scale; NaN for a model without games.
func btScores(games []cluster) []float64 {
	n := len(games)
	wins := make([][]float64, n) // wins[i][j]: i's wins over j, ties as halves
	for i := range wins {
		wins[i] = make([]float64, n)
	}
	for m := 1; m < n; m++ {
		if games[m].n == 0 {
			continue
		}
		wins[m][0] += games[m].sum + btPrior/2
		wins[0][m] += games[m].n - games[m].sum + btPrior/2
	}
	log10s := fitBT(wins)
	out := make([]float64, n)
	for i := range out {
		out[i] = 1000 + 400*log10s[i]
	}
	return out
}

// fitBT fits Bradley-Terry strengths to the win matrix by Hunter's MM iteration
// s_i ← W_i / Σ_j n_ij/(s_i+s_j), where W_i is i's wins and n_ij the games of i and j, and
// returns log10(s_i/s_0). A player without games gets NaN. It assumes every player with
// games has both a win and a loss (the prior sees to that), so the fit is finite.
func fitBT(wins [][]float64) []float64 {
	n := len(wins)
	w := make([]float64, n)
	games := make([]float64, n)
	for i := range n {
		for j := range n {
			w[i] += wins[i][j]
			games[i] += wins[i][j] + wins[j][i]
		}
	}
	out := make([]float64, n)
	if n == 0 || games[0] == 0 {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	s := make([]float64, n)
	for i := range s {
		s[i] = 1
	}
	next := make([]float64, n)
	for iter := 0; iter < 100000; iter++ {
		maxStep := 0.0
		for i := range n {
			if games[i] == 0 {
				continue
			}
			den := 0.0
			for j := range n {
				if nij := wins[i][j] + wins[j][i]; j != i && nij > 0 {
					den += nij / (s[i] + s[j])
				}
			}
			next[i] = w[i] / den
		}
		// Rescale so the baseline stays at 1: the model is only defined up to a factor.
		for i := range n {
			if games[i] == 0 {
				continue
			}
			v := next[i] / next[0]
			maxStep = max(maxStep, math.Abs(math.Log(v/s[i])))
			s[i] = v
		}
		if maxStep < 1e-10 {
			break
		}
	}
	for i := range out {
		out[i] = math.NaN()
		if games[i] > 0 {
			out[i] = math.Log10(s[i] / s[0])
		}
	}
	return out
}
