package versions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"golang.org/x/sync/errgroup"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/docio"
)

// Input is one file the run read, as it was when the version was made.
type Input struct {
	Path     string    `json:"path"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
	SHA256   string    `json:"sha256,omitempty"` // local files: of the content, hex
	// On gs://, the object's own checksums, which GCS keeps: no byte is read to list them.
	CRC32C     string `json:"crc32c,omitempty"` // hex, big-endian (gsutil shows the same bytes in base64)
	MD5        string `json:"md5,omitempty"`    // hex; composite objects have none
	ETag       string `json:"etag,omitempty"`
	Generation int64  `json:"generation,omitempty"`
	// ChangedDuringRun says the file was modified after the run started: the checksum
	// is of what is there now, which may not be what the run read.
	ChangedDuringRun bool `json:"changed_during_run,omitempty"`
}

// Inputs lists the files globs match (as the run's reader matches them, io/docio) with
// their sizes and checksums: on gs:// the object's CRC32C, MD5, ETag and generation;
// locally the size, the modification time and a SHA-256 of the content. Files modified
// after started are marked.
func Inputs(ctx context.Context, globs []string, started time.Time) ([]Input, error) {
	if len(globs) == 0 {
		return []Input{}, nil
	}
	paths, err := docio.Match(ctx, globs)
	if err != nil {
		return nil, fmt.Errorf("versions: the inputs: %v", err)
	}
	var client *storage.Client
	for _, p := range paths {
		if strings.HasPrefix(p, "gs://") {
			if client, err = storage.NewClient(ctx); err != nil { // honours STORAGE_EMULATOR_HOST
				return nil, fmt.Errorf("versions: %v", err)
			}
			defer client.Close()
			break
		}
	}
	out := make([]Input, len(paths))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(8) // object stats are round trips, local hashes are disk reads: overlap them
	for i, p := range paths {
		g.Go(func() error {
			in, err := describe(gctx, client, p)
			if err != nil {
				return fmt.Errorf("versions: input %s: %v", p, err)
			}
			in.ChangedDuringRun = !started.IsZero() && in.Modified.After(started)
			out[i] = in
			return nil
		})
	}
	return out, g.Wait()
}

func describe(ctx context.Context, client *storage.Client, p string) (Input, error) {
	switch {
	case strings.HasPrefix(p, "gs://"):
		bucket, object, _ := strings.Cut(strings.TrimPrefix(p, "gs://"), "/")
		a, err := client.Bucket(bucket).Object(object).Attrs(ctx)
		if err != nil {
			return Input{}, err
		}
		in := Input{Path: p, Size: a.Size, Modified: a.Updated.UTC(), ETag: a.Etag, Generation: a.Generation,
			CRC32C: fmt.Sprintf("%08x", a.CRC32C)}
		if len(a.MD5) > 0 {
			in.MD5 = hex.EncodeToString(a.MD5)
		}
		return in, nil
	case fsx.IsLocal(p):
		fi, err := os.Stat(p)
		if err != nil {
			return Input{}, err
		}
		sum, err := fileSHA256(p)
		if err != nil {
			return Input{}, err
		}
		return Input{Path: p, Size: fi.Size(), Modified: fi.ModTime().UTC(), SHA256: sum}, nil
	}
	// Another of Beam's filesystems: what it tells of every file.
	fsys, err := fsx.Open(ctx, p)
	if err != nil {
		return Input{}, err
	}
	defer fsys.Close()
	size, err := fsys.Size(ctx, p)
	return Input{Path: p, Size: size}, err
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
