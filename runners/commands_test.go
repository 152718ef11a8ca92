package runners

import (
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx" // registers Beam's flags on flag.CommandLine, as in the binaries
	"go.yaml.in/yaml/v3"

	evaljob "github.com/xinstruct/xinstruct/pipelines/eval/job"
	generatejob "github.com/xinstruct/xinstruct/pipelines/generate/job"
)

// projectFlags are the pipelines' own flags, by binary.
var projectFlags = map[string]func() *flag.FlagSet{
	"generate": generatejob.ProjectFlags,
	"eval":     evaljob.ProjectFlags,
}

// beamFlag reports whether name is one of Beam's flags: those registered on
// flag.CommandLine by importing beamx, as in the binaries (the testing package's own
// test.* flags aside).
func beamFlag(name string) bool {
	return !strings.HasPrefix(name, "test.") && flag.CommandLine.Lookup(name) != nil
}

// An invocation is one command line of a pipeline binary found in a file.
type invocation struct {
	where    string   // file and what in it
	pipeline string   // "generate" or "eval"
	args     []string // what follows the binary: --name=value, or name=value of a template's parameters
}

// check returns what is wrong with inv's flags: a name that is neither the pipeline's
// nor Beam's, or a value the pipeline's own flag does not accept.
func (inv invocation) check() []string {
	var problems []string
	fs := projectFlags[inv.pipeline]()
	for _, a := range inv.args {
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case fs.Lookup(name) != nil:
			// A shell variable's value, or a template's (Airflow's {{ ds }}), is not known here.
			if hasValue && !strings.Contains(value, "$") && !strings.Contains(value, "{{") {
				if err := fs.Set(name, value); err != nil {
					problems = append(problems, fmt.Sprintf("%s: --%s=%s: %v", inv.where, name, value, err))
				}
			}
		case beamFlag(name):
		default:
			problems = append(problems, fmt.Sprintf("%s: %s has no flag --%s (nor has Beam)", inv.where, inv.pipeline, name))
		}
	}
	return problems
}

// pipelineOf names the pipeline a command runs, from its program: .../generate,
// bin/generate-linux-amd64, .../eval.
func pipelineOf(program string) string {
	base := strings.TrimSuffix(path.Base(program), "-linux-amd64")
	if _, ok := projectFlags[base]; ok {
		return base
	}
	return ""
}

// yamlInvocations finds the pipeline command lines in a YAML file: a Kubernetes
// container's command + args, a compose service's entrypoint + command.
func yamlInvocations(t *testing.T, name string) []invocation {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var found []invocation
	dec := yaml.NewDecoder(f)
	for doc := 0; ; doc++ {
		var root yaml.Node
		if err := dec.Decode(&root); err != nil {
			if err.Error() == "EOF" {
				break
			}
			t.Fatalf("%s: %v", name, err)
		}
		walk(&root, "", func(m *yaml.Node, at string) {
			first, rest := field(m, "command"), field(m, "args")
			if ep := field(m, "entrypoint"); ep != nil {
				first, rest = ep, first
			}
			argv := append(words(first), words(rest)...)
			if len(argv) == 0 {
				return
			}
			where := fmt.Sprintf("%s (document %d, %s)", name, doc+1, at)
			if p := pipelineOf(argv[0]); p != "" {
				found = append(found, invocation{where, p, argv[1:]})
			}
			// A shell running the launcher (sh -c 'exec generate ... --output=".../$(date ...)"'),
			// for what a manifest cannot compute itself.
			if shell := path.Base(argv[0]); (shell == "sh" || shell == "bash") && len(argv) > 2 && argv[1] == "-c" {
				for _, cmd := range shellCommands(strings.Join(argv[2:], " ")) {
					if len(cmd) > 1 && cmd[0] == "exec" {
						cmd = cmd[1:]
					}
					if inv, ok := commandInvocation(cmd, where); ok {
						found = append(found, inv)
					}
				}
			}
		})
	}
	return found
}

// walk calls fn on every mapping under n, with the path of keys to it.
func walk(n *yaml.Node, at string, fn func(*yaml.Node, string)) {
	switch n.Kind {
	case yaml.DocumentNode, yaml.SequenceNode:
		for i, c := range n.Content {
			walk(c, fmt.Sprintf("%s[%d]", at, i), fn)
		}
	case yaml.MappingNode:
		fn(n, at)
		for i := 0; i+1 < len(n.Content); i += 2 {
			walk(n.Content[i+1], at+"."+n.Content[i].Value, fn)
		}
	}
}

