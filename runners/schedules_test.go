package runners

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// The schedules: one per platform, each a file that runs the generate pipeline on a
// calendar.
const (
	dataPipelinesSchedule = "dataflow/schedule-generate.sh"
	cronJobSchedule       = "flink/k8s/cronjob-generate.yaml"
	airflowSchedule       = "airflow/xinstruct_dag.py"
)

// dataPipelinesCreateFlags are the flags of gcloud beta datapipelines pipeline create, as
// its reference's synopsis lists them (cloud.google.com/sdk/gcloud/reference/beta/
// datapipelines/pipeline/create), with gcloud's global --project.
var dataPipelinesCreateFlags = []string{
	"region", "pipeline-type", "additional-experiments", "additional-user-labels", "dataflow-kms-key",
	"dataflow-service-account-email", "disable-public-ips", "display-name", "enable-streaming-engine",
	"flexrs-goal", "max-workers", "network", "num-workers", "parameters", "schedule",
	"scheduler-service-account-email", "subnetwork", "temp-location", "template-file-gcs-location",
	"template-type", "time-zone", "worker-machine-type", "transform-name-mappings", "update", "no-update",
	"worker-region", "worker-zone", "project",
}

// errorer is what the checks need of a *testing.T; fakeT collects their errors, to test
// the checks themselves.
type errorer interface {
	Helper()
	Errorf(format string, args ...any)
}

type fakeT struct{ errors []string }

func (*fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}

// checkSchedule checks what every schedule must pass so that a run pays only for what
// changed since the last: the corpus glob, an output prefix per run date (dated is what
// marks a date the scheduler or the shell fills in), and one response store for every
// run (left out, it is <output>/responses: a new, empty store per date). When the binary
// has --keep_versions, every schedule passes it too.
func checkSchedule(t errorer, inv invocation, dated ...string) {
	t.Helper()
	args := map[string]string{}
	for _, a := range inv.args {
		name, value, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		args[name] = value
	}
	hasDate := func(v string) bool {
		return slices.ContainsFunc(dated, func(d string) bool { return strings.Contains(v, d) })
	}
	if args["input"] == "" {
		t.Errorf("%s: no --input", inv.where)
	}
	if out := args["output"]; !hasDate(out) {
		t.Errorf("%s: --output=%q is not named by the run's date (one of %q)", inv.where, out, dated)
	}
	if st := args["response_store"]; st == "" || hasDate(st) {
		t.Errorf("%s: --response_store=%q: want one store for every run, not one per date", inv.where, st)
	}
	if projectFlags[inv.pipeline]().Lookup("keep_versions") != nil {
		if _, ok := args["keep_versions"]; !ok {
			t.Errorf("%s: the binary has --keep_versions, and the schedule does not pass it", inv.where)
		}
	}
}

// checkMonthly checks that a cron schedule runs once a month: a fixed minute, hour and
// day of the month, every month, any day of the week.
func checkMonthly(t errorer, where, cron string) {
	t.Helper()
	f := strings.Fields(cron)
	digits := func(s string) bool { return s != "" && strings.Trim(s, "0123456789") == "" }
	if cron != "@monthly" && (len(f) != 5 || !digits(f[0]) || !digits(f[1]) || !digits(f[2]) || f[3] != "*" || f[4] != "*") {
		t.Errorf("%s: schedule %q is not once a month", where, cron)
	}
}

// TestDataPipelinesSchedule: the Data Pipelines script creates a batch pipeline on a
// monthly schedule with flags gcloud has, from the generate template, with parameters the
// binary has (the README's "Schedule it" runs it; TestREADMECommandFlags checks its own
// commands).
func TestDataPipelinesSchedule(t *testing.T) {
	b, err := os.ReadFile(dataPipelinesSchedule)
	if err != nil {
		t.Fatal(err)
	}
	var found []invocation
	for _, cmd := range shellCommands(string(b)) {
		if !isDataPipelinesCreate(cmd) {
			continue
		}
		inv, ok := commandInvocation(cmd, dataPipelinesSchedule)
		if !ok {
			t.Fatalf("%s: the pipeline's template is not a pipeline's: %q", dataPipelinesSchedule, cmd)
		}
		found = append(found, inv)
		gflags := map[string]string{}
		for _, w := range cmd[5:] {
			if name, value, ok := strings.Cut(strings.TrimPrefix(w, "--"), "="); strings.HasPrefix(w, "--") {
				if !slices.Contains(dataPipelinesCreateFlags, name) {
					t.Errorf("%s: gcloud beta datapipelines pipeline create has no flag --%s", dataPipelinesSchedule, name)
				}
				if ok {
					gflags[name] = value
				}
			}
		}
		if gflags["pipeline-type"] != "BATCH" {
			t.Errorf("%s: --pipeline-type=%q, want BATCH", dataPipelinesSchedule, gflags["pipeline-type"])
		}
		// The schedule is a shell default: SCHEDULE=${SCHEDULE:-0 3 1 * *}.
		if _, def, ok := strings.Cut(string(b), "SCHEDULE=${SCHEDULE:-"); !ok || gflags["schedule"] != "$SCHEDULE" {
			t.Errorf("%s: --schedule=%q, want $SCHEDULE with its default in the script", dataPipelinesSchedule, gflags["schedule"])
		} else {
			cron, _, _ := strings.Cut(def, "}")
			checkMonthly(t, dataPipelinesSchedule, cron)
		}
		for _, p := range inv.check() {
			t.Error(p)
		}
		checkSchedule(t, inv, "%Y", "%m", "%d")
	}
	if len(found) != 1 || found[0].pipeline != "generate" {
		t.Fatalf("%s: %d Data Pipelines of generate, want 1: %+v", dataPipelinesSchedule, len(found), found)
	}
}

