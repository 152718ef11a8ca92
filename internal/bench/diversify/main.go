// Command diversify times diversification and the dataset write on synthetic accepted
// pairs, without the model stages: --langs languages of --per_lang candidates each, with
// English-like instructions drawn from topic vocabularies (so that they cluster), 1 or 2
// refinement rounds of history, and outputs of realistic length.
//
//	/usr/bin/time -v go run ./internal/bench/diversify --runner=direct --per_lang=40000 --select=32000
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	_ "github.com/xinstruct/xinstruct/embeddings/local" // the --embedder the bench uses
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/transforms/diversify"
)

func init() {
	register.DoFn2x0[int, func(record.Pair)](&synthFn{})
	register.Emitter1[record.Pair]()
}

var (
	langs    = flag.String("langs", "fi,id,th,tr,vi,bn,hi,sw,ta,ur", "languages")
	perLang  = flag.Int("per_lang", 10000, "candidates per language")
	selectN  = flag.Int("select", 3200, "--per_language")
	clusters = flag.Int("clusters", diversify.DefaultClusters, "--clusters")
	out      = flag.String("output", "", "output prefix (default: a temporary directory, removed)")
	shards   = flag.Int("shards", 64, "generator shards")
	cpuprof  = flag.String("cpuprofile", "", "write a CPU profile here (direct runner: the whole job)")
	within   = flag.String("within_cluster", diversify.DefaultParams().WithinCluster, "--within_cluster")
)

func main() {
	flag.Parse()
	beam.Init()
	dir := *out
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "divbench"); err != nil {
			log.Fatal(err)
		}
		defer os.RemoveAll(dir)
	}
	p, s := beam.NewPipelineWithRoot()
	idx := make([]int, *shards)
	for i := range idx {
		idx[i] = i
	}
	pairs := beam.ParDo(s, &synthFn{Langs: strings.Split(*langs, ","), PerLang: *perLang, Shards: *shards}, beam.CreateList(s, idx))
	params := diversify.DefaultParams()
	params.PerLanguage, params.Clusters, params.WithinCluster = *selectN, *clusters, *within
	div := diversify.Diversify(s, params, pairs)
	rows, stats := diversify.ForDataset(s, div)
	dataset.Write(s, dataset.Params{Output: dir, TempDir: dir + "/_temporary/bench", Card: dataset.CardInfo{RunID: "bench",
		Clusters: params.Clusters, PerLanguage: params.PerLanguage, FitSample: params.FitSample, Embedder: "local",
		WithinCluster: params.WithinCluster}}, rows, stats)
	if *cpuprof != "" {
		f, err := os.Create(*cpuprof)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	if err := beamx.Run(context.Background(), p); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("candidates=%d select_per_lang=%d clusters=%d within_cluster=%s wall_s=%.2f\n", *perLang*len(strings.Split(*langs, ",")), *selectN, *clusters, *within, time.Since(start).Seconds())
	card, _ := os.ReadFile(dir + "/dataset/README.md")
	for _, line := range strings.Split(string(card), "\n") {
		if strings.HasPrefix(line, "| ") && strings.Count(line, "|") == 14 { // the card's diversity table
			fmt.Println(line)
		}
	}
}

var topics = [][]string{
	{"recipe", "cook", "bake", "ingredients", "dish", "soup", "rice", "spices"},
	{"football", "match", "team", "league", "goal", "season", "coach", "player"},
	{"election", "parliament", "minister", "policy", "vote", "party", "government", "law"},
	{"river", "mountain", "climate", "rainfall", "forest", "island", "region", "village"},
	{"phone", "software", "internet", "battery", "app", "computer", "network", "update"},
	{"history", "empire", "war", "king", "century", "dynasty", "temple", "ancient"},
	{"health", "doctor", "disease", "vaccine", "hospital", "symptoms", "treatment", "diet"},
	{"music", "song", "album", "singer", "concert", "film", "actor", "festival"},
}

var verbs = []string{"Explain", "Describe", "Summarize", "Write a short article about", "What do you know about", "Give an overview of", "Tell me about", "Discuss"}

// synthFn emits shard i's share of every language's candidates.
type synthFn struct {
	Langs   []string
	PerLang int
	Shards  int
}

func (fn *synthFn) ProcessElement(shard int, emit func(record.Pair)) {
	for _, lang := range fn.Langs {
		for j := shard; j < fn.PerLang; j += fn.Shards {
			rng := rand.New(rand.NewPCG(uint64(j), uint64(len(lang))*7919+uint64(lang[0])))
			t := topics[rng.IntN(len(topics))]
			words := []string{verbs[rng.IntN(len(verbs))], "the"}
			for w := 0; w < 3+rng.IntN(4); w++ {
				words = append(words, t[rng.IntN(len(t))])
			}
			if rng.IntN(3) == 0 {
				u := topics[rng.IntN(len(topics))]
				words = append(words, "and", u[rng.IntN(len(u))])
			}
			id := fmt.Sprintf("%s-%d#0", lang, j)
			p := record.Pair{ID: id, DocID: id[:len(id)-2], Lang: lang, Instruction: strings.Join(words, " ") + ".",
				Output: strings.Repeat("native text "+lang+" ", 60+rng.IntN(60)), Source: "synthetic"}
			for r := 1; r <= 1+rng.IntN(2); r++ {
				p.History = append(p.History, record.Judgement{Round: r, Label: "good", JudgeModel: "judge"})
			}
			emit(p)
		}
	}
}
