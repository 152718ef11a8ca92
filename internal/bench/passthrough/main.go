// Command passthrough is the baseline of the ingest benchmark: the generate job's reading
// and writing without anything in between. It reads the input with docio.Read, formats
// every document and dead letter with recordio, and writes them with shardio.Write and
// shardio.Commit, exactly as pipelines/generate wires them, with no normalization,
// language ID, filters, deduplication or funnel.
//
//	go run ./internal/bench/passthrough --runner=direct --input='corpus/*.jsonl' --output=out
//
// Documents land in <output>/clean/<declared lang>/, dead letters in <output>/rejected/ingest/.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/docio"
	"github.com/xinstruct/xinstruct/io/recordio"
	"github.com/xinstruct/xinstruct/io/shardio"
)

var (
	input  = flag.String("input", "", "comma-separated globs of input files, local or gs://")
	output = flag.String("output", "", "output prefix, local or gs://")
)

// maxShardBytes matches the generate job's default --max_shard_mb.
const maxShardBytes = 128 << 20

func main() {
	flag.Parse()
	beam.Init() // first: a worker re-executes this binary and must not reach the launcher code

	if err := run(context.Background(), splitList(*input), *output); err != nil {
		fmt.Fprintln(os.Stderr, "passthrough:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, globs []string, out string) error {
	if len(globs) == 0 || out == "" {
		return errors.New("--input and --output are required")
	}
	if _, err := docio.Match(ctx, globs); err != nil {
		return err
	}
	temp := fsx.Join(out, "_temporary", newRunID())

	p, s := beam.NewPipelineWithRoot()
	build(s, globs, out, temp)
	if err := beamx.Run(ctx, p); err != nil {
		return fmt.Errorf("pipeline failed: %w", err)
	}
	// The generate job removes its temporary directory in its last step; here the launcher
	// does, which is enough for the local runners the benchmark uses.
	fs, err := fsx.Open(ctx, out)
	if err != nil {
		return err
	}
	defer fs.Close()
	if err := fsx.RemoveTree(ctx, fs, temp); err != nil {
		return err
	}
	if root := fsx.Join(out, "_temporary"); fsx.IsLocal(root) {
		os.Remove(root) // only if empty: another run may be using it
	}
	return nil
}

// build adds read → format → sharded write → commit to s.
func build(s beam.Scope, globs []string, out, temp string) {
	s = s.Scope("bench.Passthrough")
	docs, rejected := docio.Read(s, globs, docio.Options{})
	lines := beam.Flatten(s, recordio.FormatDocs(s, "clean", docs), recordio.FormatRejected(s, rejected))
	temps := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(temp, "out"), Ext: ".jsonl", MaxShardBytes: maxShardBytes}, lines)
	shardio.Commit(s, shardio.CommitParams{Prefix: out, Ext: ".jsonl", OwnedDirs: []string{"clean", "rejected"}}, temps)
}

// newRunID returns a run id that sorts by time and does not collide between launches.
func newRunID() string {
	var b [4]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
