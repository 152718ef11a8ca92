package shardio

import (
	"context"
	"fmt"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

// ReadFile calls fn with every record of the committed or temporary file f, written with
// framing, and fails unless it holds exactly the f.Records its writer wrote: a file
// changed or cut short since is an error, not silent loss.
func ReadFile(ctx context.Context, f File, framing Framing, fn func(rec []byte) error) error {
	fs, err := fsx.Open(ctx, f.Path)
	if err != nil {
		return err
	}
	defer fs.Close()
	r, err := fs.OpenRead(ctx, f.Path)
	if err != nil {
		return fmt.Errorf("reading %s: %v", f.Path, err)
	}
	defer r.Close()
	var n int64
	err = ReadRecords(r, framing, func(rec []byte) error {
		n++
		return fn(rec)
	})
	if err != nil {
		return fmt.Errorf("%s: %v", f.Path, err)
	}
	if n != f.Records {
		return fmt.Errorf("%s holds %d records, its writer wrote %d", f.Path, n, f.Records)
	}
	return nil
}
