package ledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Dir is the directory of ledgers below a store.
const Dir = "_ledger"

// Caps is a run's budget. 0 leaves that axis uncapped.
type Caps struct {
	MaxRequests int64
	MaxCost     float64 // currency units
}

// An Amount is some budget: requests and cost. Costs are kept to 1e-9 currency units.
type Amount struct {
	Requests int64
	Cost     float64
}

// IsZero reports whether a has nothing in it: Take's answer when the budget is spent.
func (a Amount) IsZero() bool { return a.Requests == 0 && a.Cost == 0 }

// CapsError is Open's answer when the run's ledger records other caps than asked: a run's
// budget does not change under it because one worker (or a resumed launch) was given
// another flag value.
type CapsError struct {
	Path            string
	Recorded, Asked Caps
}

func (e *CapsError) Error() string {
	return fmt.Sprintf("ledger: %s records the run's caps as max_requests=%d max_cost=%g, but this process was given max_requests=%d max_cost=%g; "+
		"pass the recorded values, use another run, or edit \"caps\" in that object to change the run's budget",
		e.Path, e.Recorded.MaxRequests, e.Recorded.MaxCost, e.Asked.MaxRequests, e.Asked.MaxCost)
}

// State is what a ledger records.
type State struct {
	RunID   string
	Caps    Caps
	Leased  Amount // taken minus returned, by the whole fleet: spent or held by someone
	Writes  int64  // successful updates of the object
	Created time.Time
	Updated time.Time
	Holders map[string]HolderState
}

// HolderState is one holder's share of a ledger.
type HolderState struct {
	Taken, Returned Amount
	Takes, Returns  int64
	Conflicts       int64 // updates that lost a race and were retried
	First, Last     time.Time
}

// Ledger is one process's handle on a run's ledger. Safe for concurrent use; its updates
// are serialized, so share one Ledger per run in a process rather than opening several.
type Ledger struct {
	path        string
	holder      string
	follow      bool // FollowRecordedCaps
	backoffBase time.Duration
	backoffMax  time.Duration
	b           backend

	mu          sync.Mutex
	closed      bool
	outstanding amount // taken and not returned through this handle: what Return may give back
}

// An Option changes how Open opens a ledger.
type Option func(*Ledger)

// WithHolder names this process in the ledger instead of host/pid: e.g. a stable worker
// name, so that a restarted worker's takes are added up under one entry.
func WithHolder(id string) Option { return func(l *Ledger) { l.holder = id } }

// FollowRecordedCaps makes Open take the caps recorded in an existing ledger instead of
// failing when they differ: for workers, which all get the launch's flags, so that caps
// a person edited in the object during the run (see the package doc) also hold for
// workers started after the edit. The launcher opens without it, to tell the user.
func FollowRecordedCaps() Option { return func(l *Ledger) { l.follow = true } }

