// Command diversity compares diversification's within-cluster rules on real English
// instructions: it embeds them with the local embedder, clusters them with the project's
// k-means, fills each cluster's quota (cluster.Quotas) by every rule and by a uniform
// random sample of the same size, and prints, averaged over seeds, the Vendi score,
// coverage (mean and 95th percentile distance from every candidate to its nearest
// selected one), topics covered and their entropy on the files' own category labels, the
// near-duplicate share and the mean pairwise distance; and how many of the seeds each
// rule beat random on the Vendi score and on mean coverage.
//
//	go run ./internal/bench/diversity                  # the real pool and the skewed one
//	go run ./internal/bench/diversity --pools=real --sizes=40,80 --quotas=4 --seeds=10
//
// The skewed pool adds, to the real one, 15 light rewordings of each of 20 of its
// instructions (a request, a politeness formula or a detail added, a word swapped), the
// way templated web pages and syndicated text repeat one request.
package main

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/xinstruct/xinstruct/embeddings/local"
	"github.com/xinstruct/xinstruct/internal/diversity"
	"github.com/xinstruct/xinstruct/transforms/cluster"
)

var (
	dir     = flag.String("eval_dir", "../shared/eval", "directory of instructions.en.jsonl, questions.en.jsonl and mt_bench.en.jsonl")
	pools   = flag.String("pools", "real,skewed", "pools to measure: real, skewed")
	sizes   = flag.String("sizes", "40,80,160", "selection sizes n")
	quotas  = flag.String("quotas", "4,8,32", "pairs per cluster: k = n / quota (at least 1)")
	seeds   = flag.Int("seeds", 5, "seeds (k-means, random baseline, tie order)")
	nearDup = flag.Float64("near_dup", diversity.DefaultNearDuplicate, "cosine similarity of a near-duplicate pair")
)

type item struct {
	text, topic string
}

func main() {
	flag.Parse()
	real := readPool(*dir)
	for _, name := range strings.Split(*pools, ",") {
		pool := real
		if name == "skewed" {
			pool = skew(real, 20, 15, 99)
		}
		texts := make([]string, len(pool))
		for i, it := range pool {
			texts[i] = it.text
		}
		vecs, err := local.New(local.Options{}).Embed(context.Background(), texts)
		if err != nil {
			log.Fatal(err)
		}
		d := len(vecs[0])
		data := make([]float32, 0, len(vecs)*d)
		for _, v := range vecs {
			data = append(data, v...)
		}
		fmt.Printf("\n### %s pool: %d instructions\n\n", name, len(pool))
		fmt.Println("| n | k | rule | Vendi | coverage mean | coverage p95 | topics | topic entropy | near-dup share | mean pairwise | beats random (Vendi, coverage) |")
		fmt.Println("|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|")
		sum := map[string]*summary{}
		for _, n := range ints(*sizes) {
			for _, q := range ints(*quotas) {
				k := max(1, n/q)
				compare(pool, data, len(pool), d, n, k, sum)
			}
		}
		fmt.Printf("\nSummary, %s pool: each rule minus the random sample, averaged over the %d sizes × cluster counts and %d seeds; wins are of those runs.\n\n",
			name, len(ints(*sizes))*len(ints(*quotas)), *seeds)
		fmt.Println("| rule | Vendi | wins | coverage mean | wins | coverage p95 | wins | near-dup share | topics |")
		fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
		for _, rule := range diversity.Orders {
			m := sum[rule]
			r := float64(m.runs)
			fmt.Printf("| %s | %+.2f | %d/%d | %+.4f | %d/%d | %+.4f | %d/%d | %+.3f | %+.1f |\n", rule, m.diff.vendi/r, m.winVendi, m.runs,
				m.diff.covMean/r, m.winCov, m.runs, m.diff.covP95/r, m.winP95, m.runs, m.diff.dup/r, m.diff.topics/r)
		}
	}
}

// summary adds up a rule's differences from the random sample over a pool's runs.
type summary struct {
	diff                     measures
	runs                     int
	winVendi, winCov, winP95 int
}

type measures struct {
	vendi, covMean, covP95, topics, entropy, dup, mpd float64
}

func (m *measures) add(o measures) {
	m.vendi += o.vendi
	m.covMean += o.covMean
	m.covP95 += o.covP95
	m.topics += o.topics
	m.entropy += o.entropy
	m.dup += o.dup
	m.mpd += o.mpd
}

