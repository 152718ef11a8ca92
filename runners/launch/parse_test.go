package launch

import (
	"bytes"
	"flag"
	"strings"
	"testing"
)

func TestSuggest(t *testing.T) {
	known := []string{"output", "input", "rounds", "max_tokens", "llm_base_url", "temperature", "rpm", "tpm", "seed", "embedder", "id", "endpoint", "temp_location", "worker", "workers_x"}
	for _, c := range []struct{ typed, want string }{
		{"ouput", "output"},
		{"outptu", "output"},
		{"Output", "output"},
		{"max-tokens", "max_tokens"},
		{"maxtokens", "max_tokens"},
		{"llm-base-url", "llm_base_url"},
		{"llm_baseurl", "llm_base_url"},
		{"tempreature", "temperature"},
		{"round", "rounds"},
		{"rpn", "rpm"}, // distance 1 to rpm, before tpm's 2
		{"seeed", "seed"},
		{"embeder", "embedder"},
		{"endpont", "endpoint"},   // Beam's, when none of ours is close
		{"temper", "temperature"}, // the only flag it starts
		{"xyz", ""},
		{"foo", ""},
		{"x", ""},
		{"temp", ""}, // the start of two flags
		{"verbose", ""},
		{"completely_different", ""},
	} {
		if got := Suggest(c.typed, known); got != c.want {
			t.Errorf("Suggest(%q) = %q, want %q", c.typed, got, c.want)
		}
	}
	// Ties go to the earlier name: ours come first.
	if got := Suggest("outpu", []string{"output", "outpux"}); got != "output" {
		t.Errorf("tie: %q", got)
	}
	if got := Suggest("outpu", []string{"outpux", "output"}); got != "outpux" {
		t.Errorf("tie: %q", got)
	}
}

func TestParse(t *testing.T) {
	for _, c := range []struct {
		args       []string
		code       int
		done       bool
		stdout     string // a part of it
		stderrLine string // the whole of it, without its newline
	}{
		{args: []string{"--output=x", "--temperature=0.5"}},
		{args: []string{"--ouput=x"}, code: ExitUsage, done: true, stderrLine: "gen: unknown flag --ouput (did you mean --output?)"},
		{args: []string{"-ouput", "x"}, code: ExitUsage, done: true, stderrLine: "gen: unknown flag --ouput (did you mean --output?)"},
		{args: []string{"--ouput"}, code: ExitUsage, done: true, stderrLine: "gen: unknown flag --ouput (did you mean --output?)"},
		{args: []string{"--regoin=x"}, code: ExitUsage, done: true, stderrLine: "gen: unknown flag --regoin (did you mean --region?)"},
		{args: []string{"--zzz=1"}, code: ExitUsage, done: true, stderrLine: "gen: unknown flag --zzz (--help lists the flags)"},
		{args: []string{"--temperature=hot"}, code: ExitUsage, done: true, stderrLine: `gen: invalid value "hot" for --temperature: want a number, e.g. 0.5`},
		{args: []string{"--request_timeout=5"}, code: ExitUsage, done: true, stderrLine: `gen: invalid value "5" for --request_timeout: want a duration, e.g. 30s, 2m or 1h`},
		{args: []string{"--estimate=perhaps"}, code: ExitUsage, done: true, stderrLine: `gen: invalid value "perhaps" for --estimate: want true or false`},
		{args: []string{"--output"}, code: ExitUsage, done: true, stderrLine: "gen: --output needs a value: --output=..."},
		{args: []string{"--estimate", "false", "--output=x"}, code: ExitUsage, done: true, stderrLine: `gen: unexpected argument "false" (write flags as --name=value, a bool flag as --name=false)`},
		{args: []string{"-help"}, done: true, stdout: "Usage: gen [--flag=value ...]\n\nInput:\n"},
		{args: []string{"--help"}, done: true, stdout: "\nBeam runner flags ("},
		{args: []string{"-h"}, done: true, stdout: "\nOutput:\n"},
		// A worker's command line: Beam's flags, as Beam's boot passes them.
		{args: []string{"--worker=true", "--id=1-1", "--logging_endpoint=localhost:1", "--control_endpoint=localhost:2", "--semi_persist_dir=/tmp"}},
	} {
		fs, groups, _ := testFlags()
		fs.String("id", "", "")
		fs.String("logging_endpoint", "", "")
		fs.String("control_endpoint", "", "")
		fs.String("semi_persist_dir", "/tmp", "")
		fs.Init("gen", flag.ExitOnError)
		var out, errOut bytes.Buffer
		code, done := Parse(fs, "gen", groups, c.args, &out, &errOut)
		if code != c.code || done != c.done {
			t.Errorf("%q: code %d done %v, want %d %v (stderr %q)", c.args, code, done, c.code, c.done, errOut.String())
		}
		if c.stderrLine != "" || errOut.Len() > 0 {
			if got := errOut.String(); got != c.stderrLine+"\n" {
				t.Errorf("%q: stderr %q, want the one line %q", c.args, got, c.stderrLine)
			}
		}
		if !strings.Contains(out.String(), c.stdout) || (c.stdout == "" && out.Len() > 0) {
			t.Errorf("%q: stdout %q, want it to hold %q", c.args, out.String(), c.stdout)
		}
		if fs.ErrorHandling() != flag.ExitOnError {
			t.Errorf("%q: Parse did not restore the flag set's error handling", c.args)
		}
	}
}
