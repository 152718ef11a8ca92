// Package dedup removes duplicate documents.
package dedup

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/io/shardio"
)

func init() {
	register.DoFn2x0[record.Doc, func(string, string)](&keyFn{})
	register.DoFn3x0[string, func(*string) bool, func(string, string)](&losersFn{})
	register.DoFn2x0[record.Doc, func(string, []byte)](&spillFn{})
	register.DoFn5x1[context.Context, shardio.File, func(*string, *string) bool, func(record.Doc), func(record.Rejected), error](&readBackFn{})
	register.Emitter2[string, string]()
	register.Emitter2[string, []byte]()
	register.Iter1[string]()
	register.Iter2[string, string]()
}

// Params configure Exact.
type Params struct {
	// TempDir holds the spilled documents until the duplicates are known (local or
	// gs://, run-scoped; the caller removes it after the run).
	TempDir string
}

// Exact keeps one document of each group with identical text (compared after
// normalization, so run it after clean.Normalize): the one first in (source, line)
// order, so the choice does not depend on the runner. The others are rejected as
// duplicate, naming the document they repeat. It takes PCollection<record.Doc> and
// returns PCollection<record.Doc> and PCollection<record.Rejected>.
//
// Memory does not grow with the documents: only a 32-byte text hash and a record
// reference per document are shuffled; the documents themselves are spilled to files
// under p.TempDir and streamed back once the duplicate set, which holds only the
// duplicates, is known. Identical texts always route to the same language, so groups
// never straddle languages.
func Exact(s beam.Scope, p Params, docs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("dedup.Exact")
	if p.TempDir == "" {
		panic("dedup.Exact: TempDir is empty")
	}
	keys := beam.ParDo(s, &keyFn{}, docs)
	losers := beam.ParDo(s, &losersFn{}, beam.GroupByKey(s, keys))
	spilled := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(p.TempDir, "dedup"), Ext: ".bin", Framing: shardio.Varint},
		beam.ParDo(s, &spillFn{}, docs))
	return beam.ParDo2(s, &readBackFn{}, spilled, beam.SideInput{Input: losers})
}

// ref orders records by source, then line.
func ref(d record.Doc) string { return fmt.Sprintf("%s\x00%012d", d.Source, d.Line) }

func textKey(text string) string {
	h := sha256.Sum256([]byte(text))
	return string(h[:])
}

type keyFn struct{}

func (*keyFn) ProcessElement(d record.Doc, emit func(string, string)) { emit(textKey(d.Text), ref(d)) }

type losersFn struct{}

// ProcessElement emits (loser ref, winner ref) for every record but the first of a group.
func (*losersFn) ProcessElement(_ string, refs func(*string) bool, emit func(string, string)) {
	var all []string
	var r string
	for refs(&r) {
		all = append(all, r)
	}
	if len(all) < 2 {
		return
	}
	sort.Strings(all)
	for _, l := range all[1:] {
		if l != all[0] { // the same record twice is not a duplicate of itself
			emit(l, all[0])
		}
	}
}

type spillFn struct{}

func (*spillFn) ProcessElement(d record.Doc, emit func(string, []byte)) {
	emit("docs", record.AppendDoc(nil, d))
}

type readBackFn struct {
	losers   map[string]string
	rejected beam.Counter
}

func (fn *readBackFn) Setup() {
	fn.rejected = beam.NewCounter("ingest", "rejected_"+record.ReasonDuplicate)
}

func (fn *readBackFn) ProcessElement(ctx context.Context, f shardio.File, losers func(*string, *string) bool, kept func(record.Doc), rejected func(record.Rejected)) error {
	// Decode the side input once per DoFn instance, not per element (BEAM_NOTES): in the
	// global window of a batch job every bundle sees the same duplicates.
	if fn.losers == nil {
		fn.losers = map[string]string{}
		var l, w string
		for losers(&l, &w) {
			fn.losers[l] = w
		}
	}
	fs, err := fsx.Open(ctx, f.Path)
	if err != nil {
		return err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, f.Path)
	if err != nil {
		return fmt.Errorf("dedup: reading spill file %s: %v", f.Path, err)
	}
	defer r.Close()
	var n int64
	err = shardio.ReadRecords(r, shardio.Varint, func(rec []byte) error {
		d, err := record.DecodeDoc(rec)
		if err != nil {
			return err
		}
		n++
		if w, dup := fn.losers[ref(d)]; dup {
			fn.rejected.Inc(ctx, 1)
			rejected(record.Reject(d, record.StageIngest, record.ReasonDuplicate, "same text as "+describeRef(w)))
			return nil
		}
		kept(d)
		return nil
	})
	if err != nil {
		return fmt.Errorf("dedup: spill file %s: %v", f.Path, err)
	}
	if n != f.Records {
		return fmt.Errorf("dedup: spill file %s holds %d records, its writer wrote %d", f.Path, n, f.Records)
	}
	return nil
}

func describeRef(r string) string {
	for i := 0; i < len(r); i++ {
		if r[i] == 0 {
			line := r[i+1:]
			for len(line) > 1 && line[0] == '0' {
				line = line[1:]
			}
			return r[:i] + ":" + line
		}
	}
	return r
}
