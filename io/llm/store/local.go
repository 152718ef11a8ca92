package store

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

// localStore keeps entries in a local directory, with os calls rather than Beam's local
// filesystem: publishing atomically and durably needs fsync and rename.
type localStore struct {
	root string
	sync bool // fsync files and directories (Options.Fsync)
}

func openLocal(root string) (*localStore, error) {
	root = filepath.Clean(root)
	if err := os.MkdirAll(root, 0o755); err != nil {
		return nil, fmt.Errorf("store: open %s: %w", root, err)
	}
	return &localStore{root: root, sync: true}, nil
}

func (s *localStore) path(key string) string {
	return filepath.Join(s.root, filepath.FromSlash(entryName(key)))
}

func (s *localStore) Get(ctx context.Context, key string) (Entry, bool, error) {
	if !ValidKey(key) {
		return Entry{}, false, invalidKey("get", key)
	}
	if err := ctx.Err(); err != nil {
		return Entry{}, false, err
	}
	p := s.path(key)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, false, nil
	}
	if err != nil {
		return Entry{}, false, fmt.Errorf("store: get: %w", err)
	}
	e, err := decode(p, key, data)
	if err != nil {
		return Entry{}, false, err
	}
	return e, true, nil
}

func (s *localStore) Put(ctx context.Context, e Entry) error {
	if !ValidKey(e.Key) {
		return invalidKey("put", e.Key)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := encode(e)
	if err != nil {
		return err
	}
	final := s.path(e.Key)
	if err := s.publish(final, data); err != nil {
		return fmt.Errorf("store: put %s: %w", final, err)
	}
	return nil
}

// publish writes data to final through a synced temporary sibling and a rename, so that
// final never holds a partial file, even after SIGKILL or a power cut.
func (s *localStore) publish(final string, data []byte) error {
	dir := filepath.Dir(final)
	f, err := s.createTemp(dir, filepath.Base(final))
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil && s.sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, final)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if s.sync {
		// The rename is durable only once the directory is.
		return fsx.SyncDir(dir)
	}
	return nil
}

// createTemp creates a new temporary file for base in dir, creating dir if needed. The
// name starts with a dot and does not end in .json, so it can never be taken for an
// entry. Unlike os.CreateTemp, the file gets the usual 0644 (less umask) mode.
func (s *localStore) createTemp(dir, base string) (*os.File, error) {
	for range 10 {
		name := filepath.Join(dir, "."+base+".tmp-"+strconv.FormatUint(rand.Uint64(), 36))
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrNotExist) {
			// First entry in this fan-out directory.
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, err
			}
			if s.sync {
				if err := fsx.SyncDir(filepath.Dir(dir)); err != nil {
					return nil, err
				}
			}
			f, err = os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		}
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return f, err
	}
	return nil, fmt.Errorf("cannot create a temporary file in %s", dir)
}

func (s *localStore) Close() error { return nil }

// countLocal counts the entries below root without creating it.
func countLocal(ctx context.Context, root string) (int, error) {
	root = filepath.Clean(root)
	dirs, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("store: count: %w", err)
	}
	n := 0
	for _, d := range dirs {
		if !d.IsDir() || len(d.Name()) != 2 {
			continue
		}
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		files, err := os.ReadDir(filepath.Join(root, d.Name()))
		if err != nil {
			return 0, fmt.Errorf("store: count: %w", err)
		}
		for _, f := range files {
			if f.Type().IsRegular() && isEntryName(d.Name()+"/"+f.Name()) {
				n++
			}
		}
	}
	return n, nil
}