// Open opens the ledger of run runID below dir (a local directory or gs://bucket/prefix),
// creating it with caps if it does not exist. If it exists, its recorded totals carry on
// (a restarted worker does not reset the budget), and caps must equal the recorded ones,
// or Open returns a *CapsError naming both (unless FollowRecordedCaps).
func Open(ctx context.Context, dir, runID string, caps Caps, opts ...Option) (*Ledger, error) {
	if runID == "" || runID == "." || runID == ".." || strings.ContainsAny(runID, `/\`) {
		return nil, fmt.Errorf("ledger: run id %q cannot name a file", runID)
	}
	if caps.MaxRequests < 0 {
		return nil, fmt.Errorf("ledger: max_requests %d is negative", caps.MaxRequests)
	}
	capCost, err := toNanos(caps.MaxCost)
	if err != nil {
		return nil, fmt.Errorf("ledger: max_cost: %v", err)
	}
	host, _ := os.Hostname()
	l := &Ledger{holder: host + "/" + strconv.Itoa(os.Getpid()), backoffBase: 50 * time.Millisecond, backoffMax: 5 * time.Second}
	for _, o := range opts {
		o(l)
	}
	if l.holder == "" {
		return nil, errors.New("ledger: empty holder id")
	}
	if l.b, l.path, err = open(ctx, dir, runID); err != nil {
		return nil, err
	}
	want := capsDoc{MaxRequests: caps.MaxRequests, MaxCost: capCost}
	err = l.update(ctx, func(d *doc, _ int) (*doc, error) {
		if d == nil {
			now := time.Now().UTC()
			return &doc{RunID: runID, Caps: want, Created: now, Updated: now, Holders: map[string]*holderDoc{}}, nil
		}
		if d.RunID != runID {
			return nil, fmt.Errorf("ledger: %s belongs to run %q, not %q", l.path, d.RunID, runID)
		}
		if d.Caps != want && !l.follow {
			return nil, &CapsError{Path: l.path, Recorded: d.Caps.caps(), Asked: caps}
		}
		return nil, nil
	})
	if err != nil {
		l.b.close()
		return nil, err
	}
	return l, nil
}

// Path is the ledger object's name, for messages.
func (l *Ledger) Path() string { return l.path }

// Holder is the name this process takes budget under.
func (l *Ledger) Holder() string { return l.holder }

// Take leases up to requests and cost from the run's budget: on each capped axis, at most
// what remains. A zero Amount (IsZero) says the budget is spent on an axis asked for: a
// grant on one axis without the other could not be used, so none is made then.
//
// Take writes the object only when it grants something. Callers should ask for leases
// large enough that writes are rare (see the package doc). An error may leave budget
// taken and not granted (e.g. the write reached the store but its answer was lost);
// that is lost to the fleet, never given twice.
func (l *Ledger) Take(ctx context.Context, requests int64, cost float64) (Amount, error) {
	if requests < 0 {
		return Amount{}, fmt.Errorf("ledger: take: requests %d is negative", requests)
	}
	c, err := toNanos(cost)
	if err != nil {
		return Amount{}, fmt.Errorf("ledger: take: %v", err)
	}
	ask := amount{Requests: requests, Cost: c}
	if ask.zero() {
		return Amount{}, nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return Amount{}, fmt.Errorf("ledger: take from %s: closed", l.path)
	}
	// Each write attempt gets an op id recorded in the holder's entry; a re-read that
	// finds one of ours learns that that attempt landed (an answer lost after a write
	// GCS applied) and must not be applied twice.
	tries := map[string]amount{}
	var got amount
	err = l.update(ctx, func(d *doc, conflicts int) (*doc, error) {
		if d == nil {
			return nil, fmt.Errorf("ledger: %s is gone; the run's budget cannot be taken from nothing", l.path)
		}
		h := d.holder(l.holder)
		if g, ok := tries[h.LastOp]; ok {
			got = g
			return nil, nil
		}
		got = d.grant(ask)
		if got.zero() {
			return nil, nil
		}
		op := newOp()
		tries[op] = got
		now := time.Now().UTC()
		d.Leased = d.Leased.plus(got)
		d.Updated, d.Writes = now, d.Writes+1
		h.Taken = h.Taken.plus(got)
		h.Takes++
		h.Conflicts += int64(conflicts)
		h.touch(now, op)
		return d, nil
	})
	if err != nil {
		return Amount{}, err
	}
	l.outstanding = l.outstanding.plus(got)
	return got.public(), nil
}

// Return gives back budget taken through l and not used, e.g. at teardown, so that other
// workers can use it. It is clamped to what l took and has not returned. Best effort: a
// worker that dies with budget in hand never returns it, and the fleet spends less than
// the cap rather than more.
func (l *Ledger) Return(ctx context.Context, a Amount) error {
	if a.Requests < 0 {
		return fmt.Errorf("ledger: return: requests %d is negative", a.Requests)
	}
	c, err := toNanos(a.Cost)
	if err != nil {
		return fmt.Errorf("ledger: return: %v", err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("ledger: return to %s: closed", l.path)
	}
	back := amount{Requests: min(a.Requests, l.outstanding.Requests), Cost: min(c, l.outstanding.Cost)}
	if back.zero() {
		return nil
	}
	tries := map[string]bool{}
	err = l.update(ctx, func(d *doc, conflicts int) (*doc, error) {
		if d == nil {
			return nil, fmt.Errorf("ledger: %s is gone", l.path)
		}
		h := d.holder(l.holder)
		if tries[h.LastOp] {
			return nil, nil
		}
		op := newOp()
		tries[op] = true
		now := time.Now().UTC()
		d.Leased = d.Leased.minus(back)
		d.Updated, d.Writes = now, d.Writes+1
		h.Returned = h.Returned.plus(back)
		h.Returns++
		h.Conflicts += int64(conflicts)
		h.touch(now, op)
		return d, nil
	})
	if err != nil {
		return err
	}
	l.outstanding = l.outstanding.minus(back)
	return nil
}

// State reads the ledger's totals.
func (l *Ledger) State(ctx context.Context) (State, error) {
	data, _, err := l.b.read(ctx)
	if errors.Is(err, errNotExist) {
		return State{}, fmt.Errorf("ledger: %s is gone", l.path)
	} else if err != nil {
		return State{}, fmt.Errorf("ledger: reading %s: %w", l.path, err)
	}
	var d doc
	if err := json.Unmarshal(data, &d); err != nil {
		return State{}, fmt.Errorf("ledger: %s does not parse: %v", l.path, err)
	}
	s := State{RunID: d.RunID, Caps: d.Caps.caps(), Leased: d.Leased.public(), Writes: d.Writes,
		Created: d.Created, Updated: d.Updated, Holders: map[string]HolderState{}}
	for id, h := range d.Holders {
		s.Holders[id] = HolderState{Taken: h.Taken.public(), Returned: h.Returned.public(), Takes: h.Takes,
			Returns: h.Returns, Conflicts: h.Conflicts, First: h.First, Last: h.Last}
	}
	return s, nil
}

// Close releases l's resources. It returns nothing to the ledger: call Return first.
func (l *Ledger) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	return l.b.close()
}

// update applies fn to the object atomically: locally under a file lock, on GCS by
// writing only at the generation read and retrying with jittered backoff when another
// writer got there first. fn gets a fresh copy of the object at each attempt (nil if it is
// absent) and the number of races lost so far, and returns what to write (nil: nothing).
func (l *Ledger) update(ctx context.Context, fn func(d *doc, conflicts int) (*doc, error)) error {
	var failed error // a write that failed otherwise than by losing a race: did it land?
	for conflicts := 0; ; {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("ledger: updating %s: %w", l.path, err)
		}
		err := l.attempt(ctx, fn, conflicts, failed)
		switch {
		case errors.Is(err, errConflict):
			conflicts++
			if err := sleep(ctx, l.backoff(conflicts)); err != nil {
				return fmt.Errorf("ledger: updating %s: %w", l.path, err)
			}
		case errors.Is(err, errWrite) && failed == nil:
			failed = err // read once more: fn finds its op there if the write landed
		default:
			return err
		}
	}
}

// errWrite marks a write that failed otherwise than by losing a race.
var errWrite = errors.New("write failed")

// attempt is one read-modify-write. After a failed write (failed != nil), it only reads:
// fn either finds that write in the object, or failed is the answer.
func (l *Ledger) attempt(ctx context.Context, fn func(d *doc, conflicts int) (*doc, error), conflicts int, failed error) error {
	unlock, err := l.b.lock(ctx)
	if err != nil {
		return fmt.Errorf("ledger: locking %s: %w", l.path, err)
	}
	defer unlock()
	data, version, err := l.b.read(ctx)
	var cur *doc
	switch {
	case errors.Is(err, errNotExist):
		version = nil
	case err != nil:
		return fmt.Errorf("ledger: reading %s: %w", l.path, err)
	default:
		cur = &doc{}
		if err := json.Unmarshal(data, cur); err != nil {
			return fmt.Errorf("ledger: %s does not parse: %v", l.path, err)
		}
		if cur.Holders == nil {
			cur.Holders = map[string]*holderDoc{}
		}
	}
	next, err := fn(cur, conflicts)
	switch {
	case err != nil:
		return err
	case next == nil:
		return nil
	case failed != nil:
		return failed
	}
	if data, err = json.MarshalIndent(next, "", "  "); err != nil {
		return err
	}
	if err := l.b.write(ctx, data, version); errors.Is(err, errConflict) {
		return err
	} else if err != nil {
		return fmt.Errorf("ledger: writing %s: %w: %w", l.path, errWrite, err)
	}
	return nil
}

// backoff is a full-jitter exponential delay after the n-th lost race.
func (l *Ledger) backoff(n int) time.Duration {
	d := l.backoffMax
	if n < 30 {
		d = min(d, l.backoffBase<<n)
	}
	return time.Duration(mrand.Int64N(int64(d) + 1))
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func newOp() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// doc is the ledger object. Field order is for a person reading it.
type doc struct {
	RunID   string                `json:"run_id"`
	Caps    capsDoc               `json:"caps"`
	Leased  amount                `json:"leased"` // taken minus returned, fleet-wide
	Writes  int64                 `json:"writes"`
	Created time.Time             `json:"created"`
	Updated time.Time             `json:"updated"`
	Holders map[string]*holderDoc `json:"holders"`
}

type capsDoc struct {
	MaxRequests int64 `json:"max_requests"` // 0: no cap
	MaxCost     nanos `json:"max_cost"`     // 0: no cap
}

func (c capsDoc) caps() Caps { return Caps{MaxRequests: c.MaxRequests, MaxCost: c.MaxCost.float()} }

type holderDoc struct {
	Taken     amount    `json:"taken"`
	Returned  amount    `json:"returned"`
	Takes     int64     `json:"takes"`
	Returns   int64     `json:"returns"`
	Conflicts int64     `json:"conflicts"`
	First     time.Time `json:"first"`
	Last      time.Time `json:"last"`
	LastOp    string    `json:"last_op"` // the last update's id: see Take
}

func (d *doc) holder(id string) *holderDoc {
	h := d.Holders[id]
	if h == nil {
		h = &holderDoc{}
		d.Holders[id] = h
	}
	return h
}

func (h *holderDoc) touch(now time.Time, op string) {
	if h.First.IsZero() {
		h.First = now
	}
	h.Last, h.LastOp = now, op
}

// grant is what d can give of ask: on each capped axis at most what remains, and nothing
// if an axis asked for has nothing left.
func (d *doc) grant(ask amount) amount {
	g := ask
	if c := d.Caps.MaxRequests; c > 0 {
		g.Requests = min(g.Requests, max(0, c-d.Leased.Requests))
	}
	if c := d.Caps.MaxCost; c > 0 {
		g.Cost = min(g.Cost, max(0, c-d.Leased.Cost))
	}
	if (ask.Requests > 0 && g.Requests == 0) || (ask.Cost > 0 && g.Cost == 0) {
		return amount{}
	}
	return g
}

type amount struct {
	Requests int64 `json:"requests"`
	Cost     nanos `json:"cost"`
}

func (a amount) zero() bool           { return a.Requests == 0 && a.Cost == 0 }
func (a amount) plus(b amount) amount { return amount{a.Requests + b.Requests, a.Cost + b.Cost} }
func (a amount) public() Amount       { return Amount{Requests: a.Requests, Cost: a.Cost.float()} }
func (a amount) minus(b amount) amount {
	// Never below zero: a hand-edited object must not turn a return into new budget.
	return amount{max(0, a.Requests-b.Requests), max(0, a.Cost-b.Cost)}
}
