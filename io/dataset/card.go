package dataset

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// CardInfo is what the dataset card says of how the dataset was made.
type CardInfo struct {
	RunID       string
	Generator   string // model that wrote the instructions
	Judge       string // model that judged them ("" when no judge ran)
	Rounds      int    // refinement rounds
	Embedder    string // e.g. "local (hashed n-grams, 256-d)" or "openai text-embedding-3-small"
	Clusters    int
	PerLanguage int
	FitSample   int
	Seed        uint64
	Placeholder bool // the instructions are the offline stand-in's placeholder text
}

// RenderCard renders the dataset card (README.md): the statistics table in the shape of
// the X-Instruction paper's, the diversity evidence (stats, one per language, in
// language order), the files and the fields.
func RenderCard(info CardInfo, stats []LangStats, files []File) string {
	var b strings.Builder
	b.WriteString("# xinstruct cross-lingual instruction dataset\n\n")
	if info.Placeholder {
		b.WriteString("> **PLACEHOLDER DATA.** The instructions were written by xinstruct's offline stand-in model, not by a\n" +
			"> language model: they are placeholder text, fit for testing the pipeline and nothing else. Run with\n" +
			"> `--llm_base_url` pointing at a real model to make a real dataset.\n\n")
	}
	b.WriteString("English instructions paired with responses that are native text in each language, after the method of\n" +
		"X-Instruction (ACL 2024): a model wrote the instruction each native text answers, a judge refined the pairs,\n" +
		"and the pairs were selected across k-means clusters of the instructions' embeddings so that they are diverse.\n\n")

	b.WriteString("## Statistics\n\n")
	b.WriteString("| Language | Instruction length | Output length | Samples |\n|---|---:|---:|---:|\n")
	var all Lengths
	for _, r := range stats {
		fmt.Fprintf(&b, "| %s | %s | %s | %d |\n", r.Lang, meanSD(r.Selected.InstrMeanSD()), meanSD(r.Selected.OutMeanSD()), r.Selected.N)
		all = all.Add(r.Selected)
	}
	fmt.Fprintf(&b, "| **all** | %s | %s | %d |\n\n", meanSD(all.InstrMeanSD()), meanSD(all.OutMeanSD()), all.N)
	b.WriteString("Lengths are in Unicode characters, mean ± standard deviation (characters rather than words, since Thai\n" +
		"is written without spaces between words).\n\n")

	b.WriteString("## Diversity\n\n")
	fmt.Fprintf(&b, "Each language's instructions were clustered into up to %d clusters (k-means on a sample of at most %d\n"+
		"candidates, then every candidate assigned to its nearest centroid); every cluster gave a quota as even as\n"+
		"the cluster sizes allow, nearest its centroid first. The mean pairwise cosine distance of the selected\n"+
		"instructions' embeddings is compared with that of a uniform random sample of the same size from the same\n"+
		"candidates: higher is more diverse.\n\n", info.Clusters, info.FitSample)
	b.WriteString("| Language | Candidates | Selected | Shortfall | Clusters | Clusters covered | Cosine distance, selected | Cosine distance, random | Difference |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range stats {
		sel, rnd := r.SelectedDistance, r.RandomDistance
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %s | %s | %s |\n", r.Lang, r.Candidates, r.Selected.N, r.Shortfall(),
			r.K, r.ClustersCovered(), num(sel, 4), num(rnd, 4), signed(sel-rnd, 4))
	}
	b.WriteString("\nShortfall: how many pairs a language lacks to reach ")
	fmt.Fprintf(&b, "%d; such a language keeps every candidate.\n\n", info.PerLanguage)

	b.WriteString("### Pairs per cluster\n\n")
	for _, r := range stats {
		counts := make([]int64, r.K)
		copy(counts, r.PerCluster)
		sorted := slices.Clone(counts)
		slices.Sort(sorted)
		if len(sorted) == 0 {
			continue
		}
		fmt.Fprintf(&b, "<details><summary>%s: %d clusters, %d covered; per cluster min %d, median %d, max %d</summary>\n\n",
			r.Lang, r.K, r.ClustersCovered(), sorted[0], sorted[len(sorted)/2], sorted[len(sorted)-1])
		var cells []string
		for c, n := range counts {
			cells = append(cells, strconv.Itoa(c)+":"+strconv.FormatInt(n, 10))
		}
		b.WriteString(strings.Join(cells, " ") + "\n\n</details>\n\n")
	}

	b.WriteString("## Files\n\n| File | Rows |\n|---|---:|\n")
	for _, f := range files {
		if f.Format != FormatCard {
			fmt.Fprintf(&b, "| `%s` | %d |\n", f.Name, f.Records)
		}
	}
	b.WriteString("\n`<lang>.*` hold one language, ordered by cluster and, within a cluster, nearest the centroid first;\n" +
		"`mixed.*` interleave the languages one row at a time. JSONL and Parquet (zstd) hold the same rows.\n\n")
	b.WriteString("## Fields\n\n" +
		"| Field | Meaning |\n|---|---|\n" +
		"| `id` | the pair's id: source document id, `#`, candidate index |\n" +
		"| `lang` | ISO 639-1 code of the output |\n" +
		"| `instruction` | the English instruction |\n" +
		"| `output` | the native text, unchanged |\n" +
		"| `cluster` | the instruction's k-means cluster within its language |\n" +
		"| `rank` | the pair's position in its cluster among the selected, 0 = nearest the centroid |\n" +
		"| `source` | the file the text came from |\n" +
		"| `placeholder` | true when the instruction is the offline stand-in's placeholder text |\n" +
		"| `history` | the refinement rounds, oldest first: round, label (good, flawed, bad), rationale, judge model, the instruction judged, how the verdict was read |\n\n")

	b.WriteString("## How it was made\n\n")
	fmt.Fprintf(&b, "- Run `%s`; instructions by `%s`", info.RunID, info.Generator)
	if info.Judge != "" {
		fmt.Fprintf(&b, ", judged by `%s` over up to %d rounds", info.Judge, info.Rounds)
	}
	fmt.Fprintf(&b, ".\n- Embeddings: %s. k-means: k = %d, fit sample %d, seed %d.\n", info.Embedder, info.Clusters, info.FitSample, info.Seed)
	for _, r := range stats {
		fmt.Fprintf(&b, "- %s: k = %d fitted on %d candidates, %d Lloyd iterations, inertia %.4g.\n", r.Lang, r.K, r.FitRows, r.Iters, r.Inertia)
	}
	return b.String()
}

func meanSD(mean, sd float64) string {
	if math.IsNaN(mean) {
		return "n/a"
	}
	return fmt.Sprintf("%.1f ± %.1f", mean, sd)
}

func num(x float64, prec int) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}

func signed(x float64, prec int) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	if math.Abs(x) < 0.5*math.Pow10(-prec) {
		x = 0 // no "-0.0000"
	}
	if x >= 0 {
		return "+" + strconv.FormatFloat(x, 'f', prec, 64)
	}
	return strconv.FormatFloat(x, 'f', prec, 64)
}
