package main

import (
	"fmt"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/docio"
	"github.com/xinstruct/xinstruct/io/recordio"
	"github.com/xinstruct/xinstruct/io/shardio"
	"github.com/xinstruct/xinstruct/transforms/clean"
	"github.com/xinstruct/xinstruct/transforms/dedup"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/langid"
	"github.com/xinstruct/xinstruct/transforms/quality"
)

// Result holds the pipeline's main PCollections, for tests to assert on.
type Result struct {
	Kept     beam.PCollection // PCollection<record.Doc>: clean documents, routed to their language
	Rejected beam.PCollection // PCollection<record.Rejected>: every dead letter
	Counts   beam.PCollection // PCollection<KV<string, int>>: the funnel's counts
}

// Build adds the generate job to s: ingest (read, normalize, bound length, identify
// language, check script, filter quality, deduplicate), then sharded atomic output and
// the funnel report. It panics if cfg is invalid (call cfg.Validate first for an error).
func Build(s beam.Scope, cfg Config) Result {
	if err := cfg.Validate(); err != nil {
		panic(fmt.Sprintf("generate.Build: %v", err))
	}
	temp := fsx.Join(cfg.Output, TempRoot, cfg.RunID)

	read, readRejected := docio.Read(s, cfg.Input, docio.Options{MaxRecordBytes: cfg.MaxRecordBytes})
	docs, normRejected := clean.Normalize(s, read)
	// Length before language ID: it is cheap and keeps megabyte records away from the detector.
	docs, lengthRejected := clean.Length(s, cfg.Length, docs)
	docs, langRejected := langid.Identify(s, langid.Params{Languages: cfg.Languages, MinConfidence: cfg.MinLangConfidence}, docs)
	docs, scriptRejected := clean.Script(s, cfg.Script, docs)
	docs, qualityRejected := quality.Filter(s, cfg.Quality, docs)
	// Deduplicate last, among documents that passed every check: a duplicate of a
	// rejected record must not shadow a good one.
	kept, dupRejected := dedup.Exact(s, dedup.Params{TempDir: temp}, docs)

	rejected := beam.Flatten(s, readRejected, normRejected, lengthRejected, langRejected, scriptRejected, qualityRejected, dupRejected)
	counts := beam.Flatten(s,
		funnel.CountAll(s, funnel.KeyRead, read),
		funnel.CountAll(s, funnel.KeyRead, readRejected),
		funnel.CountDocs(s, funnel.KeyKept, kept),
		funnel.CountRejected(s, rejected),
	)

	lines := beam.Flatten(s, recordio.FormatDocs(s, "clean", kept), recordio.FormatRejected(s, rejected))
	temps := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(temp, "out"), Ext: ".jsonl", MaxShardBytes: cfg.MaxShardBytes}, lines)
	shards := shardio.Commit(s, shardio.CommitParams{Prefix: cfg.Output, Ext: ".jsonl",
		OwnedDirs: []string{"clean", "rejected"}, Invalidate: []string{SuccessFile}}, temps)
	finalize(s, cfg, shards, counts)
	return Result{Kept: kept, Rejected: rejected, Counts: counts}
}

func sortStrings(s []string) { sort.Strings(s) }
