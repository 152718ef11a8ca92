// Command probe is a diagnostic copy of the generate job's graph (pipelines/generate
// Build, without the funnel report and manifest) with one pass-through DoFn fused in
// front of instruct.Generate that logs every bundle it sees: when it started, when its
// first and last elements arrived, how many there were, and when FinishBundle began
// (the moment generateFn's FinishBundle starts waiting for the bundle's calls). It shows
// how a runner cuts the generation stage's input into bundles.
//
//	go run ./internal/bench/llm/probe --runner=prism --input='corpus/*.jsonl' --output=/tmp/probe \
//	    --llm_base_url=http://127.0.0.1:PORT/v1 --max_in_flight=64 --response_store=/tmp/probe-store
//
// --log_level=debug also turns on the runner's debug log (prism logs its bundles and
// splits there); with --probe=false the graph is the job's own, and that log is the only
// view of its bundles. (On prism a ParDo in front of Generate is not fused with it: the
// probe then sees the stage before, and generateFn gets the whole PCollection in one
// bundle.)
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/docio"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/recordio"
	"github.com/xinstruct/xinstruct/io/shardio"
	"github.com/xinstruct/xinstruct/transforms/clean"
	"github.com/xinstruct/xinstruct/transforms/dedup"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/instruct"
	"github.com/xinstruct/xinstruct/transforms/langid"
	"github.com/xinstruct/xinstruct/transforms/quality"
)

func init() {
	register.DoFn2x0[record.Doc, func(record.Doc)](&bundleProbeFn{})
	register.Emitter1[record.Doc]()
}

var (
	input       = flag.String("input", "", "glob of the corpus")
	output      = flag.String("output", "", "output prefix")
	baseURL     = flag.String("llm_base_url", "", "OpenAI-compatible endpoint")
	maxInFlight = flag.Int("max_in_flight", 64, "concurrent requests per process")
	store       = flag.String("response_store", "", "response store")
	logLevel    = flag.String("log_level", "info", "slog level: debug shows the runner's bundles and splits")
	probe       = flag.Bool("probe", true, "insert the bundle probe; false keeps the job's graph exactly (for the runner's debug log)")
	minimal     = flag.Bool("minimal", false, "only read, Generate (with its count side input) and count the pairs: no ingest, no outputs")
)

func main() {
	flag.Parse()
	beam.Init()
	if *logLevel != "info" {
		beamlog.SetupLogging(*logLevel, "text")
	}
	if *input == "" || *output == "" || *baseURL == "" || *store == "" {
		fmt.Fprintln(os.Stderr, "probe: --input, --output, --llm_base_url and --response_store are required")
		os.Exit(2)
	}
	var b [4]byte
	rand.Read(b[:])
	runID := time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])

	gen := instruct.GenerateParams{LLM: llm.DefaultConfig(), Candidates: 1, MaxShots: 3, ProgressEvery: 5 * time.Second}
	gen.LLM.BaseURL, gen.LLM.Model, gen.LLM.Store, gen.LLM.MaxInFlight, gen.LLM.RunID = *baseURL, "bench", *store, *maxInFlight, runID

	p, s := beam.NewPipelineWithRoot()
	if *minimal {
		read, _ := docio.Read(s, []string{*input}, docio.Options{MaxRecordBytes: 64 << 20})
		docs, _ := clean.Length(s, clean.DefaultLengthParams(), read)
		pairs, _, _ := instruct.Generate(s, gen, docs, stats.CountElms(s, docs))
		stats.CountElms(s, pairs)
		if err := beamx.Run(context.Background(), p); err != nil {
			fmt.Fprintln(os.Stderr, "probe:", err)
			os.Exit(1)
		}
		return
	}
	temp := fsx.Join(*output, "_temporary", runID)
	// As pipelines/generate Build and ingest, with the default configuration.
	read, readRejected := docio.Read(s, []string{*input}, docio.Options{MaxRecordBytes: 64 << 20})
	docs, normRejected := clean.Normalize(s, read)
	docs, lengthRejected := clean.Length(s, clean.DefaultLengthParams(), docs)
	docs, langRejected := langid.Identify(s, langid.Params{Languages: []string{"fi", "id", "th", "tr", "vi", "bn", "hi", "sw", "ta", "ur"}, MinConfidence: langid.DefaultMinConfidence}, docs)
	docs, scriptRejected := clean.Script(s, clean.DefaultScriptParams(), docs)
	docs, qualityRejected := quality.Filter(s, quality.DefaultParams(), docs)
	kept, dupRejected := dedup.Exact(s, dedup.Params{TempDir: temp}, docs)
	rejected := []beam.PCollection{readRejected, normRejected, lengthRejected, langRejected, scriptRejected, qualityRejected, dupRejected}

	probed := kept
	if *probe {
		probed = beam.ParDo(s.Scope("bundleProbe"), &bundleProbeFn{}, kept)
	}
	pairs, genRejected, genCounts := instruct.Generate(s, gen, probed, stats.CountElms(s, kept))
	rejected = append(rejected, genRejected)
	_ = genCounts
	_ = funnel.CountPairs(s, funnel.OutKey(record.StageGenerate), pairs)

	lines := []beam.PCollection{recordio.FormatDocs(s, "clean", kept), recordio.FormatPairs(s, "pairs", pairs),
		recordio.FormatRejected(s, beam.Flatten(s, rejected...))}
	temps := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(temp, "out"), Ext: ".jsonl"}, beam.Flatten(s, lines...))
	shardio.Commit(s, shardio.CommitParams{Prefix: *output, Ext: ".jsonl", OwnedDirs: []string{"clean", "rejected", "pairs"}}, temps)

	start := time.Now()
	if err := beamx.Run(context.Background(), p); err != nil {
		fmt.Fprintln(os.Stderr, "probe:", err)
		os.Exit(1)
	}
	probeLog.mu.Lock()
	defer probeLog.mu.Unlock()
	fmt.Printf("probe: %d bundles reached generation; job %.1f s\n", probeLog.n, time.Since(start).Seconds())
}

// probeLog counts bundles across DoFn instances (the in-process runners share the process).
var probeLog struct {
	mu sync.Mutex
	n  int
}

var bundleIDs atomic.Int64

// bundleProbeFn passes documents through and logs each bundle.
type bundleProbeFn struct {
	id           int64
	start, first time.Time
	last         time.Time
	n            int
}

func (fn *bundleProbeFn) StartBundle(_ context.Context, _ func(record.Doc)) {
	fn.id, fn.start, fn.n = bundleIDs.Add(1), time.Now(), 0
}

func (fn *bundleProbeFn) ProcessElement(d record.Doc, emit func(record.Doc)) {
	now := time.Now()
	if fn.n == 0 {
		fn.first = now
	}
	fn.last = now
	fn.n++
	emit(d)
}

func (fn *bundleProbeFn) FinishBundle(_ context.Context, _ func(record.Doc)) {
	now := time.Now()
	probeLog.mu.Lock()
	probeLog.n++
	probeLog.mu.Unlock()
	f := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.UTC().Format("15:04:05.000")
	}
	fmt.Fprintf(os.Stderr, "probe bundle %d: start %s, first element %s, last element %s, finish %s, %d elements\n",
		fn.id, f(fn.start), f(fn.first), f(fn.last), f(now), fn.n)
}
