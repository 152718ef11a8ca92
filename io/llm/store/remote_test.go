package store

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/memfs"

	"github.com/xinstruct/xinstruct/internal/gcstest"
)

func TestGCSRoundTrip(t *testing.T) {
	ctx := context.Background()
	k := testKey("stray")
	gcstest.Start(t, "cache", map[string][]byte{
		// Not entries: Count skips them.
		"responses/v1/README":                            []byte("hi"),
		"responses/v1/" + k[:2] + "/." + k + ".json.tmp": []byte("{"),
		"responses/v2/" + k[:2] + "/" + k + ".json":      []byte(`{"key":"` + k + `"}`),
		// Corrupt entries.
		"responses/v1/" + testKey("bad")[:2] + "/" + testKey("bad") + ".json":     []byte(`{"key":`),
		"responses/v1/" + testKey("other")[:2] + "/" + testKey("other") + ".json": []byte(`{"key":"` + k + `"}`),
	})
	const url = "gs://cache/responses/v1/" // the trailing slash is optional
	s, err := Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	want := testEntry("a")
	if _, ok, err := s.Get(ctx, want.Key); ok || err != nil {
		t.Fatalf("Get before Put = ok %v, err %v; want absent", ok, err)
	}
	if err := s.Put(ctx, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Get(ctx, want.Key)
	if err != nil || !ok || !reflect.DeepEqual(got, want) {
		t.Fatalf("Get = %+v, %v, %v; want %+v", got, ok, err, want)
	}
	want.Content = []string{"replaced"}
	if err := s.Put(ctx, want); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Get(ctx, want.Key); !reflect.DeepEqual(got, want) {
		t.Errorf("Get after overwrite = %+v, want %+v", got, want)
	}
	for _, name := range []string{"bad", "other"} {
		_, ok, err := s.Get(ctx, testKey(name))
		if ok || !IsCorrupt(err) || !strings.Contains(err.Error(), "gs://cache/responses/v1/"+testKey(name)[:2]+"/"+testKey(name)+".json") {
			t.Errorf("Get(%s) = ok %v, err %v; want a *CorruptError naming the object", name, ok, err)
		}
	}
	if _, _, err := s.Get(ctx, "../x"); err == nil {
		t.Error("Get of an invalid key succeeded")
	}
	// "a", plus the two corrupt objects, which sit where entries live.
	if n := mustCount(t, url); n != 3 {
		t.Errorf("Count = %d, want 3", n)
	}
}

func TestGCSConcurrent(t *testing.T) {
	gcstest.Start(t, "cache", nil)
	testConcurrent(t, func(t *testing.T) (Store, string) {
		const url = "gs://cache/concurrent"
		s, err := Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s, url
	})
}

// flakyFS fails the first n writes, half of them part way through.
type flakyFS struct {
	filesystem.Interface
	fail atomic.Int32
}

var errFlaky = errors.New("flaky: 503 Service Unavailable")

func (f *flakyFS) OpenWrite(ctx context.Context, name string) (io.WriteCloser, error) {
	switch n := f.fail.Add(-1); {
	case n < 0:
		return f.Interface.OpenWrite(ctx, name)
	case n%2 == 0:
		return nil, errFlaky
	default:
		return failingWriter{}, nil
	}
}

type failingWriter struct{}

func (failingWriter) Write(p []byte) (int, error) { return len(p) / 2, errFlaky }
func (failingWriter) Close() error                { return errFlaky }

func TestRemotePutRetries(t *testing.T) {
	ctx := context.Background()
	const root = "memfs://retries"
	fsys := &flakyFS{Interface: memfs.New(ctx)}
	s := &remoteStore{fsys: fsys, root: root, attempts: 4, backoff: 0}
	e := testEntry("a")

	fsys.fail.Store(3) // succeeds on the 4th and last attempt
	if err := s.Put(ctx, e); err != nil {
		t.Fatalf("Put with 3 failures: %v", err)
	}
	if got, ok, err := s.Get(ctx, e.Key); !ok || err != nil || !reflect.DeepEqual(got, e) {
		t.Errorf("Get = %+v, %v, %v", got, ok, err)
	}

	fsys.fail.Store(4)
	e2 := testEntry("b")
	if err := s.Put(ctx, e2); !errors.Is(err, errFlaky) {
		t.Errorf("Put with 4 failures = %v, want %v", err, errFlaky)
	}
	if _, ok, err := s.Get(ctx, e2.Key); ok || err != nil {
		t.Errorf("failed Put left an entry: ok %v, err %v", ok, err)
	}

	cctx, cancel := context.WithCancel(ctx)
	cancel()
	fsys.fail.Store(1)
	s.backoff = 1e9
	if err := s.Put(cctx, e2); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a cancelled context = %v, want context.Canceled", err)
	}
}
