package neardup

import (
	"encoding/binary"
	"math"
	"slices"

	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn3x1[uint64, func(*[]byte) bool, func(int, []byte), error](&verifyFn{})
}

// member is one document in a group.
type member struct {
	ref  uint64
	head bool
	sig  Signature
}

func decodeMember(v []byte) (member, error) {
	if len(v) != 9+4*SignatureSize {
		return member{}, errCorrupt
	}
	m := member{ref: binary.LittleEndian.Uint64(v), head: v[8] == 1}
	for i := range m.sig {
		m.sig[i] = binary.LittleEndian.Uint32(v[9+4*i:])
	}
	return m, nil
}

// minAgree is the least number of agreeing bins whose share is at least t.
func minAgree(t float64) int { return int(math.Ceil(t*SignatureSize - 1e-9)) }

// verifyFn compares the members of each group with its heads and packs the pairs whose
// signatures agree in at least Threshold of the bins. A pair found in several bands is
// compared once per bundle (seen, which grows with the bundle's candidate pairs).
type verifyFn struct {
	Threshold float64

	seen   map[[2]uint64]bool
	packed []byte
}

func (fn *verifyFn) StartBundle(func(int, []byte)) {
	fn.seen = map[[2]uint64]bool{}
}

func (fn *verifyFn) ProcessElement(_ uint64, values func(*[]byte) bool, emit func(int, []byte)) error {
	var heads, rest []member
	var v []byte
	for values(&v) {
		m, err := decodeMember(v)
		if err != nil {
			return err
		}
		if m.head {
			heads = append(heads, m)
		} else {
			rest = append(rest, m)
		}
	}
	byRef := func(a, b member) int { return cmpUint64(a.ref, b.ref) }
	sameRef := func(a, b member) bool { return a.ref == b.ref }
	slices.SortFunc(heads, byRef)
	heads = slices.CompactFunc(heads, sameRef)
	slices.SortFunc(rest, byRef)
	rest = slices.CompactFunc(rest, sameRef) // the same record read twice
	need := minAgree(fn.Threshold)
	check := func(a, b *member) {
		x, y := min(a.ref, b.ref), max(a.ref, b.ref)
		if x == y || fn.seen[[2]uint64{x, y}] {
			return
		}
		fn.seen[[2]uint64{x, y}] = true // compared, whatever the outcome: other bands hold the same pair
		same := 0
		for i := range a.sig {
			if a.sig[i] == b.sig[i] {
				same++
			}
		}
		if same < need {
			return
		}
		if len(fn.packed) == 0 {
			fn.packed = append(fn.packed, tagEdges)
		}
		fn.packed = binary.LittleEndian.AppendUint16(appendUint64(appendUint64(fn.packed, x), y), uint16(same))
		if len(fn.packed) >= maxPacked {
			emit(0, fn.packed)
			fn.packed = nil
		}
	}
	for i := range heads {
		for j := i + 1; j < len(heads); j++ {
			check(&heads[i], &heads[j])
		}
	}
	for i := range rest {
		for j := range heads {
			check(&rest[i], &heads[j])
		}
	}
	return nil
}

func (fn *verifyFn) FinishBundle(emit func(int, []byte)) {
	if len(fn.packed) > 0 {
		emit(0, fn.packed)
	}
	fn.packed, fn.seen = nil, nil
}
