// Command generate builds X-Instruction data: it ingests multilingual corpora into clean,
// language-routed documents, has a model write the English instruction each text
// answers, refines the pairs with a judge, and selects a diverse set per language into
// <output>/dataset/.
//
//	go run ./pipelines/generate --input='corpus/*.jsonl' --output=out
//
// Every record read ends in exactly one place: <output>/clean/<lang>/ or
// <output>/rejected/<stage>/ with its reason. <output>/report/funnel.json counts them, and
// <output>/_SUCCESS, written last, lists every shard.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/docio"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/llm/llmtest"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

var (
	defaults = DefaultConfig()

	input             = flag.String("input", defaults.Input[0], "comma-separated globs of .jsonl, .jsonl.gz, .parquet or .txt files, local or gs://")
	output            = flag.String("output", defaults.Output, "output prefix, local or gs://")
	languages         = flag.String("languages", "fi,id,th,tr,vi,bn,hi,sw,ta,ur", "ISO 639-1 codes of the languages to keep")
	minChars          = flag.Int("min_chars", defaults.Length.MinChars, "reject texts shorter than this many characters")
	maxChars          = flag.Int("max_chars", defaults.Length.MaxChars, "reject texts longer than this many characters")
	minLangConfidence = flag.Float64("min_lang_confidence", defaults.MinLangConfidence, "reject texts whose language is detected with less confidence")
	minScriptShare    = flag.Float64("min_script_share", defaults.Script.MinShare, "least share of letters in the language's script")
	maxRecordMB       = flag.Int64("max_record_mb", 64, "reject records larger than this many MiB without parsing them")
	maxShardMB        = flag.Int64("max_shard_mb", defaults.MaxShardBytes>>20, "roll output files over past this many MiB")
	runID             = flag.String("run_id", "", "names this run's temporary directory (default: time and a random suffix)")
	stopAfter         = flag.String("stop_after", "", `"ingest" to stop before the model stages`)

	llmDefaults    = defaults.Generate.LLM
	llmBaseURL     = flag.String("llm_base_url", "", "OpenAI-compatible endpoint, e.g. https://api.openai.com/v1 or http://localhost:8000/v1 (vLLM); empty: the offline stand-in model, whose answers are placeholder text")
	llmAPIType     = flag.String("llm_api_type", llmDefaults.APIType, `"openai" (also vLLM, Ollama, llama.cpp server) or "azure"`)
	llmAPIVersion  = flag.String("llm_api_version", "", "Azure OpenAI API version")
	generatorModel = flag.String("generator_model", "", "model that writes the instructions (required with --llm_base_url)")
	temperature    = flag.Float64("temperature", float64(llmDefaults.Sampling.Temperature), "sampling temperature")
	topP           = flag.Float64("top_p", float64(llmDefaults.Sampling.TopP), "nucleus sampling top_p")
	maxTokens      = flag.Int("max_tokens", llmDefaults.Sampling.MaxTokens, "most tokens in an answer; an answer cut there is rejected as llm_truncated")
	requestTimeout = flag.Duration("request_timeout", llmDefaults.Timeout, "deadline of one request attempt")
	maxRetries     = flag.Int("max_retries", llmDefaults.MaxRetries, "retries of a request's transient failures (429, 5xx, timeouts, resets)")
	maxInFlight    = flag.Int("max_in_flight", llmDefaults.MaxInFlight, "concurrent requests per worker process")
	rpm            = flag.Int("rpm", 0, "requests per minute per worker process (0: no limit)")
	tpm            = flag.Int("tpm", 0, "tokens per minute per worker process (0: no limit)")
	responseStore  = flag.String("response_store", "", "response store, local directory or gs:// prefix (default: <output>/responses)")
	storeFsync     = flag.Bool("store_fsync", false, "fsync every stored answer: survives a machine crash, not only a killed job, at a few ms per answer on local disk")
	offline        = flag.Bool("offline", false, "answer from the response store only; a request it has no answer for fails the job")
	price          = flag.String("price", "0,0", "price per 1M input tokens and per 1M output tokens, e.g. 0.15,0.60")
	maxRequests    = flag.Int64("max_requests", 0, "stop calling the model after this many requests per worker process (0: no cap)")
	maxCost        = flag.Float64("max_cost", 0, "stop calling the model before this spend per worker process (0: no cap)")
	candidates     = flag.Int("candidates", defaults.Generate.Candidates, "instructions generated per document")
	seedPairs      = flag.String("seed_pairs", "", "JSONL of few-shot examples: instruction, output, lang")
	maxShots       = flag.Int("max_shots", defaults.Generate.MaxShots, "few-shot examples per prompt")
	estimate       = flag.Bool("estimate", false, "count the model calls and tokens the run would make, without calling anything (ingest still runs)")
	rounds         = flag.Int("rounds", defaults.Refine.Rounds, "refinement rounds: judge, rewrite the flawed, judge again; 0 skips the judge")
	judgeModel     = flag.String("judge_model", "", "model that labels pairs good/flawed/bad (default: --generator_model)")
	structured     = flag.Bool("structured_output", defaults.Refine.Structured, "ask for the judge's verdict under a JSON schema; turn off for servers without structured output")
	minInstr       = flag.Int("min_instruction_chars", defaults.Refine.Checks.MinInstructionChars, "shortest instruction kept")
	maxInstr       = flag.Int("max_instruction_chars", defaults.Refine.Checks.MaxInstructionChars, "longest instruction kept")
	embedder       = flag.String("embedder", defaults.Diversify.Embedder.Kind, `instruction embeddings for clustering: "local" (no model, no network) or "openai" (the /v1/embeddings of --llm_base_url)`)
	embeddingModel = flag.String("embedding_model", "", "embedding model with --embedder=openai, e.g. text-embedding-3-small")
	embeddingDims  = flag.Int("embedding_dims", 0, "embedding length: local 0 = 256; openai 0 = the model's own (sent as dimensions when set)")
	embedBatch     = flag.Int("embed_batch", defaults.Diversify.Batch, "instructions per embedding call and rows per assignment block")
	perLanguage    = flag.Int("per_language", defaults.Diversify.PerLanguage, "pairs selected per language for the dataset (all, with the shortfall reported, when fewer)")
	clusters       = flag.Int("clusters", defaults.Diversify.Clusters, "k-means clusters per language (fewer when a language has fewer candidates)")
	fitSample      = flag.Int("fit_sample", defaults.Diversify.FitSample, "candidates per language k-means is fitted on (a seeded uniform sample)")
	kmeansIters    = flag.Int("kmeans_iters", defaults.Diversify.Iters, "most Lloyd iterations (fewer when the inertia improves by less than 1e-4 relative)")
	seed           = flag.Uint64("seed", defaults.Diversify.Seed, "seed of the fit sample, k-means++, tie-breaks and the random baseline: the same inputs and seed select the same pairs")
	progressEvery  = flag.Duration("progress_every", defaults.Generate.ProgressEvery, "how often to log progress of the model stages")
)

