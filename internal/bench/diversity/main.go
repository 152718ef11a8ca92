// Command diversity measures how diverse diversification's selection is for a range of
// cluster counts: it embeds texts with the local embedder, clusters them with the
// project's k-means, selects n by cluster quotas nearest-first (as the pipeline does),
// and prints the mean pairwise cosine distance of the selection against the mean over
// random samples of the same size. It informs the --clusters default (README).
//
//	go run ./internal/bench/diversity --files '../shared/eval/*.en.jsonl' --n 40 --ks 1,4,10,20,40
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/xinstruct/xinstruct/embeddings/local"
	"github.com/xinstruct/xinstruct/transforms/cluster"
)

func main() {
	files := flag.String("files", "", "glob of JSONL files")
	field := flag.String("field", "text", "JSON field holding the text")
	n := flag.Int("n", 100, "texts to select")
	ks := flag.String("ks", "1,5,10,25,50,100", "cluster counts to try")
	seed := flag.Uint64("seed", 1, "k-means++ and random sample seed")
	flag.Parse()
	texts := readTexts(*files, *field)
	vecs, err := local.New(local.Options{}).Embed(context.Background(), texts)
	if err != nil {
		log.Fatal(err)
	}
	d := len(vecs[0])
	data := make([]float32, 0, len(vecs)*d)
	for _, v := range vecs {
		data = append(data, v...)
	}
	rng := rand.New(rand.NewPCG(*seed, 7))
	var random float64
	const draws = 50
	for i := 0; i < draws; i++ {
		random += meanCosDist(vecs, rng.Perm(len(vecs))[:min(*n, len(vecs))])
	}
	random /= draws
	fmt.Printf("texts=%d n=%d random_mean_cos_dist=%.4f (mean of %d samples)\n", len(texts), *n, random, draws)
	fmt.Println("k\tquota/cluster\tselected\tdifference")
	for _, f := range strings.Split(*ks, ",") {
		k, _ := strconv.Atoi(f)
		k = min(k, len(vecs))
		centroids, assign, _, _ := cluster.KMeans(data, len(vecs), d, cluster.KMeansParams{K: k, MaxIters: 50, Tol: 1e-4, Seed: *seed})
		members := make([][]int, k)
		for i, c := range assign {
			members[c] = append(members[c], i)
		}
		sizes := make([]int, k)
		for c := range members {
			sizes[c] = len(members[c])
			slices.SortFunc(members[c], func(a, b int) int {
				da, db := cluster.SqDist(vecs[a], centroids[c*d:(c+1)*d]), cluster.SqDist(vecs[b], centroids[c*d:(c+1)*d])
				switch {
				case da < db:
					return -1
				case da > db:
					return 1
				}
				return a - b
			})
		}
		quotas, _ := cluster.Quotas(sizes, *n)
		var picked []int
		for c, q := range quotas {
			picked = append(picked, members[c][:q]...)
		}
		sel := meanCosDist(vecs, picked)
		fmt.Printf("%d\t%.1f\t%.4f\t%+.4f\n", k, float64(*n)/float64(k), sel, sel-random)
	}
}

func meanCosDist(vecs [][]float32, idx []int) float64 {
	var sum float64
	var pairs int
	for i := range idx {
		for j := i + 1; j < len(idx); j++ {
			var dot float64
			for t, x := range vecs[idx[i]] {
				dot += float64(x) * float64(vecs[idx[j]][t])
			}
			sum += 1 - dot
			pairs++
		}
	}
	return sum / float64(pairs)
}

func readTexts(glob, field string) []string {
	paths, _ := filepath.Glob(glob)
	var out []string
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			log.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<24)
		for sc.Scan() {
			var rec map[string]any
			if json.Unmarshal(sc.Bytes(), &rec) == nil {
				if s, ok := rec[field].(string); ok && s != "" {
					out = append(out, s)
				}
			}
		}
		f.Close()
	}
	if len(out) == 0 {
		log.Fatalf("no texts in %s", glob)
	}
	return out
}
