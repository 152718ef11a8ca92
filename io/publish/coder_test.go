package publish

import (
	"encoding/json"
	"testing"

	"github.com/xinstruct/xinstruct/internal/codertest"
)

// TestVerdictCoder: every field of a verdict survives its coder. The report must be
// JSON, and so are the further reports, so the filler's bytes are replaced with JSON values.
func TestVerdictCoder(t *testing.T) {
	v := codertest.Filled[Verdict]()
	v.Report = json.RawMessage(`{"read":7}`)
	v.Reports = map[string]json.RawMessage{"summary.json": json.RawMessage(`{"rows":3}`)}
	codertest.Check(t, v)
}
