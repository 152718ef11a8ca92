// Package gcstest runs an in-process GCS emulator (fake-gcs-server) for tests and points
// Beam's gs:// filesystem at it through STORAGE_EMULATOR_HOST.
package gcstest

import (
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// Download copies the objects of bucket whose names start with prefix into dir, each at
// its name less prefix, so that a test reads a gs:// output with the os package. It
// returns dir.
func Download(t testing.TB, server *fakestorage.Server, bucket, prefix, dir string) string {
	t.Helper()
	objects, _, err := server.ListObjects(bucket, prefix, "", false)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range objects {
		if strings.HasSuffix(o.Name, "/") {
			continue // a "directory" placeholder
		}
		obj, err := server.GetObject(bucket, o.Name)
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, filepath.FromSlash(strings.TrimPrefix(o.Name, prefix)))
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, obj.Content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
