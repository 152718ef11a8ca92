package lease

import (
	"context"
	"errors"
	"fmt"

	"cloud.google.com/go/storage"

	"github.com/xinstruct/xinstruct/internal/gcsobj"
)

// gcsBackend keeps the lease in a GCS object, with generation preconditions: create
// only if absent, replace and remove only at the generation read.
type gcsBackend struct {
	client *storage.Client
	obj    *storage.ObjectHandle
}

func openGCS(ctx context.Context, output string) (backend, error) {
	client, obj, _, err := gcsobj.Open(ctx, output, File)
	if err != nil {
		return nil, fmt.Errorf("lease: %v", err)
	}
	return gcsBackend{client: client, obj: obj}, nil
}

func (b gcsBackend) create(ctx context.Context, data []byte) (any, error) {
	v, err := gcsobj.Write(ctx, b.obj.If(storage.Conditions{DoesNotExist: true}), data)
	if gcsobj.PreconditionFailed(err) {
		return nil, errExists
	} else if err != nil {
		return nil, err
	}
	return v, nil
}

func (b gcsBackend) read(ctx context.Context) ([]byte, any, error) {
	data, gen, err := gcsobj.Read(ctx, b.obj)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, nil, errNotExist
	} else if err != nil {
		return nil, nil, err
	}
	return data, gen, nil
}

func (b gcsBackend) replace(ctx context.Context, data []byte, version any) (any, error) {
	v, err := gcsobj.Write(ctx, b.obj.If(storage.Conditions{GenerationMatch: version.(int64)}), data)
	if gcsobj.PreconditionFailed(err) {
		return nil, errChanged
	} else if err != nil {
		return nil, err
	}
	return v, nil
}

func (b gcsBackend) remove(ctx context.Context, version any) error {
	err := b.obj.If(storage.Conditions{GenerationMatch: version.(int64)}).Delete(ctx)
	switch {
	case gcsobj.PreconditionFailed(err):
		return errChanged
	case errors.Is(err, storage.ErrObjectNotExist):
		return errNotExist
	}
	return err
}

func (b gcsBackend) close() error { return b.client.Close() }
