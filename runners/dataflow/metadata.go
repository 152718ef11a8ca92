package dataflow

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/xinstruct/xinstruct/embeddings/local"
	"github.com/xinstruct/xinstruct/embeddings/openai"
	evaljob "github.com/xinstruct/xinstruct/pipelines/eval/job"
	generatejob "github.com/xinstruct/xinstruct/pipelines/generate/job"
	"github.com/xinstruct/xinstruct/runners/launch"
	"github.com/xinstruct/xinstruct/transforms/pairjudge"
)

// A Pipeline is one pipeline binary as its Flex Template describes it.
type Pipeline struct {
	Name        string         // the binary, and the directory of its template files
	Title       string         // the template's name in the console
	Description string         // the template's description
	Flags       *flag.FlagSet  // the binary's own flags: its job package's ProjectFlags
	Groups      []launch.Group // the order of its parameters: its job package's FlagGroups
	// Required are the flags a template run must give: their defaults are paths in the
	// repository, which the launcher VM and the workers do not have.
	Required []string
}

// Pipelines are the pipelines that have a Flex Template, in order.
func Pipelines() []Pipeline {
	return []Pipeline{
		{
			Name:  "generate",
			Title: "xinstruct generate",
			Description: "Builds X-Instruction data: ingests multilingual corpora, has a model write the English " +
				"instruction each text answers, refines the pairs with a judge and selects a diverse dataset per " +
				"language into <output>/dataset/. <output>/_SUCCESS is written last; a failed run writes _FAILURE.",
			Flags:    generatejob.ProjectFlags(),
			Groups:   generatejob.FlagGroups(),
			Required: []string{"input", "output"},
		},
		{
			Name:  "eval",
			Title: "xinstruct eval",
			Description: "Judges models trained on X-Instruction data: each model answers eval questions in each " +
				"language, an LLM judge compares each answer with a baseline's in both orders, and the leaderboard " +
				"gives each model's win rate with bootstrap intervals. <output>/_SUCCESS is written last.",
			Flags:    evaljob.ProjectFlags(),
			Groups:   evaljob.FlagGroups(),
			Required: []string{"questions", "output"},
		},
	}
}

// Metadata is a Flex Template's metadata file, in the fields of "Metadata parameters" in
// https://cloud.google.com/dataflow/docs/guides/templates/configuring-flex-templates.
type Metadata struct {
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Parameters  []Parameter `json:"parameters"`
}

// A Parameter is one template parameter: one flag of the binary. The Go launcher passes
// each given parameter to the binary as --name=value.
type Parameter struct {
	Name       string   `json:"name"`
	Label      string   `json:"label"`
	HelpText   string   `json:"helpText"`
	IsOptional bool     `json:"isOptional"`
	Regexes    []string `json:"regexes,omitempty"` // POSIX egrep; the value must match
}

// Value patterns, in the common subset of POSIX egrep (what Dataflow checks a parameter
// with) and Go's RE2 (what the tests check them with).
const (
	gsPath    = `^gs://[^/,]+(/.*)?$`
	gsList    = `^gs://[^/,]+(/[^,]*)?(,gs://[^/,]+(/[^,]*)?)*$`
	secretRef = `^projects/[^/]+/secrets/[^/]+/versions/[^/]+$`
	endpoint  = `^(https?|fake)://[^[:space:]]+$`
	level     = `^(debug|info|warn|error)$`
	boolean   = `^(true|false)$`
	integer   = `^-?[0-9]+$`
	unsigned  = `^[0-9]+$`
	number    = `^-?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$`
	duration  = `^(0|([0-9]+([.][0-9]+)?(ns|us|ms|s|m|h))+)$`
)

