package docio

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/record"
)

// readText reads a whole text file as one document: ID = the file's base name, Line = 1.
// It holds at most MaxRecordBytes+1 bytes: a larger file is too_long.
func readText(r io.Reader, out *sink) error {
	var sb strings.Builder // String() does not copy: the file is held once
	if _, err := io.Copy(&sb, io.LimitReader(r, out.max+1)); err != nil {
		return err
	}
	s, id := sb.String(), out.base
	if n := int64(len(s)); n > out.max {
		// Count the rest without keeping it, for the detail.
		rest, err := io.Copy(io.Discard, r)
		if err != nil {
			return err
		}
		out.reject(1, id, record.ReasonTooLong, fmt.Sprintf("file of %d bytes exceeds MaxRecordBytes %d", n+rest, out.max), []byte(s[:min(len(s), record.MaxRecordExcerpt+utf8Max)]))
		return nil
	}
	s = strings.TrimPrefix(s, "\uFEFF")
	switch {
	case !utf8.ValidString(s):
		out.reject(1, id, record.ReasonInvalidUTF8, fmt.Sprintf("invalid UTF-8 at byte %d", invalidUTF8At(s)), []byte(s[:min(len(s), record.MaxRecordExcerpt+utf8Max)]))
	case isBlank(s):
		out.reject(1, id, record.ReasonMissingText, "empty or only whitespace", []byte(s[:min(len(s), record.MaxRecordExcerpt+utf8Max)]))
	default:
		out.doc(record.Doc{ID: id, Text: s, Source: out.source, Line: 1})
	}
	return nil
}
