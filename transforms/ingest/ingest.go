// Package ingest is the first stage of X-Instruction as one composite transform: read the
// corpora, normalize, bound the length, identify the language, check the script, filter
// on quality, deduplicate and remove near-duplicates. The job, the benchmarks and the tests run this one chain.
package ingest

import (
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/io/docio"
	"github.com/xinstruct/xinstruct/transforms/clean"
	"github.com/xinstruct/xinstruct/transforms/dedup"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/neardup"
)

// Params configure Ingest.
type Params struct {
	Input          []string          // globs, local or gs://
	MaxRecordBytes int64             // larger records are rejected unparsed; 0 = docio's default
	Checks         clean.CheckParams // length, language, script and quality
	TempDir        string            // where dedup and neardup spill documents; the run's own temporary directory
	// NearDup removes near-duplicates (neardup.Remove) after exact deduplication, at
	// NearDupThreshold, an estimated Jaccard similarity of character shingles.
	NearDup          bool
	NearDupThreshold float64
}

func (p Params) validate() error {
	if len(p.Input) == 0 {
		return fmt.Errorf("no input")
	}
	if p.TempDir == "" {
		return fmt.Errorf("no temporary directory")
	}
	if err := p.Checks.Validate(); err != nil {
		return err
	}
	if p.NearDup {
		return p.nearDup().Validate()
	}
	return nil
}

func (p Params) nearDup() neardup.Params {
	return neardup.Params{Threshold: p.NearDupThreshold, TempDir: p.TempDir}
}

// Result is what Ingest returns.
type Result struct {
	Kept     beam.PCollection   // PCollection<record.Doc>: clean documents, routed to their language
	Rejected []beam.PCollection // PCollection<record.Rejected> of each step, stage "ingest"
	Counts   []beam.PCollection // PCollection<KV<string, int>>: the funnel's read and kept counts
}

// Ingest reads p.Input and returns the clean documents, the dead letters of every step
// and the funnel's counts of the stage (read, kept per language; the dead letters are
// counted where they are gathered). It panics at construction time if p is invalid.
func Ingest(s beam.Scope, p Params) Result {
	s = s.Scope("ingest.Ingest")
	if err := p.validate(); err != nil {
		panic(fmt.Sprintf("ingest.Ingest: %v", err))
	}
	read, readRejected := docio.Read(s, p.Input, docio.Options{MaxRecordBytes: p.MaxRecordBytes})
	// Normalize, bound length, identify language, check script, filter quality: one
	// fused step, on all cores (the same results as clean.Normalize, clean.Length,
	// langid.Identify, clean.Script and quality.Filter in sequence). Length comes before
	// language ID: it is cheap and keeps megabyte records away from the detector.
	docs, checkRejected := clean.Checks(s, p.Checks, read)
	// Deduplicate last, among documents that passed every check: a duplicate of a
	// rejected record must not shadow a good one.
	kept, dupRejected := dedup.Exact(s, dedup.Params{TempDir: p.TempDir}, docs)
	rejected := []beam.PCollection{readRejected, checkRejected, dupRejected}
	// Near-duplicates among the exact dedup's survivors: an exact copy is cheaper to find
	// there, and would only fill the near-duplicate buckets.
	if p.NearDup {
		var nearRejected beam.PCollection
		kept, nearRejected = neardup.Remove(s, p.nearDup(), kept)
		rejected = append(rejected, nearRejected)
	}
	return Result{
		Kept:     kept,
		Rejected: rejected,
		Counts: []beam.PCollection{
			funnel.CountAll(s, funnel.KeyRead, read),
			funnel.CountAll(s, funnel.KeyRead, readRejected),
			funnel.CountDocs(s, funnel.KeyKept, kept),
		},
	}
}
