// Command ingestprof runs the generate job's ingest chain with CPU and heap profiles, for
// finding out where the ingest benchmark's time and memory go. By default it runs the
// generate job itself (job.Build with --stop_after=ingest and the default parameters:
// read, the fused per-document checks, exact dedup, funnel counts, sharded write and
// commit, funnel and manifest). The experiments below wire the same transforms in other
// ways to measure what each step adds.
//
//	CPUPROFILE=cpu.pprof MEMPROFILE=heap.pprof \
//	  go run ./internal/bench/ingestprof --runner=direct --input='corpus/*.jsonl' --output=out
//	go tool pprof -top cpu.pprof
//	go tool pprof -sample_index=inuse_space -top heap.pprof
//
// MEMPROFILE is written when the live heap peaks (sampled every 200 ms), not at the end,
// when most of it is gone. --upto stops the chain after a stage, to measure what each
// stage adds: read, normalize, length, langid, script, quality, dedup (the default, the
// whole job). --checks=separate runs the checks as the five separate transforms
// (clean.Normalize, clean.Length, langid.Identify, clean.Script, quality.Filter), as the
// job did before clean.Checks; with --checks=fused (the default, as the job), --upto
// between normalize and quality means the fused step. --funnel=false leaves out the
// funnel counts. --near_dup=false runs the job without near-duplicate removal.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"path"
	"runtime/metrics"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/docio"
	"github.com/xinstruct/xinstruct/io/recordio"
	"github.com/xinstruct/xinstruct/io/shardio"
	"github.com/xinstruct/xinstruct/pipelines/generate/job"
	"github.com/xinstruct/xinstruct/transforms/clean"
	"github.com/xinstruct/xinstruct/transforms/dedup"
	"github.com/xinstruct/xinstruct/transforms/funnel"
	"github.com/xinstruct/xinstruct/transforms/langid"
	"github.com/xinstruct/xinstruct/transforms/quality"
)

func init() {
	register.DoFn3x0[[]byte, func(*shardio.File) bool, func(*string, *int) bool](&sinkFn{})
	register.Iter1[shardio.File]()
	register.Iter2[string, int]()
}

var (
	input      = flag.String("input", "", "comma-separated globs of input files")
	output     = flag.String("output", "", "output prefix")
	upto       = flag.String("upto", "dedup", "last stage: read, normalize, length, langid, script, quality or dedup")
	withFunnel = flag.Bool("funnel", true, "count the funnel and read it with the shards, as the job's finalize step does")
	checksMode = flag.String("checks", "fused", "fused: clean.Checks, as the job; separate: the five transforms it fuses")
	nearDup    = flag.Bool("near_dup", true, "the job's --near_dup: near-duplicate removal after exact dedup (the default job only)")
)

var stages = []string{"read", "normalize", "length", "langid", "script", "quality", "dedup"}

