package docio

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/memfs"
	"github.com/parquet-go/parquet-go"

	"github.com/xinstruct/xinstruct/internal/record"
)

// These tests call readFn directly, without a runner; read_test.go runs pipelines.

// readFile reads path with readFn and returns what it emitted.
func readFile(t *testing.T, path string, maxRecordBytes int64) ([]record.Doc, []record.Rejected, error) {
	t.Helper()
	fn := &readFn{MaxRecordBytes: maxRecordBytes}
	defer fn.Teardown()
	var docs []record.Doc
	var rejected []record.Rejected
	err := fn.ProcessElement(context.Background(), path,
		func(d record.Doc) { docs = append(docs, d) },
		func(r record.Rejected) { rejected = append(rejected, r) })
	return docs, rejected, err
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipped(data []byte) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write(data)
	zw.Close()
	return b.Bytes()
}

// badJSONL is one record for each way a line can fail, around valid ones and blank lines.
// big is the text of the 5 MB record.
func badJSONL(big string) []byte {
	return []byte(strings.Join([]string{
		`{"id":"ok-1","text":"Hyvää huomenta","lang":"fi","source":"cc"}`, // 1
		`{"text": "no closing brace"`,                                     // 2 malformed_json
		"{\"text\":\"caf\xe9\"}",                                          // 3 invalid_utf8 (Latin-1 é)
		``,                                                                // 4 blank
		`{"id":"empty","text":""}`,                                        // 5 missing_text
		`{"id":7,"body":"no text field"}`,                                 // 6 missing_text
		"   \t",                                                           // 7 blank
		`{"id":"big","text":"` + big + `"}`,                               // 8 5 MB doc
		`{"text":"ilman tunnistetta","url":"https://x.fi/"}`, // 9 default ID
	}, "\n") + "\n")
}

