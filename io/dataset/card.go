package dataset

import (
	"bytes"
	"cmp"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
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
	// WithinCluster is the rule clusters gave their pairs by (--within_cluster).
	WithinCluster string
	FitSample     int
	Seed          uint64
	Placeholder   bool // the instructions are the offline stand-in's placeholder text
	// License is the card's license: a Hub license id (apache-2.0, cc-by-4.0, ...); ""
	// says DefaultLicense.
	License string
}

// DefaultLicense is the card's license unless the run names one: the outputs are texts
// from web corpora, under their own licenses, which the user must check.
const DefaultLicense = "other"

var licenseID = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]*$`)

// CheckLicense says whether id has the shape of a Hub license id (lower case letters,
// digits, '.', '+', '-': apache-2.0, cc-by-nc-sa-4.0, openrail++, other).
func CheckLicense(id string) error {
	if !licenseID.MatchString(id) {
		return fmt.Errorf("license %q is not a Hugging Face Hub license id (lower case, e.g. other, cc-by-4.0, apache-2.0)", id)
	}
	return nil
}

// FrontMatter is the card's YAML metadata, which the Hugging Face Hub reads: with
// Configs present, the Hub and datasets.load_dataset load what the configs name and
// glob nothing.
type FrontMatter struct {
	PrettyName     string      `yaml:"pretty_name"`
	License        string      `yaml:"license"`
	Language       []string    `yaml:"language"`
	TaskCategories []string    `yaml:"task_categories"`
	SizeCategories []string    `yaml:"size_categories"`
	Tags           []string    `yaml:"tags"`
	Configs        []HubConfig `yaml:"configs"`
}

// HubConfig is one config (subset) of the dataset: the files of each of its splits.
type HubConfig struct {
	Name      string     `yaml:"config_name"`
	Default   bool       `yaml:"default,omitempty"`
	DataFiles []DataFile `yaml:"data_files"`
}

// DataFile names the files of one split of a config, relative to the card.
type DataFile struct {
	Split string `yaml:"split"`
	Path  string `yaml:"path"`
}

// PrettyName is the dataset's name on the card.
const PrettyName = "xinstruct cross-lingual instruction dataset"

// Tags every card has; a placeholder run adds "placeholder".
var cardTags = []string{"cross-lingual", "instruction-tuning", "synthetic"}

// CardFrontMatter is the card's metadata for the dataset files: one config per language
// and the mixed config, the default, each with its Parquet file as its train split.
// Mixed is the default since it holds every row once: datasets.load_dataset(repo)
// without a config name loads the whole dataset, and the Hub's viewer opens on it.
// The JSONL files are in no config: they repeat the Parquet files' rows.
func CardFrontMatter(info CardInfo, files []File) FrontMatter {
	license := info.License
	if license == "" {
		license = DefaultLicense
	}
	fm := FrontMatter{PrettyName: PrettyName, License: license, TaskCategories: []string{"text-generation"},
		Tags: slices.Clone(cardTags)}
	if info.Placeholder {
		fm.Tags = append(fm.Tags, "placeholder")
	}
	var rows int64
	var mixed *HubConfig
	var langs []HubConfig
	for _, f := range files {
		if f.Format != FormatParquet {
			continue
		}
		c := HubConfig{Name: f.Config(), DataFiles: []DataFile{{Split: Split, Path: f.Name}}}
		if f.Lang == "" {
			c.Default = true
			mixed = &c
			continue
		}
		rows += f.Records
		langs = append(langs, c)
		fm.Language = append(fm.Language, f.Lang)
	}
	slices.SortFunc(langs, func(a, b HubConfig) int { return strings.Compare(a.Name, b.Name) })
	if mixed != nil {
		fm.Configs = append(fm.Configs, *mixed)
	}
	fm.Configs = append(fm.Configs, langs...)
	// The instructions are English.
	if !slices.Contains(fm.Language, "en") {
		fm.Language = append(fm.Language, "en")
	}
	slices.Sort(fm.Language)
	fm.Language = slices.Compact(fm.Language)
	fm.SizeCategories = []string{SizeCategory(rows)}
	return fm
}

// SizeCategory is the Hub's size category for a dataset of n rows.
func SizeCategory(n int64) string {
	bounds := []struct {
		below int64
		name  string
	}{
		{1e3, "n<1K"}, {1e4, "1K<n<10K"}, {1e5, "10K<n<100K"}, {1e6, "100K<n<1M"}, {1e7, "1M<n<10M"},
		{1e8, "10M<n<100M"}, {1e9, "100M<n<1B"}, {1e10, "1B<n<10B"}, {1e11, "10B<n<100B"}, {1e12, "100B<n<1T"},
	}
	for _, b := range bounds {
		if n < b.below {
			return b.name
		}
	}
	return "n>1T"
}

// marshalFrontMatter is the front matter between its "---" lines, newline-terminated.
func marshalFrontMatter(fm FrontMatter) string {
	var b bytes.Buffer
	b.WriteString("---\n")
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(fm); err != nil {
		panic(fmt.Sprintf("dataset: the card's front matter: %v", err)) // strings and bools: cannot fail
	}
	enc.Close()
	b.WriteString("---\n")
	return b.String()
}

// ParseCard splits a card into its front matter, parsed, and its body.
func ParseCard(card []byte) (FrontMatter, string, error) {
	var fm FrontMatter
	rest, ok := bytes.CutPrefix(card, []byte("---\n"))
	if !ok {
		return fm, "", fmt.Errorf("dataset: the card does not start with a YAML front matter")
	}
	yamlText, body, ok := bytes.Cut(rest, []byte("\n---\n"))
	if !ok {
		return fm, "", fmt.Errorf("dataset: the card's front matter has no closing ---")
	}
	dec := yaml.NewDecoder(bytes.NewReader(yamlText))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil {
		return fm, "", fmt.Errorf("dataset: the card's front matter: %v", err)
	}
	return fm, string(body), nil
}

// RenderCard renders the dataset card (README.md): the YAML front matter the Hugging Face
// Hub reads (CardFrontMatter), then the statistics table in the shape of the
// X-Instruction paper's, the diversity evidence (stats, one per language, in language
// order), the configs and files, the fields and the license.
func RenderCard(info CardInfo, stats []LangStats, files []File, extras CardExtras) string {
	var b strings.Builder
	fm := CardFrontMatter(info, files)
	b.WriteString(marshalFrontMatter(fm))
	b.WriteString("\n# " + PrettyName + "\n\n")
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

	writePictures(&b, extras.Figures)
	writeFunnel(&b, extras.Facts, all.N)
	writeExamples(&b, extras.Cards)

	b.WriteString("## Diversity\n\n")
	fmt.Fprintf(&b, "Each language's instructions were clustered into up to %d clusters (k-means on a sample of at most %d\n"+
		"candidates, then every candidate assigned to its nearest centroid); every cluster was given a quota as even as\n"+
		"the cluster sizes allow and offered its pairs by the within-cluster rule `%s`%s.\n\n",
		info.Clusters, info.FitSample, info.WithinCluster, ruleNote(info.WithinCluster))
	b.WriteString("Each measure is given for the selection and, after the slash, for a uniform random sample of the same size\n" +
		"from the same candidates (seeded), the baseline a selection must beat:\n\n" +
		"- **Vendi**: the Vendi score with the cosine kernel, the effective number of distinct instructions; higher\n" +
		"  is more diverse.\n" +
		"- **Coverage**: the mean and 95th-percentile cosine distance from a candidate to its nearest selected\n" +
		"  instruction, over a seeded sample of candidates; lower means fewer candidates are left unrepresented.\n" +
		"- **Near-dup**: the share of instructions with another at cosine similarity 0.9 or more.\n" +
		"- **Topics**: distinct verb–object pairs of the instructions (\"write story\") and their entropy in nats,\n" +
		"  a labelling independent of the embeddings.\n" +
		"- **Mean distance**: the mean pairwise cosine distance, which a random sample nearly maximises; it says\n" +
		"  little about coverage and is kept for comparison with earlier cards.\n\n")
	b.WriteString("| Language | Candidates | Selected | Shortfall | Clusters | Covered | Vendi ↑ | Coverage ↓ | Coverage p95 ↓ | Near-dup ↓ | Topics ↑ | Topic entropy ↑ | Mean distance |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range stats {
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %s | %s | %s | %s | %d / %d | %s | %s |\n", r.Lang, r.Candidates, r.Selected.N, r.Shortfall(),
			r.K, r.ClustersCovered(), pair(r.SelectedVendi, r.RandomVendi, 1), pair(r.SelectedCoverage, r.RandomCoverage, 3),
			pair(r.SelectedCoverageP95, r.RandomCoverageP95, 3), pair(r.SelectedNearDup, r.RandomNearDup, 3),
			r.SelectedTopics, r.RandomTopics, pair(r.SelectedTopicEntropy, r.RandomTopicEntropy, 2),
			pair(r.SelectedDistance, r.RandomDistance, 3))
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

	b.WriteString("## Configs and files\n\n" +
		"One config per language and one, `mixed` (the default), with every language; each has one split, `train`,\n" +
		"in Parquet (zstd), which the configs above name. The same rows are in JSONL under `jsonl/`, outside every\n" +
		"config.\n\n```python\nfrom datasets import load_dataset\n\n" +
		"ds = load_dataset(\"<user>/<dataset>\")        # mixed: every language, each row once\n" +
		"fi = load_dataset(\"<user>/<dataset>\", \"fi\")  # one language\n```\n\n")
	b.WriteString("| Config | File | Rows |\n|---|---|---:|\n")
	byConfig := slices.Clone(files)
	slices.SortStableFunc(byConfig, func(a, b File) int { // mixed first, then the languages; Parquet first
		return cmp.Or(strings.Compare(a.Lang, b.Lang), -strings.Compare(a.Format, b.Format)) // mixed's Lang is ""
	})
	for _, f := range byConfig {
		if f.Format != FormatCard && f.Format != FormatFigure {
			fmt.Fprintf(&b, "| %s | `%s` | %d |\n", f.Config(), f.Name, f.Records)
		}
	}
	b.WriteString("\nA language's files are ordered by cluster and, within a cluster, in the order the within-cluster rule took them; the mixed\n" +
		"config's interleave the languages one row at a time (so it repeats every language config's rows: load one\n" +
		"or the other, not both). JSONL and Parquet hold the same rows with the same fields.\n\n")
	b.WriteString("## Fields\n\n" +
		"| Field | Meaning |\n|---|---|\n" +
		"| `id` | the pair's id: source document id, `#`, candidate index |\n" +
		"| `lang` | ISO 639-1 code of the output |\n" +
		"| `instruction` | the English instruction |\n" +
		"| `output` | the native text, unchanged |\n" +
		"| `cluster` | the instruction's k-means cluster within its language |\n" +
		"| `rank` | the order in which the within-cluster rule took the pair in its cluster; 0 = nearest the centroid |\n" +
		"| `source` | the file the text came from |\n" +
		"| `placeholder` | true when the instruction is the offline stand-in's placeholder text |\n" +
		"| `history` | the refinement rounds, oldest first: round, label (good, flawed, bad), rationale, judge model, the instruction judged, how the verdict was read |\n\n")

	writeCost(&b, extras.Facts)
	b.WriteString("## License\n\n")
	fmt.Fprintf(&b, "The card says `%s`. The outputs are native texts taken unchanged from web corpora, under those\n"+
		"corpora's licenses and terms: check them (see `source`) before you use or share the dataset.\n\n", fm.License)
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

// pair renders "selected / random".
func pair(sel, rnd float64, prec int) string { return num(sel, prec) + " / " + num(rnd, prec) }

// ruleNote says in a few words what a within-cluster rule does.
func ruleNote(rule string) string {
	switch rule {
	case "spread":
		return ":\nfrom the pair nearest the centroid, each next pair the one that most lowers the candidates' distance to the\n" +
			"selection, weighted by its distance from the pairs already taken; a cluster may give up to four times its\n" +
			"quota when its pairs add more than other clusters' would, and every cluster gives at least one"
	case "farthest":
		return " (from the pair nearest the centroid, each next pair the farthest from those already taken)"
	case "nearest":
		return " (the pairs nearest the centroid first)"
	case "random":
		return " (seeded random order)"
	}
	return ""
}
