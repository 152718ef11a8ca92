package versions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"cloud.google.com/go/storage"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"

	"github.com/xinstruct/xinstruct/internal/fsx"
)

// Paths below the output prefix, and in a version's directory.
const (
	Dir          = "versions"      // versions/<id>/
	LatestFile   = "LATEST"        // the Pointer
	ManifestFile = "manifest.json" // versions/<id>/manifest.json
	DiffFile     = "diff.json"     // versions/<id>/diff.json: against the version before
	DiffMarkdown = "diff.md"       // the same for a person
	DefaultKeep  = 5               // versions kept by default (--keep_versions)
)

// Unknown stands for what could not be found out: a build without VCS stamps, an
// executable that could not be read.
const Unknown = "unknown"

// Spec is what a pipeline knows of its version when the pipeline is built, in the
// launcher; it travels in the job to whichever worker publishes.
type Spec struct {
	// Keep is how many versions stay after this one is published, this one included
	// (and always the one LATEST names); 0 keeps every version.
	Keep int `json:"keep"`
	// Include names what of the run's published files and reports the version holds, by
	// path below the output prefix: a directory ("dataset", "report") or a file.
	Include      []string `json:"include"`
	Build        Build    `json:"build"`
	ConfigSHA256 string   `json:"config_sha256"`
	Templates    []string `json:"prompt_templates"` // id@version of every prompt template the run used
	Models       []Model  `json:"models"`
	// Inputs are the globs the run read; the version lists the files they match, with
	// their sizes and checksums, when it is made.
	Inputs []string `json:"inputs"`
}

