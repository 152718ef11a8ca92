package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

// remoteStore keeps entries on a Beam filesystem (gs://, or any registered scheme whose
// writes are published on Close), through one client for the store's lifetime.
type remoteStore struct {
	fsys filesystem.Interface
	root string // without a trailing slash

	attempts int           // tries per Put
	backoff  time.Duration // wait after the first failed try; quadrupled after each
}

func openRemote(ctx context.Context, url string) (*remoteStore, error) {
	root := strings.TrimRight(url, "/")
	scheme, rest, _ := strings.Cut(root, "://")
	if scheme == "" || rest == "" {
		return nil, fmt.Errorf("store: open %q: want a local directory or scheme://bucket/prefix", url)
	}
	fsys, err := newFilesystem(ctx, root)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", url, err)
	}
	return &remoteStore{fsys: fsys, root: root, attempts: 4, backoff: 250 * time.Millisecond}, nil
}

// newFilesystem is fsx.Open, with the GCS filesystem's panic (when it cannot build even
// an unauthenticated client) turned into an error.
func newFilesystem(ctx context.Context, url string) (fsys filesystem.Interface, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("creating the filesystem client: %v", r)
		}
	}()
	return fsx.Open(ctx, url)
}

func (s *remoteStore) path(key string) string { return s.root + "/" + entryName(key) }

func (s *remoteStore) Get(ctx context.Context, key string) (Entry, bool, error) {
	if !ValidKey(key) {
		return Entry{}, false, invalidKey("get", key)
	}
	p := s.path(key)
	r, err := s.fsys.OpenRead(ctx, p)
	if notExist(err) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("store: get %s: %w", p, err)
	}
	data, err := io.ReadAll(r)
	r.Close()
	if err != nil {
		return Entry{}, false, fmt.Errorf("store: get %s: %w", p, err)
	}
	e, err := decode(p, key, data)
	if err != nil {
		return Entry{}, false, err
	}
	return e, true, nil
}

func notExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, storage.ErrObjectNotExist)
}

// Put writes the entry as one object. A failed write is retried whatever the error
// (the storage client does not retry uploads without a precondition, and the response
// has been paid for); only the caller's context stops it early.
func (s *remoteStore) Put(ctx context.Context, e Entry) error {
	if !ValidKey(e.Key) {
		return invalidKey("put", e.Key)
	}
	data, err := encode(e)
	if err != nil {
		return err
	}
	p := s.path(e.Key)
	wait := s.backoff
	for attempt := 1; ; attempt++ {
		err := s.write(ctx, p, data)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("store: put %s (attempt %d of %d): %w; then %w", p, attempt, s.attempts, err, ctx.Err())
		}
		if attempt >= s.attempts {
			return fmt.Errorf("store: put %s (attempt %d of %d): %w", p, attempt, s.attempts, err)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("store: put %s (attempt %d of %d): %w; then %w", p, attempt, s.attempts, err, ctx.Err())
		}
		wait *= 4
	}
}

// write writes one object. A write that fails part way is aborted by cancelling its
// context, so that Close does not publish a partial object.
func (s *remoteStore) write(ctx context.Context, p string, data []byte) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.fsys.OpenWrite(wctx, p)
	if err != nil {
		return err
	}
	if gw, ok := w.(*storage.Writer); ok {
		// The default 16 MiB chunk is a buffer allocated per write: 1 GiB for 64
		// concurrent Puts of a few kilobytes. Zero sends the entry in one request, with a
		// CRC32C of the whole object.
		gw.ChunkSize = 0
		gw.ContentType = "application/json"
	}
	if _, err := w.Write(data); err != nil {
		cancel()
		w.Close()
		return err
	}
	return w.Close()
}

func (s *remoteStore) Close() error { return s.fsys.Close() }

func (s *remoteStore) count(ctx context.Context) (int, error) {
	names, err := s.fsys.List(ctx, s.root+"/*/*.json")
	if err != nil {
		return 0, fmt.Errorf("store: count %s: %w", s.root, err)
	}
	n := 0
	for _, name := range names {
		if rel, ok := strings.CutPrefix(name, s.root+"/"); ok && isEntryName(rel) {
			n++
		}
	}
	return n, nil
}
