package cluster

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// npyMagic opens every .npy file (NumPy format specification, numpy.lib.format).
const npyMagic = "\x93NUMPY"

var (
	npyDescr   = regexp.MustCompile(`'descr'\s*:\s*'([^']*)'`)
	npyFortran = regexp.MustCompile(`'fortran_order'\s*:\s*(True|False)`)
	npyShape   = regexp.MustCompile(`'shape'\s*:\s*\(([^)]*)\)`)
)

// ReadNPY reads a 2-D array of little-endian float32 ('<f4') in C (row-major) order
// from a .npy stream with a version 1.0, 2.0 or 3.0 header, and returns its data,
// rows×cols, row-major. It returns an error, and no data, for any other dtype
// (including '>f4' and 'f8'), for Fortran order, for a shape that is not 2-D, and
// for a stream that is truncated or not .npy.
func ReadNPY(r io.Reader) (data []float32, rows, cols int, err error) {
	br := bufio.NewReader(r)
	var pre [8]byte
	if _, err := io.ReadFull(br, pre[:]); err != nil {
		return nil, 0, 0, fmt.Errorf("npy: reading magic: %w", err)
	}
	if string(pre[:6]) != npyMagic {
		return nil, 0, 0, errors.New("npy: not a .npy stream (bad magic)")
	}
	var hlen int
	switch major := pre[6]; major {
	case 1:
		var b [2]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, 0, 0, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint16(b[:]))
	case 2, 3:
		var b [4]byte
		if _, err := io.ReadFull(br, b[:]); err != nil {
			return nil, 0, 0, fmt.Errorf("npy: reading header length: %w", err)
		}
		hlen = int(binary.LittleEndian.Uint32(b[:]))
		if hlen > 1<<20 {
			return nil, 0, 0, fmt.Errorf("npy: header length %d too large", hlen)
		}
	default:
		return nil, 0, 0, fmt.Errorf("npy: unsupported format version %d.%d", major, pre[7])
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(br, hb); err != nil {
		return nil, 0, 0, fmt.Errorf("npy: reading header: %w", err)
	}
	header := string(hb)

	m := npyDescr.FindStringSubmatch(header)
	if m == nil {
		return nil, 0, 0, fmt.Errorf("npy: no descr in header %q", header)
	}
	if m[1] != "<f4" {
		return nil, 0, 0, fmt.Errorf("npy: dtype %q, want '<f4' (little-endian float32)", m[1])
	}
	m = npyFortran.FindStringSubmatch(header)
	if m == nil {
		return nil, 0, 0, fmt.Errorf("npy: no fortran_order in header %q", header)
	}
	if m[1] == "True" {
		return nil, 0, 0, errors.New("npy: Fortran-order array, want C order")
	}
	m = npyShape.FindStringSubmatch(header)
	if m == nil {
		return nil, 0, 0, fmt.Errorf("npy: no shape in header %q", header)
	}
	var dims []int
	for _, f := range strings.Split(m[1], ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.Atoi(f)
		if err != nil || v < 0 {
			return nil, 0, 0, fmt.Errorf("npy: bad shape (%s)", m[1])
		}
		dims = append(dims, v)
	}
	if len(dims) != 2 {
		return nil, 0, 0, fmt.Errorf("npy: shape (%s) is %d-D, want 2-D", m[1], len(dims))
	}
	rows, cols = dims[0], dims[1]
	if cols != 0 && rows > math.MaxInt/4/cols {
		return nil, 0, 0, fmt.Errorf("npy: shape (%d, %d) too large", rows, cols)
	}

	data = make([]float32, rows*cols)
	buf := make([]byte, 1<<16)
	for off := 0; off < len(data); {
		nb := min(len(buf), 4*(len(data)-off))
		if _, err := io.ReadFull(br, buf[:nb]); err != nil {
			return nil, 0, 0, fmt.Errorf("npy: reading data (%d of %d values): %w", off, len(data), err)
		}
		for i := 0; i < nb; i += 4 {
			data[off] = math.Float32frombits(binary.LittleEndian.Uint32(buf[i:]))
			off++
		}
	}
	return data, rows, cols, nil
}

// WriteNPY writes data, a rows×cols row-major float32 matrix, to w as a version 1.0
// .npy stream ('<f4', C order). It panics if rows or cols < 0 or len(data) ≠
// rows·cols.
func WriteNPY(w io.Writer, data []float32, rows, cols int) error {
	if rows < 0 || cols < 0 || len(data) != rows*cols {
		panic(fmt.Sprintf("cluster.WriteNPY: len(data) = %d for shape (%d, %d)", len(data), rows, cols))
	}
	header := fmt.Sprintf("{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols)
	// Pad with spaces and a newline so that magic + version + length + header is a
	// multiple of 64 bytes, as numpy does.
	total := len(npyMagic) + 2 + 2 + len(header) + 1
	header += strings.Repeat(" ", (64-total%64)%64) + "\n"
	if len(header) > math.MaxUint16 {
		return fmt.Errorf("npy: header too long")
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString(npyMagic)
	bw.Write([]byte{1, 0})
	var b [4]byte
	binary.LittleEndian.PutUint16(b[:2], uint16(len(header)))
	bw.Write(b[:2])
	bw.WriteString(header)
	for _, v := range data {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		bw.Write(b[:])
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("npy: %w", err)
	}
	return nil
}
