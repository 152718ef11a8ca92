package docio

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"unicode/utf8"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/parquet-go/parquet-go"

	"github.com/xinstruct/xinstruct/internal/record"
)

// parquetBatch is how many rows are decoded at a time.
const parquetBatch = 64

// readParquet streams a Parquet file row group by row group, one row per record. Parquet
// needs random access: a source that is an io.ReaderAt (a local file) is read in place,
// anything else (gs://) is first copied to a temporary file, which is removed afterwards.
// An unreadable file, or one without a usable "text" column, is one unreadable_file dead
// letter; a row group that breaks is one dead letter at the row where it broke, and reading
// goes on with the next row group.
func readParquet(ctx context.Context, fsys filesystem.Interface, rc io.Reader, out *sink) error {
	ra, size, done, err := randomAccess(ctx, fsys, rc, out.source)
	if err != nil {
		return err
	}
	defer done()

	f, err := parquet.OpenFile(ra, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		out.unreadable(0, fmt.Sprintf("not a readable Parquet file: %v", err))
		return nil
	}
	cols, err := columnsOf(f.Schema())
	if err != nil {
		out.unreadable(0, err.Error())
		return nil
	}
	var first int64 = 1 // the row number of the row group's first row
	for _, rg := range f.RowGroups() {
		if row, err := cols.readRowGroup(rg, first, out); err != nil {
			out.unreadable(row, fmt.Sprintf("Parquet row group broken at row %d, the rows before it were read: %v", row, err))
		}
		first += rg.NumRows()
	}
	return nil
}

// randomAccess returns rc, or a temporary copy of it, as an io.ReaderAt of the given size.
func randomAccess(ctx context.Context, fsys filesystem.Interface, rc io.Reader, path string) (ra io.ReaderAt, size int64, done func(), err error) {
	if ra, ok := rc.(io.ReaderAt); ok {
		if size, err := fsys.Size(ctx, path); err == nil {
			return ra, size, func() {}, nil
		}
	}
	tmp, err := os.CreateTemp("", "docio-*.parquet")
	if err != nil {
		return nil, 0, nil, err
	}
	done = func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}
	if size, err = io.Copy(tmp, rc); err != nil {
		done()
		return nil, 0, nil, err
	}
	return tmp, size, done, nil
}

// parquetColumns maps a file's leaf columns to the Doc's fields. Top-level columns other than
// the Doc's own (or of a type the Doc cannot hold) go to Meta through a schema of their own.
type parquetColumns struct {
	text, id, lang, url int // leaf column indexes; -1 when absent

	meta      *parquet.Schema // the other columns; nil when there are none
	metaIndex []int           // file column index -> meta column index, or -1
	metaRow   parquet.Row     // reused
}

func columnsOf(schema *parquet.Schema) (*parquetColumns, error) {
	c := &parquetColumns{text: -1, id: -1, lang: -1, url: -1}
	others := parquet.Group{}
	for _, f := range schema.Fields() {
		var col *int
		var ok bool
		switch f.Name() {
		case "text":
			col, ok = &c.text, isByteArray(f)
		case "id":
			col, ok = &c.id, isByteArray(f) || isNumber(f)
		case "lang":
			col, ok = &c.lang, isByteArray(f)
		case "url":
			col, ok = &c.url, isByteArray(f)
		}
		if !ok {
			others[f.Name()] = f
			continue
		}
		leaf, _ := schema.Lookup(f.Name())
		*col = leaf.ColumnIndex
	}
	if c.text < 0 {
		return nil, fmt.Errorf(`no "text" column of type string (a top-level, non-repeated BYTE_ARRAY); columns: %v`, schema.Columns())
	}
	if len(others) == 0 {
		return c, nil
	}
	c.meta = parquet.NewSchema("meta", others)
	paths := schema.Columns()
	c.metaIndex = make([]int, len(paths))
	for i, path := range paths {
		c.metaIndex[i] = -1
		if leaf, ok := c.meta.Lookup(path...); ok {
			c.metaIndex[i] = leaf.ColumnIndex
		}
	}
	return c, nil
}

func isByteArray(f parquet.Field) bool {
	return f.Leaf() && !f.Repeated() && f.Type().Kind() == parquet.ByteArray
}

func isNumber(f parquet.Field) bool {
	if !f.Leaf() || f.Repeated() {
		return false
	}
	switch f.Type().Kind() {
	case parquet.Int32, parquet.Int64, parquet.Float, parquet.Double:
		return true
	}
	return false
}

