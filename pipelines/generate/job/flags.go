package job

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/xinstruct/xinstruct/io/docio"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/runners/launch"
)

// Flags are the generate job's own flags; the model endpoint, sampling, limits, store
// and budgets are launch.ModelFlags, shared with the other pipelines.
type Flags struct {
	input, output, languages, runID, stopAfter    *string
	minChars, maxChars                            *int
	minLangConfidence, minScriptShare             *float64
	maxRecordMB, maxShardMB                       *int64
	generatorModel, judgeModel, seedPairs         *string
	candidates, maxShots, rounds                  *int
	estimate, structured, nearDup                 *bool
	nearDupThreshold                              *float64
	minInstr, maxInstr                            *int
	embedder, embeddingModel                      *string
	embeddingDims, embedBatch                     *int
	perLanguage, clusters, fitSample, kmeansIters *int
	withinCluster                                 *string
	seed                                          *uint64
	license                                       *string
	keepVersions                                  *int
}

// BindFlags binds the generate job's flags to fs, with DefaultConfig's defaults.
func BindFlags(fs *flag.FlagSet) *Flags {
	d := DefaultConfig()
	return &Flags{
		input:             fs.String("input", d.Input[0], "comma-separated globs of .jsonl, .jsonl.gz, .parquet or .txt files, local or gs://"),
		output:            fs.String("output", d.Output, "output prefix, local or gs://"),
		languages:         fs.String("languages", "fi,id,th,tr,vi,bn,hi,sw,ta,ur", "ISO 639-1 codes of the languages to keep"),
		minChars:          fs.Int("min_chars", d.Length.MinChars, "reject texts shorter than this many characters"),
		maxChars:          fs.Int("max_chars", d.Length.MaxChars, "reject texts longer than this many characters"),
		minLangConfidence: fs.Float64("min_lang_confidence", d.MinLangConfidence, "reject texts whose language is detected with less confidence"),
		minScriptShare:    fs.Float64("min_script_share", d.Script.MinShare, "least share of letters in the language's script"),
		nearDup:           fs.Bool("near_dup", d.NearDup, "remove near-duplicates after exact deduplication (MinHash LSH over 5-character shingles, per language; the first by file and line is kept); --near_dup=false skips it"),
		nearDupThreshold:  fs.Float64("near_dup_threshold", d.NearDupThreshold, "least estimated Jaccard similarity of two documents' character shingles to count as near-duplicates, in (0, 1]; at 0.8 edited copies (a few words changed, a footer added, sentences reordered) go and distinct real documents stay; lower catches more rewritten copies and, below 0.7, distinct documents (internal/bench/README.md)"),
		maxRecordMB:       fs.Int64("max_record_mb", 64, "reject records larger than this many MiB without parsing them"),
		maxShardMB:        fs.Int64("max_shard_mb", d.MaxShardBytes>>20, "roll output files over past this many MiB"),
		runID:             fs.String("run_id", "", "names this run's temporary directory and its budget ledger (--max_cost, --max_requests); relaunch with the same id to continue a budget (default: time and a random suffix)"),
		stopAfter:         fs.String("stop_after", "", `"ingest" to stop before the model stages`),
		generatorModel:    fs.String("generator_model", "", "model that writes the instructions (required with --llm_base_url)"),
		candidates:        fs.Int("candidates", d.Generate.Candidates, "instructions generated per document"),
		seedPairs:         fs.String("seed_pairs", "", "JSONL of few-shot examples: instruction, output, lang"),
		maxShots:          fs.Int("max_shots", d.Generate.MaxShots, "few-shot examples per prompt"),
		estimate:          fs.Bool("estimate", false, "count the model calls and tokens the run would make, without calling anything (ingest still runs)"),
		rounds:            fs.Int("rounds", d.Refine.Rounds, "refinement rounds: judge, rewrite the flawed, judge again; 0 skips the judge"),
		judgeModel:        fs.String("judge_model", "", "model that labels pairs good/flawed/bad (default: --generator_model)"),
		structured:        fs.Bool("structured_output", d.Refine.Structured, "ask for the judge's verdict under a JSON schema; turn off for servers without structured output"),
		minInstr:          fs.Int("min_instruction_chars", d.Refine.Checks.MinInstructionChars, "shortest instruction kept"),
		maxInstr:          fs.Int("max_instruction_chars", d.Refine.Checks.MaxInstructionChars, "longest instruction kept"),
		embedder:          fs.String("embedder", d.Diversify.Embedder.Kind, `instruction embeddings for clustering: "local" (no model, no network) or "openai" (the /v1/embeddings of --llm_base_url)`),
		embeddingModel:    fs.String("embedding_model", "", "embedding model with --embedder=openai, e.g. text-embedding-3-small"),
		embeddingDims:     fs.Int("embedding_dims", 0, "embedding length: local 0 = 256; openai 0 = the model's own (sent as dimensions when set)"),
		embedBatch:        fs.Int("embed_batch", d.Diversify.Batch, "instructions per embedding call and rows per assignment block"),
		perLanguage:       fs.Int("per_language", d.Diversify.PerLanguage, "pairs selected per language for the dataset (all, with the shortfall reported, when fewer)"),
		withinCluster: fs.String("within_cluster", d.Diversify.WithinCluster, "the order a cluster gives its pairs in: "+
			"spread (coverage gain × distance from those taken; a cluster of near-duplicates cedes its quota), farthest, nearest or random; "+
			"README, \"Within-cluster rules\", has the measured comparison"),
		clusters:     fs.Int("clusters", d.Diversify.Clusters, "k-means clusters per language (fewer when a language has fewer candidates)"),
		fitSample:    fs.Int("fit_sample", d.Diversify.FitSample, "candidates per language k-means is fitted on (a seeded uniform sample)"),
		kmeansIters:  fs.Int("kmeans_iters", d.Diversify.Iters, "most Lloyd iterations (fewer when the inertia improves by less than 1e-4 relative)"),
		seed:         fs.Uint64("seed", d.Diversify.Seed, "seed of the fit sample, k-means++, tie-breaks and the random baseline: the same inputs and seed select the same pairs"),
		keepVersions: fs.Int("keep_versions", d.KeepVersions, "published versions kept below <output>/versions/, this run's included; older ones are removed once <output>/LATEST names the new one (0: keep every version)"),
		license:      fs.String("license", d.License, "the dataset card's license, a Hugging Face Hub license id (e.g. cc-by-4.0); the outputs come from web corpora, whose licenses you must check"),
	}
}

