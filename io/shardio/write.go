package shardio

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"reflect"
	"sort"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/google/uuid"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn4x1[context.Context, string, []byte, func(File), error](&writeFn{})
	register.Emitter1[File]()
	beam.RegisterType(reflect.TypeOf((*File)(nil)).Elem())
}

// File is one written file: where it is, which output directory it belongs to, and
// how many records and bytes it holds.
type File struct {
	Dir     string // relative output directory, e.g. "clean/fi"
	Path    string
	Records int64
	Bytes   int64
}

// WriteParams configure Write.
type WriteParams struct {
	TempDir       string  // run-scoped directory for temporary files (local path or gs://)
	Ext           string  // file name extension, e.g. ".jsonl"
	Framing       Framing // how records are delimited; Lines by default
	MaxShardBytes int64   // roll over to a new file past this size; 0 = 128 MiB
}

func (p *WriteParams) defaults() error {
	if p.TempDir == "" {
		return fmt.Errorf("TempDir is empty")
	}
	if p.Framing == "" {
		p.Framing = Lines
	}
	if p.MaxShardBytes == 0 {
		p.MaxShardBytes = 128 << 20
	}
	if p.MaxShardBytes < 0 {
		return fmt.Errorf("MaxShardBytes %d < 0", p.MaxShardBytes)
	}
	return p.Framing.validate()
}

// Write writes records to temporary files. It takes PCollection<KV<string, []byte>>,
// keyed by the relative output directory, and returns PCollection<File>, one per
// temporary file, for Commit (or for a later stage that reads them back).
func Write(s beam.Scope, p WriteParams, records beam.PCollection) beam.PCollection {
	s = s.Scope("shardio.Write")
	if err := p.defaults(); err != nil {
		panic(fmt.Sprintf("shardio.Write: %v", err))
	}
	return beam.ParDo(s, &writeFn{TempDir: p.TempDir, Ext: p.Ext, Framing: p.Framing, MaxShardBytes: p.MaxShardBytes}, records)
}

type writeFn struct {
	TempDir       string
	Ext           string
	Framing       Framing
	MaxShardBytes int64

	fs     filesystem.Interface
	bundle string
	seq    int
	open   map[string]*openFile
	done   []File
}

type openFile struct {
	w    io.WriteCloser
	bw   *bufio.Writer
	file File
}

func (fn *writeFn) Setup(ctx context.Context) error {
	fs, err := fsx.Open(ctx, fn.TempDir)
	if err != nil {
		return fmt.Errorf("shardio: %v", err)
	}
	fn.fs = fs
	return nil
}

func (fn *writeFn) Teardown() error {
	if fn.fs != nil {
		return fn.fs.Close()
	}
	return nil
}

func (fn *writeFn) StartBundle(context.Context, func(File)) {
	// A fresh name per bundle attempt: a retried bundle never collides with the files of
	// the attempt that failed.
	fn.bundle = uuid.NewString()
	fn.seq = 0
	fn.open = map[string]*openFile{}
	fn.done = nil
}

func (fn *writeFn) ProcessElement(ctx context.Context, dir string, rec []byte, _ func(File)) error {
	f := fn.open[dir]
	if f == nil {
		var err error
		if f, err = fn.create(ctx, dir); err != nil {
			return err
		}
		fn.open[dir] = f
	}
	n, err := fn.Framing.writeRecord(f.bw, rec)
	if err != nil {
		return fmt.Errorf("shardio: writing %s: %v", f.file.Path, err)
	}
	f.file.Records++
	f.file.Bytes += int64(n)
	if f.file.Bytes >= fn.MaxShardBytes {
		delete(fn.open, dir)
		return fn.close(f)
	}
	return nil
}

func (fn *writeFn) create(ctx context.Context, dir string) (*openFile, error) {
	fn.seq++
	p := fsx.Join(fn.TempDir, dir, fmt.Sprintf("%s-%05d%s", fn.bundle, fn.seq, fn.Ext))
	w, err := fn.fs.OpenWrite(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("shardio: creating %s: %v", p, err)
	}
	return &openFile{w: w, bw: bufioWriter(w), file: File{Dir: dir, Path: p}}, nil
}

func (fn *writeFn) close(f *openFile) error {
	if err := f.bw.Flush(); err != nil {
		f.w.Close()
		return fmt.Errorf("shardio: writing %s: %v", f.file.Path, err)
	}
	if err := f.w.Close(); err != nil {
		return fmt.Errorf("shardio: closing %s: %v", f.file.Path, err)
	}
	fn.done = append(fn.done, f.file)
	return nil
}

func (fn *writeFn) FinishBundle(_ context.Context, emit func(File)) error {
	dirs := make([]string, 0, len(fn.open))
	for d := range fn.open {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if err := fn.close(fn.open[d]); err != nil {
			return err
		}
	}
	for _, f := range fn.done {
		emit(f)
	}
	fn.open, fn.done = nil, nil
	return nil
}
