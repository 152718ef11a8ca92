package record

import (
	"encoding/binary"
	"errors"
	"math"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
)

func init() {
	// A hand-written binary coder: the schema row coder costs more per element, and
	// documents are the bulk of what crosses every stage boundary.
	beam.RegisterCoder(reflect.TypeOf(Doc{}), encodeDocCoder, DecodeDoc)
}

func encodeDocCoder(d Doc) ([]byte, error) { return AppendDoc(nil, d), nil }

// AppendDoc appends the binary encoding of d to dst.
func AppendDoc(dst []byte, d Doc) []byte {
	for _, s := range [...]string{d.ID, d.Lang, d.Text, d.URL, d.Source, d.Meta} {
		dst = binary.AppendUvarint(dst, uint64(len(s)))
		dst = append(dst, s...)
	}
	dst = binary.AppendVarint(dst, d.Line)
	return binary.LittleEndian.AppendUint64(dst, math.Float64bits(d.LangConfidence))
}

var errShortDoc = errors.New("record: truncated Doc encoding")

// DecodeDoc decodes what AppendDoc wrote.
func DecodeDoc(b []byte) (Doc, error) {
	var d Doc
	for _, dst := range [...]*string{&d.ID, &d.Lang, &d.Text, &d.URL, &d.Source, &d.Meta} {
		n, k := binary.Uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return Doc{}, errShortDoc
		}
		*dst = string(b[k : k+int(n)])
		b = b[k+int(n):]
	}
	line, k := binary.Varint(b)
	if k <= 0 || len(b)-k != 8 {
		return Doc{}, errShortDoc
	}
	d.Line = line
	d.LangConfidence = math.Float64frombits(binary.LittleEndian.Uint64(b[k:]))
	return d, nil
}
