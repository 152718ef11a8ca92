package neardup

import (
	"encoding/binary"
	"errors"
	"slices"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn3x0[record.Doc, func(int, []byte), func(string, []byte)](&signFn{})
	register.DoFn3x1[int, func(*[]byte) bool, func(uint64, []byte), error](&bucketsFn{})
	register.Emitter2[int, []byte]()
	register.Emitter2[string, []byte]()
	register.Emitter2[uint64, []byte]()
	register.Iter1[[]byte]()
}

var errCorrupt = errors.New("neardup: corrupt encoding")

// signFn computes each document's band keys, packs (band key, ref) into its shard's
// value and spills the document, prefixed by its band keys (uvarint count, 8 bytes
// each), so that the read-back finds the bucketed documents without decoding the rest.
type signFn struct {
	Bands, Rows int

	shards [][]byte
	keys   []uint64
}

func (fn *signFn) StartBundle(func(int, []byte), func(string, []byte)) {
	fn.shards = make([][]byte, numShards)
}

func (fn *signFn) ProcessElement(d record.Doc, packed func(int, []byte), spill func(string, []byte)) {
	fn.keys = fn.keys[:0]
	if sig, n := Sign(d.Text, ShingleRunes); n > 0 {
		fn.keys = Banding{Bands: fn.Bands, Rows: fn.Rows}.Keys(fn.keys, d.Lang, &sig)
	}
	r := ref(d.Source, d.Line)
	for _, k := range fn.keys {
		sh := int(k >> 56)
		b := appendUint64(appendUint64(fn.shards[sh], k), r)
		if len(b) >= maxPacked {
			packed(sh, b)
			b = nil // the emitted value is the runner's now
		}
		fn.shards[sh] = b
	}
	rec := make([]byte, 0, 1+8*len(fn.keys)+len(d.Text)+len(d.Source)+len(d.ID)+len(d.URL)+len(d.Meta)+64)
	rec = binary.AppendUvarint(rec, uint64(len(fn.keys)))
	for _, k := range fn.keys {
		rec = appendUint64(rec, k)
	}
	spill("docs", record.AppendDoc(rec, d))
}

func (fn *signFn) FinishBundle(packed func(int, []byte), _ func(string, []byte)) {
	for sh, b := range fn.shards {
		if len(b) > 0 {
			packed(sh, b)
		}
	}
	fn.shards = nil
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

// bucketsFn emits, for each band key of its shard shared by two or more documents, the
// number of documents and the heads: the maxHeads smallest refs.
type bucketsFn struct{}

type keyRef struct{ key, ref uint64 }

func (fn *bucketsFn) ProcessElement(_ int, values func(*[]byte) bool, emit func(uint64, []byte)) error {
	var es []keyRef
	var v []byte
	for values(&v) {
		if len(v)%16 != 0 {
			return errCorrupt
		}
		for i := 0; i < len(v); i += 16 {
			es = append(es, keyRef{binary.LittleEndian.Uint64(v[i:]), binary.LittleEndian.Uint64(v[i+8:])})
		}
	}
	slices.SortFunc(es, func(a, b keyRef) int {
		if a.key != b.key {
			return cmpUint64(a.key, b.key)
		}
		return cmpUint64(a.ref, b.ref)
	})
	es = slices.Compact(es) // the same record read twice is one member
	for i := 0; i < len(es); {
		j := i + 1
		for j < len(es) && es[j].key == es[i].key {
			j++
		}
		if j-i >= 2 {
			emit(es[i].key, encodeBucket(j-i, es[i:min(j, i+maxHeads)]))
		}
		i = j
	}
	return nil
}

func cmpUint64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// bucket is what membersFn knows of a bucket.
type bucket struct {
	count int
	heads []uint64
}

func encodeBucket(count int, heads []keyRef) []byte {
	v := binary.AppendUvarint(nil, uint64(count))
	for _, h := range heads {
		v = appendUint64(v, h.ref)
	}
	return v
}

func decodeBucket(v []byte) (bucket, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || (len(v)-k)%8 != 0 {
		return bucket{}, errCorrupt
	}
	b := bucket{count: int(n)}
	for v = v[k:]; len(v) > 0; v = v[8:] {
		b.heads = append(b.heads, binary.LittleEndian.Uint64(v))
	}
	return b, nil
}