// Validate reports the first thing wrong with s.
func (s Spec) Validate() error {
	if s.Keep < 0 {
		return fmt.Errorf("keep %d is negative (0 keeps every version)", s.Keep)
	}
	if len(s.Include) == 0 {
		return errors.New("the version includes nothing")
	}
	for _, p := range s.Include {
		if p == "" || strings.HasPrefix(p, "/") || strings.Contains(p, `\`) || strings.Contains(p, "..") {
			return fmt.Errorf("include %q is not a path below the output", p)
		}
	}
	return nil
}

// Model is a model the run called, by its role.
type Model struct {
	Role  string `json:"role"`  // "generator", "judge", "embedder", or an evaluated model's name
	Model string `json:"model"` // the model id sent to the endpoint
}

// Facts are what a pipeline learned of its run by its end, for the version's manifest.
type Facts struct {
	// Counts are records out of each stage, per language (from the run's funnel).
	Counts    map[string]map[string]int64 `json:"counts"`
	Calls     int64                       `json:"calls"`      // model requests made
	StoreHits int64                       `json:"store_hits"` // answers served by the response store
	Cost      float64                     `json:"cost"`
	// Files are further files of the version, by name: the diff against the version
	// before (DiffFile, DiffMarkdown).
	Files map[string][]byte `json:"files,omitempty"`
}

// AddFiles adds the (name, contents) pairs of a side input to f.Files: the diff files
// both pipelines hand their verdict.
func (f *Facts) AddFiles(files func(*string, *[]byte) bool) {
	var name string
	var data []byte
	for files(&name, &data) {
		if f.Files == nil {
			f.Files = map[string][]byte{}
		}
		f.Files[name] = data
	}
}

// Manifest is versions/<id>/manifest.json: what made the version.
type Manifest struct {
	Version     string    `json:"version"`
	Job         string    `json:"job"`
	RunID       string    `json:"run_id"`
	StartedAt   time.Time `json:"started_at"`
	PublishedAt time.Time `json:"published_at"`
	// Previous is the version LATEST named when this one was made: what its diff is
	// against. "" for the first.
	Previous     string                      `json:"previous,omitempty"`
	Placeholder  bool                        `json:"placeholder"`
	Build        Build                       `json:"build"`
	ConfigSHA256 string                      `json:"config_sha256"`
	Templates    []string                    `json:"prompt_templates"`
	Models       []Model                     `json:"models"`
	Inputs       []Input                     `json:"inputs"`
	Counts       map[string]map[string]int64 `json:"counts"`
	Calls        int64                       `json:"calls"`
	StoreHits    int64                       `json:"store_hits"`
	Cost         float64                     `json:"cost"`
	// Files are the version's files but the manifest, by path below its directory.
	Files []File `json:"files"`
}

// File is one file of a version.
type File struct {
	Path    string `json:"path"` // below the version's directory, "/"-separated
	Bytes   int64  `json:"bytes"`
	Records int64  `json:"records"`
}

// Pointer is the content of LATEST.
type Pointer struct {
	Version     string    `json:"version"`
	Path        string    `json:"path"` // the version's directory below the output prefix: versions/<id>
	Job         string    `json:"job"`
	RunID       string    `json:"run_id"`
	PublishedAt time.Time `json:"published_at"`
	Previous    string    `json:"previous,omitempty"`
}

// ID is the version id of a run: its start time, to the second in UTC, then the run
// id, so that ids sort by time even for a run id of the user's choosing. A run id that
// already starts with that time (the launcher's own, launch.NewRunID) is the id as it
// is. A relaunch under the same run id starts later, and so gets an id of its own.
func ID(runID string, started time.Time) string {
	if started.IsZero() {
		return runID
	}
	stamp := started.UTC().Format("20060102T150405Z")
	if strings.HasPrefix(runID, stamp) {
		return runID
	}
	return stamp + "-" + runID
}

// Path is the version's directory, <output>/versions/<id>, or a path below it.
func Path(output, id string, elem ...string) string {
	return fsx.Join(output, append([]string{Dir, id}, elem...)...)
}

// ErrNoVersion says that an output prefix has no LATEST: no run published a version there.
var ErrNoVersion = errors.New("versions: no version published")

// ReadLatest reads the output's LATEST.
func ReadLatest(ctx context.Context, output string) (Pointer, error) {
	p := fsx.Join(output, LatestFile)
	b, err := fsx.ReadFile(ctx, p)
	if isNotExist(err) {
		return Pointer{}, fmt.Errorf("%w at %s", ErrNoVersion, output)
	} else if err != nil {
		return Pointer{}, fmt.Errorf("versions: reading %s: %v", p, err)
	}
	var ptr Pointer
	if err := json.Unmarshal(b, &ptr); err != nil || ptr.Version == "" {
		return Pointer{}, fmt.Errorf("versions: %s names no version (%v): remove it, or write {\"version\": \"<id>\"} to it", p, err)
	}
	return ptr, nil
}

// ReadManifest reads the manifest of the version in dir (a version's directory).
func ReadManifest(ctx context.Context, dir string) (Manifest, error) {
	p := fsx.Join(dir, ManifestFile)
	b, err := fsx.ReadFile(ctx, p)
	if err != nil {
		if isNotExist(err) {
			return Manifest{}, fmt.Errorf("versions: %s is not a published version: no %s: %w", dir, ManifestFile, fs.ErrNotExist)
		}
		return Manifest{}, fmt.Errorf("versions: reading %s: %v", p, err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return Manifest{}, fmt.Errorf("versions: %s: %v", p, err)
	}
	return m, nil
}

// Resolve finds the version ref names at output: "latest" (or "") is the one LATEST
// names, "previous" the one before it; a ref with a "/" is a version's directory, or an
// output prefix, which stands for the version its LATEST names, anywhere; anything else
// is a version id below output. It returns the version's directory and its manifest.
func Resolve(ctx context.Context, output, ref string) (string, Manifest, error) {
	var dir string
	switch {
	case ref == "" || strings.EqualFold(ref, "latest") || strings.EqualFold(ref, "previous"):
		ptr, err := ReadLatest(ctx, output)
		if err != nil {
			return "", Manifest{}, err
		}
		id := ptr.Version
		if strings.EqualFold(ref, "previous") {
			if id = ptr.Previous; id == "" {
				return "", Manifest{}, fmt.Errorf("versions: the latest version at %s, %s, is the first: there is no previous one", output, ptr.Version)
			}
		}
		dir = Path(output, id)
	case strings.Contains(ref, "/"):
		dir = strings.TrimSuffix(ref, "/")
		// Another output prefix (a schedule's dated one, say) stands for its LATEST.
		if _, err := ReadManifest(ctx, dir); errors.Is(err, fs.ErrNotExist) {
			if ptr, err := ReadLatest(ctx, dir); err == nil {
				dir = Path(dir, ptr.Version)
			}
		}
	default:
		dir = Path(output, ref)
	}
	m, err := ReadManifest(ctx, dir)
	if err != nil && errors.Is(err, fs.ErrNotExist) && !strings.Contains(ref, "/") {
		if all, lerr := List(ctx, output); lerr == nil {
			var ids []string
			for _, e := range all {
				if e.Manifest != nil {
					ids = append(ids, e.ID)
				}
			}
			return "", Manifest{}, fmt.Errorf("%v; the versions at %s are: %s", err, output, strings.Join(ids, ", "))
		}
	}
	return dir, m, err
}

// Entry is one directory below versions/: a version, or what a run left of one before
// it was killed (no manifest).
type Entry struct {
	ID       string
	Manifest *Manifest // nil: no manifest.json, not a version
}

// List lists the directories below <output>/versions/, versions by the time they were
// published, oldest first, then those without a manifest by id.
func List(ctx context.Context, output string) ([]Entry, error) {
	root := fsx.Join(output, Dir)
	var ids []string
	if fsx.IsLocal(root) {
		des, err := os.ReadDir(root)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("versions: listing %s: %v", root, err)
		}
		for _, de := range des {
			if de.IsDir() {
				ids = append(ids, de.Name())
			}
		}
	} else {
		fsys, err := fsx.Open(ctx, root)
		if err != nil {
			return nil, err
		}
		defer fsys.Close()
		files, err := fsys.List(ctx, root+"/**")
		if err != nil {
			return nil, fmt.Errorf("versions: listing %s: %v", root, err)
		}
		seen := map[string]bool{}
		for _, f := range files {
			rest, ok := strings.CutPrefix(f, root+"/")
			id, _, nested := strings.Cut(rest, "/")
			if ok && nested && !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	entries := make([]Entry, 0, len(ids))
	for _, id := range ids {
		e := Entry{ID: id}
		m, err := ReadManifest(ctx, Path(output, id))
		switch {
		case err == nil:
			e.Manifest = &m
		case !errors.Is(err, fs.ErrNotExist):
			return nil, err
		}
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b Entry) int {
		switch {
		case a.Manifest != nil && b.Manifest != nil:
			if c := a.Manifest.PublishedAt.Compare(b.Manifest.PublishedAt); c != 0 {
				return c
			}
		case a.Manifest != nil:
			return -1
		case b.Manifest != nil:
			return 1
		}
		return strings.Compare(a.ID, b.ID)
	})
	return entries, nil
}

// Publication is one run's version to make.
type Publication struct {
	Output      string
	Job         string
	RunID       string
	StartedAt   time.Time
	Placeholder bool
	Spec        Spec
	Facts       Facts
	// Files are the run's published files and reports, by their paths below Output;
	// those Spec.Include names are copied into the version.
	Files []Source
	// Staging is a directory of the run's own (its temporary tree) where files are
	// written before they are renamed into place.
	Staging string
}

// Source is a published file of the run.
type Source struct {
	Path    string // its final path, below the output prefix
	Records int64
}

// Make writes the run's version: it copies the files Spec.Include names into
// versions/<id>/, writes Facts.Files beside them, and writes manifest.json last, with
// the input files listed and checksummed. The version is not published until Point
// names it. Call it holding the output's lease.
//
// When LATEST already names the version (a retried publish whose earlier attempt got
// that far), Make leaves it alone and returns its manifest with done set. Otherwise it
// first removes what an earlier attempt of this run left in the version's directory.
func Make(ctx context.Context, fsys filesystem.Interface, p Publication) (m Manifest, done bool, err error) {
	if err := p.Spec.Validate(); err != nil {
		return Manifest{}, false, fmt.Errorf("versions: %v", err)
	}
	id := ID(p.RunID, p.StartedAt)
	dir := Path(p.Output, id)
	var previous string
	switch ptr, err := ReadLatest(ctx, p.Output); {
	case err == nil && ptr.Version == id:
		m, err := ReadManifest(ctx, dir)
		return m, err == nil, err
	case err == nil:
		previous = ptr.Version
	case !errors.Is(err, ErrNoVersion):
		return Manifest{}, false, err
	}
	if err := fsx.RemoveTree(ctx, fsys, dir); err != nil {
		return Manifest{}, false, fmt.Errorf("versions: clearing %s: %v", dir, err)
	}
	inputs, err := Inputs(ctx, p.Spec.Inputs, p.StartedAt)
	if err != nil {
		return Manifest{}, false, err
	}
	files, err := copyIncluded(ctx, fsys, p, dir)
	if err != nil {
		return Manifest{}, false, err
	}
	for _, name := range slices.Sorted(maps.Keys(p.Facts.Files)) {
		if name == ManifestFile || strings.ContainsAny(name, `/\`) {
			return Manifest{}, false, fmt.Errorf("versions: %q is not a file name of its own", name)
		}
		data := p.Facts.Files[name]
		if err := writeFile(ctx, fsys, p.Staging, fsx.Join(dir, name), data); err != nil {
			return Manifest{}, false, err
		}
		files = append(files, File{Path: name, Bytes: int64(len(data))})
	}
	slices.SortFunc(files, func(a, b File) int { return strings.Compare(a.Path, b.Path) })
	m = Manifest{Version: id, Job: p.Job, RunID: p.RunID, StartedAt: p.StartedAt, PublishedAt: time.Now().UTC(),
		Previous: previous, Placeholder: p.Placeholder, Build: p.Spec.Build.orUnknown(), ConfigSHA256: p.Spec.ConfigSHA256,
		Templates: nonNil(p.Spec.Templates), Models: nonNil(p.Spec.Models), Inputs: inputs, Counts: p.Facts.Counts,
		Calls: p.Facts.Calls, StoreHits: p.Facts.StoreHits, Cost: p.Facts.Cost, Files: files}
	if m.Counts == nil {
		m.Counts = map[string]map[string]int64{}
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return Manifest{}, false, fmt.Errorf("versions: the manifest: %v", err)
	}
	if err := writeFile(ctx, fsys, p.Staging, fsx.Join(dir, ManifestFile), append(b, '\n')); err != nil {
		return Manifest{}, false, err
	}
	return m, false, nil
}

// copyIncluded copies the run's files that p.Spec.Include names into dir.
func copyIncluded(ctx context.Context, fsys filesystem.Interface, p Publication, dir string) ([]File, error) {
	var files []File
	for _, src := range p.Files {
		rel, ok := relPath(p.Output, src.Path)
		if !ok || !included(rel, p.Spec.Include) {
			continue
		}
		dst := fsx.Join(dir, rel)
		if err := fsx.Copy(ctx, fsys, src.Path, dst); err != nil {
			return nil, fmt.Errorf("versions: copying %s: %v", src.Path, err)
		}
		size, err := fsys.Size(ctx, dst)
		if err != nil {
			return nil, fmt.Errorf("versions: %s: %v", dst, err)
		}
		files = append(files, File{Path: rel, Bytes: size, Records: src.Records})
	}
	return files, nil
}

// Point makes LATEST name the version of m: the last step of publishing it, one atomic
// replace (locally a rename over the old file; on gs:// a single object write). Call
// it holding the output's lease.
func Point(ctx context.Context, fsys filesystem.Interface, output, staging string, m Manifest) error {
	ptr := Pointer{Version: m.Version, Path: Dir + "/" + m.Version, Job: m.Job, RunID: m.RunID, PublishedAt: m.PublishedAt, Previous: m.Previous}
	b, err := json.MarshalIndent(ptr, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(ctx, fsys, staging, fsx.Join(output, LatestFile), append(b, '\n'))
}

// Prune removes versions beyond the newest keep (by the time they were published), and
// what killed runs left without a manifest, but never the version LATEST names nor
// those in protect. Call it after Point, holding the output's lease: nothing a reader
// of LATEST may be reading goes. It returns the ids it removed.
func Prune(ctx context.Context, fsys filesystem.Interface, output string, keep int, protect ...string) ([]string, error) {
	entries, err := List(ctx, output)
	if err != nil {
		return nil, err
	}
	kept := map[string]bool{}
	for _, id := range protect {
		kept[id] = true
	}
	if ptr, err := ReadLatest(ctx, output); err == nil {
		kept[ptr.Version] = true
	} else if !errors.Is(err, ErrNoVersion) {
		return nil, err // without knowing what LATEST names, nothing is safe to remove
	}
	var complete []string
	for _, e := range entries {
		if e.Manifest != nil {
			complete = append(complete, e.ID)
		}
	}
	if keep > 0 && len(complete) > keep {
		for _, id := range complete[len(complete)-keep:] {
			kept[id] = true
		}
	} else {
		for _, id := range complete {
			kept[id] = true
		}
	}
	var removed []string
	for _, e := range entries {
		if kept[e.ID] {
			continue
		}
		if err := fsx.RemoveTree(ctx, fsys, Path(output, e.ID)); err != nil {
			return removed, fmt.Errorf("versions: removing %s: %v", Path(output, e.ID), err)
		}
		removed = append(removed, e.ID)
	}
	return removed, nil
}

// writeFile writes data to p so that a reader sees the old file or the whole new one:
// locally through a temporary file in staging, renamed into place; on an object store
// with one write, which is atomic there.
func writeFile(ctx context.Context, fsys filesystem.Interface, staging, p string, data []byte) error {
	var err error
	if fsx.IsLocal(p) {
		tmp := p + ".tmp"
		if staging != "" {
			tmp = fsx.Join(staging, "versions", path.Base(p))
		}
		err = fsx.WriteFileVia(ctx, fsys, tmp, p, data)
	} else {
		err = fsx.WriteFile(ctx, fsys, p, data)
	}
	if err != nil {
		return fmt.Errorf("versions: writing %s: %v", p, err)
	}
	return nil
}

// relPath is p below output, "/"-separated, or false when p is elsewhere.
func relPath(output, p string) (string, bool) {
	base := strings.TrimSuffix(fsx.Join(output), "/") + "/"
	rel, ok := strings.CutPrefix(p, base)
	if !ok {
		return "", false
	}
	if fsx.IsLocal(output) {
		rel = filepath.ToSlash(rel)
	}
	return rel, true
}

func included(rel string, include []string) bool {
	for _, p := range include {
		if rel == p || strings.HasPrefix(rel, strings.TrimSuffix(p, "/")+"/") {
			return true
		}
	}
	return false
}

func isNotExist(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, storage.ErrObjectNotExist)
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Previous finds the version that a version being published by run id should be compared
// with: the one LATEST names, if it is of job. ok is false, with no error, when there is
// none to compare with: no version yet, LATEST already names id (an earlier attempt of
// this run published it, diff and all), the version is gone, or it is of another job
// (the last two are logged).
func Previous(ctx context.Context, output, id, job string) (dir string, m Manifest, ok bool, err error) {
	ptr, err := ReadLatest(ctx, output)
	switch {
	case errors.Is(err, ErrNoVersion):
		return "", m, false, nil
	case err != nil:
		return "", m, false, fmt.Errorf("%s: the version to compare with: %v", job, err)
	case ptr.Version == id:
		return "", m, false, nil
	}
	dir = Path(output, ptr.Version)
	m, err = ReadManifest(ctx, dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		slog.Warn(job+": the version LATEST names is gone; this version has no diff", "version", ptr.Version)
		return "", m, false, nil
	case err != nil:
		return "", m, false, fmt.Errorf("%s: the version to compare with: %v", job, err)
	case m.Job != job:
		slog.Warn(job+": the version LATEST names is of another job; this version has no diff", "version", ptr.Version, "job", m.Job)
		return "", m, false, nil
	}
	return dir, m, true, nil
}
