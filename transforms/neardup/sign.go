package neardup

import (
	"encoding/binary"
	"sync"

	"github.com/xinstruct/xinstruct/internal/par"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn3x1[record.Doc, func(int, []byte), func(string, []byte), error](&signFn{})
	register.Emitter2[int, []byte]()
	register.Emitter2[string, []byte]()
}

// signFn computes each document's band keys, packs (band key, ref) into its shard's
// value and spills the document, prefixed by its band keys (uvarint count, 8 bytes
// each), so that the read-back finds the bucketed documents without decoding the rest.
//
// Signing is most of its time, and it runs where the documents arrive: on the direct
// runner in dedup.Exact's read-back, one goroutine. So the documents are signed in
// batches on the process-wide pool (package par), one batch while the next fills, and
// emitted in input order.
type signFn struct {
	Bands, Rows int

	shards           [][]byte
	filling, pending *signBatch
}

// signBatch is a batch of documents and, once signed, their band keys.
type signBatch struct {
	docs []record.Doc
	keys [][]uint64
	job  *par.Job
}

// signBatchSize documents make a batch: enough to make handing it over cheap, few
// enough that two batches of megabyte texts stay small.
const signBatchSize = 256

func (fn *signFn) StartBundle(func(int, []byte), func(string, []byte)) {
	fn.shards = make([][]byte, numShards)
	fn.filling, fn.pending = nil, nil // a failed bundle's documents are not this one's
}

func (fn *signFn) ProcessElement(d record.Doc, packed func(int, []byte), spill func(string, []byte)) error {
	if fn.filling == nil {
		fn.filling = &signBatch{}
	}
	fn.filling.docs = append(fn.filling.docs, d)
	if len(fn.filling.docs) < signBatchSize {
		return nil
	}
	if err := fn.emit(packed, spill); err != nil {
		return err
	}
	fn.start()
	return nil
}

// start hands the filling batch to the pool.
func (fn *signFn) start() {
	b := fn.filling
	fn.filling, fn.pending = nil, b
	banding := Banding{Bands: fn.Bands, Rows: fn.Rows}
	b.keys = make([][]uint64, len(b.docs))
	slab := make([]uint64, len(b.docs)*banding.Bands) // one allocation for the batch's keys
	b.job = par.Start(len(b.docs), func(i int) {
		buf := shingleBufs.Get().(*[]uint64)
		if sig, n := sign(b.docs[i].Text, ShingleRunes, buf); n > 0 {
			b.keys[i] = banding.Keys(slab[i*banding.Bands:i*banding.Bands:(i+1)*banding.Bands], b.docs[i].Lang, &sig)
		}
		shingleBufs.Put(buf)
	})
}

// shingleBufs hold the shingle hashes of a document being signed (8 bytes a character):
// reused, they are not garbage to collect 100,000 times over.
var shingleBufs = sync.Pool{New: func() any { return new([]uint64) }}

// emit waits for the pending batch and emits it.
func (fn *signFn) emit(packed func(int, []byte), spill func(string, []byte)) error {
	b := fn.pending
	if b == nil {
		return nil
	}
	fn.pending = nil
	if err := b.job.Wait(); err != nil {
		return err
	}
	for i, d := range b.docs {
		keys := b.keys[i]
		r := ref(d.Source, d.Line)
		for _, k := range keys {
			sh := int(k >> 56)
			v := appendUint64(appendUint64(fn.shards[sh], k), r)
			if len(v) >= maxPacked {
				packed(sh, v)
				v = nil // the emitted value is the runner's now
			}
			fn.shards[sh] = v
		}
		rec := make([]byte, 0, 1+8*len(keys)+len(d.Text)+len(d.Source)+len(d.ID)+len(d.URL)+len(d.Meta)+64)
		rec = binary.AppendUvarint(rec, uint64(len(keys)))
		for _, k := range keys {
			rec = appendUint64(rec, k)
		}
		spill("docs", record.AppendDoc(rec, d))
	}
	return nil
}

func (fn *signFn) FinishBundle(packed func(int, []byte), spill func(string, []byte)) error {
	if err := fn.emit(packed, spill); err != nil {
		return err
	}
	if fn.filling != nil {
		fn.start()
		if err := fn.emit(packed, spill); err != nil {
			return err
		}
	}
	for sh, b := range fn.shards {
		if len(b) > 0 {
			packed(sh, b)
		}
	}
	fn.shards = nil
	return nil
}

// splitSpill returns a spilled record's band keys and the encoded document after them.
func splitSpill(rec []byte, keys []uint64) ([]uint64, []byte, error) {
	n, k := binary.Uvarint(rec)
	if k <= 0 || n > uint64(len(rec)-k)/8 {
		return nil, nil, errCorrupt
	}
	rec = rec[k:]
	for i := uint64(0); i < n; i++ {
		keys = append(keys, binary.LittleEndian.Uint64(rec[8*i:]))
	}
	return keys, rec[8*n:], nil
}
