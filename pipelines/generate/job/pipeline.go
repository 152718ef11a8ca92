package job

import (
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/stats"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/recordio"
	"github.com/xinstruct/xinstruct/io/shardio"
	"github.com/xinstruct/xinstruct/transforms/diversify"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/ingest"
	"github.com/xinstruct/xinstruct/transforms/instruct"
	"github.com/xinstruct/xinstruct/transforms/refine"
)

// Result holds the pipeline's main PCollections, for tests to assert on.
type Result struct {
	Kept     beam.PCollection // PCollection<record.Doc>: clean documents, routed to their language
	Rejected beam.PCollection // PCollection<record.Rejected>: every dead letter
	Counts   beam.PCollection // PCollection<KV<string, int>>: the funnel's counts
}

// Build adds the generate job to s: ingest (read, normalize, bound length, identify
// language, check script, filter quality, deduplicate, remove near-duplicates), then, unless cfg.StopAfter is
// "ingest", instruction generation, refinement and diversification into the final
// dataset; then sharded atomic output and the funnel report. It
// panics if cfg is invalid (call cfg.Validate first for an error).
func Build(s beam.Scope, cfg Config) Result {
	if err := cfg.Validate(); err != nil {
		panic(fmt.Sprintf("generate.Build: %v", err))
	}
	temp := fsx.Join(cfg.Output, TempRoot, cfg.RunID)
	datasetFiles := beam.CreateList(s, []dataset.File{})
	var langStats beam.PCollection // the card's statistics, when the run diversifies
	in := ingest.Ingest(s.Scope("Ingest"), ingest.Params{Input: cfg.Input, MaxRecordBytes: cfg.MaxRecordBytes, Checks: cfg.checks(), TempDir: temp,
		NearDup: cfg.NearDup, NearDupThreshold: cfg.NearDupThreshold})
	kept, rejected, counts := in.Kept, in.Rejected, in.Counts
	lines := []beam.PCollection{recordio.FormatDocs(s, "clean", kept)}
	owned := []string{"clean", "rejected"}

	if cfg.StopAfter != StageIngest {
		gs := s.Scope("Generate")
		pairs, genRejected, genCounts := instruct.Generate(gs, cfg.Generate, kept, stats.CountElms(gs, kept))
		rejected = append(rejected, genRejected)
		counts = append(counts, genCounts, funnel.CountPairs(gs, funnel.OutKey(record.StageGenerate), pairs))
		lines = append(lines, recordio.FormatPairs(s, "pairs", pairs))
		owned = append(owned, "pairs")
		if !cfg.Generate.Estimate {
			accepted, refRejected, refCounts := refinement(s.Scope("Refine"), cfg, pairs)
			rejected = append(rejected, refRejected...)
			counts = append(counts, refCounts...)
			lines = append(lines, recordio.FormatPairs(s, "accepted", accepted))
			owned = append(owned, "accepted")

			div := diversify.Diversify(s.Scope("Diversify"), cfg.diversifyParams(), accepted)
			rejected = append(rejected, div.Rejected)
			counts = append(counts, div.Counts)
			ds := s.Scope("Dataset")
			var rows beam.PCollection
			rows, langStats = diversify.ForDataset(ds, div)
			datasetFiles = dataset.Write(ds, dataset.Params{Output: cfg.Output, TempDir: temp, Card: cfg.card(),
				Invalidate: []string{SuccessFile}, RunID: cfg.RunID, Facts: cardFacts(ds, cfg, beam.Flatten(ds, counts...))}, rows, langStats)
		}
	}

	allRejected := beam.Flatten(s, rejected...)
	counts = append(counts, funnel.CountRejected(s, allRejected))
	allCounts := beam.Flatten(s, counts...)
	if cfg.Generate.Estimate && cfg.StopAfter != StageIngest {
		// An estimate leaves the outputs of earlier runs alone: it writes its report only.
		finalize(s, cfg, beam.CreateList(s, []shardio.File{}), datasetFiles, langStats, allCounts)
		return Result{Kept: kept, Rejected: allRejected, Counts: allCounts}
	}
	lines = append(lines, recordio.FormatRejected(s, allRejected))
	temps := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(temp, "out"), Ext: ".jsonl", MaxShardBytes: cfg.MaxShardBytes},
		beam.Flatten(s, lines...))
	shards := shardio.Commit(s, shardio.CommitParams{Prefix: cfg.Output, Ext: ".jsonl", OwnedDirs: owned, Invalidate: []string{SuccessFile}, RunID: cfg.RunID}, temps)
	finalize(s, cfg, shards, datasetFiles, langStats, allCounts)
	return Result{Kept: kept, Rejected: allRejected, Counts: allCounts}
}

// refinement runs the pair checks, then cfg.Refine.Rounds judge rounds, unrolled here at
// construction, with the flawed pairs rewritten between rounds. It returns the accepted
// pairs (with their label history), the dead letters and the funnel counts.
func refinement(s beam.Scope, cfg Config, pairs beam.PCollection) (accepted beam.PCollection, rejected, counts []beam.PCollection) {
	checked, checkRejected := refine.Check(s, cfg.Refine.Checks, pairs)
	rejected = append(rejected, checkRejected)
	counts = append(counts, funnel.CountPairs(s, funnel.InKey(record.StageChecks), pairs), funnel.CountPairs(s, funnel.OutKey(record.StageChecks), checked))
	if cfg.Refine.Rounds == 0 {
		accepted = checked
	} else {
		var good []beam.PCollection
		inPlay := checked
		for r := 1; r <= cfg.Refine.Rounds; r++ {
			last := r == cfg.Refine.Rounds
			g, flawed, judgeRejected, judgeCounts := refine.Judge(s, refine.JudgeParams{Round: r, Last: last, LLM: cfg.judgeLLM(),
				Structured: cfg.Refine.Structured, ProgressEvery: cfg.Generate.ProgressEvery, Prompt: cfg.Refine.JudgePrompt}, inPlay)
			good = append(good, g)
			rejected = append(rejected, judgeRejected)
			counts = append(counts, judgeCounts)
			if !last {
				var rwRejected, rwCounts beam.PCollection
				inPlay, rwRejected, rwCounts = refine.Rewrite(s, refine.RewriteParams{Round: r, LLM: cfg.Generate.LLM, Checks: cfg.Refine.Checks,
					ProgressEvery: cfg.Generate.ProgressEvery}, flawed)
				rejected = append(rejected, rwRejected)
				counts = append(counts, rwCounts)
			}
		}
		accepted = beam.Flatten(s, good...)
	}
	counts = append(counts, funnel.CountPairs(s, funnel.KeyAccepted, accepted))
	return accepted, rejected, counts
}
