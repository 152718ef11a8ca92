package publish

import (
	"encoding/json"
	"testing"

	"github.com/xinstruct/xinstruct/internal/codertest"
)

// TestVerdictCoder: every field of a verdict survives its coder. The report must be
// JSON, so the filler's bytes are replaced with a JSON value.
func TestVerdictCoder(t *testing.T) {
	v := codertest.Filled[Verdict]()
	v.Report = json.RawMessage(`{"read":7}`)
	codertest.Check(t, v)
}
