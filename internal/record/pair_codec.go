package record

import (
	"encoding/binary"
	"errors"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

func init() {
	// Pairs cross a shuffle at every refinement round and three times in
	// diversification; the schema row coder costs several times this one.
	beam.RegisterCoder(reflect.TypeOf(Pair{}), encodePairCoder, DecodePair)
}

func encodePairCoder(p Pair) ([]byte, error) { return AppendPair(nil, p), nil }

// AppendPair appends the binary encoding of p to dst.
func AppendPair(dst []byte, p Pair) []byte {
	for _, s := range [...]string{p.ID, p.DocID, p.Lang, p.Instruction, p.Output, p.Source, p.Generator, p.Template} {
		dst = appendString(dst, s)
	}
	for _, n := range [...]int64{p.Line, int64(p.PromptTokens), int64(p.CompletionTokens), int64(p.Candidate)} {
		dst = binary.AppendVarint(dst, n)
	}
	if p.Placeholder {
		dst = append(dst, 1)
	} else {
		dst = append(dst, 0)
	}
	dst = binary.AppendUvarint(dst, uint64(len(p.History)))
	for _, j := range p.History {
		dst = binary.AppendVarint(dst, int64(j.Round))
		for _, s := range [...]string{j.Label, j.Rationale, j.JudgeModel, j.InstructionBefore, j.Parsed} {
			dst = appendString(dst, s)
		}
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

var errShortPair = errors.New("record: truncated Pair encoding")

// pairReader reads what AppendPair wrote; the first error sticks.
type pairReader struct {
	b   []byte
	err error
}

func (r *pairReader) str() string {
	n, k := binary.Uvarint(r.b)
	if r.err != nil || k <= 0 || uint64(len(r.b)-k) < n {
		r.err = errShortPair
		return ""
	}
	s := string(r.b[k : k+int(n)])
	r.b = r.b[k+int(n):]
	return s
}

func (r *pairReader) varint() int64 {
	v, k := binary.Varint(r.b)
	if r.err != nil || k <= 0 {
		r.err = errShortPair
		return 0
	}
	r.b = r.b[k:]
	return v
}

// DecodePair decodes what AppendPair wrote.
func DecodePair(b []byte) (Pair, error) {
	r := &pairReader{b: b}
	var p Pair
	for _, dst := range [...]*string{&p.ID, &p.DocID, &p.Lang, &p.Instruction, &p.Output, &p.Source, &p.Generator, &p.Template} {
		*dst = r.str()
	}
	p.Line = r.varint()
	p.PromptTokens = int(r.varint())
	p.CompletionTokens = int(r.varint())
	p.Candidate = int(r.varint())
	if r.err != nil || len(r.b) == 0 {
		return Pair{}, errShortPair
	}
	p.Placeholder = r.b[0] == 1
	r.b = r.b[1:]
	n, k := binary.Uvarint(r.b)
	if k <= 0 || n > uint64(len(r.b)) { // every judgement takes at least one byte
		return Pair{}, errShortPair
	}
	r.b = r.b[k:]
	if n > 0 {
		p.History = make([]Judgement, n)
	}
	for i := range p.History {
		j := &p.History[i]
		j.Round = int(r.varint())
		for _, dst := range [...]*string{&j.Label, &j.Rationale, &j.JudgeModel, &j.InstructionBefore, &j.Parsed} {
			*dst = r.str()
		}
	}
	if r.err != nil || len(r.b) != 0 {
		return Pair{}, errShortPair
	}
	return p, nil
}
