package launch

import (
	"flag"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Group is one section of a binary's --help: a title and the names of the binary's own
// flags under it, in the order they are listed. A binary's groups together name every
// flag the project defines exactly once (CheckGroups); the flags no group names are
// Beam's, listed after them.
type Group struct {
	Title string
	Flags []string
}

// The flags the launcher and BindModelFlags define, for the binaries' groups: the
// endpoint and sampling ("model endpoint"), the limits and budgets ("budgets and
// limits"), the Batch API ("batch API"), and the launcher's own ("run", with the job's
// --run_id).
var (
	ModelEndpointFlags = []string{"llm_base_url", "llm_api_type", "llm_api_version", "api_key_secret", "temperature", "top_p", "max_tokens", "request_timeout", "max_retries", "response_store", "store_fsync", "offline", "progress_every"}
	ModelLimitFlags    = []string{"max_in_flight", "give_up_after", "rpm", "tpm", "price", "max_requests", "max_cost", "max_failure_rate", "estimate_latency"}
	ModelBatchFlags    = []string{"batch_api", "batch_price", "batch_size", "batch_fallback", "batch_poll", "batch_max_wait"}
	LauncherFlags      = []string{"skip_preflight", "lease_ttl", "wait_for_lease", "log_level", "beam_log_level", "progress_bars"}
)

// Flags returns the concatenation of lists of flag names, for a Group's Flags.
func Flags(lists ...[]string) []string { return slices.Concat(lists...) }

// CheckGroups reports every flag of fs that is in no group or in more than one, and
// every name a group lists that fs does not define. fs holds the project's flags only
// (a fresh FlagSet the binary's Bind functions were called on), so a flag added
// without a group fails its binary's test instead of slipping into Beam's section.
func CheckGroups(fs *flag.FlagSet, groups []Group) error {
	seen := map[string]string{}
	var problems []string
	for _, g := range groups {
		for _, name := range g.Flags {
			if prev, ok := seen[name]; ok {
				problems = append(problems, fmt.Sprintf("--%s is in both %q and %q", name, prev, g.Title))
				continue
			}
			seen[name] = g.Title
			if fs.Lookup(name) == nil {
				problems = append(problems, fmt.Sprintf("group %q lists --%s, which is not defined", g.Title, name))
			}
		}
	}
	fs.VisitAll(func(f *flag.Flag) {
		if _, ok := seen[f.Name]; !ok {
			problems = append(problems, fmt.Sprintf("--%s is in no group", f.Name))
		}
	})
	if len(problems) > 0 {
		return fmt.Errorf("flag groups: %s", strings.Join(problems, "; "))
	}
	return nil
}

// beamFlags are the flags on flag.CommandLine when this package is initialized: those
// of Beam's packages (beamx imports every runner), registered in their init. The
// project binds its own in main, later.
var beamFlags = func() map[string]bool {
	m := map[string]bool{}
	flag.VisitAll(func(f *flag.Flag) { m[f.Name] = true })
	return m
}()

// beamSection is one part of the Beam section of --help. Flags with descriptions get
// a line each; the others are listed by name only.
type beamSection struct {
	title    string
	names    []string
	describe bool
}

var beamSections = []beamSection{
	{"Any runner", []string{"runner", "async", "job_name", "experiments", "beam_strict", "element_processing_timeout", "resource_hints", "dot_file"}, true},
	{"Portable runners (prism, flink, spark, universal)", []string{"endpoint", "environment_type", "environment_config", "worker_binary", "parallelism", "retain_docker_containers", "sdk_harness_container_image_override"}, true},
	{"Dataflow (--runner=dataflow needs --project, --region and --staging_location)", []string{
		"project", "region", "staging_location", "temp_location", "zone", "worker_region", "worker_zone",
		"worker_machine_type", "machine_type", "num_workers", "max_num_workers", "autoscaling_algorithm",
		"number_of_worker_harness_threads", "disk_size_gb", "disk_type", "disk_provisioned_iops",
		"disk_provisioned_throughput_mibps", "min_cpu_platform", "network", "subnetwork",
		"use_public_ips", "no_use_public_ips", "service_account_email", "dataflow_kms_key",
		"sdk_container_image", "worker_harness_container_image", "dataflow_endpoint",
		"dataflow_service_options", "flexrs_goal", "labels", "cpu_profiling", "execute_async", "dry_run",
		"update", "transform_name_mapping", "template_location", "teardown_policy",
	}, false},
	{"Set by the runner on a worker's command line, not by hand", []string{"worker", "id", "control_endpoint", "logging_endpoint", "semi_persist_dir", "options"}, false},
}

// beamUsage replaces the descriptions of Beam flags whose own say too little here.
var beamUsage = map[string]string{
	"runner":             "prism (the default: runs the pipeline on this machine), direct, dataflow, flink, spark, universal or dot",
	"endpoint":           "the job service of --runner=universal, flink or spark (prism starts its own)",
	"dot_file":           "with --runner=dot, the file the pipeline's graph is written to",
	"worker_binary":      "the binary the workers run when this one cannot run there (e.g. a linux/amd64 build with CGO_ENABLED=0)",
	"environment_type":   "where the workers run: DOCKER, PROCESS, EXTERNAL or LOOPBACK",
	"environment_config": `the DOCKER image; for PROCESS, {"command": "<worker command>", "env": {...}}`,
}

const (
	helpWidth = 100 // the width help text is wrapped to
	helpLeft  = 30  // the widest flag column; a wider flag puts its description below it
)

// WriteHelp writes name's --help to w: its own flags by group, each with its default as
// a user would write it, then Beam's flags (those registered before this package's
// init) by runner.
func WriteHelp(w io.Writer, name string, fs *flag.FlagSet, groups []Group) {
	writeHelp(w, name, fs, groups, func(n string) bool { return beamFlags[n] })
}

func writeHelp(w io.Writer, name string, fs *flag.FlagSet, groups []Group, isBeam func(string) bool) {
	fmt.Fprintf(w, "Usage: %s [--flag=value ...]\n", name)
	grouped := map[string]bool{}
	var sections []Group
	for _, g := range groups {
		var names []string
		for _, n := range g.Flags {
			if fs.Lookup(n) != nil && !grouped[n] {
				names = append(names, n)
				grouped[n] = true
			}
		}
		sections = append(sections, Group{g.Title, names})
	}
	var other, beam []string
	fs.VisitAll(func(f *flag.Flag) {
		switch {
		case grouped[f.Name]:
		case isBeam(f.Name):
			beam = append(beam, f.Name)
		default:
			other = append(other, f.Name)
		}
	})
	if len(other) > 0 {
		sections = append(sections, Group{"Other flags", other})
	}
	var rows [][2]string
	for _, s := range sections {
		for _, n := range s.Flags {
			rows = append(rows, [2]string{flagExample(fs.Lookup(n)), fs.Lookup(n).Usage})
		}
	}
	col := leftColumn(rows)
	for _, s := range sections {
		fmt.Fprintf(w, "\n%s:\n", s.Title)
		for _, n := range s.Flags {
			f := fs.Lookup(n)
			writeRow(w, "  ", flagExample(f), f.Usage, col)
		}
	}
	if len(beam) > 0 {
		writeBeam(w, fs, beam)
	}
}

// writeBeam lists Beam's flags by runner: a line each for the ones a local run may
// use, names only for Dataflow's and the worker's.
func writeBeam(w io.Writer, fs *flag.FlagSet, names []string) {
	fmt.Fprintf(w, "\nBeam runner flags (--runner=direct|prism|dataflow|flink|spark|universal):\n")
	fmt.Fprintf(w, "  None is needed to run on this machine: the default runner, prism, runs the pipeline here.\n")
	left := map[string]bool{}
	for _, n := range names {
		left[n] = true
	}
	var described [][2]string
	for _, s := range beamSections {
		for _, n := range s.names {
			if left[n] && s.describe {
				described = append(described, [2]string{"--" + n, ""})
			}
		}
	}
	col := leftColumn(described)
	for _, s := range beamSections {
		var in []string
		for _, n := range s.names {
			if left[n] {
				in = append(in, n)
				delete(left, n)
			}
		}
		if len(in) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s:\n", s.title)
		if s.describe {
			for _, n := range in {
				writeRow(w, "    ", "--"+n, beamDescription(fs.Lookup(n)), col)
			}
		} else {
			writeNames(w, "    ", in)
		}
	}
	var rest []string
	for _, n := range names {
		if left[n] {
			rest = append(rest, n)
		}
	}
	if len(rest) > 0 {
		fmt.Fprintf(w, "  Other Beam flags:\n")
		writeNames(w, "    ", rest)
	}
}

// beamDescription is the first sentence of a Beam flag's description, without the
// "(required)" and "(optional)" that hold for one runner and mislead on another.
func beamDescription(f *flag.Flag) string {
	if u, ok := beamUsage[f.Name]; ok {
		return u
	}
	u, _, _ := strings.Cut(f.Usage, "\n")
	for _, noise := range []string{"(required in worker mode)", "(optional in worker mode)", "(required)", "(optional.)", "(optional)", "(internal only)"} {
		u = strings.ReplaceAll(u, noise, "")
	}
	if i := strings.Index(u, ". "); i >= 0 && len(u) > 120 {
		u = u[:i+1] // the first sentence of a long description
	}
	u = strings.TrimSpace(strings.Join(strings.Fields(u), " "))
	return strings.TrimSuffix(strings.TrimSuffix(u, " ."), ".")
}

// leftColumn is the width of the flag column: the widest flag that fits helpLeft.
func leftColumn(rows [][2]string) int {
	col := 0
	for _, r := range rows {
		if n := len(r[0]); n <= helpLeft && n > col {
			col = n
		}
	}
	return col
}

// writeRow writes one flag: its example in a column of width col after indent, and its
// description wrapped beside it (or below it, when the example is wider than col).
func writeRow(w io.Writer, indent, left, usage string, col int) {
	pad := len(indent) + col + 2
	lines := wrap(usage, max(helpWidth-pad, 30))
	if len(left) > col || len(lines) == 0 {
		fmt.Fprintf(w, "%s%s\n", indent, left)
		for _, l := range lines {
			fmt.Fprintf(w, "%*s%s\n", pad, "", l)
		}
		return
	}
	fmt.Fprintf(w, "%s%-*s  %s\n", indent, col, left, lines[0])
	for _, l := range lines[1:] {
		fmt.Fprintf(w, "%*s%s\n", pad, "", l)
	}
}

// writeNames writes flags by name, as many to a line as fit.
func writeNames(w io.Writer, indent string, names []string) {
	line := indent
	for _, n := range names {
		word := "--" + n
		if len(line) > len(indent) && len(line)+1+len(word) > helpWidth {
			fmt.Fprintln(w, line)
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	fmt.Fprintln(w, line)
}

// wrap splits s into lines of at most width bytes, at spaces (a longer word gets a line
// of its own).
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// flagExample is how a user would write f with its default: --name=default, or --name
// alone for a bool that is off or a value that is empty by default.
func flagExample(f *flag.Flag) string {
	if v := DisplayDefault(f); v != "" {
		return "--" + f.Name + "=" + v
	}
	return "--" + f.Name
}

// DisplayDefault is f's default as a user would write it on the command line: 0.7
// rather than 0.699999988079071 (a float32 widened), 60s or 2m rather than 1m0s or
// 2m0s; "" for a bool that is off and an empty string.
func DisplayDefault(f *flag.Flag) string {
	v := f.DefValue
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		if v == "false" {
			return ""
		}
		return v
	}
	switch kind, _ := flag.UnquoteUsage(f); kind {
	case "duration":
		if d, err := time.ParseDuration(v); err == nil {
			return FormatDuration(d)
		}
	case "float":
		if x, err := strconv.ParseFloat(v, 64); err == nil {
			return FormatFloat(x)
		}
	}
	if strings.ContainsAny(v, " \t\"'") {
		return strconv.Quote(v)
	}
	return v
}

// FormatDuration writes d as a person would: 0, 30s, 60s, 90s, 2m, 1h; other durations
// as time.Duration does, without its zero units (1m30.5s, 500ms).
func FormatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0"
	case d < 0:
		return d.String()
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0 && d >= 2*time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0 && d < 10*time.Minute:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return strings.NewReplacer("h0m", "h", "m0s", "m").Replace(d.String())
}

// FormatFloat writes x in the fewest digits that read back as the same value: as a
// float32 when x is a widened float32 (0.7, not 0.699999988079071).
func FormatFloat(x float64) string {
	if float64(float32(x)) == x {
		return strconv.FormatFloat(x, 'f', -1, 32)
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// sortedNames lists fs's flags, ours (in group order) first, then the rest by name.
func sortedNames(fs *flag.FlagSet, groups []Group) []string {
	var names []string
	seen := map[string]bool{}
	for _, g := range groups {
		for _, n := range g.Flags {
			if !seen[n] && fs.Lookup(n) != nil {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	var rest []string
	fs.VisitAll(func(f *flag.Flag) {
		if !seen[f.Name] {
			rest = append(rest, f.Name)
		}
	})
	sort.Strings(rest)
	return append(names, rest...)
}
