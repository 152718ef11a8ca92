// Command xinstruct-diff compares two versions that runs published at an output prefix
// (io/versions): for pipelines/generate, the dataset's pairs added, removed and changed
// per language, with examples; for pipelines/eval, each model's adjusted win rate per
// language before and after, with intervals. It prints the markdown report, or the JSON
// one with --json; --report=DIR writes both (diff.json, diff.md) to DIR.
//
//	go run ./cmd/xinstruct-diff --output=out                      # LATEST against the version before it
//	go run ./cmd/xinstruct-diff --output=out --from=V1 --to=V2    # ids, "latest", "previous", or version directories
//	go run ./cmd/xinstruct-diff --from=out/2026-01 --to=out/2026-02  # two output prefixes: their LATEST versions
//	go run ./cmd/xinstruct-diff --output=out --list               # the versions, oldest first
//
// It is a command of its own, not a subcommand of the pipelines: a Beam binary must not
// look at its arguments before beam.Init, which a worker never returns from.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/io/dataset"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/io/versions"
	"github.com/xinstruct/xinstruct/transforms/leaderboard"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run is the command, with its arguments and outputs; it returns the exit code: 0, 1 when
// the comparison failed, 2 for wrong flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("xinstruct-diff", flag.ContinueOnError)
	fs.SetOutput(stderr)
	output := fs.String("output", "out", "the output prefix the versions were published at, local or gs://")
	from := fs.String("from", "", `the earlier version: an id, "latest", "previous", a version's directory, or another output prefix (its LATEST) (default: the version --to was compared with when it was published)`)
	to := fs.String("to", "latest", `the later version: an id, "latest", "previous", a version's directory, or another output prefix (its LATEST)`)
	asJSON := fs.Bool("json", false, "print the JSON report instead of the markdown")
	report := fs.String("report", "", "also write diff.json and diff.md to this directory, local or gs://")
	list := fs.Bool("list", false, "list the versions at --output instead of comparing")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "xinstruct-diff: unexpected argument %q (flags are --name=value)\n", fs.Arg(0))
		return 2
	}
	if *list {
		if err := listVersions(ctx, *output, stdout); err != nil {
			fmt.Fprintf(stderr, "xinstruct-diff: %v\n", err)
			return 1
		}
		return 0
	}
	js, md, err := compare(ctx, *output, *from, *to)
	if err != nil {
		fmt.Fprintf(stderr, "xinstruct-diff: %v\n", err)
		return 1
	}
	if *report != "" {
		if err := writeReport(ctx, *report, js, md); err != nil {
			fmt.Fprintf(stderr, "xinstruct-diff: %v\n", err)
			return 1
		}
	}
	if *asJSON {
		stdout.Write(js)
	} else {
		io.WriteString(stdout, md)
	}
	return 0
}

// compare compares the versions fromRef and toRef at output and returns the report, as
// JSON and as markdown.
func compare(ctx context.Context, output, fromRef, toRef string) ([]byte, string, error) {
	toDir, to, err := versions.Resolve(ctx, output, toRef)
	if err != nil {
		return nil, "", err
	}
	if fromRef == "" {
		if fromRef = to.Previous; fromRef == "" {
			return nil, "", fmt.Errorf("version %s is the first published at %s: give --from", to.Version, output)
		}
	}
	fromDir, from, err := versions.Resolve(ctx, output, fromRef)
	if err != nil {
		return nil, "", err
	}
	if from.Job != to.Job {
		return nil, "", fmt.Errorf("version %s is of %s and %s of %s: nothing to compare", from.Version, from.Job, to.Version, to.Job)
	}
	var v any
	var md string
	switch to.Job {
	case "generate":
		a, err := dataset.LangFiles(ctx, fsx.Join(fromDir, dataset.Dir))
		if err != nil {
			return nil, "", err
		}
		b, err := dataset.LangFiles(ctx, fsx.Join(toDir, dataset.Dir))
		if err != nil {
			return nil, "", err
		}
		d, err := dataset.DiffFiles(ctx, a, b)
		if err != nil {
			return nil, "", err
		}
		d.From, d.To = from.Version, to.Version
		d.Placeholder = from.Placeholder || to.Placeholder
		v, md = d, d.Markdown()
	case "eval":
		a, err := readResults(ctx, fromDir)
		if err != nil {
			return nil, "", err
		}
		b, err := readResults(ctx, toDir)
		if err != nil {
			return nil, "", err
		}
		d := leaderboard.DiffResults(a, b)
		d.From, d.To = from.Version, to.Version
		d.Placeholder = from.Placeholder || to.Placeholder
		v, md = d, d.Markdown()
	default:
		return nil, "", fmt.Errorf("version %s is of a job this command does not know: %q", to.Version, to.Job)
	}
	js, err := json.MarshalIndent(v, "", "  ")
	return append(js, '\n'), md, err
}

// readResults reads the leaderboard rows of an eval version's report/results.json.
func readResults(ctx context.Context, dir string) ([]leaderboard.Result, error) {
	p := fsx.Join(dir, publish.ReportDir, "results.json")
	b, err := fsx.ReadFile(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %v", p, err)
	}
	var r struct {
		Results []leaderboard.Result `json:"results"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %v", p, err)
	}
	return r.Results, nil
}

func writeReport(ctx context.Context, dir string, js []byte, md string) error {
	fsys, err := fsx.Open(ctx, dir)
	if err != nil {
		return err
	}
	defer fsys.Close()
	for name, data := range map[string][]byte{versions.DiffFile: js, versions.DiffMarkdown: []byte(md)} {
		if err := fsx.WriteFileAtomic(ctx, fsys, fsx.Join(dir, name), data); err != nil {
			return fmt.Errorf("writing %s: %v", fsx.Join(dir, name), err)
		}
	}
	return nil
}

// listVersions prints the versions at output, oldest first, marking the one LATEST names.
func listVersions(ctx context.Context, output string, w io.Writer) error {
	entries, err := versions.List(ctx, output)
	if err != nil {
		return err
	}
	latest := ""
	if p, err := versions.ReadLatest(ctx, output); err == nil {
		latest = p.Version
	} else if !errors.Is(err, versions.ErrNoVersion) {
		return err
	}
	if len(entries) == 0 {
		return fmt.Errorf("no version at %s", output)
	}
	for _, e := range entries {
		if e.Manifest == nil {
			fmt.Fprintf(w, "  %s  (incomplete: no %s; the next run removes it)\n", e.ID, versions.ManifestFile)
			continue
		}
		m := e.Manifest
		mark := " "
		if e.ID == latest {
			mark = "*"
		}
		fmt.Fprintf(w, "%s %s  %s  %s  run %s  config %.12s  commit %.12s\n", mark, e.ID, m.PublishedAt.Format("2006-01-02 15:04:05Z"), m.Job, m.RunID, m.ConfigSHA256, m.Build.GitCommit)
	}
	if latest != "" {
		fmt.Fprintf(w, "(* = %s)\n", versions.LatestFile)
	}
	return nil
}
