package ledger

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// backend stores the ledger object. version is opaque (a GCS generation); nil means
// absent, and a write at nil creates the object only if it still is.
type backend interface {
	// lock excludes other processes' updates until unlock (locally; GCS needs none).
	lock(ctx context.Context) (unlock func(), err error)
	read(ctx context.Context) (data []byte, version any, err error) // errNotExist if absent
	write(ctx context.Context, data []byte, version any) error      // errConflict unless still at version
	close() error
}

var (
	errNotExist = errors.New("no ledger object")
	errConflict = errors.New("ledger object changed")
)

// open returns the backend for dir and the object's name for messages.
func open(ctx context.Context, dir, runID string) (backend, string, error) {
	name := Dir + "/" + runID + ".json"
	if strings.HasPrefix(dir, "gs://") {
		return openGCS(ctx, dir, name)
	}
	if strings.Contains(dir, "://") {
		return nil, "", fmt.Errorf("ledger: no ledger in %s: only local paths and gs:// are supported", dir)
	}
	if dir == "" {
		return nil, "", errors.New("ledger: no directory given")
	}
	path := filepath.Join(dir, filepath.FromSlash(name))
	return localBackend{path: path}, path, nil
}
