package diversify

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
)

func init() {
	// Binary coders: vectors in the schema row coder cost about three times as much to
	// shuffle, and prism keeps every encoded PCollection in memory (BEAM_NOTES.md).
	beam.RegisterCoder(reflect.TypeOf(Candidate{}), func(c Candidate) ([]byte, error) { return appendCandidate(nil, c), nil }, decodeCandidate)
	beam.RegisterCoder(reflect.TypeOf(Scored{}), encodeScored, decodeScored)
	beam.RegisterCoder(reflect.TypeOf(sampled{}), encodeSampled, decodeSampled)
	beam.RegisterCoder(reflect.TypeOf(fitAcc{}), encodeFitAcc, decodeFitAcc)
	beam.RegisterCoder(reflect.TypeOf(Model{}), encodeModel, decodeModel)
}

var errShort = errors.New("diversify: truncated encoding")

func appendFloats(dst []byte, v []float32) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(v)))
	for _, x := range v {
		dst = binary.LittleEndian.AppendUint32(dst, math.Float32bits(x))
	}
	return dst
}

func readFloats(b []byte) ([]float32, []byte, error) {
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k)/4 {
		return nil, nil, errShort
	}
	b = b[k:]
	v := make([]float32, n)
	for i := range v {
		v[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v, b[4*n:], nil
}

func readUint64(b []byte) (uint64, []byte, error) {
	if len(b) < 8 {
		return 0, nil, errShort
	}
	return binary.LittleEndian.Uint64(b), b[8:], nil
}

func readVarint(b []byte) (int64, []byte, error) {
	v, k := binary.Varint(b)
	if k <= 0 {
		return 0, nil, errShort
	}
	return v, b[k:], nil
}

// appendCandidate writes the vector first and the pair last, so that the pair's
// length is implied by what remains.
func appendCandidate(dst []byte, c Candidate) []byte {
	dst = appendFloats(dst, c.Vec)
	return record.AppendPair(dst, c.Pair)
}

func decodeCandidate(b []byte) (Candidate, error) {
	var c Candidate
	var err error
	if c.Vec, b, err = readFloats(b); err != nil {
		return Candidate{}, err
	}
	if c.Pair, err = record.DecodePair(b); err != nil {
		return Candidate{}, err
	}
	return c, nil
}

func encodeScored(s Scored) ([]byte, error) {
	dst := binary.AppendVarint(nil, int64(s.Cluster))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(s.Dist))
	dst = binary.LittleEndian.AppendUint64(dst, s.Tie)
	dst = binary.AppendVarint(dst, int64(s.Rank))
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(s.Gain))
	dst = binary.AppendVarint(dst, int64(s.ClusterSize))
	return appendCandidate(dst, s.Candidate), nil
}

func decodeScored(b []byte) (Scored, error) {
	var s Scored
	c, b, err := readVarint(b)
	if err != nil {
		return Scored{}, err
	}
	dist, b, err := readUint64(b)
	if err != nil {
		return Scored{}, err
	}
	if s.Tie, b, err = readUint64(b); err != nil {
		return Scored{}, err
	}
	rank, b, err := readVarint(b)
	if err != nil {
		return Scored{}, err
	}
	gain, b, err := readUint64(b)
	if err != nil {
		return Scored{}, err
	}
	s.Gain = math.Float64frombits(gain)
	size, b, err := readVarint(b)
	if err != nil {
		return Scored{}, err
	}
	s.ClusterSize = int(size)
	if s.Candidate, err = decodeCandidate(b); err != nil {
		return Scored{}, err
	}
	s.Cluster, s.Dist, s.Rank = int(c), math.Float64frombits(dist), int(rank)
	return s, nil
}

func encodeSampled(s sampled) ([]byte, error) {
	return appendFloats(binary.LittleEndian.AppendUint64(nil, s.Prio), s.Vec), nil
}

func decodeSampled(b []byte) (sampled, error) {
	var s sampled
	var err error
	if s.Prio, b, err = readUint64(b); err != nil {
		return sampled{}, err
	}
	if s.Vec, b, err = readFloats(b); err != nil || len(b) != 0 {
		return sampled{}, errShort
	}
	return s, nil
}

func encodeFitAcc(a fitAcc) ([]byte, error) {
	dst := binary.AppendVarint(nil, int64(a.D))
	dst = binary.AppendUvarint(dst, uint64(len(a.Prio)))
	for _, p := range a.Prio {
		dst = binary.LittleEndian.AppendUint64(dst, p)
	}
	return appendFloats(dst, a.Vecs), nil
}

func decodeFitAcc(b []byte) (fitAcc, error) {
	var a fitAcc
	d, b, err := readVarint(b)
	if err != nil {
		return fitAcc{}, err
	}
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k)/8 {
		return fitAcc{}, errShort
	}
	b = b[k:]
	a.D, a.Prio = int(d), make([]uint64, n)
	for i := range a.Prio {
		a.Prio[i] = binary.LittleEndian.Uint64(b[8*i:])
	}
	if a.Vecs, b, err = readFloats(b[8*n:]); err != nil || len(b) != 0 {
		return fitAcc{}, errShort
	}
	return a, nil
}

func encodeModel(m Model) ([]byte, error) {
	dst := binary.AppendUvarint(nil, uint64(len(m.Lang)))
	dst = append(dst, m.Lang...)
	for _, n := range [...]int{m.K, m.D, m.FitRows, m.Iters} {
		dst = binary.AppendVarint(dst, int64(n))
	}
	dst = binary.LittleEndian.AppendUint64(dst, math.Float64bits(m.Inertia))
	return appendFloats(dst, m.Centroids), nil
}

func decodeModel(b []byte) (Model, error) {
	var m Model
	n, k := binary.Uvarint(b)
	if k <= 0 || n > uint64(len(b)-k) {
		return Model{}, errShort
	}
	m.Lang, b = string(b[k:k+int(n)]), b[k+int(n):]
	for _, dst := range [...]*int{&m.K, &m.D, &m.FitRows, &m.Iters} {
		v, rest, err := readVarint(b)
		if err != nil {
			return Model{}, err
		}
		*dst, b = int(v), rest
	}
	bits, b, err := readUint64(b)
	if err != nil {
		return Model{}, err
	}
	m.Inertia = math.Float64frombits(bits)
	if m.Centroids, b, err = readFloats(b); err != nil || len(b) != 0 {
		return Model{}, errShort
	}
	return m, nil
}
