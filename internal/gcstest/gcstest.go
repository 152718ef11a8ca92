// Package gcstest runs an in-process GCS emulator (fake-gcs-server) for tests and points
// Beam's gs:// filesystem at it through STORAGE_EMULATOR_HOST.
package gcstest

import (
	"net"
	"strconv"
	"testing"

	"github.com/fsouza/fake-gcs-server/fakestorage"
)

// Start starts the emulator with bucket holding objects (name to content), sets
// STORAGE_EMULATOR_HOST for the rest of the test, and stops it when the test ends.
func Start(t testing.TB, bucket string, objects map[string][]byte) *fakestorage.Server {
	t.Helper()
	// The server needs its port before it listens (PublicHost), so a free port is picked
	// and then bound: another process can take it in between, so a few ports are tried.
	var server *fakestorage.Server
	var host string
	var err error
	for range 5 {
		var l net.Listener
		if l, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		host = "127.0.0.1:" + strconv.Itoa(port)
		server, err = fakestorage.NewServerWithOptions(fakestorage.Options{
			Scheme:     "http",
			Host:       "127.0.0.1",
			Port:       uint16(port),
			PublicHost: host, // must equal host:port, or every read fails "object doesn't exist"
		})
		if err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(server.Stop)
	server.CreateBucketWithOpts(fakestorage.CreateBucketOpts{Name: bucket})
	for name, data := range objects {
		server.CreateObject(fakestorage.Object{
			ObjectAttrs: fakestorage.ObjectAttrs{BucketName: bucket, Name: name},
			Content:     data,
		})
	}
	t.Setenv("STORAGE_EMULATOR_HOST", host)
	return server
}
