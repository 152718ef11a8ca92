package shardio

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Framing is how records are delimited inside a file.
type Framing string

const (
	// Lines ends each record with "\n": for JSONL, whose records never contain a raw newline.
	Lines Framing = "lines"
	// Varint prefixes each record with its length as a uvarint: for binary records.
	Varint Framing = "varint"
)

func (f Framing) validate() error {
	if f != Lines && f != Varint {
		return fmt.Errorf("unknown framing %q (want %q or %q)", f, Lines, Varint)
	}
	return nil
}

// appendRecord frames one record onto w and returns the bytes written.
func (f Framing) writeRecord(w *bufio.Writer, rec []byte) (int, error) {
	if f == Varint {
		var hdr [binary.MaxVarintLen64]byte
		n := binary.PutUvarint(hdr[:], uint64(len(rec)))
		if _, err := w.Write(hdr[:n]); err != nil {
			return 0, err
		}
		m, err := w.Write(rec)
		return n + m, err
	}
	m, err := w.Write(rec)
	if err != nil {
		return m, err
	}
	return m + 1, w.WriteByte('\n')
}

// ReadRecords calls fn with every record of r in order. The slice passed to fn is only
// valid during the call.
func ReadRecords(r io.Reader, f Framing, fn func(rec []byte) error) error {
	br := bufio.NewReaderSize(r, 1<<20)
	var buf []byte
	for {
		var rec []byte
		if f == Varint {
			n, err := binary.ReadUvarint(br)
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if uint64(cap(buf)) < n {
				buf = make([]byte, n)
			}
			rec = buf[:n]
			if _, err := io.ReadFull(br, rec); err != nil {
				return fmt.Errorf("truncated record: %w", err)
			}
		} else {
			line, err := br.ReadSlice('\n')
			if errors.Is(err, bufio.ErrBufferFull) {
				buf = append(buf[:0], line...)
				for errors.Is(err, bufio.ErrBufferFull) {
					line, err = br.ReadSlice('\n')
					buf = append(buf, line...)
				}
				line = buf
			}
			if errors.Is(err, io.EOF) {
				if len(line) == 0 {
					return nil
				}
			} else if err != nil {
				return err
			}
			rec = line
			if n := len(rec); n > 0 && rec[n-1] == '\n' {
				rec = rec[:n-1]
			}
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func bufioWriter(w io.Writer) *bufio.Writer { return bufio.NewWriterSize(w, 256<<10) }
