package launch

import (
	"errors"
	"flag"
	"testing"
)

func TestRootCause(t *testing.T) {
	err := errors.New("job job-001 failed:\nbundle inst3 stage-2 failed:process bundle failed for instruction inst3 using plan stage-2 : while executing Process for Plan[stage-2]:\n1: DataSource[...]\n\tcaused by:\nsource failed processing data\n\tcaused by:\nllm: offline, and the response store has no answer for request 5c88\n")
	if got, want := rootCause(err), "llm: offline, and the response store has no answer for request 5c88"; got != want {
		t.Errorf("rootCause = %q, want %q", got, want)
	}
	if got := rootCause(errors.New("plain")); got != "plain" {
		t.Errorf("rootCause of one line = %q", got)
	}
}

// TestTemplateLocationIsSubmittedOnly: with Dataflow's --template_location (how a Flex
// Template's launcher runs the binary) the runner writes the job and returns without
// running it, so the launcher must neither wait for the run's report nor release the
// output's lease.
func TestTemplateLocationIsSubmittedOnly(t *testing.T) {
	f := flag.Lookup("template_location")
	if f == nil {
		t.Fatal("Beam's Dataflow runner no longer registers --template_location")
	}
	defer f.Value.Set(f.DefValue)
	if submittedOnly() {
		t.Fatal("submittedOnly with no flag set")
	}
	f.Value.Set("gs://bucket/templates/job.json")
	if !submittedOnly() {
		t.Error("submittedOnly is false with --template_location set")
	}
}