// readRowGroup emits the rows of rg, numbered from first. On error it returns the number of
// the row it could not read.
func (c *parquetColumns) readRowGroup(rg parquet.RowGroup, first int64, out *sink) (row int64, err error) {
	rows := rg.Rows()
	defer rows.Close()
	buf := make([]parquet.Row, parquetBatch)
	row = first
	for {
		n, err := readRows(rows, buf)
		for _, r := range buf[:n] {
			c.emit(r, row, out)
			row++
		}
		if err == io.EOF {
			return row, nil
		}
		if err != nil {
			return row, err
		}
	}
}

// readRows is rows.ReadRows, with a panic on corrupt pages turned into an error.
func readRows(rows parquet.Rows, buf []parquet.Row) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			n, err = 0, fmt.Errorf("corrupt data: %v", r)
		}
	}()
	return rows.ReadRows(buf)
}

// emit emits the doc or dead letter of one row.
func (c *parquetColumns) emit(r parquet.Row, row int64, out *sink) {
	var text, id, lang, url parquet.Value
	c.metaRow = c.metaRow[:0]
	for _, v := range r {
		switch col := v.Column(); col {
		case c.text:
			text = v
		case c.id:
			id = v
		case c.lang:
			lang = v
		case c.url:
			url = v
		default:
			if c.meta != nil && c.metaIndex[col] >= 0 {
				c.metaRow = append(c.metaRow, v.Level(v.RepetitionLevel(), v.DefinitionLevel(), c.metaIndex[col]))
			}
		}
	}

	d := record.Doc{Source: out.source, Line: row, ID: idOf(id), Lang: byteArrayString(lang), URL: byteArrayString(url)}
	meta, err := c.metaOf()
	if err != nil {
		out.reject(row, d.ID, record.ReasonUnreadable, fmt.Sprintf("row %d: cannot represent the other columns as JSON: %v", row, err), nil)
		return
	}
	d.Meta = meta
	var b []byte
	if !text.IsNull() {
		b = text.ByteArray()
	}
	switch {
	case int64(len(b)) > out.max:
		out.reject(row, d.ID, record.ReasonTooLong, fmt.Sprintf("text of %d bytes exceeds MaxRecordBytes %d", len(b), out.max), b)
	case !utf8.Valid(b):
		out.reject(row, d.ID, record.ReasonInvalidUTF8, fmt.Sprintf("invalid UTF-8 at byte %d", invalidUTF8At(string(b))), b)
	case text.IsNull():
		out.reject(row, d.ID, record.ReasonMissingText, `"text" is null`, nil)
	case isBlank(string(b)):
		out.reject(row, d.ID, record.ReasonMissingText, `"text" is empty or only whitespace`, b)
	default:
		d.Text = string(b)
		if d.ID == "" {
			d.ID = out.defaultID(row)
		}
		out.doc(d)
	}
}

// metaOf returns the row's other columns as a compact JSON object with sorted keys, or "".
func (c *parquetColumns) metaOf() (string, error) {
	if c.meta == nil {
		return "", nil
	}
	// Reconstruct wants a row's values in column order; the meta schema orders columns by name.
	slices.SortStableFunc(c.metaRow, func(a, b parquet.Value) int { return a.Column() - b.Column() })
	m := make(map[string]any) // Reconstruct does not make a nil map
	if err := reconstruct(c.meta, &m, c.metaRow); err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil { // encoding/json sorts map keys
		return "", err
	}
	return string(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))), nil
}

func reconstruct(s *parquet.Schema, m *map[string]any, r parquet.Row) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v", p)
		}
	}()
	return s.Reconstruct(m, r)
}

func byteArrayString(v parquet.Value) string {
	if v.IsNull() {
		return ""
	}
	return string(v.ByteArray())
}

func idOf(v parquet.Value) string {
	if v.IsNull() {
		return ""
	}
	switch v.Kind() {
	case parquet.Int32:
		return strconv.FormatInt(int64(v.Int32()), 10)
	case parquet.Int64:
		return strconv.FormatInt(v.Int64(), 10)
	case parquet.Float:
		return strconv.FormatFloat(float64(v.Float()), 'g', -1, 32)
	case parquet.Double:
		return strconv.FormatFloat(v.Double(), 'g', -1, 64)
	}
	return string(v.ByteArray())
}
