package neardup

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/shardio"
)

func init() {
	register.DoFn5x1[context.Context, shardio.File, func(*uint64, *[]byte) bool, func(uint64, []byte), func(int, []byte), error](&membersFn{})
	register.Iter2[uint64, []byte]()
}

// Tags of the values groupsFn gathers.
const (
	tagNodes byte = 'n' // packed (ref, line, source, id) of bucketed documents
	tagEdges byte = 'e' // packed (ref, ref, agreeing bins) of verified pairs
)

// membersFn reads the spill back and sends each document that shares a band key with
// another (the buckets side input) to the groups of its buckets, with its signature; it
// also packs the document's (ref, line, source, id) for groupsFn.
type membersFn struct {
	buckets map[uint64]bucket // read once per DoFn instance
}

func (fn *membersFn) ProcessElement(ctx context.Context, f shardio.File, buckets func(*uint64, *[]byte) bool, member func(uint64, []byte), nodes func(int, []byte)) error {
	if fn.buckets == nil {
		fn.buckets = map[uint64]bucket{}
		var k uint64
		var v []byte
		for buckets(&k, &v) {
			b, err := decodeBucket(v)
			if err != nil {
				return err
			}
			fn.buckets[k] = b
		}
	}
	if len(fn.buckets) == 0 {
		return nil
	}
	var packedNodes []byte
	var keys []uint64
	var picks []pick
	err := readSpill(ctx, f, func(rec []byte) error {
		var enc []byte
		var err error
		if keys, enc, err = splitSpill(rec, keys[:0]); err != nil {
			return err
		}
		var d record.Doc
		var m []byte // the member's encoding, made on the first bucket
		for _, k := range keys {
			b, ok := fn.buckets[k]
			if !ok {
				continue
			}
			if m == nil {
				if d, err = record.DecodeDoc(enc); err != nil {
					return err
				}
				r := ref(d.Source, d.Line)
				sig, _ := Sign(d.Text, ShingleRunes)
				m = appendUint64(make([]byte, 0, 9+4*SignatureSize), r)
				m = append(m, 0)
				for _, v := range sig {
					m = binary.LittleEndian.AppendUint32(m, v)
				}
				packedNodes = appendNode(packedNodes, r, d)
				if len(packedNodes) >= maxPacked {
					nodes(0, packedNodes)
					packedNodes = nil
				}
			}
			r := binary.LittleEndian.Uint64(m)
			if b.count > maxHeads && b.isHead(r) {
				h := slices.Clone(m)
				h[8] = 1
				for g := range b.groups() {
					member(groupKey(k, g), h)
				}
				continue
			}
			// Buckets with the same heads give this document the same comparisons (with
			// those heads): it goes to one of them, the one of smallest key. A pair of
			// near-duplicates shares most of the 20 bands; without this each would be
			// sent, signature and all, to every one of them. In a bucket of maxHeads or
			// fewer, the heads are all the members, so its members pick alike and meet.
			if i := slices.IndexFunc(picks, func(p pick) bool { return p.fp == b.fp }); i < 0 {
				picks = append(picks, pick{b.fp, k})
			} else if k < picks[i].key {
				picks[i].key = k
			}
		}
		for _, p := range picks {
			b := fn.buckets[p.key]
			r := binary.LittleEndian.Uint64(m)
			if b.isHead(r) { // a small bucket: one group
				h := slices.Clone(m)
				h[8] = 1
				member(groupKey(p.key, 0), h)
			} else {
				member(groupKey(p.key, b.groupOf(r)), m)
			}
		}
		picks = picks[:0]
		return nil
	})
	if len(packedNodes) > 0 {
		nodes(0, packedNodes)
	}
	return err
}

// pick is the bucket a document goes to for the heads whose fingerprint is fp.
type pick struct{ fp, key uint64 }

// groups is the number of groups the bucket's members are verified in: one per maxGroup
// members.
func (b bucket) groups() int { return (b.count + maxGroup - 1) / maxGroup }

// groupOf is the group of the non-head member r. Refs are hashes, so the groups hold
// about maxGroup members each (TestGroupsBounded).
func (b bucket) groupOf(r uint64) int { return int(r % uint64(b.groups())) }

func (b bucket) isHead(r uint64) bool { return slices.Contains(b.heads, r) }

// groupKey is the key of a bucket's g-th group.
func groupKey(bandKey uint64, g int) uint64 {
	if g == 0 {
		return bandKey
	}
	return mix64(bandKey ^ mix64(uint64(g)))
}

// readSpill calls fn with every record of the spill file f and checks their number.
func readSpill(ctx context.Context, f shardio.File, fn func(rec []byte) error) error {
	if err := shardio.ReadFile(ctx, f, shardio.Varint, fn); err != nil {
		return fmt.Errorf("neardup: spill file %v", err)
	}
	return nil
}

// appendNode packs a document's ref, line, source and ID: uvarint lengths before the strings.
func appendNode(dst []byte, r uint64, d record.Doc) []byte {
	if len(dst) == 0 {
		dst = append(dst, tagNodes)
	}
	dst = appendUint64(dst, r)
	dst = binary.AppendUvarint(dst, uint64(d.Line))
	dst = binary.AppendUvarint(dst, uint64(len(d.Source)))
	dst = append(dst, d.Source...)
	dst = binary.AppendUvarint(dst, uint64(len(d.ID)))
	return append(dst, d.ID...)
}
