package launch

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/agnivade/levenshtein"
)

// Parse parses args into fs, the binary's flags and Beam's together: the same flag set
// and the same parser as flag.Parse, so whatever a worker's command line passed before
// (Beam's --worker, --id, --logging_endpoint, ...) passes now. It returns done=false
// when the binary should go on. Otherwise it has written what to say and returns the
// exit code: --help (-h, -help) writes the help to stdout (exit 0); an unknown flag, a
// bad value or a stray argument write one line to stderr, with the closest known flag
// for a mistyped one (ExitUsage).
func Parse(fs *flag.FlagSet, name string, groups []Group, args []string, stdout, stderr io.Writer) (code int, done bool) {
	h := fs.ErrorHandling()
	out := fs.Output()
	usage := fs.Usage
	fs.Init(fs.Name(), flag.ContinueOnError)
	fs.SetOutput(io.Discard) // the flag package writes its error and the whole usage there
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.Init(fs.Name(), h)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		WriteHelp(stdout, name, fs, groups)
		return 0, true
	case err != nil:
		fmt.Fprintf(stderr, "%s: %s\n", name, parseError(fs, groups, err))
		return ExitUsage, true
	case fs.NArg() > 0 && !worker(fs):
		fmt.Fprintf(stderr, "%s: unexpected argument %q (write flags as --name=value, a bool flag as --name=false)\n", name, fs.Arg(0))
		return ExitUsage, true
	}
	return 0, false
}

// worker reports whether Beam's --worker is set: a worker's command line is the
// runner's to write, and is never refused here.
func worker(fs *flag.FlagSet) bool {
	f := fs.Lookup("worker")
	return f != nil && f.Value.String() == "true"
}

// parseError turns the flag package's error into one line in terms of --flags.
func parseError(fs *flag.FlagSet, groups []Group, err error) string {
	msg := err.Error()
	if n, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		line := "unknown flag --" + n
		if s := Suggest(n, sortedNames(fs, groups)); s != "" {
			return line + " (did you mean --" + s + "?)"
		}
		return line + " (--help lists the flags)"
	}
	if n, ok := strings.CutPrefix(msg, "flag needs an argument: -"); ok {
		return fmt.Sprintf("--%s needs a value: --%s=...", n, n)
	}
	// invalid value "x" for flag -rounds: parse error
	// invalid boolean value "x" for -estimate: parse error
	for _, prefix := range []string{"invalid value ", "invalid boolean value "} {
		rest, ok := strings.CutPrefix(msg, prefix)
		if !ok {
			continue
		}
		value, rest, err := leadingQuoted(rest)
		if err != nil {
			break
		}
		rest = strings.TrimPrefix(strings.TrimPrefix(rest, " for flag -"), " for -")
		n, why, ok := strings.Cut(rest, ": ")
		f := fs.Lookup(n)
		if !ok || f == nil {
			break
		}
		return fmt.Sprintf("invalid value %q for --%s: %s", value, n, valueProblem(f, why))
	}
	return strings.ReplaceAll(msg, "\n", "; ")
}

// leadingQuoted reads the Go-quoted string s starts with.
func leadingQuoted(s string) (value, rest string, err error) {
	q, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", err
	}
	value, err = strconv.Unquote(q)
	return value, s[len(q):], err
}

// valueProblem says what f wants, for the flag package's bare "parse error".
func valueProblem(f *flag.Flag, why string) string {
	if why != "parse error" {
		return strings.ReplaceAll(why, "\n", "; ")
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return "want true or false"
	}
	switch kind, _ := flag.UnquoteUsage(f); kind {
	case "int", "uint":
		return "want a whole number"
	case "float":
		return "want a number, e.g. 0.5"
	case "duration":
		return "want a duration, e.g. 30s, 2m or 1h"
	}
	return why
}

// Suggest returns the name in known closest to name, when it is close enough to be the
// one meant, or "". Closeness is the edit distance (Levenshtein, in runes) of the two
// with case and "-"/"_" ignored: at most 1 for a name of up to 4 letters, 2 up to 8, 3
// beyond, and less than the name's length. With no name that close, a known name name
// is the start of (and no other) is returned. Ties go to the earlier name in known, so a
// binary lists its own flags first.
func Suggest(name string, known []string) string {
	norm := func(s string) string { return strings.ReplaceAll(strings.ToLower(s), "-", "_") }
	n := norm(name)
	if n == "" {
		return ""
	}
	limit := 3
	switch l := len([]rune(n)); {
	case l <= 4:
		limit = 1
	case l <= 8:
		limit = 2
	}
	limit = min(limit, len([]rune(n))-1)
	best, bestD := "", limit+1
	for _, k := range known {
		if d := levenshtein.ComputeDistance(n, norm(k)); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return best
	}
	if len(n) < 3 {
		return ""
	}
	var prefixed []string
	for _, k := range known {
		if strings.HasPrefix(norm(k), n) {
			prefixed = append(prefixed, k)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}
