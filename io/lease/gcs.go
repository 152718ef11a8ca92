package lease

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"cloud.google.com/go/storage"
	"google.golang.org/api/googleapi"
)

// gcsBackend keeps the lease in a GCS object, with generation preconditions: create
// only if absent, replace and remove only at the generation read.
type gcsBackend struct {
	client *storage.Client
	obj    *storage.ObjectHandle
}

func openGCS(ctx context.Context, output string) (backend, error) {
	rest := strings.TrimPrefix(output, "gs://")
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" {
		return nil, fmt.Errorf("lease: %q names no bucket", output)
	}
	client, err := storage.NewClient(ctx) // honours STORAGE_EMULATOR_HOST
	if err != nil {
		return nil, fmt.Errorf("lease: %v", err)
	}
	name := File
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		name = prefix + "/" + File
	}
	return gcsBackend{client: client, obj: client.Bucket(bucket).Object(name)}, nil
}

func (b gcsBackend) write(ctx context.Context, obj *storage.ObjectHandle, data []byte) (any, error) {
	w := obj.NewWriter(ctx)
	w.ContentType = "application/json"
	if _, err := w.Write(data); err != nil {
		w.Close()
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return w.Attrs().Generation, nil
}

func (b gcsBackend) create(ctx context.Context, data []byte) (any, error) {
	v, err := b.write(ctx, b.obj.If(storage.Conditions{DoesNotExist: true}), data)
	if preconditionFailed(err) {
		return nil, errExists
	}
	return v, err
}

func (b gcsBackend) read(ctx context.Context) ([]byte, any, error) {
	r, err := b.obj.NewReader(ctx)
	if errors.Is(err, storage.ErrObjectNotExist) {
		return nil, nil, errNotExist
	} else if err != nil {
		return nil, nil, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	return data, r.Attrs.Generation, err
}

func (b gcsBackend) replace(ctx context.Context, data []byte, version any) (any, error) {
	v, err := b.write(ctx, b.obj.If(storage.Conditions{GenerationMatch: version.(int64)}), data)
	if preconditionFailed(err) {
		return nil, errChanged
	}
	return v, err
}

func (b gcsBackend) remove(ctx context.Context, version any) error {
	err := b.obj.If(storage.Conditions{GenerationMatch: version.(int64)}).Delete(ctx)
	switch {
	case preconditionFailed(err):
		return errChanged
	case errors.Is(err, storage.ErrObjectNotExist):
		return errNotExist
	}
	return err
}

func (b gcsBackend) close() error { return b.client.Close() }

func preconditionFailed(err error) bool {
	var g *googleapi.Error
	return errors.As(err, &g) && g.Code == http.StatusPreconditionFailed
}
