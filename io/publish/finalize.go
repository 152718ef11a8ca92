package publish

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/shardio"
)

func init() {
	register.DoFn5x1[context.Context, []byte, func(*shardio.File) bool, func(*File) bool, func(*Verdict) bool, error](&finalizeFn{})
	register.Iter1[shardio.File]()
	register.Iter1[File]()
	register.Iter1[Verdict]()
	// A map: JSON, away from the row coder's map pitfalls.
	beam.RegisterCoder(reflect.TypeOf(Verdict{}), encodeVerdict, decodeVerdict)
}

// Finalize publishes the run as the pipeline's last step (see Publish): it takes the
// committed shards (PCollection<shardio.File>, from shardio.Commit), the other
// published files (PCollection<File>) and the pipeline's verdict (PCollection<Verdict>,
// exactly one element), all as side inputs, and runs once, after all three are
// complete. Written into the pipeline, it works on every runner, including
// asynchronous Dataflow jobs whose launcher has gone.
//
// The verdict comes from a DoFn of the pipeline's own that reads its counts (SumCounts)
// and returns a Verdict: Finalize knows nothing of what the counts mean. Finalize fails
// the pipeline with the reason when the run failed, after writing _FAILURE. It panics
// at construction time if run is invalid.
func Finalize(s beam.Scope, run Run, shards, files, verdict beam.PCollection) {
	s = s.Scope("publish.Finalize")
	if err := run.validate(); err != nil {
		panic(fmt.Sprintf("publish.Finalize: %v", err))
	}
	beam.ParDo0(s, &finalizeFn{Run: run}, beam.Impulse(s),
		beam.SideInput{Input: shards}, beam.SideInput{Input: files}, beam.SideInput{Input: verdict})
}

type finalizeFn struct{ Run Run }

func (fn *finalizeFn) ProcessElement(ctx context.Context, _ []byte, shards func(*shardio.File) bool, files func(*File) bool, verdicts func(*Verdict) bool) error {
	var all []shardio.File
	var sf shardio.File
	for shards(&sf) {
		all = append(all, sf)
	}
	var published []File
	var f File
	for files(&f) {
		published = append(published, f)
	}
	var vs []Verdict
	var v Verdict
	for verdicts(&v) {
		vs = append(vs, v)
	}
	if len(vs) != 1 {
		return fmt.Errorf("publish.Finalize: %d verdicts, want exactly one", len(vs))
	}
	if !fn.Run.ReportOnly && vs[0].Failure == "" {
		msg, err := checkSizes(ctx, fn.Run.Output, all)
		if err != nil {
			return err
		}
		vs[0].Failure = msg
	}
	_, err := Publish(ctx, fn.Run, Outputs(all), published, vs[0])
	return err
}

// SumCounts adds up counts keyed by name (a side input of PCollection<KV<string, int>>,
// such as funnel counts), for a verdict DoFn.
func SumCounts(counts func(*string, *int) bool) map[string]int64 {
	all := map[string]int64{}
	var k string
	var n int
	for counts(&k, &n) {
		all[k] += int64(n)
	}
	return all
}

func encodeVerdict(v Verdict) ([]byte, error) { return json.Marshal(v) }
func decodeVerdict(b []byte) (Verdict, error) {
	var v Verdict
	err := json.Unmarshal(b, &v)
	return v, err
}
