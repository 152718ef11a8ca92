// Package lease gives one run at a time an output prefix: a run takes an exclusive lease
// before it writes anything, renews it while it lives, and every publishing step checks
// that the lease is still its own. A killed run stops renewing, and its lease expires, so
// it does not block the next run for ever.
//
// The lease is the object <output>/_LEASE. Locally it is created with an exclusive create
// (O_EXCL) and renewed by an atomic rename; on gs:// it is created with a does-not-exist
// precondition and renewed or taken over with a generation-match precondition, so two
// runs racing for one prefix cannot both win.
package lease

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// File is the lease's name below the output prefix.
const File = "_LEASE"

// Holder says who holds a lease.
type Holder struct {
	RunID   string        `json:"run_id"`
	Host    string        `json:"host"`
	PID     int           `json:"pid"`
	Started time.Time     `json:"started"`
	Renewed time.Time     `json:"renewed"`
	TTL     time.Duration `json:"ttl"`
}

// Expired reports whether h stopped renewing longer than its TTL ago.
func (h Holder) Expired(now time.Time) bool { return now.After(h.Renewed.Add(h.TTL)) }

// deadHere reports whether h was taken by a process of this host that is gone: a run
// killed here need not block the re-run until its lease expires.
func (h Holder) deadHere() bool {
	host, _ := os.Hostname()
	return h.Host == host && h.PID > 0 && !processAlive(h.PID)
}

// HeldError is Acquire's answer when another live run holds the prefix.
type HeldError struct {
	Output string
	Holder Holder
}

func (e *HeldError) Error() string {
	h := e.Holder
	return fmt.Sprintf("%s is being written by run %s (host %s, pid %d, since %s); its lease expires at %s unless renewed: wait for it, or use another --output",
		e.Output, h.RunID, h.Host, h.PID, h.Started.Format(time.RFC3339), h.Renewed.Add(h.TTL).Format(time.RFC3339))
}

// ErrLost says a run's lease is no longer its own: it expired and another run took it.
var ErrLost = errors.New("lease: lost")

// backend stores the lease object with the preconditions the lease needs. version is
// opaque (a GCS generation, or the bytes read locally).
type backend interface {
	create(ctx context.Context, data []byte) (version any, err error)   // fails with errExists if it exists
	read(ctx context.Context) (data []byte, version any, err error)     // errNotExist if absent
	replace(ctx context.Context, data []byte, version any) (any, error) // fails with errChanged unless still at version
	remove(ctx context.Context, version any) error
	close() error
}

var (
	errExists   = errors.New("lease object exists")
	errNotExist = errors.New("no lease object")
	errChanged  = errors.New("lease object changed")
)

// Lease is a held lease.
type Lease struct {
	Output string
	b      backend

	mu      sync.Mutex
	holder  Holder
	version any
}

// Acquire takes the lease on output for runID, or returns a *HeldError naming the
// live run that holds it. An expired lease is taken over.
func Acquire(ctx context.Context, output, runID string, ttl time.Duration) (*Lease, error) {
	b, err := open(ctx, output)
	if err != nil {
		return nil, err
	}
	l, err := acquire(ctx, b, output, runID, ttl)
	if err != nil {
		b.close()
	}
	return l, err
}

func acquire(ctx context.Context, b backend, output, runID string, ttl time.Duration) (*Lease, error) {
	var err error
	host, _ := os.Hostname()
	now := time.Now().UTC()
	l := &Lease{Output: output, b: b, holder: Holder{RunID: runID, Host: host, PID: os.Getpid(), Started: now, Renewed: now, TTL: ttl}}
	data, _ := json.Marshal(l.holder)
	for attempt := 0; attempt < 3; attempt++ {
		if l.version, err = b.create(ctx, data); err == nil {
			return l, nil
		} else if !errors.Is(err, errExists) {
			return nil, fmt.Errorf("lease: creating %s/%s: %v", output, File, err)
		}
		cur, version, err := b.read(ctx)
		if errors.Is(err, errNotExist) {
			continue // released between the create and the read
		} else if err != nil {
			return nil, fmt.Errorf("lease: reading %s/%s: %v", output, File, err)
		}
		var h Holder
		if json.Unmarshal(cur, &h) == nil && !h.Expired(time.Now()) && !h.deadHere() && h.RunID != runID {
			return nil, &HeldError{Output: output, Holder: h}
		}
		// Expired, unreadable, or our own: take it over, unless someone else did first.
		if l.version, err = b.replace(ctx, data, version); err == nil {
			return l, nil
		} else if !errors.Is(err, errChanged) && !errors.Is(err, errNotExist) {
			return nil, fmt.Errorf("lease: taking over %s/%s: %v", output, File, err)
		}
	}
	return nil, fmt.Errorf("lease: %s/%s keeps changing under this run; another run is taking it", output, File)
}

// Holder returns who holds l.
func (l *Lease) Holder() Holder {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.holder
}

// Renew extends the lease by its TTL from now; ErrLost if another run took it.
func (l *Lease) Renew(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.holder
	h.Renewed = time.Now().UTC()
	data, _ := json.Marshal(h)
	v, err := l.b.replace(ctx, data, l.version)
	if errors.Is(err, errChanged) || errors.Is(err, errNotExist) {
		return fmt.Errorf("%w: %s/%s was taken by another run", ErrLost, l.Output, File)
	} else if err != nil {
		return err
	}
	l.holder, l.version = h, v
	return nil
}

// KeepAlive renews l every ttl/3 until stop is called; a failed renewal is reported to
// onLost (once) and ends the renewals.
func (l *Lease) KeepAlive(ctx context.Context, onLost func(error)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(max(l.holder.TTL/3, 10*time.Millisecond))
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := l.Renew(ctx); err != nil && ctx.Err() == nil {
					onLost(err)
					return
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// Release gives the lease up, if it is still l's, and closes it.
func (l *Lease) Release(ctx context.Context) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	defer l.b.close()
	err := l.b.remove(ctx, l.version)
	if errors.Is(err, errChanged) || errors.Is(err, errNotExist) {
		return nil // expired and taken, or gone: nothing of ours to remove
	}
	return err
}

// Check says whether runID still holds the lease on output: publishing steps call it
// before each rename and before _SUCCESS, on whatever worker they run. A missing lease
// is allowed (a run launched without the launcher, e.g. a test that builds the pipeline
// itself); another run's is ErrLost.
func Check(ctx context.Context, output, runID string) error {
	b, err := open(ctx, output)
	if err != nil {
		return err
	}
	defer b.close()
	data, _, err := b.read(ctx)
	if errors.Is(err, errNotExist) {
		return nil
	} else if err != nil {
		return fmt.Errorf("lease: reading %s/%s: %v", output, File, err)
	}
	var h Holder
	if err := json.Unmarshal(data, &h); err != nil {
		return fmt.Errorf("lease: %s/%s does not parse: %v", output, File, err)
	}
	if h.RunID != runID {
		return fmt.Errorf("%w: %s is now written by run %s (host %s); run %s must not publish there", ErrLost, output, h.RunID, h.Host, runID)
	}
	return nil
}
