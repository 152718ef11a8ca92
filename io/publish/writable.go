package publish

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

// CheckWritable makes sure the run can write below output before anything is launched:
// a local output that is a file, or a prefix the launcher cannot write, fails here in a
// line instead of on a worker after ingest. It writes and removes a small probe file
// named after the run.
func CheckWritable(ctx context.Context, output, runID string) error {
	if fsx.IsLocal(output) {
		if fi, err := os.Stat(output); err == nil && !fi.IsDir() {
			return fmt.Errorf("--output=%s is a file, not a directory", output)
		}
	}
	fsys, err := fsx.Open(ctx, output)
	if err != nil {
		return fmt.Errorf("--output=%s: %v", output, err)
	}
	defer fsys.Close()
	// The probe is the run's own file beside the outputs, not in _temporary/: a run holding
	// the lease clears _temporary/ while others may still be probing.
	probe := fsx.Join(output, "_probe-"+runID)
	if fsx.IsLocal(output) {
		if err := os.MkdirAll(output, 0o755); err != nil {
			return fmt.Errorf("--output=%s is not writable: %v", output, err)
		}
	}
	w, err := fsys.OpenWrite(ctx, probe)
	if err == nil {
		_, err = io.WriteString(w, runID+"\n")
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("--output=%s is not writable: %v", output, err)
	}
	if err := fsx.Remove(ctx, fsys, probe); err != nil {
		return fmt.Errorf("--output=%s: removing the write probe: %v", output, err)
	}
	return nil
}

// ClearTemp removes what earlier runs left in <output>/_temporary/ (a killed run's
// shards, a failed run's spill): call it holding the output's lease, before the run
// writes, so that leftovers neither take the space the run needs nor wait for the end.
func ClearTemp(ctx context.Context, output string) error {
	fsys, err := fsx.Open(ctx, output)
	if err != nil {
		return err
	}
	defer fsys.Close()
	if err := fsx.RemoveTree(ctx, fsys, fsx.Join(output, TempRoot)); err != nil {
		return fmt.Errorf("removing earlier runs' %s: %v", fsx.Join(output, TempRoot), err)
	}
	return nil
}
