// Package gcsobj is a small JSON object on GCS changed only under preconditions: created
// if absent, replaced at the generation read. The run's lease (io/lease) and its budget
// ledger (io/ledger) are both such objects.
package gcsobj

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

// Open returns a client and the handle of object name below dir (gs://bucket/prefix), and
// the object's full gs:// path. The client honours STORAGE_EMULATOR_HOST.
func Open(ctx context.Context, dir, name string) (*storage.Client, *storage.ObjectHandle, string, error) {
	bucket, prefix, _ := strings.Cut(strings.TrimPrefix(dir, "gs://"), "/")
	if bucket == "" {
		return nil, nil, "", fmt.Errorf("%q names no bucket", dir)
	}
	if prefix = strings.Trim(prefix, "/"); prefix != "" {
		name = prefix + "/" + name
	}
	client, err := storage.NewClient(ctx)
	if err != nil {
		return nil, nil, "", err
	}
	return client, client.Bucket(bucket).Object(name), "gs://" + bucket + "/" + name, nil
}

// Read returns the object's bytes and generation; storage.ErrObjectNotExist if absent.
func Read(ctx context.Context, obj *storage.ObjectHandle) ([]byte, int64, error) {
	r, err := obj.NewReader(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer r.Close()
	data, err := io.ReadAll(r)
	return data, r.Attrs.Generation, err
}

// Write writes data as JSON through obj (which carries its preconditions) and returns the
// new generation; a failed precondition is PreconditionFailed(err).
func Write(ctx context.Context, obj *storage.ObjectHandle, data []byte) (int64, error) {
	w := obj.NewWriter(ctx)
	w.ContentType = "application/json"
	w.CacheControl = "no-store"
	_, err := w.Write(data)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, err
	}
	return w.Attrs().Generation, nil
}

// PreconditionFailed reports whether err is GCS refusing a write or delete whose
// precondition (DoesNotExist, GenerationMatch) no longer holds.
func PreconditionFailed(err error) bool {
	var g *googleapi.Error
	return errors.As(err, &g) && g.Code == http.StatusPreconditionFailed
}
