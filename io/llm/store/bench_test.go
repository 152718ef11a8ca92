package store

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

// benchEntry is a typical chat answer: two choices of about 1.5 kB each.
func benchEntry(i int) Entry {
	e := testEntry(fmt.Sprint("bench/", i))
	e.Content = []string{strings.Repeat("lorem ipsum ", 128), strings.Repeat("dolor sit amet ", 100)}
	e.Embedding = nil
	return e
}

// BenchmarkPutGetLocal reports µs per Put (new keys: a temporary file, fsync, rename and
// directory fsync) and per Get. Put/nosync shows what the two fsyncs cost.
func BenchmarkPutGetLocal(b *testing.B) {
	ctx := context.Background()
	for _, sync := range []bool{true, false} {
		name := "Put/fsync"
		if !sync {
			name = "Put/nosync"
		}
		b.Run(name, func(b *testing.B) {
			s, err := openLocal(filepath.Join(b.TempDir(), "s"))
			if err != nil {
				b.Fatal(err)
			}
			s.sync = sync
			entries := make([]Entry, 4096)
			for i := range entries {
				entries[i] = benchEntry(i)
			}
			i := 0
			for b.Loop() {
				e := entries[i%len(entries)]
				e.Key = testKey(fmt.Sprint(name, i)) // always a new entry
				if err := s.Put(ctx, e); err != nil {
					b.Fatal(err)
				}
				i++
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/put")
		})
	}
	b.Run("PutParallel/fsync", func(b *testing.B) {
		s, err := openLocal(filepath.Join(b.TempDir(), "s"))
		if err != nil {
			b.Fatal(err)
		}
		var n atomic.Int64
		e := benchEntry(0)
		b.SetParallelism(32) // 64 goroutines on 2 cores, as a worker would run
		b.RunParallel(func(pb *testing.PB) {
			e := e
			for pb.Next() {
				e.Key = testKey(fmt.Sprint("parallel", n.Add(1)))
				if err := s.Put(ctx, e); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/put")
	})
	b.Run("Get", func(b *testing.B) {
		s, err := openLocal(filepath.Join(b.TempDir(), "s"))
		if err != nil {
			b.Fatal(err)
		}
		s.sync = false // setup only
		keys := make([]string, 4096)
		for i := range keys {
			e := benchEntry(i)
			if err := s.Put(ctx, e); err != nil {
				b.Fatal(err)
			}
			keys[i] = e.Key
		}
		i := 0
		for b.Loop() {
			if _, ok, err := s.Get(ctx, keys[i%len(keys)]); !ok || err != nil {
				b.Fatal(ok, err)
			}
			i++
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N), "µs/get")
	})
}
