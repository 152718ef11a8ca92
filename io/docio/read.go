package docio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn3x1[context.Context, []byte, func(string), error](&expandFn{})
	register.Emitter1[string]()
	register.DoFn4x1[context.Context, string, func(record.Doc), func(record.Rejected), error](&readFn{})
	register.Emitter1[record.Doc]()
	register.Emitter1[record.Rejected]()
}

// DefaultMaxRecordBytes is the MaxRecordBytes used when Options leaves it 0.
const DefaultMaxRecordBytes = 64 << 20

// Options configure Read.
type Options struct {
	// MaxRecordBytes bounds a record: a JSONL line, Parquet text value or text file larger
	// than this is rejected as too_long without parsing, its first KB kept in the dead
	// letter. 0 means DefaultMaxRecordBytes.
	MaxRecordBytes int64
}

func (o Options) validate() error {
	if o.MaxRecordBytes < 0 {
		return fmt.Errorf("MaxRecordBytes is %d, want >= 0", o.MaxRecordBytes)
	}
	return nil
}

func (o Options) maxRecordBytes() int64 {
	if o.MaxRecordBytes == 0 {
		return DefaultMaxRecordBytes
	}
	return o.MaxRecordBytes
}

// Read reads every file matched by globs (local paths or any scheme registered with Beam's
// filesystem package, such as gs://) and returns PCollection<record.Doc> (docs) and
// PCollection<record.Rejected> (rejected: dead letters of stage "ingest").
//
// The globs are expanded when the pipeline runs, on a worker; a glob that matches no file
// then fails the job. A file matched by several globs is read once; directories matched by
// a local glob are skipped. The files are spread
// over workers with a reshuffle and each is streamed by one worker. The format follows the
// extension: see the package documentation.
//
// Read panics at construction time when globs is empty, a glob is empty or its scheme is
// not registered, or opts is invalid.
func Read(s beam.Scope, globs []string, opts Options) (docs, rejected beam.PCollection) {
	s = s.Scope("docio.Read")
	if err := opts.validate(); err != nil {
		panic(fmt.Sprintf("docio.Read: %v", err))
	}
	if len(globs) == 0 {
		panic("docio.Read: no globs")
	}
	for _, g := range globs {
		filesystem.ValidateScheme(g)
	}

	files := beam.ParDo(s, &expandFn{Globs: globs}, beam.Impulse(s))
	files = beam.Reshuffle(s, files)
	return beam.ParDo2(s, &readFn{MaxRecordBytes: opts.maxRecordBytes()}, files)
}

// Match expands globs now, for a launcher's pre-flight check, and returns the matched files,
// each once, in the order the globs give them (local directories are left out, as Read
// leaves them). It returns an error naming the first glob that matches no file or whose
// filesystem is not registered.
func Match(ctx context.Context, globs []string) ([]string, error) {
	if len(globs) == 0 {
		return nil, errors.New("docio: no globs")
	}
	var c fsCache
	defer c.close()
	return expand(ctx, &c, globs)
}

// expand lists every glob, dropping files already matched by an earlier glob.
func expand(ctx context.Context, c *fsCache, globs []string) ([]string, error) {
	seen := make(map[string]bool)
	var files []string
	for _, g := range globs {
		if strings.TrimSpace(g) == "" {
			return nil, errors.New("docio: empty glob")
		}
		fsys, err := c.get(ctx, g)
		if err != nil {
			return nil, fmt.Errorf("docio: glob %q: %w", g, err)
		}
		matched, err := fsys.List(ctx, g)
		if err != nil {
			return nil, fmt.Errorf("docio: listing glob %q: %w", g, err)
		}
		if schemeOf(g) == "default" {
			// A local glob matches directories too; object stores list only objects.
			matched = slices.DeleteFunc(matched, isDir)
		}
		if len(matched) == 0 {
			return nil, fmt.Errorf("docio: glob %q matches no file", g)
		}
		for _, f := range matched {
			if !seen[f] {
				seen[f] = true
				files = append(files, f)
			}
		}
	}
	return files, nil
}