func field(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

// words is a command list's words: a sequence's items, or a string split at spaces.
func words(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return strings.Fields(n.Value)
	}
	var w []string
	for _, c := range n.Content {
		w = append(w, c.Value)
	}
	return w
}

// TestManifestFlags: every flag a YAML file under runners/ passes to a pipeline binary
// is that pipeline's or Beam's, and every value of a pipeline's own flag parses; and the
// files do run both pipelines (so that the check checks something).
func TestManifestFlags(t *testing.T) {
	var all []invocation
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			all = append(all, yamlInvocations(t, p)...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, inv := range all {
		count[inv.pipeline]++
		for _, p := range inv.check() {
			t.Error(p)
		}
	}
	t.Logf("pipeline command lines: %v", count)
	for p := range projectFlags {
		if count[p] < 2 { // Kubernetes and docker compose
			t.Errorf("%d YAML command lines run %s, want the Kubernetes Job's and the compose service's", count[p], p)
		}
	}
}

// TestManifestCheckCatchesAWrongFlag: the check fails a flag neither the pipeline nor Beam
// has, and a value the pipeline's flag refuses.
func TestManifestCheckCatchesAWrongFlag(t *testing.T) {
	inv := invocation{"test", "generate", []string{"--runner=flink", "--ouput=/data/x", "--rounds=two", "--input=$IN"}}
	got := strings.Join(inv.check(), "\n")
	for _, want := range []string{"generate has no flag --ouput", "--rounds=two"} {
		if !strings.Contains(got, want) {
			t.Errorf("check = %q, want it to say %q", got, want)
		}
	}
	if strings.Contains(got, "runner") || strings.Contains(got, "input") {
		t.Errorf("check = %q: --runner is Beam's, and $IN is not known here", got)
	}
}

// The READMEs whose shell commands TestREADMECommandFlags checks.
var readmes = []string{"dataflow/README.md", "flink/README.md"}

var fence = regexp.MustCompile("(?ms)^```(?:sh|bash|shell)\n(.*?)^```")

// shellCommands splits a shell block into its commands, each a list of words, roughly as sh
// would: a backslash-newline joins lines; '...' and "..." quote (nothing is expanded: $VAR
// stays as written); # at a word's start comments to the line's end; ;, &, |, && and || and
// newlines end a command.
func shellCommands(text string) [][]string {
	var cmds [][]string
	var cmd []string
	var word strings.Builder
	inWord := false
	endWord := func() {
		if inWord {
			cmd = append(cmd, word.String())
			word.Reset()
			inWord = false
		}
	}
	endCmd := func() {
		endWord()
		if len(cmd) > 0 {
			cmds = append(cmds, cmd)
			cmd = nil
		}
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case c == '\\' && i+1 < len(text):
			i++
			if text[i] != '\n' {
				word.WriteByte(text[i])
				inWord = true
			}
		case c == '\'' || c == '"':
			j := strings.IndexByte(text[i+1:], c)
			if j < 0 {
				j = len(text) - i - 1
			}
			word.WriteString(text[i+1 : i+1+j])
			inWord = true
			i += j + 1
		case c == '#' && !inWord:
			for i < len(text) && text[i] != '\n' {
				i++
			}
			endCmd()
		case c == '\n' || c == ';' || c == '&' || c == '|':
			endCmd()
		case c == ' ' || c == '\t':
			endWord()
		default:
			word.WriteByte(c)
			inWord = true
		}
	}
	endCmd()
	return cmds
}