func measure(pool []item, data []float32, n, d int, picked []int) measures {
	sel := make([]float32, 0, len(picked)*d)
	labels := make([]string, len(picked))
	for i, p := range picked {
		sel = append(sel, data[p*d:(p+1)*d]...)
		labels[i] = pool[p].topic
	}
	cov := diversity.CoverageOf(diversity.NearestDistances(data, n, sel, len(picked), d))
	tp := diversity.TopicsOf(labels)
	all := make([]int, len(picked))
	for i := range all {
		all[i] = i
	}
	return measures{
		vendi: diversity.Vendi(sel, len(picked), d), covMean: cov.Mean, covP95: cov.P95,
		topics: float64(tp.Covered), entropy: tp.Entropy,
		dup: diversity.NearDuplicateShare(sel, len(picked), d, all, *nearDup),
		mpd: diversity.MeanPairwiseDistance(sel, len(picked), d),
	}
}

func compare(pool []item, data []float32, n, d, size, k int, sum map[string]*summary) {
	rules := append(slices.Clone(diversity.Orders), "random sample")
	sums := make([]measures, len(rules))
	winsVendi, winsCov := make([]int, len(rules)), make([]int, len(rules))
	for seed := 1; seed <= *seeds; seed++ {
		rng := rand.New(rand.NewPCG(uint64(seed), 1))
		centroids, assign, _, _ := cluster.KMeans(data, n, d, cluster.KMeansParams{K: k, MaxIters: 50, Tol: 1e-4, Seed: uint64(seed)})
		rank := rng.Perm(n) // the seeded tie order (and the random rule's order)
		results := make([]measures, len(rules))
		for r, rule := range rules {
			var picked []int
			if rule == "random sample" {
				picked = rng.Perm(n)[:size]
			} else {
				picked = selectBy(rule, data, n, d, centroids, k, assign, rank, size)
			}
			results[r] = measure(pool, data, n, d, picked)
			sums[r].add(results[r])
		}
		base := results[len(rules)-1]
		for r, rule := range rules[:len(rules)-1] {
			if sum[rule] == nil {
				sum[rule] = &summary{}
			}
			m, o := results[r], sum[rule]
			o.runs++
			o.diff.add(measures{vendi: m.vendi - base.vendi, covMean: m.covMean - base.covMean, covP95: m.covP95 - base.covP95,
				dup: m.dup - base.dup, topics: m.topics - base.topics})
			if m.vendi > base.vendi {
				o.winVendi++
			}
			if m.covMean < base.covMean {
				o.winCov++
			}
			if m.covP95 < base.covP95 {
				o.winP95++
			}
		}
		for r := range rules {
			if results[r].vendi > base.vendi {
				winsVendi[r]++
			}
			if results[r].covMean < base.covMean {
				winsCov[r]++
			}
		}
	}
	s := float64(*seeds)
	for r, rule := range rules {
		m := sums[r]
		beats := fmt.Sprintf("%d/%d, %d/%d", winsVendi[r], *seeds, winsCov[r], *seeds)
		if rule == "random sample" {
			beats = "(baseline)"
		}
		fmt.Printf("| %d | %d | %s | %.2f | %.4f | %.4f | %.1f | %.3f | %.3f | %.4f | %s |\n", size, k, rule,
			m.vendi/s, m.covMean/s, m.covP95/s, m.topics/s, m.entropy/s, m.dup/s, m.mpd/s, beats)
	}
}

