package neardup

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/shardio"
)

// DefaultThreshold is the estimated Jaccard similarity of the shingle sets at and above
// which two documents are near-duplicates (see internal/bench/README.md for how 0.8
// was chosen).
const DefaultThreshold = 0.8

// Params configure Remove.
type Params struct {
	// Threshold is the least estimated Jaccard similarity of two near-duplicates, in (0, 1].
	Threshold float64
	// TempDir holds the spilled documents until the near-duplicates are known (local or
	// gs://, run-scoped; the caller removes it after the run).
	TempDir string
}

// Validate reports whether p can be used.
func (p Params) Validate() error {
	if !(p.Threshold > 0 && p.Threshold <= 1) {
		return fmt.Errorf("near-duplicate threshold %v: want a Jaccard similarity in (0, 1], e.g. %v", p.Threshold, DefaultThreshold)
	}
	if p.TempDir == "" {
		return fmt.Errorf("no temporary directory")
	}
	return nil
}

// Remove keeps one document of each group of near-duplicates: documents of the same
// language whose shingle sets (ShingleRunes characters) have an estimated Jaccard
// similarity of at least p.Threshold, grouped transitively. The one kept is the first in
// (source, line) order, as dedup.Exact keeps, so the choice does not depend on the
// runner or the bundling; the others are rejected as near_duplicate, naming the document
// kept and the estimated similarity. Run it after dedup.Exact: exact copies are cheaper
// to find there. It takes PCollection<record.Doc> and returns PCollection<record.Doc>
// and PCollection<record.Rejected>. It panics at construction time if p is invalid.
//
// The steps, and what each holds:
//   - signFn: each document's MinHash signature and band keys (Bands(p.Threshold)); the
//     document is spilled under p.TempDir with its band keys, and (band key, ref) pairs,
//     16 bytes each, are packed per bundle into one []byte per shard of the band key. A
//     ref is a 64-bit hash of (source, line): no text crosses the band shuffle.
//   - bucketsFn, per shard: the band keys shared by two or more documents (a bucket),
//     with their count and heads (the maxHeads smallest refs). Holds one shard's pairs,
//     1/256 of the index.
//   - membersFn reads the spill back with the buckets as a side input (every instance
//     holds them all: one entry per shared band key, so they grow with the candidates,
//     not with the corpus) and, for the few documents in a bucket, recomputes the
//     signature and sends it (about 1 KB) to the group of one bucket per distinct set of
//     heads among its buckets: a pair of near-duplicates shares most of the bands, and
//     those buckets would only repeat the same comparisons. A bucket of more than
//     maxGroup documents is split into groups by ref, and its heads go to every group.
//   - verifyFn compares, in each group, every member with the heads (and the heads with
//     each other) and emits the pairs whose signatures agree on at least p.Threshold:
//     the edges. A group holds about maxGroup+maxHeads signatures at most, so 100,000
//     copies of one boilerplate cost about 1 MB per group, not 100 MB; union-find makes
//     the groups transitive, so comparing with the heads only loses no copy that
//     resembles them. Its memory of the pairs compared (to skip a pair met again in
//     another group) grows with the bundle's candidate pairs.
//   - groupsFn gathers every edge and every bucketed document's (ref, source, line, id)
//     in one place, since they exist only for near-duplicate candidates (about 50 bytes
//     a document and 18 an edge), finds the connected components (union-find) and names
//     the losers. This and the side inputs are what grows with the number of
//     near-duplicates rather than being bounded per key.
//   - applyFn reads the spill back a second time with the losers as a side input, as
//     dedup.Exact does: the documents' texts never wait in memory for the losers.
func Remove(s beam.Scope, p Params, docs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("neardup.Remove")
	if err := p.Validate(); err != nil {
		panic(fmt.Sprintf("neardup.Remove: %v", err))
	}
	b := Bands(p.Threshold)
	packed, spill := beam.ParDo2(s, &signFn{Bands: b.Bands, Rows: b.Rows}, docs)
	spilled := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(p.TempDir, "neardup"), Ext: ".bin", Framing: shardio.Varint}, spill)
	buckets := beam.ParDo(s, &bucketsFn{}, beam.GroupByKey(s, packed))
	members, nodes := beam.ParDo2(s, &membersFn{}, spilled, beam.SideInput{Input: buckets})
	edges := beam.ParDo(s, &verifyFn{Threshold: p.Threshold}, beam.GroupByKey(s, members))
	losers := beam.ParDo(s, &groupsFn{}, beam.GroupByKey(s, beam.Flatten(s, nodes, edges)))
	return beam.ParDo2(s, &applyFn{}, spilled, beam.SideInput{Input: losers})
}

const (
	numShards = 256       // of the band index, by a band key's top byte
	maxPacked = 256 << 10 // a packed value is emitted when it reaches this size
	maxHeads  = 8         // the members of a bucket every other member is compared with
	maxGroup  = 1000      // the most non-head members of a bucket verified in one group
)

// ref names a document in the index: a hash of its source and line.
func ref(source string, line int64) uint64 {
	h := seed
	for i := 0; i < len(source); i++ {
		h = (h ^ uint64(source[i])) * 0x100000001b3
	}
	return mix64(h ^ mix64(uint64(line)))
}

// describe names a document in a dead letter: "id (source:line)".
func describe(id, source string, line int64) string {
	return id + " (" + source + ":" + strconv.FormatInt(line, 10) + ")"
}

func appendUint64(dst []byte, v uint64) []byte { return binary.LittleEndian.AppendUint64(dst, v) }
