package launch

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"

	"github.com/xinstruct/xinstruct/io/lease"
	"github.com/xinstruct/xinstruct/io/llm"
	"github.com/xinstruct/xinstruct/io/publish"
	"github.com/xinstruct/xinstruct/io/versions"
)

// Job is one configured launch of a pipeline.
type Job interface {
	// Build adds the pipeline to s.
	Build(s beam.Scope)
	// Models lists the models the job calls, for the pre-flight.
	Models() []Model
	// ReportPath is where the run's report will be, for a launcher that does not wait.
	ReportPath() string
	// Output is the prefix the run writes, and RunID the run: the launcher takes the
	// prefix's lease (io/lease) for the run before anything is written.
	Output() string
	RunID() string
	// Outcome reads what the run published, after the runner said it ended. ok is
	// false when the run failed or published nothing of its own; line says in one line
	// why the run failed (or, on success, what to read), and is empty when the run
	// recorded nothing of its own; summary is what a person reads.
	Outcome(ctx context.Context) (summary, line string, ok bool)
}

// Model is one model a job calls.
type Model struct {
	Role   string // "generator", "judge", "embedder", ...: for the pre-flight's message
	Config llm.Config
	Probe  llm.Probe
}

// Exit codes.
const (
	ExitFailed = 1 // the run failed, or its outcome could not be vouched for
	ExitUsage  = 2 // the flags or the configuration are wrong; nothing was launched
)

// Main is a pipeline binary's main: it binds the launcher's flags, parses the command
// line (Parse: --help lists the flags of groups, then Beam's; a mistake is one line and
// ExitUsage) and calls beam.Init (on a worker it never returns from there), builds the
// job with setup, checks each of its models with one real call unless --skip_preflight,
// runs it and exits with the job's outcome. groups name every flag the binary defines,
// LauncherFlags included (CheckGroups).
func Main(name string, groups []Group, setup func(ctx context.Context, run Run) (Job, error)) {
	opts := BindLauncherFlags(flag.CommandLine)
	if code, done := Parse(flag.CommandLine, name, groups, os.Args[1:], os.Stdout, os.Stderr); done {
		os.Exit(code)
	}
	beam.Init() // first: a worker re-executes this binary and must not reach the launcher code
	stopBars, err := opts.logs.setupLogging(os.Stderr)
	if err != nil {
		fail(name, ExitUsage, err.Error())
	}
	opts.AfterRun = stopBars

	ctx := context.Background()
	now := time.Now().UTC()
	run := Run{ID: NewRunID(now), StartedAt: now, Build: versions.CurrentBuild()}
	if v := flag.Lookup("run_id"); v != nil && v.Value.String() != "" {
		run.ID = v.Value.String()
	}
	job, err := setup(ctx, run)
	if err != nil {
		fail(name, ExitUsage, err.Error())
	}
	if !opts.SkipPreflight {
		if err := Preflight(ctx, job.Models()); err != nil {
			fail(name, ExitFailed, "pre-flight: "+err.Error())
		}
	}
	os.Exit(Execute(ctx, name, job, *opts, os.Stdout, os.Stderr))
}

// Options are the launcher's own settings.
type Options struct {
	LeaseTTL      time.Duration // 0: two minutes
	WaitForLease  time.Duration // 0: fail at once when another run holds the output
	SkipPreflight bool          // Main does not check the models before launching
	AfterRun      func()        // called when the runner returns, before the summary (ends the progress bars)

	logs *logFlags // --log_level, --beam_log_level, --progress_bars
}

// BindLauncherFlags binds the launcher's own flags (LauncherFlags) to fs.
func BindLauncherFlags(fs *flag.FlagSet) *Options {
	var o Options
	fs.DurationVar(&o.LeaseTTL, "lease_ttl", 2*time.Minute, "a run's lease on --output expires this long after its last renewal (the launcher renews it every third of that while the job runs)")
	fs.DurationVar(&o.WaitForLease, "wait_for_lease", 0, "when another live run holds --output, wait up to this long for it instead of failing at once")
	fs.BoolVar(&o.SkipPreflight, "skip_preflight", false, "do not check each model with one real call before launching (for launchers that cannot reach an endpoint only the workers reach)")
	logs := bindLogFlags(fs)
	o.logs = &logs
	return &o
}

