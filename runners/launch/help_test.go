package launch

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"
)

// testFlags is a flag set like a binary's: two groups of ours, one flag of ours in no
// group, and "Beam's" flags (the names isBeam says).
func testFlags() (*flag.FlagSet, []Group, func(string) bool) {
	fs := flag.NewFlagSet("gen", flag.ContinueOnError)
	fs.String("output", "out", "output prefix")
	fs.String("input", "a/*.jsonl", "input globs")
	t := float32(0.7)
	fs.Float64("temperature", float64(t), "sampling temperature")
	fs.Duration("request_timeout", time.Minute, "deadline of one request")
	fs.Duration("lease_ttl", 2*time.Minute, "lease")
	fs.Bool("estimate", false, "count only")
	fs.Bool("structured_output", true, "use a schema")
	fs.String("model", "", "the model")
	fs.String("stray", "", "a flag in no group")
	fs.String("runner", "", "Pipeline runner.")
	fs.String("region", "", "GCP Region (required)")
	fs.String("staging_location", "", "GCS staging location (required).")
	fs.Bool("worker", false, "Whether binary is running in worker mode.")
	fs.String("endpoint", "", "Job service endpoint (required).")
	fs.String("environment_type", "", "Environment Type. Possible options are DOCKER, EXTERNAL, and LOOPBACK.")
	fs.String("brand_new_beam_flag", "", "Something (optional).")
	fs.String("job_name", "", "Job name (optional).")
	groups := []Group{
		{"Input", []string{"input"}},
		{"Model endpoint", []string{"model", "temperature", "request_timeout", "structured_output"}},
		{"Output", []string{"output", "estimate", "lease_ttl"}},
	}
	beam := map[string]bool{"runner": true, "region": true, "staging_location": true, "worker": true, "job_name": true, "endpoint": true, "environment_type": true, "brand_new_beam_flag": true}
	return fs, groups, func(n string) bool { return beam[n] }
}

func TestWriteHelp(t *testing.T) {
	fs, groups, isBeam := testFlags()
	var b bytes.Buffer
	writeHelp(&b, "gen", fs, groups, isBeam)
	help := b.String()
	t.Logf("\n%s", help)
	lines := strings.Split(help, "\n")
	if lines[0] != "Usage: gen [--flag=value ...]" || lines[2] != "Input:" || !strings.HasPrefix(lines[3], "  --input=a/*.jsonl ") {
		t.Errorf("the help does not start with the usage line and the first group:\n%s", strings.Join(lines[:4], "\n"))
	}
	for _, want := range []string{
		"--temperature=0.7 ", "--request_timeout=60s ", "--lease_ttl=2m ", "--structured_output=true ",
		"  --estimate ", "  --model ", // off and empty: the name alone
		"\nOther flags:\n  --stray ",
		"  Dataflow (--runner=dataflow needs --project, --region and --staging_location):\n    --region --staging_location\n",
		"    --endpoint ", "    --environment_type ", "    --job_name          Job name\n",
		"  Other Beam flags:\n    --brand_new_beam_flag\n",
		"  Set by the runner on a worker's command line, not by hand:\n    --worker\n",
	} {
		if !strings.Contains(help, want) {
			t.Errorf("the help lacks %q", want)
		}
	}
	for _, noise := range []string{"0.699999", "1m0s", "2m0s", "(required", "(optional", "default \""} {
		if strings.Contains(help, noise) {
			t.Errorf("the help has %q", noise)
		}
	}
	order := []string{"Input:", "Model endpoint:", "Output:", "Other flags:", "Beam runner flags (--runner="}
	last := -1
	for _, h := range order {
		i := strings.Index(help, "\n"+h)
		if i <= last {
			t.Errorf("%q is missing or out of order (%v)", h, order)
		}
		last = i
	}
	for _, l := range lines {
		if len(l) > helpWidth {
			t.Errorf("line wider than %d: %q", helpWidth, l)
		}
	}
}