// TestCronJobSchedule: the CronJob parses, runs monthly and never two at once, and its
// container runs the generate launcher with flags it has (TestManifestFlags checks them
// with every YAML file's) and what a schedule must pass.
func TestCronJobSchedule(t *testing.T) {
	b, err := os.ReadFile(cronJobSchedule)
	if err != nil {
		t.Fatal(err)
	}
	var cj struct {
		Kind string
		Spec struct {
			Schedule          string `yaml:"schedule"`
			ConcurrencyPolicy string `yaml:"concurrencyPolicy"`
			JobTemplate       struct {
				Spec struct {
					BackoffLimit *int `yaml:"backoffLimit"`
				} `yaml:"spec"`
			} `yaml:"jobTemplate"`
		}
	}
	if err := yaml.Unmarshal(b, &cj); err != nil {
		t.Fatalf("%s: %v", cronJobSchedule, err)
	}
	backoff := "unset"
	if b := cj.Spec.JobTemplate.Spec.BackoffLimit; b != nil {
		backoff = fmt.Sprint(*b)
	}
	if cj.Kind != "CronJob" || cj.Spec.ConcurrencyPolicy != "Forbid" || backoff != "0" {
		t.Errorf("%s: kind %q, concurrencyPolicy %q, backoffLimit %s: want a CronJob that forbids overlapping runs and does not retry a launcher (the lease would refuse it)",
			cronJobSchedule, cj.Kind, cj.Spec.ConcurrencyPolicy, backoff)
	}
	checkMonthly(t, cronJobSchedule, cj.Spec.Schedule)
	invs := yamlInvocations(t, cronJobSchedule)
	if len(invs) != 1 || invs[0].pipeline != "generate" {
		t.Fatalf("%s: %d generate command lines, want 1: %+v", cronJobSchedule, len(invs), invs)
	}
	checkSchedule(t, invs[0], "$(date")
}

// dagOperators is a Python program that reads an Airflow DAG file without Airflow: it
// evaluates the module's simple assignments (constants, f-strings, +, dicts with **,
// lists) and prints, as JSON, each DAG's schedule and each BeamRunGoPipelineOperator's
// runner and the command line the operator would run (the provider's
// beam_options_to_args: True is a bare flag, False and None are left out, a list repeats
// the flag, a dict is JSON), with what the operator adds: --runner, --labels,
// --worker_binary, and for Dataflow --project, --region and --job_name.
const dagOperators = `
import ast, json, sys

class Unsupported(Exception):
    pass

def ev(n, env):
    if isinstance(n, ast.Constant):
        return n.value
    if isinstance(n, ast.Name):
        if n.id not in env:
            raise Unsupported(n.id)
        return env[n.id]
    if isinstance(n, ast.JoinedStr):
        return "".join(str(ev(v.value if isinstance(v, ast.FormattedValue) else v, env)) for v in n.values)
    if isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add):
        return ev(n.left, env) + ev(n.right, env)
    if isinstance(n, ast.Dict):
        d = {}
        for k, v in zip(n.keys, n.values):
            if k is None:
                d.update(ev(v, env))
            else:
                d[ev(k, env)] = ev(v, env)
        return d
    if isinstance(n, (ast.List, ast.Tuple)):
        return [ev(e, env) for e in n.elts]
    if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id in ("DataflowConfiguration", "dict"):
        return {kw.arg: ev(kw.value, env) for kw in n.keywords}
    raise Unsupported(type(n).__name__)

def args(options):
    out = []
    for k, v in options.items():
        if isinstance(v, bool):
            if v:
                out.append("--" + k)
        elif v is None:
            continue
        elif isinstance(v, list):
            out.extend("--%s=%s" % (k, x) for x in v)
        elif isinstance(v, dict):
            out.append("--%s=%s" % (k, json.dumps(v)))
        else:
            out.append("--%s=%s" % (k, v))
    return out

tree = ast.parse(open(sys.argv[1]).read())
env = {}
for st in tree.body:
    if isinstance(st, ast.Assign) and len(st.targets) == 1 and isinstance(st.targets[0], ast.Name):
        try:
            env[st.targets[0].id] = ev(st.value, env)
        except Unsupported:
            pass

def name(call):
    f = call.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""

out = {"dags": [], "operators": []}
for n in ast.walk(tree):
    if not isinstance(n, ast.Call):
        continue
    kw = {k.arg: k.value for k in n.keywords}
    if name(n) == "DAG":
        out["dags"].append({"dag_id": ev(kw["dag_id"], env), "schedule": ev(kw["schedule"], env)})
    if name(n) == "BeamRunGoPipelineOperator":
        runner = ev(kw["runner"], env)
        options = dict(ev(kw["pipeline_options"], env))
        options["labels"] = {"airflow-version": "v3-0-0"}
        if runner.lower() == "dataflowrunner":
            df = ev(kw["dataflow_config"], env)
            if "service_account" in df:
                options["service_account"] = df["service_account"]
            options.update({"project": df["project_id"], "region": df["location"], "job_name": df["job_name"]})
        options["worker_binary"] = ev(kw["worker_binary"], env)
        out["operators"].append({"task_id": ev(kw["task_id"], env), "runner": runner,
            "launcher_binary": ev(kw["launcher_binary"], env), "args": ["--runner=" + runner] + args(options)})
json.dump(out, sys.stdout)
`

