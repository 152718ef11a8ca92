package llm

import "sync"

// Pool runs a DoFn's calls concurrently. Beam hands a DoFn one element at a time; a DoFn
// that waited for each answer would keep one request in flight. Instead ProcessElement
// starts the element's work with Go and emits whatever has finished (Take); FinishBundle
// waits for the rest (Wait) and emits it, so every result is emitted inside its bundle
// and from the bundle's own goroutine, as Beam requires.
type Pool[T any] struct {
	pending chan struct{} // bounds the elements in progress, and so memory
	wg      sync.WaitGroup
	mu      sync.Mutex
	done    []T
	err     error
}

// NewPool returns a pool that holds at most maxPending elements in progress: Go blocks
// beyond that. It should exceed the requests allowed in flight, so that elements
// backing off from a retry do not idle the connection slots.
func NewPool[T any](maxPending int) *Pool[T] {
	return &Pool[T]{pending: make(chan struct{}, max(1, maxPending))}
}

// Go runs f in its own goroutine, after waiting for room.
func (p *Pool[T]) Go(f func() (T, error)) {
	p.pending <- struct{}{}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		v, err := f()
		p.mu.Lock()
		if err != nil {
			if p.err == nil {
				p.err = err
			}
		} else {
			p.done = append(p.done, v)
		}
		p.mu.Unlock()
		<-p.pending
	}()
}

// Take returns the results finished since the last Take, and the first error any call
// returned (the bundle should fail with it).
func (p *Pool[T]) Take() ([]T, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	done := p.done
	p.done = nil
	return done, p.err
}

// Wait waits for every call started, then takes their results.
func (p *Pool[T]) Wait() ([]T, error) {
	p.wg.Wait()
	return p.Take()
}
