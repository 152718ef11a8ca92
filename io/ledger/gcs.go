package ledger

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

// gcsBackend keeps the ledger in a GCS object: created only if absent, replaced only at
// the generation read (the approach of io/lease). The storage client retries transient
// errors and 429s of these conditional (so idempotent) writes itself.
type gcsBackend struct {
	client *storage.Client
	obj    *storage.ObjectHandle
}

func openGCS(ctx context.Context, dir, name string) (backend, string, error) {
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(dir, "gs://"), "/")
	if bucket == "" {
		return nil, "", fmt.Errorf("ledger: %q names no bucket", dir)
	}
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		name = prefix + "/" + name
	}
	client, err := storage.NewClient(ctx) // honours STORAGE_EMULATOR_HOST
	if err != nil {
		return nil, "", fmt.Errorf("ledger: %v", err)
	}
	return gcsBackend{client: client, obj: client.Bucket(bucket).Object(name)}, "gs://" + bucket + "/" + name, nil
}

func (gcsBackend) lock(context.Context) (func(), error) { return func() {}, nil }

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

func (b gcsBackend) write(ctx context.Context, data []byte, version any) error {
	cond := storage.Conditions{DoesNotExist: true}
	if version != nil {
		cond = storage.Conditions{GenerationMatch: version.(int64)}
	}
	w := b.obj.If(cond).NewWriter(ctx)
	w.ContentType = "application/json"
	w.CacheControl = "no-store"
	_, err := w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if preconditionFailed(err) {
		return errConflict
	}
	return err
}

func (b gcsBackend) close() error { return b.client.Close() }

func preconditionFailed(err error) bool {
	var g *googleapi.Error
	return errors.As(err, &g) && g.Code == http.StatusPreconditionFailed
}
