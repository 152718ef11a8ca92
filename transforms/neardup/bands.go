package neardup

import (
	"encoding/binary"
	"errors"
	"slices"

	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn3x1[int, func(*[]byte) bool, func(uint64, []byte), error](&bucketsFn{})
	register.Emitter2[uint64, []byte]()
	register.Iter1[[]byte]()
}

var errCorrupt = errors.New("neardup: corrupt encoding")

// bucketsFn emits, for each band key of its shard shared by two or more documents, the
// number of documents and the heads: the maxHeads smallest refs.
type bucketsFn struct{}

func (fn *bucketsFn) ProcessElement(_ int, values func(*[]byte) bool, emit func(uint64, []byte)) error {
	// Find the shared keys by sorting the keys alone (a plain uint64 sort, several times
	// faster than sorting the pairs), then collect those keys' refs.
	var packed [][]byte
	n := 0
	var v []byte
	for values(&v) {
		if len(v)%16 != 0 {
			return errCorrupt
		}
		packed = append(packed, v)
		n += len(v) / 16
	}
	keys := make([]uint64, 0, n)
	for _, v := range packed {
		for i := 0; i < len(v); i += 16 {
			keys = append(keys, binary.LittleEndian.Uint64(v[i:]))
		}
	}
	slices.Sort(keys)
	shared := map[uint64][]uint64{}
	for i := 1; i < len(keys); i++ {
		if keys[i] == keys[i-1] {
			shared[keys[i]] = nil
		}
	}
	if len(shared) == 0 {
		return nil
	}
	for _, v := range packed {
		for i := 0; i < len(v); i += 16 {
			if refs, ok := shared[binary.LittleEndian.Uint64(v[i:])]; ok {
				shared[binary.LittleEndian.Uint64(v[i:])] = append(refs, binary.LittleEndian.Uint64(v[i+8:]))
			}
		}
	}
	for k, refs := range shared {
		slices.Sort(refs)
		refs = slices.Compact(refs) // the same record read twice is one member
		if len(refs) >= 2 {
			emit(k, encodeBucket(len(refs), refs[:min(len(refs), maxHeads)]))
		}
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
	fp    uint64 // a hash of heads
}

func encodeBucket(count int, heads []uint64) []byte {
	v := binary.AppendUvarint(nil, uint64(count))
	for _, h := range heads {
		v = appendUint64(v, h)
	}
	return v
}

func decodeBucket(v []byte) (bucket, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || (len(v)-k)%8 != 0 {
		return bucket{}, errCorrupt
	}
	b := bucket{count: int(n), fp: seed}
	for v = v[k:]; len(v) > 0; v = v[8:] {
		h := binary.LittleEndian.Uint64(v)
		b.heads = append(b.heads, h)
		b.fp = mix64(b.fp ^ h)
	}
	return b, nil
}
