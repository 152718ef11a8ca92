// Package launchtest checks a built pipeline binary's command line as a user meets it:
// its --help and its answer to a mistyped flag.
package launchtest

import (
	"bytes"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/runners/launch"
)

// CheckHelp runs bin -help and checks what launch.Main promises: exit 0, on stdout,
// nothing on stderr; the usage line and the first group first; every group's heading, in
// order, before Beam's; no float or duration noise and no flag outside the groups
// ("Other flags").
func CheckHelp(t *testing.T, bin, name string, groups []launch.Group) {
	t.Helper()
	for _, arg := range []string{"-help", "--help", "-h"} {
		cmd := exec.Command(bin, arg)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil || errOut.Len() > 0 {
			t.Fatalf("%s %s: %v, stderr %q; want exit 0 and the help on stdout", name, arg, err, errOut.String())
		}
		help := out.String()
		lines := strings.Split(help, "\n")
		t.Logf("%s %s: %d lines", name, arg, len(lines)-1)
		if len(lines) < 4 || lines[0] != "Usage: "+name+" [--flag=value ...]" || lines[2] != groups[0].Title+":" ||
			!strings.HasPrefix(lines[3], "  --"+groups[0].Flags[0]) {
			t.Fatalf("%s %s starts with\n%s\nwant the usage line, then %q with --%s", name, arg, strings.Join(lines[:min(4, len(lines))], "\n"), groups[0].Title, groups[0].Flags[0])
		}
		last := -1
		for _, h := range append(titles(groups), "Beam runner flags (--runner=") {
			i := strings.Index(help, "\n"+h)
			if i <= last {
				t.Errorf("%s %s: heading %q is missing or out of order", name, arg, h)
			}
			last = i
		}
		for _, g := range groups {
			for _, f := range g.Flags {
				if !strings.Contains(help, "\n  --"+f+"=") && !strings.Contains(help, "\n  --"+f+" ") && !strings.Contains(help, "\n  --"+f+"\n") {
					t.Errorf("%s %s: --%s is not listed under a group", name, arg, f)
				}
			}
		}
		for _, noise := range []string{"0.699999", "1m0s", "2m0s", "(required)", "Other flags:", "Usage of "} {
			if strings.Contains(help, noise) {
				t.Errorf("%s %s: the help has %q", name, arg, noise)
			}
		}
	}
}

// CheckTypo runs bin --ouput=x and checks the answer is one line on stderr naming
// --output, exit code launch.ExitUsage, nothing on stdout.
func CheckTypo(t *testing.T, bin, name string) {
	t.Helper()
	for _, c := range []struct{ arg, want string }{
		{"--ouput=x", name + ": unknown flag --ouput (did you mean --output?)\n"},
		{"-ouput", name + ": unknown flag --ouput (did you mean --output?)\n"},
		{"--no_such_thing_at_all=1", name + ": unknown flag --no_such_thing_at_all (--help lists the flags)\n"},
		{"--max_shard_mb=big", name + `: invalid value "big" for --max_shard_mb: want a whole number` + "\n"},
	} {
		cmd := exec.Command(bin, c.arg)
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != launch.ExitUsage {
			t.Errorf("%s %s: %v; want exit code %d", name, c.arg, err, launch.ExitUsage)
		}
		if errOut.String() != c.want || out.Len() > 0 {
			t.Errorf("%s %s: stderr %q, stdout %q; want only the line %q", name, c.arg, errOut.String(), out.String(), c.want)
		}
	}
}

func titles(groups []launch.Group) []string {
	var ts []string
	for _, g := range groups {
		ts = append(ts, g.Title+":")
	}
	return ts
}
