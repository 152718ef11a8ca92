package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/io/shardio"
)

// An experiment, not a replacement: dedup.Exact with its shuffle packed per bundle, to
// measure what that changes (--dedup=packed). dedup.Exact shuffles one KV<32-byte hash,
// "source\x00line"> per document; the direct runner holds every one of them until the
// GroupByKey is done, which is most of the ingest job's peak heap. Here each bundle emits
// one []byte per hash bucket (256 buckets) holding (16 bytes of the hash, source, line)
// for each of its documents, so that the shuffle holds a few hundred values, not one per
// document. Spilling and reading back are as in dedup.Exact.

func init() {
	register.DoFn2x0[record.Doc, func(int, []byte)](&packKeysFn{})
	register.DoFn3x0[int, func(*[]byte) bool, func(string, string)](&packedLosersFn{})
	register.DoFn2x0[record.Doc, func(string, []byte)](&spillDocFn{})
	register.DoFn5x1[context.Context, shardio.File, func(*string, *string) bool, func(record.Doc), func(record.Rejected), error](&readBackDocsFn{})
	register.Emitter2[int, []byte]()
	register.Iter1[[]byte]()
}

const hashBuckets = 256

func packedExact(s beam.Scope, tempDir string, docs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("bench.PackedExact")
	keys := beam.ParDo(s, &packKeysFn{}, docs)
	losers := beam.ParDo(s, &packedLosersFn{}, beam.GroupByKey(s, keys))
	spilled := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(tempDir, "dedup"), Ext: ".bin", Framing: shardio.Varint},
		beam.ParDo(s, &spillDocFn{}, docs))
	return beam.ParDo2(s, &readBackDocsFn{}, spilled, beam.SideInput{Input: losers})
}

func refOf(source string, line int64) string { return fmt.Sprintf("%s\x00%012d", source, line) }

type packKeysFn struct {
	buckets [][]byte
}

func (fn *packKeysFn) StartBundle(func(int, []byte)) { fn.buckets = make([][]byte, hashBuckets) }

func (fn *packKeysFn) ProcessElement(d record.Doc, _ func(int, []byte)) {
	h := sha256.Sum256([]byte(d.Text))
	b := fn.buckets[h[0]]
	b = append(b, h[1:17]...)
	b = binary.AppendUvarint(b, uint64(len(d.Source)))
	b = append(b, d.Source...)
	b = binary.AppendUvarint(b, uint64(d.Line))
	fn.buckets[h[0]] = b
}

func (fn *packKeysFn) FinishBundle(emit func(int, []byte)) {
	for i, b := range fn.buckets {
		if len(b) > 0 {
			emit(i, b)
		}
	}
	fn.buckets = nil
}

type packedRef struct {
	source string
	line   int64
}

type packedLosersFn struct{}

// ProcessElement emits (loser ref, winner ref) for every record but the first, in
// (source, line) order, of each group of equal hashes in the bucket.
func (*packedLosersFn) ProcessElement(_ int, blobs func(*[]byte) bool, emit func(string, string)) {
	groups := map[[16]byte][]packedRef{}
	var blob []byte
	for blobs(&blob) {
		for b := blob; len(b) > 0; {
			var h [16]byte
			copy(h[:], b)
			b = b[16:]
			n, k := binary.Uvarint(b)
			src := string(b[k : k+int(n)])
			b = b[k+int(n):]
			line, k := binary.Uvarint(b)
			b = b[k:]
			groups[h] = append(groups[h], packedRef{src, int64(line)})
		}
	}
	for _, g := range groups {
		if len(g) < 2 {
			continue
		}
		slices.SortFunc(g, func(a, b packedRef) int {
			return cmp.Or(cmp.Compare(a.source, b.source), cmp.Compare(a.line, b.line))
		})
		for _, l := range g[1:] {
			if l != g[0] {
				emit(refOf(l.source, l.line), refOf(g[0].source, g[0].line))
			}
		}
	}
}

type spillDocFn struct{}

func (*spillDocFn) ProcessElement(d record.Doc, emit func(string, []byte)) {
	emit("docs", record.AppendDoc(nil, d))
}

type readBackDocsFn struct {
	losers map[string]string
}

func (fn *readBackDocsFn) ProcessElement(ctx context.Context, f shardio.File, losers func(*string, *string) bool, kept func(record.Doc), rejected func(record.Rejected)) error {
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
		return err
	}
	defer r.Close()
	return shardio.ReadRecords(r, shardio.Varint, func(rec []byte) error {
		d, err := record.DecodeDoc(rec)
		if err != nil {
			return err
		}
		if w, dup := fn.losers[refOf(d.Source, d.Line)]; dup {
			src, line, _ := bytes.Cut([]byte(w), []byte{0})
			rejected(record.Reject(d, record.StageIngest, record.ReasonDuplicate, fmt.Sprintf("same text as %s:%s", src, bytes.TrimLeft(line, "0"))))
			return nil
		}
		kept(d)
		return nil
	})
}