func main() {
	flag.Parse()
	beam.Init() // first: a worker re-executes this binary and must not reach the launcher code

	started := time.Now().UTC()
	cfg := DefaultConfig()
	cfg.Input = SplitList(*input)
	cfg.Output = *output
	cfg.Languages = SplitList(*languages)
	cfg.Length.MinChars, cfg.Length.MaxChars = *minChars, *maxChars
	cfg.MinLangConfidence = *minLangConfidence
	cfg.Script.MinShare = *minScriptShare
	cfg.MaxRecordBytes = *maxRecordMB << 20
	cfg.MaxShardBytes = *maxShardMB << 20
	cfg.StartedAt = started
	cfg.RunID = *runID
	if cfg.RunID == "" {
		cfg.RunID = NewRunID(started)
	}
	cfg.StopAfter = *stopAfter
	ctx := context.Background()
	stop, err := configureLLM(ctx, &cfg)
	if err == nil {
		defer stop()
		err = run(ctx, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

// configureLLM fills cfg's model settings from the flags. With no endpoint it starts the
// offline stand-in (the project's fake OpenAI-compatible server) in this process, and the
// run's outputs say that their instructions are placeholder text. The returned func stops
// it.
func configureLLM(ctx context.Context, cfg *Config) (stop func(), err error) {
	stop = func() {}
	g := &cfg.Generate
	g.LLM.BaseURL, g.LLM.APIType, g.LLM.APIVersion, g.LLM.Model = *llmBaseURL, *llmAPIType, *llmAPIVersion, *generatorModel
	g.LLM.Sampling = llm.Sampling{Temperature: float32(*temperature), TopP: float32(*topP), MaxTokens: *maxTokens}
	g.LLM.Timeout, g.LLM.MaxRetries, g.LLM.MaxInFlight, g.LLM.RPM, g.LLM.TPM = *requestTimeout, *maxRetries, *maxInFlight, *rpm, *tpm
	g.LLM.StoreFsync = *storeFsync
	g.LLM.Offline, g.LLM.MaxRequests, g.LLM.MaxCost, g.LLM.RunID = *offline, *maxRequests, *maxCost, cfg.RunID
	if g.LLM.Price, err = ParsePrice(*price); err != nil {
		return stop, err
	}
	g.LLM.Store = *responseStore
	if g.LLM.Store == "" {
		g.LLM.Store = fsx.Join(cfg.Output, "responses")
	}
	g.Candidates, g.MaxShots, g.ProgressEvery, g.Estimate = *candidates, *maxShots, *progressEvery, *estimate
	cfg.Refine.Rounds, cfg.Refine.JudgeModel, cfg.Refine.Structured = *rounds, *judgeModel, *structured
	cfg.Refine.Checks.MinInstructionChars, cfg.Refine.Checks.MaxInstructionChars = *minInstr, *maxInstr
	d := &cfg.Diversify
	d.Embedder.Kind, d.Embedder.Model, d.Embedder.Dims, d.Batch = *embedder, *embeddingModel, *embeddingDims, *embedBatch
	d.PerLanguage, d.Clusters, d.FitSample, d.Iters, d.Seed = *perLanguage, *clusters, *fitSample, *kmeansIters, *seed
	if *seedPairs != "" {
		if g.SeedPairs, err = ReadSeedPairs(ctx, *seedPairs); err != nil {
			return stop, err
		}
	}
	if cfg.StopAfter == StageIngest || g.LLM.BaseURL != "" {
		if g.LLM.BaseURL != "" && g.LLM.Model == "" {
			return stop, fmt.Errorf("--generator_model is required with --llm_base_url")
		}
		return stop, nil
	}
	if g.LLM.Offline || g.Estimate {
		// Replaying or estimating from a store filled by the stand-in: no server needed,
		// only its model name.
		g.LLM.BaseURL, g.LLM.Placeholder = "http://offline.invalid/v1", true
	} else {
		server := llmtest.New(llmtest.Options{Model: PlaceholderModel})
		url, err := server.Start()
		if err != nil {
			return stop, fmt.Errorf("starting the offline stand-in model: %v", err)
		}
		fmt.Fprintf(os.Stderr, "generate: no --llm_base_url: using the offline stand-in model at %s; its instructions are PLACEHOLDER text, not model output\n", url)
		g.LLM.BaseURL, g.LLM.Placeholder, stop = url, true, server.Close
	}
	if g.LLM.Model == "" {
		g.LLM.Model = PlaceholderModel
	}
	return stop, nil
}

// PlaceholderModel names the offline stand-in's model in outputs.
const PlaceholderModel = "xinstruct-placeholder"

func run(ctx context.Context, cfg Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	// Fail before launching on an input that matches nothing: on a cluster that error
	// would otherwise arrive minutes later from a worker.
	if _, err := docio.Match(ctx, cfg.Input); err != nil {
		return err
	}
	p, s := beam.NewPipelineWithRoot()
	Build(s, cfg)
	if err := beamx.Run(ctx, p); err != nil {
		return fmt.Errorf("pipeline failed: %w", err)
	}
	reportFile := FunnelFile
	if cfg.Generate.Estimate {
		reportFile = EstimateFile
	}
	b, err := fsx.ReadFile(ctx, fsx.Join(cfg.Output, reportFile))
	if err != nil {
		fmt.Printf("job submitted; the report will be at %s when it finishes\n", fsx.Join(cfg.Output, reportFile))
		return nil
	}
	var r funnel.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("reading the funnel: %v", err)
	}
	if cfg.Generate.Estimate {
		fmt.Printf("\n%s\nestimate only: no model was called and no output was published (%s)\n", r.Summary(), fsx.Join(cfg.Output, reportFile))
		return nil
	}
	fmt.Printf("\n%s\noutputs: %s (manifest: %s)\n", r.Summary(), cfg.Output, fsx.Join(cfg.Output, SuccessFile))
	return nil
}
