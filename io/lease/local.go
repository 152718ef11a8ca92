package lease

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// localBackend keeps the lease in a local file. Its version is the content last written:
// a replace checks that the file still holds it, under a process-wide lock, then swaps
// the new content in with a rename. Between processes the check and the rename are not
// one step, so two takeovers of one expired lease at the same instant could both pass;
// creating a free lease (the common race) is exclusive.
type localBackend struct{ path string }

var localMu sync.Mutex

func (b localBackend) create(_ context.Context, data []byte) (any, error) {
	if err := os.MkdirAll(filepath.Dir(b.path), 0o755); err != nil {
		return nil, err
	}
	// Written whole under a temporary name, then linked to the lease's name: a link fails
	// if the name exists, so the create is exclusive, and no reader ever sees a lease
	// half written (which it would take for a corrupt one and take over).
	tmp := fmt.Sprintf("%s.%d.%d.new", b.path, os.Getpid(), time.Now().UnixNano())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return nil, err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, b.path); errors.Is(err, fs.ErrExist) {
		return nil, errExists
	} else if err != nil {
		return nil, err
	}
	return data, nil
}

func (b localBackend) read(context.Context) ([]byte, any, error) {
	data, err := os.ReadFile(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, errNotExist
	}
	return data, data, err
}

func (b localBackend) replace(_ context.Context, data []byte, version any) (any, error) {
	localMu.Lock()
	defer localMu.Unlock()
	cur, err := os.ReadFile(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errNotExist
	} else if err != nil {
		return nil, err
	}
	if !bytes.Equal(cur, version.([]byte)) {
		return nil, errChanged
	}
	tmp := fmt.Sprintf("%s.%d.tmp", b.path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, b.path); err != nil {
		os.Remove(tmp)
		return nil, err
	}
	return data, nil
}

func (b localBackend) remove(_ context.Context, version any) error {
	localMu.Lock()
	defer localMu.Unlock()
	cur, err := os.ReadFile(b.path)
	if errors.Is(err, fs.ErrNotExist) {
		return errNotExist
	} else if err != nil {
		return err
	}
	if !bytes.Equal(cur, version.([]byte)) {
		return errChanged
	}
	return os.Remove(b.path)
}

func (localBackend) close() error { return nil }

func open(ctx context.Context, output string) (backend, error) {
	if strings.HasPrefix(output, "gs://") {
		return openGCS(ctx, output)
	}
	if strings.Contains(output, "://") {
		return nil, fmt.Errorf("lease: no lease for %s: only local paths and gs:// are supported", output)
	}
	return localBackend{path: filepath.Join(output, File)}, nil
}
