//go:build !cgo

package hubcheck

import "testing"

func TestHubLoadsEachRowOnce(t *testing.T) {
	t.Skip("DuckDB needs cgo (CGO_ENABLED=1) and a C++ toolchain: the Hub layout is checked by io/dataset's own Parquet reader only")
}
