package ledger

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

// localBackend keeps the ledger in a local file. Updates hold an exclusive lock on
// <path>.lock for the read, the change, and the write of a synced temporary file renamed
// over the ledger; readers without the lock see the old or the new object, never half.
// The lock is flock(2) (LockFileEx on Windows): it excludes processes of this machine,
// and may not on a network filesystem.
type localBackend struct{ path string }

func (b localBackend) lock(ctx context.Context) (func(), error) {
	if err := os.MkdirAll(filepath.Dir(b.path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(b.path+".lock", os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { unlockFile(f); f.Close() }, nil
}

func (b localBackend) read(context.Context) ([]byte, any, error) {
	data, err := os.ReadFile(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, errNotExist
	}
	return data, true, err // under the lock, nothing else changes it: no version needed
}

// write must be called under lock. It syncs the file and the directory: a ledger that
// forgot takes after a power cut would let the fleet spend them twice.
func (b localBackend) write(_ context.Context, data []byte, _ any) error {
	tmp := b.path + ".tmp-" + strconv.Itoa(os.Getpid())
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, b.path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return fsx.SyncDir(filepath.Dir(b.path))
}

func (localBackend) close() error { return nil }
