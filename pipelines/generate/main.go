// Command generate builds X-Instruction data: it ingests multilingual corpora into clean,
// language-routed documents (later stages turn them into instruction pairs).
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
	if err := run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "generate:", err)
		os.Exit(1)
	}
}

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
	b, err := fsx.ReadFile(ctx, fsx.Join(cfg.Output, FunnelFile))
	if err != nil {
		fmt.Printf("job submitted; the funnel will be at %s when it finishes\n", fsx.Join(cfg.Output, FunnelFile))
		return nil
	}
	var r funnel.Report
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("reading the funnel: %v", err)
	}
	fmt.Printf("\n%s\noutputs: %s (manifest: %s)\n", r.Summary(), cfg.Output, fsx.Join(cfg.Output, SuccessFile))
	return nil
}
