package cluster

import (
	"bytes"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNPYRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		rows, cols int
		data       []float32
	}{
		{0, 3, []float32{}},
		{1, 1, []float32{-0.5}},
		{2, 3, []float32{1, 2, 3, float32(math.Inf(-1)), 1e-38, math.MaxFloat32}},
		{3, 40000, make([]float32, 120000)}, // larger than the 64 KiB read buffer
	} {
		for i := range tc.data {
			if tc.rows == 3 {
				tc.data[i] = float32(i) / 7
			}
		}
		var buf bytes.Buffer
		if err := WriteNPY(&buf, tc.data, tc.rows, tc.cols); err != nil {
			t.Fatal(err)
		}
		// numpy aligns the data to 64 bytes; readers (np.load) rely on nothing else.
		if hl := int(binary.LittleEndian.Uint16(buf.Bytes()[8:10])); (10+hl)%64 != 0 {
			t.Errorf("%d×%d: data starts at %d, want a multiple of 64", tc.rows, tc.cols, 10+hl)
		}
		got, r, c, err := ReadNPY(&buf)
		if err != nil {
			t.Fatalf("%d×%d: %v", tc.rows, tc.cols, err)
		}
		if r != tc.rows || c != tc.cols || !slices.Equal(got, tc.data) {
			t.Errorf("%d×%d: read back %d×%d, data equal %v", tc.rows, tc.cols, r, c, slices.Equal(got, tc.data))
		}
	}
}

// npyFile builds a .npy stream with the given version and header dict and payload.
func npyFile(major byte, dict string, payload []byte) []byte {
	var b bytes.Buffer
	b.WriteString("\x93NUMPY")
	b.Write([]byte{major, 0})
	h := dict + "\n"
	if major == 1 {
		binary.Write(&b, binary.LittleEndian, uint16(len(h)))
	} else {
		binary.Write(&b, binary.LittleEndian, uint32(len(h)))
	}
	b.WriteString(h)
	b.Write(payload)
	return b.Bytes()
}

func TestReadNPYVersion2(t *testing.T) {
	payload := binary.LittleEndian.AppendUint32(nil, math.Float32bits(2.5))
	payload = binary.LittleEndian.AppendUint32(payload, math.Float32bits(-1))
	f := npyFile(2, "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1), }", payload)
	data, r, c, err := ReadNPY(bytes.NewReader(f))
	if err != nil || r != 2 || c != 1 || !slices.Equal(data, []float32{2.5, -1}) {
		t.Errorf("got %v %d×%d, %v", data, r, c, err)
	}
}

func TestReadNPYRejects(t *testing.T) {
	four := make([]byte, 16)
	for _, tc := range []struct {
		name string
		file []byte
		want string
	}{
		{"big-endian", npyFile(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }", four), "dtype"},
		{"float64", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1), }", four), "dtype"},
		{"bare f8", npyFile(1, "{'descr': 'f8', 'fortran_order': False, 'shape': (2, 1), }", four), "dtype"},
		{"fortran", npyFile(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", four), "Fortran"},
		{"1-D", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", four), "2-D"},
		{"3-D", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", four), "2-D"},
		{"truncated", npyFile(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", four), "reading data"},
		{"version 9", npyFile(9, "{}", nil), "version"},
		{"not npy", []byte("PK\x03\x04 a zip file"), "magic"},
		{"empty", nil, "magic"},
	} {
		_, _, _, err := ReadNPY(bytes.NewReader(tc.file))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one mentioning %q", tc.name, err, tc.want)
		}
	}
}
