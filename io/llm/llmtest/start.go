package llmtest

// TB is the part of testing.TB that Start uses. It is an interface of its own so that the
// pipeline binaries, which embed the fake as their offline stand-in, do not link package
// testing.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Start starts a server with opts for the rest of a test or benchmark (it is closed in
// tb's cleanup) and returns it with its base URL; it fails tb if the server cannot start.
func Start(tb TB, opts Options) (*Server, string) {
	tb.Helper()
	srv := New(opts)
	url, err := srv.Start()
	if err != nil {
		tb.Fatalf("llmtest: starting the fake server: %v", err)
	}
	tb.Cleanup(srv.Close)
	return srv, url
}
