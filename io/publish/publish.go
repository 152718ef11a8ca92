package publish

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/lease"
	"github.com/xinstruct/xinstruct/io/versions"
)

// Run says which run is published, and where.
type Run struct {
	Job       string    // the pipeline, e.g. "generate"
	Output    string    // the output prefix, local or gs://
	RunID     string    // names the run's temporary directory and its manifest
	StartedAt time.Time // when the launcher started the run
	// Params is the pipeline's configuration as JSON, recorded in the manifest.
	Params json.RawMessage
	// ReportFile names the report below report/, e.g. "funnel.json"; "" writes none.
	ReportFile string
	// ReportOnly publishes the report and nothing else (an estimate, a dry run): no
	// check, no manifest, and the earlier run's outputs and manifest stay as they are.
	ReportOnly bool
	// Placeholder says the outputs hold placeholder data; the manifest says so.
	Placeholder bool
	// Version, when set, publishes the run as a new version below <output>/versions/
	// (io/versions) and points <output>/LATEST at it; nil publishes no version.
	Version *versions.Spec
}

func (r Run) validate() error {
	switch {
	case r.Job == "":
		return errors.New("Job is empty")
	case r.Output == "":
		return errors.New("Output is empty")
	case r.RunID == "" || strings.ContainsAny(r.RunID, `/\`):
		return fmt.Errorf("RunID %q is empty or holds a path separator", r.RunID)
	case strings.ContainsAny(r.ReportFile, `/\`):
		return fmt.Errorf("ReportFile %q is not a name", r.ReportFile)
	case r.ReportOnly && r.ReportFile == "":
		return errors.New("ReportOnly without a ReportFile")
	case len(r.Params) > 0 && !json.Valid(r.Params):
		return errors.New("Params is not JSON")
	case r.Version != nil && r.ReportOnly:
		return errors.New("a ReportOnly run publishes no version")
	case r.Version != nil:
		if err := r.Version.Validate(); err != nil {
			return fmt.Errorf("Version: %v", err)
		}
	}
	return nil
}

// A Verdict is what a pipeline concludes from its own counts: the report to publish,
// the records each output must hold (Check's expect), and whether the run must not be
// vouched for.
type Verdict struct {
	Report json.RawMessage // a JSON value; written to report/<ReportFile> and into the manifest
	// Reports are further JSON reports, written to report/<name> beside it (e.g. a
	// run's closing summary), on success and failure alike.
	Reports map[string]json.RawMessage
	Expect  map[string]int64 // see Check
	Failure string           // why the run failed, in one line; "" when it may be published
	// Version is what the pipeline adds to its version's manifest (Run.Version): its
	// counts, calls and cost, and further files such as the diff.
	Version *versions.Facts `json:",omitempty"`
}

// NewVerdict returns the verdict with report marshalled to JSON.
func NewVerdict(report any, expect map[string]int64, failure string) (Verdict, error) {
	b, err := json.Marshal(report)
	if err != nil {
		return Verdict{}, fmt.Errorf("publish: the report: %v", err)
	}
	return Verdict{Report: b, Expect: expect, Failure: failure}, nil
}

// ErrRunFailed is wrapped by the error of a run that ended without being published.
var ErrRunFailed = errors.New("the run failed")

// Publish ends a run, as its last step, once every output is committed: the building
// block of Finalize, for a pipeline that ends in a DoFn of its own.
//
// When the verdict has no Failure and the files hold what it expects (Check), Publish
// writes the report, removes an earlier run's _FAILURE, writes the manifest to
// _SUCCESS, last, and removes the temporary tree <output>/_temporary/ (what runs killed
// before their end left there too: one run at a time writes to an output prefix). It
// returns the manifest.
//
// With Run.Version set, Publish first makes the run's version (versions.Make: a copy
// of the files the spec includes, the verdict's further files, manifest.json last),
// then writes _SUCCESS, then points LATEST at the version (versions.Point), and only
// then removes the versions beyond the spec's Keep (versions.Prune; a failure there is
// logged, not fatal: the run is published, and the next run prunes again). When making
// the version or pointing LATEST at it fails, the run fails as below, and the version
// is removed: LATEST still names the version before.
//
// Otherwise it does what Fail does, with the verdict's report and the outputs as found,
// and returns the manifest written to _FAILURE and an error wrapping ErrRunFailed with
// the reason. A ReportOnly run writes its report and removes the temporary tree; when
// it fails, it writes nothing and leaves the earlier run's manifest alone.
//
// It is safe to retry: every write replaces a whole file.
func Publish(ctx context.Context, run Run, outputs []OutputDir, files []File, v Verdict) (Manifest, error) {
	if err := run.validate(); err != nil {
		return Manifest{}, fmt.Errorf("publish: %v", err)
	}
	// A run whose lease another run took must not publish over that run's files, not
	// even a _FAILURE.
	if err := lease.Check(ctx, run.Output, run.RunID); err != nil {
		return Manifest{}, fmt.Errorf("publish: %w", err)
	}
	fsys, err := fsx.Open(ctx, run.Output)
	if err != nil {
		return Manifest{}, err
	}
	defer fsys.Close()
	m := manifest(run, outputs, files, v.Report)
	if run.ReportOnly {
		if v.Failure != "" {
			return m, fmt.Errorf("%w: %s", ErrRunFailed, oneLine(v.Failure))
		}
		if err := writeReport(ctx, fsys, run, m.Report); err != nil {
			return m, err
		}
		if err := writeReports(ctx, fsys, run, v.Reports); err != nil {
			return m, err
		}
		return m, removeTemp(ctx, fsys, run.Output)
	}
	m.Failure = v.Failure
	if m.Failure == "" {
		if err := Check(run.Output, outputs, files, v.Expect); err != nil {
			m.Failure = err.Error()
		}
	}
	if m.Failure != "" {
		if err := writeReports(ctx, fsys, run, v.Reports); err != nil {
			return m, err
		}
		return fail(ctx, fsys, run, m)
	}
	if err := writeReport(ctx, fsys, run, m.Report); err != nil {
		return m, err
	}
	if err := writeReports(ctx, fsys, run, v.Reports); err != nil {
		return m, err
	}
	if err := fsx.Remove(ctx, fsys, fsx.Join(run.Output, FailureFile)); err != nil {
		return m, fmt.Errorf("publish: removing an earlier %s: %v", FailureFile, err)
	}
	var version versions.Manifest
	versioned := false // a version this attempt made, still to be pointed at
	if run.Version != nil {
		var facts versions.Facts
		if v.Version != nil {
			facts = *v.Version
		}
		var done bool
		var err error
		version, done, err = versions.Make(ctx, fsys, versions.Publication{Output: run.Output, Job: run.Job, RunID: run.RunID,
			StartedAt: run.StartedAt, Placeholder: run.Placeholder, Spec: *run.Version, Facts: facts,
			Files: sources(run, files, v.Reports), Staging: stagingDir(run)})
		if err != nil {
			m.Failure = "publishing the version: " + err.Error()
			dropVersion(ctx, fsys, run)
			return fail(ctx, fsys, run, m)
		}
		m.Version, versioned = version.Version, !done
	}
	if err := lease.Check(ctx, run.Output, run.RunID); err != nil {
		return m, fmt.Errorf("publish: %w", err)
	}
	if err := writeJSON(ctx, fsys, run, fsx.Join(run.Output, SuccessFile), m); err != nil {
		return m, err
	}
	if versioned {
		if err := pointAt(ctx, fsys, run, version); err != nil {
			if errors.Is(err, lease.ErrLost) {
				return m, fmt.Errorf("publish: %w", err) // another run's prefix now: touch nothing
			}
			m.Failure, m.Version = "pointing "+LatestFile+" at the new version: "+err.Error(), ""
			dropVersion(ctx, fsys, run)
			return fail(ctx, fsys, run, m)
		}
		if testHook != nil {
			testHook("prune", run)
		}
		if removed, err := versions.Prune(ctx, fsys, run.Output, run.Version.Keep, version.Version); err != nil {
			slog.Warn("publish: the version is published, but removing versions beyond the ones to keep failed; the next run tries again",
				"version", version.Version, "keep", run.Version.Keep, "error", err)
		} else if len(removed) > 0 {
			slog.Info("publish: removed versions beyond the ones to keep", "keep", run.Version.Keep, "removed", strings.Join(removed, ", "))
		}
	}
	return m, removeTemp(ctx, fsys, run.Output)
}

// LatestFile is the pointer to the newest published version (io/versions).
const LatestFile = versions.LatestFile

// testHook, when set by a test, is called before two steps of publishing a version:
// "point", before LATEST is replaced, where an error stands for that step failing; and
// "prune", after, before older versions go.
var testHook func(step string, run Run) error

// pointAt points LATEST at the version, if the run still holds the lease.
func pointAt(ctx context.Context, fsys filesystem.Interface, run Run, version versions.Manifest) error {
	if testHook != nil {
		if err := testHook("point", run); err != nil {
			return err
		}
	}
	if err := lease.Check(ctx, run.Output, run.RunID); err != nil {
		return err
	}
	return versions.Point(ctx, fsys, run.Output, stagingDir(run), version)
}

// dropVersion removes the version a failed run made, which LATEST never named, so that
// nobody takes it for a published one. What it cannot remove, a later run's Prune does.
func dropVersion(ctx context.Context, fsys filesystem.Interface, run Run) {
	if ptr, err := versions.ReadLatest(ctx, run.Output); err == nil && ptr.Version == versions.ID(run.RunID, run.StartedAt) {
		return // published by an earlier attempt of this run: it stays
	}
	if err := fsx.RemoveTree(ctx, fsys, versions.Path(run.Output, versions.ID(run.RunID, run.StartedAt))); err != nil {
		slog.Warn("publish: removing the failed run's version", "error", err)
	}
}

// sources are the run's published files and reports, for its version.
func sources(run Run, files []File, reports map[string]json.RawMessage) []versions.Source {
	var out []versions.Source
	for _, f := range files {
		out = append(out, versions.Source{Path: f.Path, Records: f.Records})
	}
	if run.ReportFile != "" {
		out = append(out, versions.Source{Path: ReportPath(run.Output, run.ReportFile)})
	}
	for _, name := range slices.Sorted(maps.Keys(reports)) {
		out = append(out, versions.Source{Path: ReportPath(run.Output, name)})
	}
	return out
}

// stagingDir is where the run's small files are written before they are renamed.
func stagingDir(run Run) string { return fsx.Join(TempDir(run.Output, run.RunID), "publish") }

// Fail records that the run failed, for a launcher whose pipeline did not get to
// Publish (a worker's error, a cancelled job; ReadManifest finds no manifest of this
// run, and a _FAILURE of this run is never to be overwritten): it removes an earlier run's _SUCCESS
// first, so that nothing vouches for outputs this run may have half replaced, writes
// report (or, when it is empty, removes an earlier run's report), writes the manifest
// with the reason, in one line, to _FAILURE, and removes the temporary tree so that it
// cannot get in the way of the re-run. It returns the error wrapping ErrRunFailed.
func Fail(ctx context.Context, run Run, reason string, report json.RawMessage) error {
	if err := run.validate(); err != nil {
		return fmt.Errorf("publish: %v", err)
	}
	if reason == "" {
		return errors.New("publish: Fail without a reason")
	}
	fsys, err := fsx.Open(ctx, run.Output)
	if err != nil {
		return err
	}
	defer fsys.Close()
	m := manifest(run, nil, nil, report)
	m.Failure = reason
	_, err = fail(ctx, fsys, run, m)
	return err
}

func fail(ctx context.Context, fsys filesystem.Interface, run Run, m Manifest) (Manifest, error) {
	m.Failure = oneLine(m.Failure)
	failed := fmt.Errorf("%w: %s", ErrRunFailed, m.Failure)
	if err := fsx.Remove(ctx, fsys, fsx.Join(run.Output, SuccessFile)); err != nil {
		return m, fmt.Errorf("%v (and removing %s failed: %v)", failed, SuccessFile, err)
	}
	if err := writeReport(ctx, fsys, run, m.Report); err != nil {
		return m, fmt.Errorf("%v (and %v)", failed, err)
	}
	if err := writeJSON(ctx, fsys, run, fsx.Join(run.Output, FailureFile), m); err != nil {
		return m, fmt.Errorf("%v (and %v)", failed, err)
	}
	if err := removeTemp(ctx, fsys, run.Output); err != nil {
		return m, fmt.Errorf("%v (and %v)", failed, err)
	}
	return m, failed
}

func manifest(run Run, outputs []OutputDir, files []File, report json.RawMessage) Manifest {
	if bytes.Equal(bytes.TrimSpace(report), []byte("null")) {
		report = nil
	}
	params := run.Params
	if len(params) == 0 {
		params = json.RawMessage("null")
	}
	m := Manifest{Job: run.Job, RunID: run.RunID, StartedAt: run.StartedAt, FinishedAt: time.Now().UTC(),
		Params: params, Outputs: outputs, Files: slices.Clone(files), Report: report, Placeholder: run.Placeholder}
	if m.Outputs == nil {
		m.Outputs = []OutputDir{}
	}
	if run.ReportFile != "" {
		m.ReportFile = ReportDir + "/" + run.ReportFile
	}
	slices.SortFunc(m.Files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	return m
}

// writeReport writes report, indented as json.MarshalIndent would, to
// report/<ReportFile>; an empty report removes the file, which may be an earlier run's.
func writeReport(ctx context.Context, fsys filesystem.Interface, run Run, report json.RawMessage) error {
	if run.ReportFile == "" {
		return nil
	}
	p := ReportPath(run.Output, run.ReportFile)
	if len(report) == 0 {
		if err := fsx.Remove(ctx, fsys, p); err != nil {
			return fmt.Errorf("publish: removing an earlier %s: %v", p, err)
		}
		return nil
	}
	var b bytes.Buffer
	if err := json.Indent(&b, report, "", "  "); err != nil {
		return fmt.Errorf("publish: the report is not JSON: %v", err)
	}
	b.WriteByte('\n')
	if err := fsx.WriteFileVia(ctx, fsys, stagingPath(run, p), p, b.Bytes()); err != nil {
		return fmt.Errorf("publish: writing %s: %v", p, err)
	}
	return nil
}

// writeReports writes each further report to report/<name>, indented.
func writeReports(ctx context.Context, fsys filesystem.Interface, run Run, reports map[string]json.RawMessage) error {
	for name, r := range reports {
		if strings.ContainsAny(name, `/\`) || name == run.ReportFile {
			return fmt.Errorf("publish: report name %q is not a name of its own", name)
		}
		var b bytes.Buffer
		if err := json.Indent(&b, r, "", "  "); err != nil {
			return fmt.Errorf("publish: the report %s is not JSON: %v", name, err)
		}
		b.WriteByte('\n')
		p := ReportPath(run.Output, name)
		if err := fsx.WriteFileVia(ctx, fsys, stagingPath(run, p), p, b.Bytes()); err != nil {
			return fmt.Errorf("publish: writing %s: %v", p, err)
		}
	}
	return nil
}

// stagingPath is where p is written before it is renamed into place: in the run's
// temporary directory, which the next run removes if this one is killed in between.
func stagingPath(run Run, p string) string {
	return fsx.Join(TempDir(run.Output, run.RunID), "publish", path.Base(p))
}

func writeJSON(ctx context.Context, fsys filesystem.Interface, run Run, p string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("publish: %s: %v", p, err)
	}
	if err := fsx.WriteFileVia(ctx, fsys, stagingPath(run, p), p, append(b, '\n')); err != nil {
		return fmt.Errorf("publish: writing %s: %v", p, err)
	}
	return nil
}

func removeTemp(ctx context.Context, fsys filesystem.Interface, output string) error {
	if err := fsx.RemoveTree(ctx, fsys, fsx.Join(output, TempRoot)); err != nil {
		return fmt.Errorf("publish: removing the temporary files: %v", err)
	}
	return nil
}

// oneLine joins the lines of s with "; ", so that a launcher prints it as one line.
func oneLine(s string) string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "; ")
}
