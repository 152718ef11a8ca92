package launch

import (
	"errors"
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