// TestAirflowSchedule: the DAG file parses as Python; each DAG runs monthly; each
// BeamRunGoPipelineOperator runs the generate binary with flags it or Beam has, on
// Dataflow and on Flink, passing what a schedule must. It needs python3 (not Airflow:
// the file is read with Python's ast module) and is skipped without it.
func TestAirflowSchedule(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3 on this machine: the Airflow DAG is not checked")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(python, "-c", dagOperators, airflowSchedule)
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("reading %s with python3: %v\n%s", airflowSchedule, err, stderr.String())
	}
	var got struct {
		DAGs []struct {
			ID       string `json:"dag_id"`
			Schedule string `json:"schedule"`
		} `json:"dags"`
		Operators []struct {
			TaskID   string   `json:"task_id"`
			Runner   string   `json:"runner"`
			Launcher string   `json:"launcher_binary"`
			Args     []string `json:"args"`
		} `json:"operators"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("%s: %v\n%s", airflowSchedule, err, b)
	}
	if len(got.DAGs) != 2 {
		t.Errorf("%s: %d DAGs, want one for Dataflow and one for Flink", airflowSchedule, len(got.DAGs))
	}
	for _, d := range got.DAGs {
		checkMonthly(t, fmt.Sprintf("%s (DAG %s)", airflowSchedule, d.ID), d.Schedule)
	}
	runners := map[string]bool{}
	for _, op := range got.Operators {
		runners[op.Runner] = true
		where := fmt.Sprintf("%s (%s on %s)", airflowSchedule, op.TaskID, op.Runner)
		p := pipelineOf(op.Launcher)
		if p != "generate" || !strings.HasPrefix(op.Launcher, "gs://") {
			t.Errorf("%s: launcher %q is not the generate binary on GCS", where, op.Launcher)
			continue
		}
		inv := invocation{where, p, op.Args}
		for _, problem := range inv.check() {
			t.Error(problem)
		}
		checkSchedule(t, inv, "{{ ds }}")
	}
	if !runners["DataflowRunner"] || !runners["FlinkRunner"] {
		t.Errorf("%s: runners %v, want DataflowRunner and FlinkRunner", airflowSchedule, runners)
	}
}

// TestScheduleCheckCatchesWhatASchedulePasses: the schedule check fails an output without
// a date, a response store per date, and a missing input.
func TestScheduleCheckCatchesWhatASchedulePasses(t *testing.T) {
	for name, args := range map[string][]string{
		"undated output":    {"--input=gs://b/c/*", "--output=gs://b/out", "--response_store=gs://b/r"},
		"store per date":    {"--input=gs://b/c/*", "--output=gs://b/out/{{ ds }}", "--response_store=gs://b/out/{{ ds }}/r"},
		"no response_store": {"--input=gs://b/c/*", "--output=gs://b/out/{{ ds }}"},
		"no input":          {"--output=gs://b/out/{{ ds }}", "--response_store=gs://b/r"},
	} {
		ft := &fakeT{}
		checkSchedule(ft, invocation{name, "generate", args}, "{{ ds }}")
		if len(ft.errors) == 0 {
			t.Errorf("%s: the check passed %q", name, args)
		}
	}
	ft := &fakeT{}
	checkSchedule(ft, invocation{"good", "generate", []string{"--input=gs://b/c/*", "--output=gs://b/out/{{ ds }}", "--response_store=gs://b/r", "--keep_versions=3"}}, "{{ ds }}")
	if len(ft.errors) != 0 {
		t.Errorf("a good schedule failed: %v", ft.errors)
	}
	for cron, monthly := range map[string]bool{"0 3 1 * *": true, "@monthly": true, "0 3 * * *": false, "0 3 1 */2 *": false, "0 3 1 * 1": false} {
		ft := &fakeT{}
		checkMonthly(ft, "test", cron)
		if (len(ft.errors) == 0) != monthly {
			t.Errorf("checkMonthly(%q): errors %v, want monthly %v", cron, ft.errors, monthly)
		}
	}
}
