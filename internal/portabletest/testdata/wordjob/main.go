// Command wordjob is the tiny pipeline that portabletest's own test runs twice, in-process and on
// PROCESS workers, to show what reaches a real worker and what does not. It counts the words of
// --input and writes "<prefix><word><TAB><count>" lines to --output, and writes to --probe what
// the workers saw: the environment variables named by --env_vars, and a package-level variable
// that only the launching process sets.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/filter"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/transforms/stats"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/xinstruct/xinstruct/internal/register"
)

var (
	input   = flag.String("input", "", "text file to read (required)")
	output  = flag.String("output", "", "file to write word counts to (required)")
	probe   = flag.String("probe", "", "file to write what the workers saw to (required)")
	prefix  = flag.String("prefix", "", "prefix for every word; reaches workers as an exported DoFn field")
	envVars = flag.String("env_vars", "", "comma-separated environment variables the workers report")
	mark    = flag.String("launcher_mark", "", "value the launcher stores in a package-level variable")
)

// launcherMark is set by main in the launching process only. A worker re-executes the binary as
// "--worker=true ...", and beam.Init never returns there, so it keeps its zero value: probeFn
// reads it only to prove that point. Never configure a DoFn this way.
var launcherMark string

func init() {
	register.DoFn2x0[string, func(string)](&splitFn{})
	register.DoFn2x1[string, int, string](&formatFn{})
	register.DoFn2x0[string, func(string)](&probeFn{})
	register.Emitter1[string]()
}

// splitFn emits the lower-cased words of a line.
type splitFn struct{}

func (splitFn) ProcessElement(line string, emit func(string)) {
	for _, w := range strings.Fields(line) {
		emit(strings.ToLower(w))
	}
}

// formatFn formats a word count. Prefix is configuration: an exported field, serialized into the
// pipeline, so it reaches the workers.
type formatFn struct {
	Prefix string
}

func (f *formatFn) ProcessElement(word string, n int) string {
	return fmt.Sprintf("%s%s\t%d", f.Prefix, word, n)
}

// probeFn reports, for every element, the worker's values of the environment variables EnvVars
// (read once in Setup, on the worker) and of the package-level launcherMark.
type probeFn struct {
	EnvVars []string

	seen string
}

func (f *probeFn) Setup() {
	var b strings.Builder
	for _, name := range f.EnvVars {
		fmt.Fprintf(&b, "%s=%s ", name, os.Getenv(name))
	}
	f.seen = b.String()
}

func (f *probeFn) ProcessElement(_ string, emit func(string)) {
	emit(f.seen + "launcher_mark=" + launcherMark)
}

func main() {
	flag.Parse()
	beam.Init()
	if *input == "" || *output == "" || *probe == "" {
		log.Fatal("--input, --output and --probe are required")
	}
	launcherMark = *mark
	var names []string
	if *envVars != "" {
		names = strings.Split(*envVars, ",")
	}

	p, s := beam.NewPipelineWithRoot()
	words := beam.ParDo(s, &splitFn{}, textio.Read(s, *input))
	counts := stats.Count(s, words)
	textio.Write(s, *output, beam.ParDo(s, &formatFn{Prefix: *prefix}, counts))
	seen := filter.Distinct(s, beam.ParDo(s, &probeFn{EnvVars: names}, words))
	textio.Write(s, *probe, seen)
	if err := beamx.Run(context.Background(), p); err != nil {
		log.Fatalf("wordjob: %v", err)
	}
}
