// Package fakellmtest starts the project's fake OpenAI-compatible server for tests. It
// is apart from fakellm so that the generate binary, which embeds the fake as its
// offline stand-in, does not link package testing.
package fakellmtest

import (
	"testing"

	"github.com/xinstruct/xinstruct/internal/fakellm"
)

// Start starts a server with opts for the rest of a test or benchmark (it is closed in
// tb's cleanup) and returns it with its base URL; it fails tb if the server cannot start.
func Start(tb testing.TB, opts fakellm.Options) (*fakellm.Server, string) {
	tb.Helper()
	srv := fakellm.New(opts)
	url, err := srv.Start()
	if err != nil {
		tb.Fatalf("fakellmtest: starting the fake server: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv, url
}
