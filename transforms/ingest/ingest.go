// Package ingest is the first stage of X-Instruction as one composite transform: read the
// corpora, normalize, bound the length, identify the language, check the script, filter
// on quality and deduplicate. The job, the benchmarks and the tests run this one chain.
package ingest

import (
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/io/docio"
	"github.com/xinstruct/xinstruct/transforms/clean"
	"github.com/xinstruct/xinstruct/transforms/dedup"
	"github.com/xinstruct/xinstruct/transforms/funnel"
)

// Params configure Ingest.
type Params struct {
	Input          []string          // globs, local or gs://
	MaxRecordBytes int64             // larger records are rejected unparsed; 0 = docio's default
	Checks         clean.CheckParams // length, language, script and quality
	TempDir        string            // where dedup spills documents; the run's own temporary directory
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
	return nil
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
	return Result{
		Kept:     kept,
		Rejected: []beam.PCollection{readRejected, checkRejected, dupRejected},
		Counts: []beam.PCollection{
			funnel.CountAll(s, funnel.KeyRead, read),
			funnel.CountAll(s, funnel.KeyRead, readRejected),
			funnel.CountDocs(s, funnel.KeyKept, kept),
		},
	}
}
