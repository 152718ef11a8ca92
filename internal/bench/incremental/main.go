// Command incremental is the incremental-cost benchmark's helper (run.sh in this
// directory):
//
//	incremental split --corpora=DIR --langs=fi,sw --add=0.10 --remove=0.05 --out=DIR
//	incremental table --v1=OUT1 --v2=OUT2 --needed=OUT3 [--rerun=OUT4]
//
// split writes two versions of each language's corpus (internal/corpusdelta: v2 holds
// add x |v1| documents v1 does not, and lacks remove x |v1| of v1's) as DIR/v1, DIR/v2,
// and v2's new documents alone as DIR/added. table reads the runs' report/summary.json
// and prints, per model stage, v1's calls, v2's (run on v1's response store), what the
// new documents needed (run alone into an empty store), the bound (needed + 1%), and
// what v2 saved; with --rerun, the calls of a re-run that changed only --per_language.
// It exits 1 if a stage of v2 is over its bound or the re-run made a call.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/xinstruct/xinstruct/internal/corpusdelta"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/pipelines/generate/job"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: incremental split|table [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "split":
		err = split(os.Args[2:], os.Stdout)
	case "table":
		err = table(os.Args[2:], os.Stdout)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "incremental:", err)
		os.Exit(1)
	}
}

func split(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("split", flag.ContinueOnError)
	corpora := fs.String("corpora", "", "directory of <lang>.jsonl corpora")
	langs := fs.String("langs", "", "comma-separated languages (default: every <lang>.jsonl in --corpora)")
	add := fs.Float64("add", 0.10, "share of v1 that v2 adds")
	remove := fs.Float64("remove", 0.05, "share of v1 that v2 removes")
	out := fs.String("out", "", "directory for v1/, v2/ and added/")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *corpora == "" || *out == "" {
		return errors.New("split: --corpora and --out are required")
	}
	var files []string
	if *langs == "" {
		files, _ = filepath.Glob(filepath.Join(*corpora, "*.jsonl"))
	} else {
		for _, l := range strings.Split(*langs, ",") {
			files = append(files, filepath.Join(*corpora, strings.TrimSpace(l)+".jsonl"))
		}
	}
	if len(files) == 0 {
		return fmt.Errorf("split: no corpora in %s", *corpora)
	}
	for _, v := range []string{"v1", "v2", "added"} {
		if err := os.MkdirAll(filepath.Join(*out, v), 0o755); err != nil {
			return err
		}
	}
	var n1, n2, added, removed int
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		d, err := corpusdelta.Split(corpusdelta.SplitLines(b), *add, *remove)
		if err != nil {
			return fmt.Errorf("%s: %v", f, err)
		}
		for v, lines := range map[string][][]byte{"v1": d.V1, "v2": d.V2, "added": d.Added} {
			if err := os.WriteFile(filepath.Join(*out, v, filepath.Base(f)), corpusdelta.JoinLines(lines), 0o644); err != nil {
				return err
			}
		}
		n1, n2, added, removed = n1+len(d.V1), n2+len(d.V2), added+len(d.Added), removed+len(d.Removed)
	}
	fmt.Fprintf(w, "%d corpora: v1 %d documents, v2 %d (%d added, %d removed)\n", len(files), n1, n2, added, removed)
	return nil
}

func table(args []string, w io.Writer) error {
	fs := flag.NewFlagSet("table", flag.ContinueOnError)
	v1 := fs.String("v1", "", "output of the v1 run")
	v2 := fs.String("v2", "", "output of the v2 run, on v1's response store")
	needed := fs.String("needed", "", "output of the run of v2's new documents alone, on an empty store")
	rerun := fs.String("rerun", "", "output of a re-run of v2 with another --per_language (optional)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	read := func(out string) (map[string]job.StageCalls, []string, error) {
		var s job.Summary
		if err := publish.ReadReport(context.Background(), out, job.SummaryName, &s); err != nil {
			return nil, nil, err
		}
		if s.Status != "published" {
			return nil, nil, fmt.Errorf("%s: the run %s: %s", out, s.Status, s.Failure)
		}
		m := map[string]job.StageCalls{}
		var order []string
		for _, c := range s.StageCalls {
			m[c.Stage] = c
			order = append(order, c.Stage)
		}
		return m, order, nil
	}
	s1, stages, err := read(*v1)
	if err != nil {
		return err
	}
	s2, _, err := read(*v2)
	if err != nil {
		return err
	}
	sn, _, err := read(*needed)
	if err != nil {
		return err
	}
	var sr map[string]job.StageCalls
	if *rerun != "" {
		if sr, _, err = read(*rerun); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "| stage | unit | v1 calls | v2 calls | needed (new docs alone) | bound (needed + 1%) | v2 saved | v2 cost | v2 saved cost | v2 requests | needed requests | within |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
	over := 0
	for _, st := range stages {
		a, b, n := s1[st], s2[st], sn[st]
		bound := n.CallsMade + n.CallsMade/100
		ok := b.CallsMade <= bound && b.Requests <= n.Requests+n.Requests/100
		if !ok {
			over++
		}
		fmt.Fprintf(w, "| %s | %s | %d | %d | %d | %d | %d | %.4f | %.4f | %d | %d | %s |\n", st, a.Unit, a.CallsMade, b.CallsMade, n.CallsMade, bound,
			b.CallsSaved, b.CostMade, b.CostSaved, b.Requests, n.Requests, map[bool]string{true: "yes", false: "NO"}[ok])
	}
	if sr != nil {
		var made, saved int64
		for _, c := range sr {
			made, saved = made+c.CallsMade, saved+c.CallsSaved
		}
		fmt.Fprintf(w, "\nre-run of v2 with another --per_language: %d calls made, %d saved\n", made, saved)
		if made > 0 {
			over++
		}
	}
	if over > 0 {
		return fmt.Errorf("%d stages over the bound", over)
	}
	return nil
}
