package publish

import (
	"context"
	"fmt"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/shardio"
)

// checkSizes compares each committed shard's size on storage with what its writer wrote:
// the run's own counts cannot see a file that another process replaced or cut after the
// commit. It returns the first difference in one line, or "".
func checkSizes(ctx context.Context, output string, shards []shardio.File) (string, error) {
	fsys, err := fsx.Open(ctx, output)
	if err != nil {
		return "", err
	}
	defer fsys.Close()
	var mu sync.Mutex
	var first string
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16) // gs:// stats are round trips: overlap them
	for _, f := range shards {
		if f.Bytes <= 0 {
			continue
		}
		g.Go(func() error {
			size, err := fsys.Size(gctx, f.Path)
			var msg string
			switch {
			case err != nil:
				msg = fmt.Sprintf("%s is gone after the commit: %v", f.Path, err)
			case size != f.Bytes:
				msg = fmt.Sprintf("%s holds %d bytes, its writer wrote %d: something else changed it", f.Path, size, f.Bytes)
			}
			if msg != "" {
				mu.Lock()
				if first == "" || msg < first {
					first = msg
				}
				mu.Unlock()
			}
			return nil
		})
	}
	return first, g.Wait()
}
