package llm

import (
	"context"
	"sync"
)

// slots bound the requests in flight in the whole process, to every endpoint and model
// together: --max_in_flight is what one worker process (its connections, memory and the
// account's concurrency) can carry, and a generator and a judge calling at once must
// not double it. The bound is the largest MaxInFlight of the Clients built in the
// process: a job sets one --max_in_flight for all its models, and the largest does not
// depend on the order in which stages happen to set up.
type slots struct {
	mu   sync.Mutex
	n    int           // the bound
	used int           // requests in flight
	free chan struct{} // closed, and replaced, when a slot frees or the bound grows
}

var processSlots = &slots{free: make(chan struct{})}

// sharedSlots returns the process's slots, raising their bound to n if it is lower.
func sharedSlots(n int) *slots {
	processSlots.grow(n)
	return processSlots
}

func (s *slots) grow(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n > s.n {
		s.n = n
		s.wake()
	}
}

func (s *slots) wake() {
	close(s.free)
	s.free = make(chan struct{})
}

// acquire waits for a slot, or for ctx to end.
func (s *slots) acquire(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.used < s.n {
			s.used++
			s.mu.Unlock()
			return nil
		}
		free := s.free
		s.mu.Unlock()
		select {
		case <-free:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func (s *slots) release() {
	s.mu.Lock()
	s.used--
	s.wake()
	s.mu.Unlock()
}

// inFlight is the bound and the requests in flight, for tests.
func (s *slots) inFlight() (n, used int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n, s.used
}
