package docio

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"

	"github.com/xinstruct/xinstruct/internal/record"
)

// readBufferSize is the bufio buffer of a JSONL file: lines that fit are parsed in place.
const readBufferSize = 256 << 10

var utf8BOM = []byte("\uFEFF")

// readJSONL streams JSONL from r. Errors from r are returned (the bundle is retried).
func readJSONL(r io.Reader, out *sink) error {
	_, err := readLines(r, out)
	return err
}

// readJSONLGzip streams gzipped JSONL from r. A corrupt or truncated gzip stream keeps the
// records before the damage and ends the file with one unreadable_file dead letter at the
// line where reading stopped; errors of r itself are returned (the bundle is retried).
func readJSONLGzip(r io.Reader, out *sink) error {
	src := &errRecorder{r: r}
	zr, err := gzip.NewReader(src)
	if err != nil {
		if src.err != nil {
			return src.err
		}
		out.unreadable(1, fmt.Sprintf("not a gzip stream: %v", err))
		return nil
	}
	line, err := readLines(zr, out)
	if err == nil {
		return nil
	}
	if src.err != nil {
		return src.err
	}
	out.unreadable(line, fmt.Sprintf("gzip stream broken at line %d, the lines before it were read: %v", line, err))
	return nil
}

// errRecorder remembers the error of the reader it wraps, telling a failing source apart
// from a corrupt gzip stream read from it.
type errRecorder struct {
	r   io.Reader
	err error
}

func (e *errRecorder) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		e.err = err
	}
	return n, err
}

// readLines emits a doc or a dead letter for every non-blank line of r. On a read error it
// returns the error and the number of the line it was reading.
func readLines(r io.Reader, out *sink) (line int64, err error) {
	lr := lineReader{r: bufio.NewReaderSize(r, readBufferSize), max: out.max}
	var p lineParser
	for line = 1; ; line++ {
		b, n, err := lr.next()
		if err == io.EOF {
			return line, nil
		}
		if err != nil {
			return line, err
		}
		if n > out.max {
			out.reject(line, "", record.ReasonTooLong, fmt.Sprintf("line of %d bytes exceeds MaxRecordBytes %d", n, out.max), b)
			continue
		}
		if line == 1 {
			b = bytes.TrimPrefix(b, utf8BOM)
		}
		if skipWS(b, 0) == len(b) {
			continue // blank: not a record
		}
		d := record.Doc{Source: out.source, Line: line}
		if le := p.parse(b, &d); le != nil {
			out.reject(line, d.ID, le.reason, le.detail, b)
			continue
		}
		if d.ID == "" {
			d.ID = out.defaultID(line)
		}
		out.doc(d)
	}
}

// A lineReader reads lines of any length with a bufio.Reader (a bufio.Scanner would stop
// the file at its token limit), holding at most max bytes of one line (plus one buffer).
type lineReader struct {
	r    *bufio.Reader
	max  int64
	long []byte // a line longer than the bufio buffer
}

// next returns the next line without its "\n" or "\r\n", and the line's length n. When
// n > max the line was not kept: b holds only its first bytes, enough for an excerpt. At the
// end of the input next returns io.EOF; on a read error it returns the error, with b holding
// what was read of the broken line.
func (lr *lineReader) next() (b []byte, n int64, err error) {
	b, err = lr.r.ReadSlice('\n')
	n = int64(len(b))
	if err == bufio.ErrBufferFull {
		lr.long = append(lr.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = lr.r.ReadSlice('\n')
			n += int64(len(b))
			if int64(len(lr.long)) <= lr.max {
				lr.long = append(lr.long, b...)
			}
		}
		b = lr.long
	}
	switch {
	case err == io.EOF && n > 0:
		err = nil // the last line, without a newline
	case err != nil:
		return b, n, err
	default: // the line ends in "\n"
		n--
		if int64(len(b)) == n+1 {
			b = b[:n]
			if n > 0 && b[n-1] == '\r' {
				n--
				b = b[:n]
			}
		}
	}
	if n > lr.max {
		b = b[:min(int64(len(b)), record.MaxRecordExcerpt+utf8Max)]
	}
	return b, n, nil
}