func TestDisplayDefault(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Float64("f32", float64(float32(0.7)), "")
	fs.Float64("f64", 0.7, "")
	fs.Float64("one", 1, "")
	fs.Float64("big", 1e6, "")
	fs.Float64("tiny", 1e-4, "")
	fs.Duration("zero", 0, "")
	fs.Duration("min", time.Minute, "")
	fs.Duration("ninety", 90*time.Second, "")
	fs.Duration("two", 2*time.Minute, "")
	fs.Duration("hour", time.Hour, "")
	fs.Duration("odd", time.Hour+30*time.Second, "")
	fs.Duration("ms", 500*time.Millisecond, "")
	fs.Bool("off", false, "")
	fs.Bool("on", true, "")
	fs.String("empty", "", "")
	fs.String("spaced", "a b", "")
	fs.String("list", "fi,id", "")
	fs.Int("n", 0, "")
	fs.Uint64("u", 7, "")
	for name, want := range map[string]string{
		"f32": "0.7", "f64": "0.7", "one": "1", "big": "1000000", "tiny": "0.0001",
		"zero": "0", "min": "60s", "ninety": "90s", "two": "2m", "hour": "1h", "odd": "1h30s", "ms": "500ms",
		"off": "", "on": "true", "empty": "", "spaced": `"a b"`, "list": "fi,id", "n": "0", "u": "7",
	} {
		if got := DisplayDefault(fs.Lookup(name)); got != want {
			t.Errorf("DisplayDefault(--%s, %q) = %q, want %q", name, fs.Lookup(name).DefValue, got, want)
		}
	}
}

func TestCheckGroups(t *testing.T) {
	fs, groups, _ := testFlags()
	err := CheckGroups(fs, groups)
	if err == nil {
		t.Fatal("CheckGroups accepted flags in no group")
	}
	for _, want := range []string{"--stray is in no group", "--runner is in no group"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("CheckGroups: %v; want %q", err, want)
		}
	}
	ours := flag.NewFlagSet("x", flag.ContinueOnError)
	ours.String("a", "", "")
	ours.String("b", "", "")
	if err := CheckGroups(ours, []Group{{"A", []string{"a"}}, {"B", []string{"b"}}}); err != nil {
		t.Errorf("CheckGroups of a complete grouping: %v", err)
	}
	err = CheckGroups(ours, []Group{{"A", []string{"a", "b"}}, {"B", []string{"b", "c"}}})
	for _, want := range []string{`--b is in both "A" and "B"`, `group "B" lists --c, which is not defined`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckGroups: %v; want %q", err, want)
		}
	}
}

// TestLauncherFlags: the names LauncherFlags lists are the flags BindLauncherFlags
// defines, and ModelEndpointFlags, ModelLimitFlags and ModelBatchFlags those of
// BindModelFlags.
func TestLauncherFlags(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	BindLauncherFlags(fs)
	if err := CheckGroups(fs, []Group{{"Run", LauncherFlags}}); err != nil {
		t.Error(err)
	}
	fs = flag.NewFlagSet("x", flag.ContinueOnError)
	BindModelFlags(fs)
	if err := CheckGroups(fs, []Group{{"Model endpoint", ModelEndpointFlags}, {"Budgets and limits", ModelLimitFlags}, {"Batch API", ModelBatchFlags}}); err != nil {
		t.Error(err)
	}
}

// TestBeamFlagsKnown: the flags Beam registered before this package's init are the ones
// writeHelp lists as Beam's, and each of the worker's flags is among them.
func TestBeamFlagsKnown(t *testing.T) {
	for _, n := range []string{"runner", "worker", "id", "logging_endpoint", "control_endpoint", "semi_persist_dir", "endpoint", "project"} {
		if !beamFlags[n] {
			t.Errorf("--%s is not among Beam's flags", n)
		}
	}
	if beamFlags["output"] || beamFlags["lease_ttl"] {
		t.Error("a flag of ours is counted as Beam's")
	}
}