func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}

// fsCache keeps one filesystem per scheme: some (gs://) build a client per instance.
type fsCache map[string]filesystem.Interface

func (c *fsCache) get(ctx context.Context, path string) (filesystem.Interface, error) {
	scheme := schemeOf(path)
	if fsys, ok := (*c)[scheme]; ok {
		return fsys, nil
	}
	fsys, err := filesystem.New(ctx, path)
	if err != nil {
		return nil, err
	}
	if *c == nil {
		*c = make(fsCache)
	}
	(*c)[scheme] = fsys
	return fsys, nil
}

func (c *fsCache) close() {
	for _, fsys := range *c {
		fsys.Close()
	}
	*c = nil
}

// schemeOf is the filesystem package's notion of a path's scheme.
func schemeOf(path string) string {
	if i := strings.Index(path, "://"); i > 0 {
		return path[:i]
	}
	return "default"
}

// expandFn expands the globs into file paths, once, when the pipeline runs.
type expandFn struct {
	Globs []string

	fs fsCache
}

func (fn *expandFn) ProcessElement(ctx context.Context, _ []byte, emit func(string)) error {
	defer fn.fs.close()
	files, err := expand(ctx, &fn.fs, fn.Globs)
	if err != nil {
		return err
	}
	for _, f := range files {
		emit(f)
	}
	return nil
}

// readFn reads one file and emits its docs and dead letters.
type readFn struct {
	MaxRecordBytes int64

	fs fsCache
}

func (fn *readFn) Teardown() {
	fn.fs.close()
}

func (fn *readFn) ProcessElement(ctx context.Context, path string, emitDoc func(record.Doc), emitRej func(record.Rejected)) error {
	out := newSink(path, Options{MaxRecordBytes: fn.MaxRecordBytes}.maxRecordBytes(), emitDoc, emitRej)
	defer out.flushCounters(ctx)

	format := formatOf(path)
	if format == nil {
		out.unreadable(0, "unsupported extension: want "+supportedExtensions)
		return nil
	}
	fsys, err := fn.fs.get(ctx, path)
	if err != nil {
		return fmt.Errorf("docio: %s: %w", path, err)
	}
	rc, err := fsys.OpenRead(ctx, path)
	if err != nil {
		// A file that vanished since listing or that we may not read will not get better on
		// retry; anything else (a network error) fails the bundle so that it is retried.
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
			out.unreadable(0, fmt.Sprintf("cannot open: %v", err))
			return nil
		}
		return fmt.Errorf("docio: opening %s: %w", path, err)
	}
	defer rc.Close()
	if err := format.read(ctx, fsys, rc, out); err != nil {
		return fmt.Errorf("docio: reading %s: %w", path, err)
	}
	return nil
}

// A format reads one kind of file. read returns an error only for failures worth a retry
// (the source failing to deliver bytes); bad content becomes dead letters.
type format struct {
	ext  string
	read func(ctx context.Context, fsys filesystem.Interface, rc io.Reader, out *sink) error
}

var formats = []format{
	{".jsonl", func(_ context.Context, _ filesystem.Interface, rc io.Reader, out *sink) error {
		return readJSONL(rc, out)
	}},
	{".jsonl.gz", func(_ context.Context, _ filesystem.Interface, rc io.Reader, out *sink) error {
		return readJSONLGzip(rc, out)
	}},
	{".parquet", readParquet},
	{".txt", func(_ context.Context, _ filesystem.Interface, rc io.Reader, out *sink) error {
		return readText(rc, out)
	}},
}

const supportedExtensions = ".jsonl, .jsonl.gz, .parquet, .txt"

func formatOf(path string) *format {
	name := strings.ToLower(baseName(path))
	for i := range formats {
		if strings.HasSuffix(name, formats[i].ext) {
			return &formats[i]
		}
	}
	return nil
}

// baseName is the last element of a local path or URL.
func baseName(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}
