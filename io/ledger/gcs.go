package ledger

import (
	"context"
	"errors"
	"fmt"

	"cloud.google.com/go/storage"

	"github.com/xinstruct/xinstruct/internal/gcsobj"
)

// gcsBackend keeps the ledger in a GCS object: created only if absent, replaced only at
// the generation read (the approach of io/lease). The storage client retries transient
// errors and 429s of these conditional (so idempotent) writes itself.
type gcsBackend struct {
	client *storage.Client
	obj    *storage.ObjectHandle
}

func openGCS(ctx context.Context, dir, name string) (backend, string, error) {
	client, obj, path, err := gcsobj.Open(ctx, dir, name)
	if err != nil {
		return nil, "", fmt.Errorf("ledger: %v", err)
	}
	return gcsBackend{client: client, obj: obj}, path, nil
}

func (gcsBackend) lock(context.Context) (func(), error) { return func() {}, nil }

func (b gcsBackend) read(ctx context.Context) ([]byte, any, error) {
	data, gen, err := gcsobj.Read(ctx, b.obj)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, nil, errNotExist
	} else if err != nil {
		return nil, nil, err
	}
	return data, gen, nil
}

func (b gcsBackend) write(ctx context.Context, data []byte, version any) error {
	cond := storage.Conditions{DoesNotExist: true}
	if version != nil {
		cond = storage.Conditions{GenerationMatch: version.(int64)}
	}
	_, err := gcsobj.Write(ctx, b.obj.If(cond), data)
	if gcsobj.PreconditionFailed(err) {
		return errConflict
	}
	return err
}

func (b gcsBackend) close() error { return b.client.Close() }
