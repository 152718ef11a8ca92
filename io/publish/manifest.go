package publish

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"reflect"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/shardio"
)

func init() {
	beam.RegisterType(reflect.TypeOf((*File)(nil)).Elem())
}

// Paths below the output prefix.
const (
	SuccessFile = "_SUCCESS"   // the manifest of a published run
	FailureFile = "_FAILURE"   // the manifest of a failed run
	TempRoot    = "_temporary" // run-scoped temporary trees: _temporary/<run id>/
	ReportDir   = "report"     // the run's reports: report/<name>
)

// TempDir is the run's temporary directory, <output>/_temporary/<runID>.
func TempDir(output, runID string) string { return fsx.Join(output, TempRoot, runID) }

// ReportPath is the path of the report called name, <output>/report/<name>.
func ReportPath(output, name string) string { return fsx.Join(output, ReportDir, name) }

// Manifest is the content of <output>/_SUCCESS, written last: its presence says every
// file it lists is complete and holds what the run counted. A failed run writes it to
// <output>/_FAILURE instead, with Failure set.
type Manifest struct {
	Job        string          `json:"job"`
	RunID      string          `json:"run_id"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt time.Time       `json:"finished_at"`
	Params     json.RawMessage `json:"params"`
	Outputs    []OutputDir     `json:"outputs"`
	Files      []File          `json:"files,omitempty"`
	// ReportFile is the report's path below the output prefix, e.g. report/funnel.json.
	ReportFile string          `json:"report_file,omitempty"`
	Report     json.RawMessage `json:"report,omitempty"`
	// Placeholder says the outputs hold placeholder data (an offline stand-in model's
	// text), not real model output.
	Placeholder bool `json:"placeholder"`
	// Failure says in one line why the run failed; "" in a _SUCCESS.
	Failure string `json:"failure,omitempty"`
	// Version is the version the run published below versions/ (io/versions), when it
	// published one.
	Version string `json:"version,omitempty"`
}

// OutputDir lists the shards of one output directory and the records they hold.
type OutputDir struct {
	Dir     string   `json:"dir"` // relative to the output prefix, e.g. "clean/fi"
	Records int64    `json:"records"`
	Shards  []string `json:"shards"`
}

// File is a published file outside the sharded directories (a dataset file, a card),
// with the records it holds (0 where records mean nothing).
type File struct {
	Path    string `json:"path"`
	Records int64  `json:"records"`
}

// Outputs groups committed shards (from shardio.Commit) by directory, in directory
// and path order.
func Outputs(shards []shardio.File) []OutputDir {
	byDir := map[string]*OutputDir{}
	for _, f := range shards {
		d := byDir[f.Dir]
		if d == nil {
			d = &OutputDir{Dir: f.Dir}
			byDir[f.Dir] = d
		}
		d.Records += f.Records
		d.Shards = append(d.Shards, f.Path)
	}
	out := make([]OutputDir, 0, len(byDir))
	for _, d := range byDir {
		slices.Sort(d.Shards)
		out = append(out, *d)
	}
	slices.SortFunc(out, func(a, b OutputDir) int { return strings.Compare(a.Dir, b.Dir) })
	return out
}

// ErrNoManifest says that an output prefix holds neither a _SUCCESS nor a _FAILURE.
var ErrNoManifest = errors.New("publish: no manifest")

// ReadManifest reads the manifest of the last run that ended at output: its _SUCCESS,
// or else its _FAILURE (Failure set). It returns an error wrapping ErrNoManifest when
// there is neither, as while a run is under way. A launcher checks that RunID is its
// own run's before it says anything of the outcome: the manifest may be an earlier
// run's.
func ReadManifest(ctx context.Context, output string) (Manifest, error) {
	for _, name := range []string{SuccessFile, FailureFile} {
		p := fsx.Join(output, name)
		b, err := fsx.ReadFile(ctx, p)
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return Manifest{}, fmt.Errorf("publish: reading %s: %v", p, err)
		}
		var m Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			return Manifest{}, fmt.Errorf("publish: %s: %v", p, err)
		}
		return m, nil
	}
	return Manifest{}, fmt.Errorf("%w at %s", ErrNoManifest, output)
}

// ReadReport reads the report called name (see ReportPath) into v.
func ReadReport(ctx context.Context, output, name string, v any) error {
	p := ReportPath(output, name)
	b, err := fsx.ReadFile(ctx, p)
	if err != nil {
		return fmt.Errorf("publish: reading %s: %w", p, err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("publish: %s: %v", p, err)
	}
	return nil
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, storage.ErrObjectNotExist)
}