var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// commandInvocation returns the pipeline command line cmd is, if it is one: go run
// ./pipelines/<p>, a pipeline binary, docker compose run submit-<p> (the flags after the
// service are the job's), or gcloud dataflow flex-template run of <p>'s template (its
// --parameters are the binary's flags).
func commandInvocation(cmd []string, where string) (invocation, bool) {
	for len(cmd) > 0 && assignment.MatchString(cmd[0]) {
		cmd = cmd[1:]
	}
	flags := func(words []string) []string {
		var f []string
		for _, w := range words {
			if strings.HasPrefix(w, "-") {
				f = append(f, w)
			}
		}
		return f
	}
	switch {
	case len(cmd) == 0:
	case len(cmd) > 2 && cmd[0] == "go" && cmd[1] == "run":
		for i, w := range cmd[2:] {
			if !strings.HasPrefix(w, "-") {
				if p := pipelineOf(w); p != "" {
					return invocation{where, p, flags(cmd[2+i+1:])}, true
				}
				break
			}
		}
	case pipelineOf(cmd[0]) != "":
		return invocation{where, pipelineOf(cmd[0]), flags(cmd[1:])}, true
	case cmd[0] == "docker" && slices.Contains(cmd, "compose") && slices.Contains(cmd, "run"):
		for i, w := range cmd {
			if p, ok := strings.CutPrefix(w, "submit-"); ok && pipelineOf(p) != "" {
				if slices.ContainsFunc(cmd[:i], func(w string) bool { return strings.HasPrefix(w, "--entrypoint") }) {
					return invocation{}, false // runs another program in the image
				}
				return invocation{where, p, flags(cmd[i+1:])}, true
			}
		}
	case len(cmd) > 3 && cmd[0] == "gcloud" && cmd[1] == "dataflow" && cmd[2] == "flex-template" && cmd[3] == "run",
		isDataPipelinesCreate(cmd):
		inv := invocation{where: where}
		for i, w := range cmd {
			name, value, _ := strings.Cut(w, "=")
			if name == "--parameters" && !strings.Contains(w, "=") && i+1 < len(cmd) {
				value = cmd[i+1]
			}
			switch name {
			case "--template-file-gcs-location":
				inv.pipeline = pipelineOf(strings.TrimSuffix(value, ".json"))
			case "--parameters":
				sep := ","
				if rest, ok := strings.CutPrefix(value, "^"); ok {
					if d, rest, ok := strings.Cut(rest, "^"); ok {
						sep, value = d, rest
					}
				}
				inv.args = append(inv.args, strings.Split(value, sep)...)
			}
		}
		return inv, inv.pipeline != ""
	}
	return invocation{}, false
}

// isDataPipelinesCreate reports whether cmd creates a Dataflow Data Pipeline (a scheduled
// template launch): gcloud beta datapipelines pipeline create.
func isDataPipelinesCreate(cmd []string) bool {
	return len(cmd) > 4 && cmd[0] == "gcloud" && cmd[1] == "beta" && cmd[2] == "datapipelines" && cmd[3] == "pipeline" && cmd[4] == "create"
}

// TestREADMECommandFlags: every flag the READMEs' shell commands pass to a pipeline
// (directly, through docker compose, as a Flex Template parameter, or as a scheduled
// Data Pipeline's parameter) is the pipeline's
// or Beam's, with a value the pipeline's flag accepts; each README runs both pipelines.
func TestREADMECommandFlags(t *testing.T) {
	for _, name := range readmes {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		count := map[string]int{}
		for bi, block := range fence.FindAllStringSubmatch(string(b), -1) {
			for _, cmd := range shellCommands(block[1]) {
				inv, ok := commandInvocation(cmd, fmt.Sprintf("%s (block %d: %s ...)", name, bi+1, strings.Join(cmd[:min(4, len(cmd))], " ")))
				if !ok {
					continue
				}
				count[inv.pipeline]++
				for _, p := range inv.check() {
					t.Error(p)
				}
			}
		}
		t.Logf("%s: pipeline command lines: %v", name, count)
		for p := range projectFlags {
			if count[p] == 0 {
				t.Errorf("%s runs no %s command that this test recognizes", name, p)
			}
		}
	}
}

// TestShellCommands: the splitting the README check relies on.
func TestShellCommands(t *testing.T) {
	got := shellCommands("X=1 go run ./pipelines/eval --a='x y' \\\n  --b=\"$V,w\" # note\ngcloud x --parameters=\"^~^a=1,2~b=3\" && echo '#' ; ls\n")
	want := [][]string{
		{"X=1", "go", "run", "./pipelines/eval", "--a=x y", "--b=$V,w"},
		{"gcloud", "x", "--parameters=^~^a=1,2~b=3"},
		{"echo", "#"},
		{"ls"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("shellCommands =\n%q\nwant\n%q", got, want)
	}
	inv, ok := commandInvocation([]string{"gcloud", "dataflow", "flex-template", "run", "j", "--template-file-gcs-location=gs://b/templates/eval.json", "--parameters=^~^models=a=b@http://h/v1,c=d~baseline=c"}, "t")
	if !ok || inv.pipeline != "eval" || fmt.Sprint(inv.args) != "[models=a=b@http://h/v1,c=d baseline=c]" {
		t.Errorf("flex-template run = %+v, %v", inv, ok)
	}
}
