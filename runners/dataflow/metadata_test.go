package dataflow

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx" // registers Beam's flags on flag.CommandLine, as in the binaries
)

// checkFile says how the metadata file's contents differ from what p's flags make: a
// flag added, removed or changed without `go generate ./runners/dataflow` fails here.
func checkFile(p Pipeline, committed []byte) error {
	want, err := p.Metadata().JSON()
	if err != nil {
		return err
	}
	var m Metadata
	if err := json.Unmarshal(committed, &m); err != nil {
		return fmt.Errorf("%s does not parse: %v", p.MetadataFile(), err)
	}
	var problems []string
	names := map[string]bool{}
	for _, prm := range m.Parameters {
		names[prm.Name] = true
		if p.Flags.Lookup(prm.Name) == nil {
			problems = append(problems, fmt.Sprintf("parameter %s is not a flag of %s", prm.Name, p.Name))
		}
	}
	p.Flags.VisitAll(func(f *flag.Flag) {
		if !names[f.Name] {
			problems = append(problems, fmt.Sprintf("flag --%s has no parameter", f.Name))
		}
	})
	if !bytes.Equal(committed, want) {
		problems = append(problems, "the file is not what the flags make")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s: %s; run `go generate ./runners/dataflow`", p.MetadataFile(), strings.Join(problems, "; "))
	}
	return nil
}

// TestMetadataUpToDate: each committed metadata file is exactly what regenerating it
// gives, and names every flag of its binary and nothing else.
func TestMetadataUpToDate(t *testing.T) {
	for _, p := range Pipelines() {
		committed, err := os.ReadFile(p.MetadataFile())
		if err != nil {
			t.Fatal(err)
		}
		if err := checkFile(p, committed); err != nil {
			t.Error(err)
		}
	}
}

// TestMetadataCheckCatchesAFlagAdded: a flag bound without regenerating the file, or a
// parameter whose flag is gone, fails checkFile.
func TestMetadataCheckCatchesAFlagAdded(t *testing.T) {
	p := Pipelines()[0]
	committed, err := os.ReadFile(p.MetadataFile())
	if err != nil {
		t.Fatal(err)
	}
	p.Flags.String("new_flag", "", "a flag added after the file was generated")
	err = checkFile(p, committed)
	if err == nil || !strings.Contains(err.Error(), "flag --new_flag has no parameter") {
		t.Errorf("checkFile with a flag added = %v, want it to name --new_flag", err)
	}

	q := Pipelines()[0]
	var m Metadata
	if err := json.Unmarshal(committed, &m); err != nil {
		t.Fatal(err)
	}
	m.Parameters = append(m.Parameters, Parameter{Name: "gone_flag", Label: "Gone flag", HelpText: "x", IsOptional: true})
	stale, _ := m.JSON()
	if err := checkFile(q, stale); err == nil || !strings.Contains(err.Error(), "parameter gone_flag is not a flag") {
		t.Errorf("checkFile with a stale parameter = %v, want it to name gone_flag", err)
	}
}

// TestMetadataParametersAreProjectFlagsOnly: no parameter is one of Beam's flags (runner,
// project, region, temp_location, ...: the Flex Template service passes those), and the
// required parameters are flags.
func TestMetadataParametersAreProjectFlagsOnly(t *testing.T) {
	for _, p := range Pipelines() {
		for _, prm := range p.Metadata().Parameters {
			if flag.CommandLine.Lookup(prm.Name) != nil {
				t.Errorf("%s: parameter %s is also a Beam flag", p.Name, prm.Name)
			}
		}
		for _, n := range p.Required {
			if p.Flags.Lookup(n) == nil {
				t.Errorf("%s: required parameter %s is not a flag", p.Name, n)
			}
		}
	}
	for _, n := range []string{"runner", "project", "region", "temp_location", "staging_location", "sdk_container_image", "template_location"} {
		if flag.CommandLine.Lookup(n) == nil {
			t.Errorf("Beam's --%s is not registered: the check above checks nothing", n)
		}
	}
}

// TestMetadataPatterns: every pattern compiles and keeps to what POSIX egrep (Dataflow's
// check) and RE2 share; every optional parameter's default matches its own pattern (an
// enumeration missing a value the code accepts shows here when that value is the
// default); every flag valuePatterns names exists in some pipeline.
func TestMetadataPatterns(t *testing.T) {
	known := map[string]bool{}
	for _, p := range Pipelines() {
		for _, prm := range p.Metadata().Parameters {
			known[prm.Name] = true
			f := p.Flags.Lookup(prm.Name)
			for _, re := range prm.Regexes {
				for _, perl := range []string{`\d`, `\s`, `\w`, `\S`, `(?`, `*?`, `+?`} {
					if strings.Contains(re, perl) {
						t.Errorf("%s %s: pattern %q uses %s, which POSIX egrep does not have", p.Name, prm.Name, re, perl)
					}
				}
				rx, err := regexp.Compile(re)
				if err != nil {
					t.Errorf("%s %s: %v", p.Name, prm.Name, err)
					continue
				}
				if prm.IsOptional && f.DefValue != "" && !rx.MatchString(f.DefValue) {
					t.Errorf("%s %s: default %q does not match %q", p.Name, prm.Name, f.DefValue, re)
				}
			}
		}
	}
	for n := range valuePatterns {
		if !known[n] {
			t.Errorf("valuePatterns names --%s, which no pipeline has", n)
		}
	}
}

// TestMetadataValueExamples: the patterns accept the values the README passes and refuse
// the usual mistakes.
func TestMetadataValueExamples(t *testing.T) {
	for _, c := range []struct {
		flag, value string
		ok          bool
	}{
		{"output", "gs://bucket/xinstruct/run1", true},
		{"output", "out/run1", false},
		{"input", "gs://b/cc/*.jsonl.gz,gs://b/more/*.parquet", true},
		{"input", "gs://b/cc/*.jsonl.gz,corpus/*.jsonl", false},
		{"api_key_secret", "projects/p/secrets/openai-api-key/versions/1", true},
		{"api_key_secret", "env:OPENAI_API_KEY", false},
		{"api_key_secret", "sk-abc123", false},
		{"request_timeout", "90s", true},
		{"request_timeout", "1m30s", true},
		{"request_timeout", "90", false},
		{"temperature", "0.2", true},
		{"price", "0.15,0.60", true},
		{"embedder", "openai", true},
		{"embedder", "bert", false},
		{"llm_base_url", "https://api.openai.com/v1", true},
		{"store_fsync", "yes", false},
	} {
		f := Pipelines()[0].Flags.Lookup(c.flag)
		if f == nil {
			t.Fatalf("no --%s", c.flag)
		}
		if got := regexp.MustCompile(ValuePattern(f)).MatchString(c.value); got != c.ok {
			t.Errorf("--%s=%s: pattern %q matches = %v, want %v", c.flag, c.value, ValuePattern(f), got, c.ok)
		}
	}
	if !slices.Equal([]string{Label("llm_base_url"), Label("kmeans_iters"), Label("run_id")}, []string{"LLM base URL", "k-means iters", "Run ID"}) {
		t.Errorf("labels: %q %q %q", Label("llm_base_url"), Label("kmeans_iters"), Label("run_id"))
	}
}
