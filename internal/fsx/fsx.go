// Package fsx adds the few operations the pipeline needs on top of Beam's filesystem
// registry (local paths and gs://): joining paths, atomic publish by rename, and
// removing a directory tree. Beam's local filesystem neither creates parent directories
// on rename nor understands "**", and a gs:// rename is a copy and a delete; callers
// should not have to care.
package fsx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"

	"cloud.google.com/go/storage"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
)

// IsLocal reports whether p is a path on the local filesystem (no scheme).
func IsLocal(p string) bool { return !strings.Contains(p, "://") }

// Join joins a prefix (local path or URL such as gs://bucket/dir) with path elements.
func Join(prefix string, elem ...string) string {
	if IsLocal(prefix) {
		return filepath.Join(append([]string{prefix}, elem...)...)
	}
	i := strings.Index(prefix, "://") + 3
	return prefix[:i] + path.Join(append([]string{prefix[i:]}, elem...)...)
}

// Dir returns all but the last element of p.
func Dir(p string) string {
	if IsLocal(p) {
		return filepath.Dir(p)
	}
	i := strings.Index(p, "://") + 3
	return p[:i] + path.Dir(p[i:])
}

// Open returns the filesystem for p. Callers close it.
func Open(ctx context.Context, p string) (filesystem.Interface, error) {
	return filesystem.New(ctx, p)
}

// Rename moves oldpath to newpath on fsys, replacing newpath. It creates newpath's local
// parent directory, and falls back to copy-and-remove where the filesystem cannot rename.
func Rename(ctx context.Context, fsys filesystem.Interface, oldpath, newpath string) error {
	if IsLocal(newpath) {
		if err := os.MkdirAll(filepath.Dir(newpath), 0o755); err != nil {
			return err
		}
	}
	if r, ok := fsys.(filesystem.Renamer); ok {
		return r.Rename(ctx, oldpath, newpath)
	}
	if err := copyFile(ctx, fsys, oldpath, newpath); err != nil {
		return err
	}
	return Remove(ctx, fsys, oldpath)
}

// Copy copies oldpath to newpath on fsys, replacing newpath. A local copy is a hard
// link where the filesystem allows one: every writer in this project replaces a file by
// renaming a new one over it and never writes into a published file, so a link is as
// good as a copy and costs no space. Elsewhere it is the filesystem's own copy (on
// gs://, a copy inside GCS: no byte passes through this process).
func Copy(ctx context.Context, fsys filesystem.Interface, oldpath, newpath string) error {
	if IsLocal(newpath) {
		if err := os.MkdirAll(filepath.Dir(newpath), 0o755); err != nil {
			return err
		}
		if err := os.Remove(newpath); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if os.Link(oldpath, newpath) == nil {
			return nil
		}
	}
	return copyFile(ctx, fsys, oldpath, newpath)
}

func copyFile(ctx context.Context, fsys filesystem.Interface, oldpath, newpath string) error {
	if c, ok := fsys.(filesystem.Copier); ok {
		return c.Copy(ctx, oldpath, newpath)
	}
	r, err := fsys.OpenRead(ctx, oldpath)
	if err != nil {
		return err
	}
	defer r.Close()
	w, err := fsys.OpenWrite(ctx, newpath)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, r); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// Remove removes one file. A file that does not exist is not an error, so that a
// retried step can remove again.
func Remove(ctx context.Context, fsys filesystem.Interface, p string) error {
	r, ok := fsys.(filesystem.Remover)
	if !ok {
		return fmt.Errorf("fsx: filesystem for %s cannot remove files", p)
	}
	err := r.Remove(ctx, p)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, storage.ErrObjectNotExist) {
		return nil
	}
	return err
}

// RemoveTree removes dir and everything below it.
func RemoveTree(ctx context.Context, fsys filesystem.Interface, dir string) error {
	if IsLocal(dir) {
		return os.RemoveAll(dir)
	}
	files, err := fsys.List(ctx, strings.TrimSuffix(dir, "/")+"/**")
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := Remove(ctx, fsys, f); err != nil {
			return err
		}
	}
	return nil
}

// ListTree lists the files below dir whose base name matches pattern (path.Match syntax),
// at any depth.
func ListTree(ctx context.Context, fsys filesystem.Interface, dir, pattern string) ([]string, error) {
	var out []string
	if IsLocal(dir) {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if !d.IsDir() {
				if ok, _ := path.Match(pattern, d.Name()); ok {
					out = append(out, p)
				}
			}
			return nil
		})
		return out, err
	}
	files, err := fsys.List(ctx, strings.TrimSuffix(dir, "/")+"/**")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		if ok, _ := path.Match(pattern, path.Base(f)); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// WriteFileAtomic writes data to p so that a reader sees either the old file or the whole
// new one: it writes a temporary sibling and renames it into place.
func WriteFileAtomic(ctx context.Context, fsys filesystem.Interface, p string, data []byte) error {
	return WriteFileVia(ctx, fsys, p+".tmp", p, data)
}

// WriteFileVia is WriteFileAtomic with the temporary file at tmp: a run's own temporary
// directory, say, so that a kill between the write and the rename leaves nothing beside
// p that a reader could take for output.
func WriteFileVia(ctx context.Context, fsys filesystem.Interface, tmp, p string, data []byte) error {
	if err := WriteFile(ctx, fsys, tmp, data); err != nil {
		return err
	}
	return Rename(ctx, fsys, tmp, p)
}

// WriteFile writes data to p (its local directory made first), not atomically: for a
// file in a run's temporary directory that is renamed into place later.
func WriteFile(ctx context.Context, fsys filesystem.Interface, p string, data []byte) error {
	if IsLocal(p) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
	}
	w, err := fsys.OpenWrite(ctx, p)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

// ReadFile reads the whole file p.
func ReadFile(ctx context.Context, p string) ([]byte, error) {
	fsys, err := Open(ctx, p)
	if err != nil {
		return nil, err
	}
	defer fsys.Close()
	r, err := fsys.OpenRead(ctx, p)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// SyncDir fsyncs directory dir, so that a rename into it survives a machine crash.
// Filesystems that cannot (EINVAL, ENOTSUP) are let be.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, errors.ErrUnsupported) {
		return nil
	}
	return err
}