// FlagGroups are the sections of generate's --help, in order. They name every flag
// BindFlags, launch.BindModelFlags and launch.BindLauncherFlags define, each once
// (launch.CheckGroups, in the tests); Beam's flags follow them.
func FlagGroups() []launch.Group {
	return []launch.Group{
		{Title: "Input", Flags: []string{"input", "max_record_mb"}},
		{Title: "Languages and filters", Flags: []string{"languages", "min_chars", "max_chars", "min_lang_confidence", "min_script_share"}},
		{Title: "Deduplication", Flags: []string{"near_dup", "near_dup_threshold"}},
		{Title: "Model endpoint", Flags: launch.ModelEndpointFlags},
		{Title: "Generation", Flags: []string{"generator_model", "candidates", "seed_pairs", "max_shots"}},
		{Title: "Refinement", Flags: []string{"rounds", "judge_model", "structured_output", "min_instruction_chars", "max_instruction_chars"}},
		{Title: "Diversification", Flags: []string{"embedder", "embedding_model", "embedding_dims", "embed_batch", "per_language", "clusters", "within_cluster", "fit_sample", "kmeans_iters", "seed"}},
		{Title: "Output", Flags: []string{"output", "license", "max_shard_mb", "keep_versions"}},
		{Title: "Budgets and limits", Flags: launch.Flags([]string{"estimate"}, launch.ModelLimitFlags)},
		{Title: "Batch API", Flags: launch.ModelBatchFlags},
		{Title: "Run", Flags: launch.Flags([]string{"run_id", "stop_after"}, launch.LauncherFlags)},
	}
}