// valuePatterns are the patterns of flags whose values have an obvious shape on Dataflow,
// by name: where data lives is gs:// (the workers have no other shared storage), the API
// key is a Secret Manager version (a Go worker's environment cannot be set there), and
// the enumerations are those the code accepts. A flag not here gets its type's pattern.
var valuePatterns = map[string]string{
	"input":                gsList,
	"questions":            gsList,
	"answers":              gsList,
	"output":               gsPath,
	"response_store":       gsPath,
	"seed_pairs":           gsPath,
	"api_key_secret":       secretRef,
	"judge_api_key_secret": secretRef,
	"llm_base_url":         endpoint,
	"judge_base_url":       endpoint,
	"llm_api_type":         `^(openai|azure)$`,
	"embedder":             oneOf(local.Kind, openai.Kind),
	"stop_after":           oneOf(generatejob.StageIngest),
	"judge_format":         oneOf(string(pairjudge.FormatXInstruction), string(pairjudge.FormatPairwise), string(pairjudge.FormatArena)),
	"language_gate":        oneOf(pairjudge.GateLose, pairjudge.GateJudge, pairjudge.GateOff),
	"log_level":            level,
	"beam_log_level":       level,
	"progress_bars":        `^(auto|on|off)$`,
	"price":                `^[0-9]*[.]?[0-9]+,[0-9]*[.]?[0-9]+$`,
	"languages":            `^[a-z]{2}(,[a-z]{2})*$`,
}

func oneOf(values ...string) string { return "^(" + strings.Join(values, "|") + ")$" }

// Metadata returns p's template metadata: one parameter per flag of p.Flags, in the
// order of p.Groups (each flag is in exactly one group: launch.CheckGroups), then any
// flag no group names, by name.
func (p Pipeline) Metadata() Metadata {
	m := Metadata{Name: p.Title, Description: p.Description, Parameters: []Parameter{}}
	required := map[string]bool{}
	for _, n := range p.Required {
		required[n] = true
	}
	seen := map[string]bool{}
	add := func(f *flag.Flag) {
		if seen[f.Name] {
			return
		}
		seen[f.Name] = true
		m.Parameters = append(m.Parameters, parameter(f, required[f.Name]))
	}
	for _, g := range p.Groups {
		for _, n := range g.Flags {
			if f := p.Flags.Lookup(n); f != nil {
				add(f)
			}
		}
	}
	p.Flags.VisitAll(add)
	return m
}

func parameter(f *flag.Flag, required bool) Parameter {
	help := strings.TrimSpace(f.Usage)
	if !strings.HasSuffix(help, ".") {
		help += "."
	}
	pattern := ValuePattern(f)
	switch pattern {
	case secretRef:
		help += " On Dataflow only a Secret Manager version works: a worker's environment cannot be set there."
	case gsPath, gsList:
		help += " On Dataflow gs:// only: the launcher and the workers share no other storage."
	}
	if d := launch.DisplayDefault(f); d != "" && !required {
		help += " Default: " + d + "."
	}
	return Parameter{
		Name:       f.Name,
		Label:      Label(f.Name),
		HelpText:   help,
		IsOptional: !required,
		Regexes:    []string{pattern},
	}
}

// ValuePattern is the pattern a value of f must match: valuePatterns' or its type's.
func ValuePattern(f *flag.Flag) string {
	if p, ok := valuePatterns[f.Name]; ok {
		return p
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return boolean
	}
	switch kind, _ := flag.UnquoteUsage(f); kind {
	case "int":
		return integer
	case "uint":
		return unsigned
	case "float":
		return number
	case "duration":
		return duration
	}
	return `^.+$` // a string: anything but empty (an optional parameter left out is not passed)
}

// labelWords are the words of flag names a label writes otherwise than capitalized.
var labelWords = map[string]string{
	"llm": "LLM", "api": "API", "url": "URL", "id": "ID", "mb": "MB", "rpm": "RPM", "tpm": "TPM",
	"ttl": "TTL", "kmeans": "k-means",
}

// Label is the console's label for the flag name: its words, the first capitalized.
func Label(name string) string {
	words := strings.Split(name, "_")
	for i, w := range words {
		if l, ok := labelWords[w]; ok {
			words[i] = l
		} else if i == 0 {
			words[i] = strings.ToUpper(w[:1]) + w[1:]
		}
	}
	return strings.Join(words, " ")
}

// JSON is m as the metadata file holds it: indented, with a final newline, and with <, >
// and & as they are (the descriptions name <output>).
func (m Metadata) JSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, fmt.Errorf("metadata %s: %v", m.Name, err)
	}
	return b.Bytes(), nil
}

// MetadataFile is where p's metadata file is, relative to this package's directory.
func (p Pipeline) MetadataFile() string { return p.Name + "/metadata.json" }
