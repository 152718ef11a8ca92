package dataset

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/parquet-go/parquet-go"
)

// File is one file of the dataset.
type File struct {
	Path    string // final path once published; a temporary path before
	Name    string // path below the dataset directory: RelPath(config, format), or README.md
	Lang    string // "" for the mixed file and the card
	Format  string // FormatJSONL, FormatParquet or "card"
	Records int64
}

// Config is the Hub config the file belongs to: its language, MixedName for the mixed
// file, "" for the card.
func (f File) Config() string {
	switch {
	case f.Format == FormatCard || f.Format == FormatFigure:
		return ""
	case f.Lang == "":
		return MixedName
	}
	return f.Lang
}

// Formats of the dataset files.
const (
	FormatJSONL   = "jsonl"
	FormatParquet = "parquet"
	FormatCard    = "card"
	MixedName     = "mixed"
	CardName      = "README.md"
	// Split is the one split of every config.
	Split = "train"
)

// RelPath is where the file of a config (a language, or MixedName) in a format sits below
// the dataset directory: <format>/<config>/train.<format>. One folder per format and, in
// it, one per config, so that a glob of one config's folder never reaches another's
// rows: the mixed config repeats every language's rows, and JSONL repeats Parquet.
func RelPath(config, format string) string {
	return format + "/" + config + "/" + Split + "." + format
}

// rowWriter writes rows to a JSONL and a Parquet file at once.
type rowWriter struct {
	jsonlFile, parquetFile io.WriteCloser
	jsonl                  *bufio.Writer
	pq                     *parquet.GenericWriter[Row]
	n                      int64
}

func createRowWriter(ctx context.Context, fsys filesystem.Interface, jsonlPath, parquetPath string) (*rowWriter, error) {
	jf, err := fsys.OpenWrite(ctx, jsonlPath)
	if err != nil {
		return nil, err
	}
	pf, err := fsys.OpenWrite(ctx, parquetPath)
	if err != nil {
		jf.Close()
		return nil, err
	}
	// Zstd: text compresses about 3x, and every Parquet reader has it.
	return &rowWriter{jsonlFile: jf, parquetFile: pf, jsonl: bufio.NewWriterSize(jf, 256<<10),
		pq: parquet.NewGenericWriter[Row](pf, parquet.Compression(&parquet.Zstd), parquet.MaxRowsPerRowGroup(8192))}, nil
}

func (w *rowWriter) write(r Row) error {
	if r.History == nil {
		r.History = []Judgement{} // "history": [] in JSONL, as the empty list in Parquet
	}
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	if _, err := w.jsonl.Write(append(b, '\n')); err != nil {
		return err
	}
	if _, err := w.pq.Write([]Row{r}); err != nil {
		return err
	}
	w.n++
	return nil
}

// close flushes and closes both files; the first error wins.
func (w *rowWriter) close() error {
	errs := []error{w.jsonl.Flush(), w.pq.Close(), w.jsonlFile.Close(), w.parquetFile.Close()}
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("dataset: closing: %v", err)
		}
	}
	return nil
}

// abort closes both files after a failure; what was written is left in the temporary
// directory and never published.
func (w *rowWriter) abort() {
	w.pq.Close()
	w.jsonlFile.Close()
	w.parquetFile.Close()
}

func mkdirAll(dir string) error { return os.MkdirAll(dir, 0o755) }