// ProjectFlags returns a fresh FlagSet with every flag the generate binary defines itself,
// as its main binds them: BindFlags', launch.BindModelFlags' and launch.BindLauncherFlags'.
// Beam's flags are not in it. What describes the binary's flags elsewhere (the Dataflow
// template's parameters, the deployment files' checks) reads them from here.
func ProjectFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("generate", flag.ContinueOnError)
	BindFlags(fs)
	launch.BindModelFlags(fs)
	launch.BindLauncherFlags(fs)
	return fs
}

// Config returns the configuration the flags say for run, with the model settings of m.
func (f *Flags) Config(ctx context.Context, run launch.Run, m *launch.ModelFlags) (Config, error) {
	cfg := DefaultConfig()
	cfg.Input, cfg.Output, cfg.Languages = launch.SplitList(*f.input), *f.output, launch.SplitList(*f.languages)
	cfg.Length.MinChars, cfg.Length.MaxChars = *f.minChars, *f.maxChars
	cfg.MinLangConfidence, cfg.Script.MinShare = *f.minLangConfidence, *f.minScriptShare
	cfg.MaxRecordBytes, cfg.MaxShardBytes = *f.maxRecordMB<<20, *f.maxShardMB<<20
	cfg.NearDup, cfg.NearDupThreshold = *f.nearDup, *f.nearDupThreshold
	cfg.RunID, cfg.StartedAt, cfg.StopAfter = run.ID, run.StartedAt, *f.stopAfter
	cfg.MaxFailureRate, cfg.EstimateLatency, cfg.License = m.MaxFailureRate(), m.EstimateLatency(), *f.license
	cfg.KeepVersions, cfg.Build = *f.keepVersions, run.Build

	g := &cfg.Generate
	var err error
	if g.LLM, err = m.Config(*f.generatorModel, cfg.Output, run); err != nil {
		return cfg, err
	}
	if !m.StandIn() && *f.generatorModel == "" && cfg.StopAfter != StageIngest {
		return cfg, fmt.Errorf("--generator_model is required with --llm_base_url")
	}
	g.Candidates, g.MaxShots, g.ProgressEvery, g.Estimate = *f.candidates, *f.maxShots, m.ProgressEvery(), *f.estimate
	if *f.seedPairs != "" {
		if g.SeedPairs, err = ReadSeedPairs(ctx, *f.seedPairs); err != nil {
			return cfg, err
		}
	}
	cfg.Refine.Rounds, cfg.Refine.JudgeModel, cfg.Refine.Structured = *f.rounds, *f.judgeModel, *f.structured
	cfg.Refine.Checks.MinInstructionChars, cfg.Refine.Checks.MaxInstructionChars = *f.minInstr, *f.maxInstr
	d := &cfg.Diversify
	d.Embedder.Kind, d.Embedder.Model, d.Embedder.Dims, d.Batch = *f.embedder, *f.embeddingModel, *f.embeddingDims, *f.embedBatch
	d.PerLanguage, d.Clusters, d.FitSample, d.Iters, d.Seed = *f.perLanguage, *f.clusters, *f.fitSample, *f.kmeansIters, *f.seed
	d.WithinCluster = *f.withinCluster
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	// Fail before launching on an input that matches nothing: on a cluster that error
	// would otherwise arrive minutes later from a worker.
	if _, err := docio.Match(ctx, cfg.Input); err != nil {
		for _, g := range cfg.Input {
			if fi, serr := os.Stat(g); serr == nil && fi.IsDir() {
				return cfg, fmt.Errorf("--input=%s is a directory; give globs of files, e.g. --input='%s'", g, filepath.Join(g, "*.jsonl"))
			}
		}
		return cfg, err
	}
	return cfg, publish.CheckWritable(ctx, cfg.Output, cfg.RunID)
}