// selectBy fills every cluster's quota by rule, as the pipeline's selection does
// (transforms/diversify.Select): the spread rule offers up to SpreadOverQuota times the
// quota and the n offers of largest gain are kept.
func selectBy(rule string, data []float32, n, d int, centroids []float32, k int, assign []int32, rank []int, size int) []int {
	members := make([][]int, k)
	for i, c := range assign {
		members[c] = append(members[c], i)
	}
	sizes := make([]int, k)
	for c := range members {
		sizes[c] = len(members[c])
	}
	quota, _ := cluster.Quotas(sizes, size)
	type offer struct {
		member, pos, size int
		gain              float64
	}
	var offers []offer
	for c, m := range members {
		if quota[c] == 0 {
			continue
		}
		centre := centroids[c*d : (c+1)*d]
		byDist := slices.Clone(m)
		slices.SortFunc(byDist, func(a, b int) int {
			da, db := cluster.SqDist(data[a*d:(a+1)*d], centre), cluster.SqDist(data[b*d:(b+1)*d], centre)
			return cmp.Or(cmp.Compare(da, db), rank[a]-rank[b])
		})
		var order []int
		var gain []float64
		switch rule {
		case diversity.OrderNearest:
			order = byDist[:quota[c]]
		case diversity.OrderRandom:
			order = slices.Clone(m)
			slices.SortFunc(order, func(a, b int) int { return rank[a] - rank[b] })
			order = order[:quota[c]]
		case diversity.OrderFarthest, diversity.OrderSpread:
			sub := make([]float32, 0, len(m)*d)
			subRank := make([]int, len(m))
			start := 0
			for i, p := range m {
				sub = append(sub, data[p*d:(p+1)*d]...)
				subRank[i] = rank[p]
				if p == byDist[0] {
					start = i
				}
			}
			var local []int
			if rule == diversity.OrderFarthest {
				local, _ = diversity.FarthestFirst(sub, len(m), d, start, quota[c], subRank)
			} else {
				local, gain = diversity.Spread(sub, len(m), d, start, diversity.SpreadOverQuota*quota[c], subRank, diversity.SpreadClients)
			}
			for _, i := range local {
				order = append(order, m[i])
			}
		default:
			log.Fatalf("unknown rule %q", rule)
		}
		for pos, p := range order {
			g := math.Inf(1)
			if gain != nil {
				g = gain[pos]
			}
			offers = append(offers, offer{p, pos, sizes[c], g})
		}
	}
	slices.SortFunc(offers, func(a, b offer) int {
		return cmp.Or(-cmp.Compare(a.gain, b.gain), cmp.Compare((a.pos+1)*b.size, (b.pos+1)*a.size), cmp.Compare(a.pos, b.pos),
			cmp.Compare(rank[a.member], rank[b.member]))
	})
	var picked []int
	for _, o := range offers[:min(size, len(offers))] {
		picked = append(picked, o.member)
	}
	return picked
}

func readPool(dir string) []item {
	var out []item
	for _, f := range []struct{ name, field string }{
		{"instructions.en.jsonl", "instruction"}, {"questions.en.jsonl", "text"}, {"mt_bench.en.jsonl", "text"},
	} {
		file, err := os.Open(filepath.Join(dir, f.name))
		if err != nil {
			log.Fatal(err)
		}
		sc := bufio.NewScanner(file)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				log.Fatalf("%s: %v", f.name, err)
			}
			text, _ := rec[f.field].(string)
			cat, _ := rec["category"].(string)
			if text != "" {
				// Categories are per file: Vicuna's "generic" is not MT-Bench's "writing".
				out = append(out, item{text: text, topic: f.name + "/" + cat})
			}
		}
		file.Close()
	}
	return out
}

// skew adds copies rewordings of each of topics instructions drawn from pool.
func skew(pool []item, topics, copies int, seed uint64) []item {
	rng := rand.New(rand.NewPCG(seed, 2))
	out := slices.Clone(pool)
	prefixes := []string{"", "Please ", "Could you ", "I need help: ", "Quick question. ", "Hey! "}
	suffixes := []string{"", " Thanks!", " Please be detailed.", " Keep it short.", " (asked again)", " Any ideas?"}
	swaps := [][2]string{{"the ", "this "}, {"a ", "one "}, {"Write", "Compose"}, {"write", "compose"},
		{"Explain", "Describe"}, {"list", "enumerate"}, {"What", "Which"}, {"good", "great"}}
	for _, p := range rng.Perm(len(pool))[:topics] {
		base := pool[p]
		for c := 0; c < copies; c++ {
			t := base.text
			for _, sw := range swaps {
				if rng.IntN(3) == 0 {
					t = strings.Replace(t, sw[0], sw[1], 1)
				}
			}
			t = prefixes[rng.IntN(len(prefixes))] + t + suffixes[rng.IntN(len(suffixes))]
			out = append(out, item{text: t, topic: base.topic})
		}
	}
	return out
}

func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v < 1 {
			log.Fatalf("bad size %q", f)
		}
		out = append(out, v)
	}
	return out
}
