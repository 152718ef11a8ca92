package dataset

import (
	"testing"

	"github.com/xinstruct/xinstruct/internal/codertest"
)

// TestRowCoder: every field of a dataset row survives its hand-written coder.
func TestRowCoder(t *testing.T) { codertest.RoundTrip[Row](t) }
