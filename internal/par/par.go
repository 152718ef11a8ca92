// Package par runs CPU-bound work in parallel on one process-wide pool of
// runtime.GOMAXPROCS(0) goroutines, so that DoFn instances running at the same time
// share the cores instead of each starting its own goroutines.
package par

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
)

// A Job is a call of f for every index in [0, n), in progress on the pool.
type Job struct {
	wg    sync.WaitGroup
	next  atomic.Int64
	n     int64
	f     func(i int)
	mu    sync.Mutex
	panic error
}

// Start starts calling f(i) for every i in [0, n) on the pool, in no particular order
// and concurrently, and returns at once. Wait waits for the calls to finish. f must not
// call Start and Wait itself.
func Start(n int, f func(i int)) *Job {
	j := &Job{n: int64(n), f: f}
	workers := min(n, runtime.GOMAXPROCS(0))
	j.wg.Add(workers)
	tasks := pool()
	for range workers {
		tasks <- j.run
	}
	return j
}

// Do calls f(i) for every i in [0, n) on the pool and waits for them; see Start.
func Do(n int, f func(i int)) error { return Start(n, f).Wait() }

// run calls f for the indexes no other worker has taken yet. A panic in f stops this
// worker's share and is reported by Wait: a panic in a pool goroutine would end the
// process, where a panic in the caller's goroutine fails only a bundle.
func (j *Job) run() {
	defer j.wg.Done()
	defer func() {
		if r := recover(); r != nil {
			j.mu.Lock()
			if j.panic == nil {
				j.panic = fmt.Errorf("par: panic: %v\n%s", r, debug.Stack())
			}
			j.mu.Unlock()
		}
	}()
	for {
		i := j.next.Add(1) - 1
		if i >= j.n {
			return
		}
		j.f(int(i))
	}
}

// Wait waits for every call of the job to return. It returns an error if one panicked;
// the indexes left to that worker may then not have been processed.
func (j *Job) Wait() error {
	j.wg.Wait()
	return j.panic
}

// pool starts the workers on first use. The buffer lets Start return without waiting
// for a worker to be free.
var pool = sync.OnceValue(func() chan func() {
	tasks := make(chan func(), 256)
	for range runtime.GOMAXPROCS(0) {
		go func() {
			for t := range tasks {
				t()
			}
		}()
	}
	return tasks
})