// Execute takes the output's lease, runs job and returns the exit code, after printing
// its summary to stdout or a one-line reason to stderr.
func Execute(ctx context.Context, name string, job Job, opts Options, stdout, stderr io.Writer) int {
	l, err := takeLease(ctx, job, opts)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", name, err)
		return ExitFailed
	}
	// Holding the lease, no other run is live here: what is in _temporary/ is dead runs'.
	if err := publish.ClearTemp(ctx, job.Output()); err != nil {
		l.Release(ctx)
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		return ExitFailed
	}
	lost := make(chan error, 1)
	stopRenewing := l.KeepAlive(ctx, func(err error) { lost <- err })
	code := execute(ctx, name, job, opts.AfterRun, stdout, stderr)
	stopRenewing()
	select {
	case err := <-lost:
		fmt.Fprintf(stderr, "%s: %v\n", name, err)
		code = ExitFailed
	default:
	}
	if !submittedOnly() {
		// A job still running on a cluster keeps the prefix until the lease expires.
		l.Release(ctx)
	}
	return code
}

// takeLease takes the output's lease, waiting up to opts.WaitForLease for a live holder.
func takeLease(ctx context.Context, job Job, opts Options) (*lease.Lease, error) {
	ttl := opts.LeaseTTL
	if ttl <= 0 {
		ttl = 2 * time.Minute
	}
	deadline := time.Now().Add(opts.WaitForLease)
	for {
		l, err := lease.Acquire(ctx, job.Output(), job.RunID(), ttl)
		var held *lease.HeldError
		if err == nil || !errors.As(err, &held) || time.Now().After(deadline) {
			return l, err
		}
		select {
		case <-time.After(min(5*time.Second, time.Until(deadline)+time.Millisecond)):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

func execute(ctx context.Context, name string, job Job, afterRun func(), stdout, stderr io.Writer) int {
	p, s := beam.NewPipelineWithRoot()
	job.Build(s)
	err := beamx.Run(ctx, p)
	if afterRun != nil {
		afterRun()
	}
	if err != nil {
		if _, line, ok := job.Outcome(ctx); !ok && line != "" {
			fmt.Fprintf(stderr, "%s: failed: %s\n", name, line)
		} else {
			fmt.Fprintf(stderr, "%s: the pipeline failed: %s\n", name, rootCause(err))
		}
		return ExitFailed
	}
	if submittedOnly() {
		if v := flag.Lookup("template_location"); v != nil && v.Value.String() != "" {
			fmt.Fprintf(stdout, "%s: job written to %s for a template launcher to submit, not run here; its report will be at %s\n", name, v.Value.String(), job.ReportPath())
			return 0
		}
		fmt.Fprintf(stdout, "%s: job submitted, not run to its end here; its report will be at %s\n", name, job.ReportPath())
		return 0
	}
	summary, line, ok := job.Outcome(ctx)
	if !ok {
		if line == "" {
			line = fmt.Sprintf("the job ended but published no report or manifest of its own (expected at %s)", job.ReportPath())
		}
		fmt.Fprintf(stderr, "%s: failed: %s\n", name, line)
		return ExitFailed
	}
	fmt.Fprintf(stdout, "\n%s\n%s\n", summary, line)
	return 0
}

// submittedOnly reports whether the runner returned without waiting for the job's end:
// --async, Dataflow's --dry_run, or Dataflow's --template_location, with which the runner
// writes the job there instead of submitting it (a Flex Template's launcher runs the
// binary so, then submits the job itself).
func submittedOnly() bool {
	for _, f := range []string{"async", "dry_run"} {
		if v := flag.Lookup(f); v != nil && v.Value.String() == "true" {
			return true
		}
	}
	v := flag.Lookup("template_location")
	return v != nil && v.Value.String() != ""
}

// Preflight checks every distinct model with one small call (llm.Preflight): distinct by
// endpoint, model, probe and key reference, so that two roles with their own keys are
// each checked with theirs.
func Preflight(ctx context.Context, models []Model) error {
	seen := map[string]bool{}
	var errs []error
	for _, m := range models {
		k := fmt.Sprintf("%s|%s|%d|%s", m.Config.BaseURL, m.Config.Model, m.Probe, m.Config.APIKeySecret)
		if seen[k] {
			continue
		}
		seen[k] = true
		if err := llm.Preflight(ctx, m.Config, m.Probe); err != nil {
			errs = append(errs, fmt.Errorf("%s %v", m.Role, err))
		}
	}
	return errors.Join(errs...)
}

func fail(name string, code int, msg string) {
	fmt.Fprintf(os.Stderr, "%s: %s\n", name, strings.ReplaceAll(msg, "\n", "; "))
	os.Exit(code)
}

// rootCause is the last meaningful line of a runner's error: Beam wraps a DoFn's error in
// lines of plan and bundle context ("job ... failed:", "caused by:"), and the DoFn's
// own message comes last.
func rootCause(err error) string {
	lines := strings.Split(err.Error(), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if l != "" && l != "caused by:" && !strings.HasSuffix(l, "failed:") {
			return l
		}
	}
	return strings.TrimSpace(lines[0])
}