func TestReadJSONL(t *testing.T) {
	big := strings.Repeat("0123456789", 500_000)
	path := writeFile(t, t.TempDir(), "bad.jsonl", badJSONL(big))
	docs, rejected, err := readFile(t, path, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []record.Doc{
		{ID: "ok-1", Lang: "fi", Text: "Hyvää huomenta", Source: path, Line: 1, Meta: `{"source":"cc"}`},
		{ID: "big", Text: big, Source: path, Line: 8},
		{ID: "bad.jsonl:9", Text: "ilman tunnistetta", URL: "https://x.fi/", Source: path, Line: 9},
	}
	if !slices.Equal(docs, want) {
		t.Errorf("docs:\n%v\nwant\n%v", summarize(docs), summarize(want))
	}
	got := rejectedSummary(rejected)
	wantRej := []string{
		"bad.jsonl|malformed_json|2|bad.jsonl:2",
		"bad.jsonl|invalid_utf8|3|bad.jsonl:3",
		"bad.jsonl|missing_text|5|empty",
		"bad.jsonl|missing_text|6|7",
	}
	if !slices.Equal(got, wantRej) {
		t.Errorf("rejected:\n%q\nwant\n%q", got, wantRej)
	}
	for _, r := range rejected {
		if r.Stage != record.StageIngest || r.Detail == "" || r.Record == "" {
			t.Errorf("dead letter %+v: want Stage ingest, a Detail and a Record", r)
		}
	}
	if r := rejected[1]; r.Record != "{\"text\":\"caf\uFFFD\"}" || r.Detail != "invalid UTF-8 at byte 12" {
		t.Errorf("invalid_utf8 dead letter: Record %q, Detail %q", r.Record, r.Detail)
	}
}

func TestReadJSONLLineEndings(t *testing.T) {
	// A byte order mark, CRLF line ends and a last line without a newline.
	path := writeFile(t, t.TempDir(), "crlf.jsonl", []byte("\uFEFF{\"text\":\"a\"}\r\n\r\n{\"text\":\"b\"}\r\n{\"text\":\"c\"}"))
	docs, rejected, err := readFile(t, path, 0)
	if err != nil || len(rejected) != 0 {
		t.Fatalf("err %v, rejected %v", err, rejected)
	}
	if got, want := summarize(docs), []string{"crlf.jsonl:1|1|a", "crlf.jsonl:3|3|b", "crlf.jsonl:4|4|c"}; !slices.Equal(got, want) {
		t.Errorf("docs %q, want %q", got, want)
	}
}

func TestReadJSONLTooLong(t *testing.T) {
	// Lines over the limit are skipped without being held, both shorter and longer than
	// the read buffer; the lines after them are read as usual.
	long := `{"text":"` + strings.Repeat("é", 600_000) + `"}` // 1.2 MB, over 4 read buffers
	short := `{"text":"` + strings.Repeat("x", 2000) + `"}`
	data := strings.Join([]string{long, `{"text":"ok"}`, short, `{"text":"ok too"}`}, "\n")
	path := writeFile(t, t.TempDir(), "long.jsonl", []byte(data))
	docs, rejected, err := readFile(t, path, 1500)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := summarize(docs), []string{"long.jsonl:2|2|ok", "long.jsonl:4|4|ok too"}; !slices.Equal(got, want) {
		t.Errorf("docs %q, want %q", got, want)
	}
	if got, want := rejectedSummary(rejected), []string{"long.jsonl|too_long|1|long.jsonl:1", "long.jsonl|too_long|3|long.jsonl:3"}; !slices.Equal(got, want) {
		t.Fatalf("rejected %q, want %q", got, want)
	}
	if r := rejected[0]; !strings.HasPrefix(long, r.Record) || len(r.Record) > record.MaxRecordExcerpt || len(r.Record) < record.MaxRecordExcerpt-3 {
		t.Errorf("too_long Record is %d bytes, want the line's first KB", len(r.Record))
	}
	if want := fmt.Sprintf("line of %d bytes exceeds MaxRecordBytes 1500", len(long)); rejected[0].Detail != want {
		t.Errorf("Detail %q, want %q", rejected[0].Detail, want)
	}
}

func TestReadJSONLGzip(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	for i := 1; i <= 2000; i++ {
		lines = append(lines, fmt.Sprintf(`{"id":%d,"text":"rivi %d %s"}`, i, i, strings.Repeat("abc", i%50)))
	}
	data := gzipped([]byte(strings.Join(lines, "\n") + "\n"))

	t.Run("whole", func(t *testing.T) {
		docs, rejected, err := readFile(t, writeFile(t, dir, "a.jsonl.gz", data), 0)
		if err != nil || len(rejected) != 0 || len(docs) != 2000 || docs[1999].ID != "2000" || docs[1999].Line != 2000 {
			t.Fatalf("got %d docs, rejected %v, err %v", len(docs), rejected, err)
		}
	})
	t.Run("uppercase extension", func(t *testing.T) {
		docs, _, err := readFile(t, writeFile(t, dir, "A.JSONL.GZ", data), 0)
		if err != nil || len(docs) != 2000 {
			t.Fatalf("got %d docs, err %v", len(docs), err)
		}
	})
	t.Run("truncated", func(t *testing.T) {
		docs, rejected, err := readFile(t, writeFile(t, dir, "t.jsonl.gz", data[:len(data)/2]), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(docs) == 0 || len(docs) >= 2000 {
			t.Fatalf("got %d docs, want the ones before the damage", len(docs))
		}
		stop := int64(len(docs) + 1)
		if len(rejected) != 1 || rejected[0].Reason != record.ReasonUnreadable || rejected[0].Line != stop {
			t.Fatalf("rejected %+v, want one unreadable_file at line %d", rejected, stop)
		}
		if want := fmt.Sprintf("gzip stream broken at line %d", stop); !strings.HasPrefix(rejected[0].Detail, want) {
			t.Errorf("Detail %q, want it to start with %q", rejected[0].Detail, want)
		}
	})
	t.Run("corrupt", func(t *testing.T) {
		bad := slices.Clone(data)
		bad[len(bad)-5] ^= 0xff // the CRC-32 trailer
		docs, rejected, err := readFile(t, writeFile(t, dir, "c.jsonl.gz", bad), 0)
		if err != nil || len(docs) != 1999 && len(docs) != 2000 || len(rejected) != 1 || rejected[0].Reason != record.ReasonUnreadable {
			t.Fatalf("got %d docs, rejected %+v, err %v", len(docs), rejected, err)
		}
	})
	t.Run("not gzip", func(t *testing.T) {
		docs, rejected, err := readFile(t, writeFile(t, dir, "n.jsonl.gz", []byte(`{"text":"plain"}`)), 0)
		if err != nil || len(docs) != 0 || len(rejected) != 1 || rejected[0].Reason != record.ReasonUnreadable || rejected[0].Line != 1 {
			t.Fatalf("got docs %v, rejected %+v, err %v", docs, rejected, err)
		}
	})
}

func TestReadSourceErrorsAreReturned(t *testing.T) {
	// A source that fails mid-file (a dropped connection) fails the bundle so that it is
	// retried, rather than becoming a dead letter; a gzip stream must tell the two apart.
	errBoom := errors.New("connection reset")
	data := gzipped([]byte(strings.Repeat(`{"text":"x"}`+"\n", 50_000)))
	failing := func(b []byte) io.Reader {
		return io.MultiReader(bytes.NewReader(b[:len(b)/2]), iotest.ErrReader(errBoom))
	}
	discard := newSink("x", DefaultMaxRecordBytes, func(record.Doc) {}, func(r record.Rejected) { t.Errorf("dead letter %+v", r) })
	if err := readJSONLGzip(failing(data), discard); !errors.Is(err, errBoom) {
		t.Errorf("readJSONLGzip: %v, want %v", err, errBoom)
	}
	if err := readJSONL(failing([]byte(strings.Repeat(`{"text":"x"}`+"\n", 50_000))), discard); !errors.Is(err, errBoom) {
		t.Errorf("readJSONL: %v, want %v", err, errBoom)
	}
}

func TestReadText(t *testing.T) {
	dir := t.TempDir()
	text := "Ensimmäinen kappale.\n\nToinen kappale.\r\n"
	tests := []struct {
		name, data string
		max        int64
		reason     string
	}{
		{"doc.txt", text, 0, ""},
		{"bom.txt", "\uFEFF" + text, 0, ""},
		{"empty.txt", "", 0, record.ReasonMissingText},
		{"blank.txt", " \n\n\t", 0, record.ReasonMissingText},
		{"latin1.txt", "caf\xe9", 0, record.ReasonInvalidUTF8},
		{"big.txt", strings.Repeat("x", 5000), 4999, record.ReasonTooLong},
		{"limit.TXT", strings.Repeat("x", 5000), 5000, ""},
	}
	for _, tt := range tests {
		docs, rejected, err := readFile(t, writeFile(t, dir, tt.name, []byte(tt.data)), tt.max)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if tt.reason == "" {
			if len(docs) != 1 || len(rejected) != 0 || docs[0].ID != tt.name || docs[0].Line != 1 || docs[0].Text != strings.TrimPrefix(tt.data, "\uFEFF") {
				t.Errorf("%s: docs %v, rejected %v", tt.name, summarize(docs), rejected)
			}
			continue
		}
		if len(docs) != 0 || len(rejected) != 1 || rejected[0].Reason != tt.reason || rejected[0].ID != tt.name {
			t.Errorf("%s: docs %v, rejected %+v, want %s", tt.name, summarize(docs), rejected, tt.reason)
		}
	}
}

func TestReadUnknownExtension(t *testing.T) {
	for _, name := range []string{"data.csv", "data.json.gz", "data.gz", "jsonl"} {
		docs, rejected, err := readFile(t, writeFile(t, t.TempDir(), name, []byte(`{"text":"x"}`)), 0)
		if err != nil || len(docs) != 0 || len(rejected) != 1 || rejected[0].Reason != record.ReasonUnreadable ||
			!strings.Contains(rejected[0].Detail, supportedExtensions) {
			t.Errorf("%s: docs %v, rejected %+v, err %v", name, docs, rejected, err)
		}
	}
}

// pqDoc is a Parquet row with the Doc's columns and others of several shapes.
type pqDoc struct {
	ID    int64          `parquet:"id"`
	Text  *string        `parquet:"text,optional"`
	Lang  string         `parquet:"lang"`
	Score float64        `parquet:"score"`
	Tags  []string       `parquet:"tags,list"`
	Attrs map[string]int `parquet:"attrs"`
}

func writeParquet[T any](t *testing.T, w io.Writer, rows []T) {
	t.Helper()
	pw := parquet.NewGenericWriter[T](w, parquet.MaxRowsPerRowGroup(2))
	if _, err := pw.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := pw.Close(); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

var pqRows = []pqDoc{
	{ID: 1, Text: ptr("Ensimmäinen rivi"), Lang: "fi", Score: 0.5, Tags: []string{"a", "<b>"}, Attrs: map[string]int{"k": 1}},
	{ID: 2, Text: nil, Lang: "fi"},
	{ID: 3, Text: ptr("  "), Lang: "fi"},
	{ID: 4, Text: ptr("caf\xe9"), Lang: "fi"},
	{ID: 5, Text: ptr(strings.Repeat("x", 3000)), Lang: "en"},
	{ID: 6, Text: ptr("Viimeinen rivi"), Lang: "fi", Score: -1},
}

func TestReadParquet(t *testing.T) {
	dir := t.TempDir()
	var b bytes.Buffer
	writeParquet(t, &b, pqRows)
	path := writeFile(t, dir, "rows.parquet", b.Bytes())

	check := func(t *testing.T, path string) {
		docs, rejected, err := readFile(t, path, 2000)
		if err != nil {
			t.Fatal(err)
		}
		want := []record.Doc{
			{ID: "1", Lang: "fi", Text: "Ensimmäinen rivi", Source: path, Line: 1, Meta: `{"attrs":{"k":1},"score":0.5,"tags":["a","<b>"]}`},
			{ID: "6", Lang: "fi", Text: "Viimeinen rivi", Source: path, Line: 6, Meta: `{"attrs":{},"score":-1,"tags":[]}`},
		}
		if !slices.Equal(docs, want) {
			t.Errorf("docs:\n%+v\nwant\n%+v", docs, want)
		}
		base := baseName(path)
		wantRej := []string{
			base + "|missing_text|2|2",
			base + "|missing_text|3|3",
			base + "|invalid_utf8|4|4",
			base + "|too_long|5|5",
		}
		if got := rejectedSummary(rejected); !slices.Equal(got, wantRej) {
			t.Errorf("rejected %q, want %q", got, wantRej)
		}
	}
	t.Run("local", func(t *testing.T) { check(t, path) })
	t.Run("copied to a temporary file", func(t *testing.T) {
		// memfs hands out a plain io.ReadCloser, as gs:// does.
		mem := "memfs://" + t.Name() + "/rows.parquet"
		memfs.Write(mem, b.Bytes())
		before, _ := filepath.Glob(filepath.Join(os.TempDir(), "docio-*.parquet"))
		check(t, mem)
		if after, _ := filepath.Glob(filepath.Join(os.TempDir(), "docio-*.parquet")); len(after) > len(before) {
			t.Errorf("temporary files left: %v", after)
		}
	})
}

func TestReadParquetStringID(t *testing.T) {
	type row struct {
		ID   string `parquet:"id"`
		Text []byte `parquet:"text"` // BYTE_ARRAY without the STRING annotation
		URL  string `parquet:"url"`
	}
	var b bytes.Buffer
	writeParquet(t, &b, []row{{ID: "x-1", Text: []byte("teksti"), URL: "https://x"}, {Text: []byte("ilman")}})
	path := writeFile(t, t.TempDir(), "ids.parquet", b.Bytes())
	docs, rejected, err := readFile(t, path, 0)
	if err != nil || len(rejected) != 0 {
		t.Fatalf("err %v, rejected %v", err, rejected)
	}
	want := []record.Doc{
		{ID: "x-1", Text: "teksti", URL: "https://x", Source: path, Line: 1},
		{ID: "ids.parquet:2", Text: "ilman", Source: path, Line: 2},
	}
	if !slices.Equal(docs, want) {
		t.Errorf("docs %+v, want %+v", docs, want)
	}
}

func TestReadParquetUnreadable(t *testing.T) {
	dir := t.TempDir()
	type noText struct {
		Body string `parquet:"body"`
	}
	type intText struct {
		Text int64 `parquet:"text"`
	}
	var a, b bytes.Buffer
	writeParquet(t, &a, []noText{{Body: "x"}})
	writeParquet(t, &b, []intText{{Text: 1}})
	for name, data := range map[string][]byte{
		"notext.parquet":  a.Bytes(),
		"inttext.parquet": b.Bytes(),
		"garbage.parquet": []byte("PAR1 this is not parquet"),
		"empty.parquet":   nil,
	} {
		docs, rejected, err := readFile(t, writeFile(t, dir, name, data), 0)
		if err != nil || len(docs) != 0 || len(rejected) != 1 || rejected[0].Reason != record.ReasonUnreadable {
			t.Errorf("%s: docs %v, rejected %+v, err %v", name, docs, rejected, err)
		}
	}
}

// summarize returns "ID|Line|Text" for each doc, with long texts cut.
func summarize(docs []record.Doc) []string {
	var s []string
	for _, d := range docs {
		text := d.Text
		if len(text) > 40 {
			text = fmt.Sprintf("%s... (%d bytes)", text[:40], len(text))
		}
		s = append(s, fmt.Sprintf("%s|%d|%s", d.ID, d.Line, text))
	}
	return s
}

func rejectedSummary(rs []record.Rejected) []string {
	var s []string
	for _, r := range rs {
		s = append(s, rejectedKey(r))
	}
	return s
}

// BenchmarkReadJSONLFile reads a 24 MB, 20k-line JSONL file through readFn, without a runner.
func BenchmarkReadJSONLFile(b *testing.B) {
	var data bytes.Buffer
	for i := range 20_000 {
		data.Write(benchLine[:len(benchLine)-1])
		fmt.Fprintf(&data, `,"n":%d}`+"\n", i)
	}
	path := filepath.Join(b.TempDir(), "corpus.jsonl")
	if err := os.WriteFile(path, data.Bytes(), 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(data.Len()))
	for b.Loop() {
		fn := &readFn{}
		n := 0
		err := fn.ProcessElement(context.Background(), path, func(record.Doc) { n++ }, func(r record.Rejected) { b.Fatal(r) })
		if err != nil || n != 20_000 {
			b.Fatalf("%d docs, err %v", n, err)
		}
	}
}