func main() {
	flag.Parse()
	beam.Init()

	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "ingestprof:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	last := -1
	for i, st := range stages {
		if st == *upto {
			last = i
		}
	}
	if *input == "" || *output == "" || last < 0 || (*checksMode != "fused" && *checksMode != "separate") {
		return fmt.Errorf("need --input, --output, --upto in %s and --checks fused or separate", strings.Join(stages, ","))
	}
	if path := os.Getenv("CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	stop := watchHeap(os.Getenv("MEMPROFILE"))
	defer stop()

	var b [4]byte
	rand.Read(b[:])
	temp := fsx.Join(*output, "_temporary", time.Now().UTC().Format("20060102T150405Z")+"-"+hex.EncodeToString(b[:]))
	p, s := beam.NewPipelineWithRoot()
	if last == len(stages)-1 && *checksMode == "fused" && *withFunnel {
		cfg := job.DefaultConfig()
		cfg.Input, cfg.Output, cfg.StopAfter, cfg.NearDup = strings.Split(*input, ","), *output, job.StageIngest, *nearDup
		cfg.RunID, cfg.StartedAt = path.Base(temp), time.Now().UTC()
		job.Build(s, cfg)
	} else {
		build(s, strings.Split(*input, ","), *output, temp, last)
	}
	if err := beamx.Run(ctx, p); err != nil {
		return err
	}
	fs, err := fsx.Open(ctx, *output)
	if err != nil {
		return err
	}
	defer fs.Close()
	return fsx.RemoveTree(ctx, fs, temp)
}

// build is an experiment: the ingest transforms with the default parameters, stopping
// after stage last, the checks fused or separate, with or without the funnel counts.
func build(s beam.Scope, globs []string, out, temp string, last int) {
	read, readRejected := docio.Read(s, globs, docio.Options{})
	docs := read
	rejected := []beam.PCollection{readRejected}
	step := func(i int, f func(beam.PCollection) (beam.PCollection, beam.PCollection)) {
		if i <= last {
			var r beam.PCollection
			docs, r = f(docs)
			rejected = append(rejected, r)
		}
	}
	params := clean.CheckParams{
		Length:  clean.DefaultLengthParams(),
		Lang:    langid.Params{Languages: strings.Split("fi,id,th,tr,vi,bn,hi,sw,ta,ur", ","), MinConfidence: langid.DefaultMinConfidence},
		Script:  clean.DefaultScriptParams(),
		Quality: quality.DefaultParams(),
	}
	if *checksMode == "fused" {
		step(1, func(d beam.PCollection) (beam.PCollection, beam.PCollection) { return clean.Checks(s, params, d) })
	} else {
		step(1, func(d beam.PCollection) (beam.PCollection, beam.PCollection) { return clean.Normalize(s, d) })
		step(2, func(d beam.PCollection) (beam.PCollection, beam.PCollection) {
			return clean.Length(s, params.Length, d)
		})
		step(3, func(d beam.PCollection) (beam.PCollection, beam.PCollection) {
			return langid.Identify(s, params.Lang, d)
		})
		step(4, func(d beam.PCollection) (beam.PCollection, beam.PCollection) {
			return clean.Script(s, params.Script, d)
		})
		step(5, func(d beam.PCollection) (beam.PCollection, beam.PCollection) {
			return quality.Filter(s, params.Quality, d)
		})
	}
	step(6, func(d beam.PCollection) (beam.PCollection, beam.PCollection) {
		return dedup.Exact(s, dedup.Params{TempDir: temp}, d)
	})
	kept := docs
	all := beam.Flatten(s, rejected...)

	lines := beam.Flatten(s, recordio.FormatDocs(s, "clean", kept), recordio.FormatRejected(s, all))
	temps := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(temp, "out"), Ext: ".jsonl", MaxShardBytes: 128 << 20}, lines)
	shards := shardio.Commit(s, shardio.CommitParams{Prefix: out, Ext: ".jsonl", OwnedDirs: []string{"clean", "rejected"}}, temps)
	if *withFunnel {
		counts := beam.Flatten(s,
			funnel.CountAll(s, funnel.KeyRead, read),
			funnel.CountAll(s, funnel.KeyRead, readRejected),
			funnel.CountDocs(s, funnel.KeyKept, kept),
			funnel.CountRejected(s, all),
		)
		beam.ParDo0(s, &sinkFn{}, beam.Impulse(s), beam.SideInput{Input: shards}, beam.SideInput{Input: counts})
	}
}

// sinkFn reads the side inputs the generate job's finalize step reads, and writes nothing.
type sinkFn struct{}

func (*sinkFn) ProcessElement(_ []byte, shards func(*shardio.File) bool, counts func(*string, *int) bool) {
	var f shardio.File
	for shards(&f) {
	}
	var k string
	var n int
	for counts(&k, &n) {
	}
}

// watchHeap samples the live heap every 200 ms and, when path is not empty, writes a heap
// profile each time the live heap reaches a new peak (10% over the last one written). It
// returns a function that stops sampling and reports the peak on stderr.
func watchHeap(path string) (stop func()) {
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/total:bytes"}}
	done := make(chan struct{})
	var wg sync.WaitGroup
	var peakLive, peakTotal uint64
	wg.Add(1)
	go func() {
		defer wg.Done()
		var written uint64
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
			}
			metrics.Read(sample)
			live, total := sample[0].Value.Uint64(), sample[1].Value.Uint64()
			peakLive, peakTotal = max(peakLive, live), max(peakTotal, total)
			if path != "" && live > written+written/10 {
				written = live
				if f, err := os.Create(path); err == nil {
					pprof.Lookup("heap").WriteTo(f, 0)
					f.Close()
				}
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
		fmt.Fprintf(os.Stderr, "ingestprof: peak live heap %d MB, peak Go memory (all classes) %d MB\n", peakLive>>20, peakTotal>>20)
	}
}
