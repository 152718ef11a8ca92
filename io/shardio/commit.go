package shardio

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"golang.org/x/sync/errgroup"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/lease"
)

func init() {
	register.DoFn4x1[context.Context, []byte, func(*File) bool, func(File), error](&commitFn{})
	register.Iter1[File]()
}

// CommitParams configure Commit.
type CommitParams struct {
	Prefix string // the output prefix the final files go below
	Ext    string // file name extension of the final files, e.g. ".jsonl"
	// OwnedDirs are directories below Prefix that this job owns: part files found below
	// them that this run did not write are removed, so that a reader globbing a directory
	// never mixes two runs.
	OwnedDirs []string
	// Invalidate lists files below Prefix removed before anything is published (such as a
	// previous run's _SUCCESS manifest): while the commit is under way, no manifest
	// vouches for the directory.
	Invalidate []string
	// RunID, when set, is the run that must hold the output's lease (io/lease): the commit
	// checks it before it removes or renames anything, so that a run whose lease expired
	// and was taken by another cannot overwrite the other's files.
	RunID string
}

// Commit publishes temporary files under their final names. It takes PCollection<File>
// from Write and returns PCollection<File> with the final paths, after every rename has
// happened. It is safe to retry: a temporary file already renamed is skipped.
func Commit(s beam.Scope, p CommitParams, temps beam.PCollection) beam.PCollection {
	s = s.Scope("shardio.Commit")
	if p.Prefix == "" {
		panic("shardio.Commit: Prefix is empty")
	}
	return beam.ParDo(s, &commitFn{Prefix: p.Prefix, Ext: p.Ext, OwnedDirs: p.OwnedDirs, Invalidate: p.Invalidate, RunID: p.RunID},
		beam.Impulse(s), beam.SideInput{Input: temps})
}

// rename is one temporary file and the final File it becomes.
type rename struct {
	from string
	to   File
}

// planRenames assigns final names to temporary files: per directory, in the order of
// their temporary paths, <prefix>/<dir>/part-NNNNN-of-MMMMM<ext>. The order makes the
// plan the same on every attempt of the commit.
func planRenames(prefix, ext string, temps []File) []rename {
	sorted := append([]File(nil), temps...)
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Dir != sorted[j].Dir {
			return sorted[i].Dir < sorted[j].Dir
		}
		return sorted[i].Path < sorted[j].Path
	})
	out := make([]rename, 0, len(sorted))
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j].Dir == sorted[i].Dir {
			j++
		}
		for k := i; k < j; k++ {
			to := sorted[k]
			to.Path = fsx.Join(prefix, to.Dir, fmt.Sprintf("part-%05d-of-%05d%s", k-i, j-i, ext))
			out = append(out, rename{from: sorted[k].Path, to: to})
		}
		i = j
	}
	return out
}

type commitFn struct {
	Prefix     string
	Ext        string
	OwnedDirs  []string
	Invalidate []string
	RunID      string
}

func (fn *commitFn) ProcessElement(ctx context.Context, _ []byte, temps func(*File) bool, emit func(File)) error {
	var all []File
	var f File
	for temps(&f) {
		all = append(all, f)
	}
	plan := planRenames(fn.Prefix, fn.Ext, all)
	if fn.RunID != "" {
		if err := lease.Check(ctx, fn.Prefix, fn.RunID); err != nil {
			return fmt.Errorf("shardio.Commit: %v", err)
		}
	}

	fs, err := fsx.Open(ctx, fn.Prefix)
	if err != nil {
		return fmt.Errorf("shardio.Commit: %v", err)
	}
	defer fs.Close()
	for _, inv := range fn.Invalidate {
		if err := fsx.Remove(ctx, fs, fsx.Join(fn.Prefix, inv)); err != nil {
			return fmt.Errorf("shardio.Commit: removing %s: %v", inv, err)
		}
	}

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(16) // gs:// renames are round trips: overlap them
	for _, r := range plan {
		src, dst := r.from, r.to.Path
		g.Go(func() error {
			if _, err := fs.Size(gctx, src); err != nil {
				// Already renamed by an earlier attempt of this commit?
				if _, err2 := fs.Size(gctx, dst); err2 == nil {
					return nil
				}
				return fmt.Errorf("shardio.Commit: temporary file %s is missing: %v", src, err)
			}
			return fsx.Rename(gctx, fs, src, dst)
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}

	// Remove part files an earlier run left in the directories this job owns.
	keep := make(map[string]bool, len(plan))
	for _, r := range plan {
		keep[r.to.Path] = true
	}
	for _, dir := range fn.OwnedDirs {
		old, err := fsx.ListTree(ctx, fs, fsx.Join(fn.Prefix, dir), "part-*")
		if err != nil {
			return fmt.Errorf("shardio.Commit: listing %s: %v", dir, err)
		}
		for _, p := range old {
			if !keep[p] && strings.HasPrefix(path.Base(p), "part-") {
				if err := fsx.Remove(ctx, fs, p); err != nil {
					return fmt.Errorf("shardio.Commit: removing stale %s: %v", p, err)
				}
			}
		}
	}
	for _, r := range plan {
		emit(r.to)
	}
	return nil
}
