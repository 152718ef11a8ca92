package llm

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/xinstruct/xinstruct/io/ledger"
)

// Price is what a model costs, in currency units per million tokens.
type Price struct {
	InputPerM  float64 `json:"input_per_m"`
	OutputPerM float64 `json:"output_per_m"`
}

// Cost returns the price of a call.
func (p Price) Cost(promptTokens, completionTokens int) float64 {
	return (float64(promptTokens)*p.InputPerM + float64(completionTokens)*p.OutputPerM) / 1e6
}

// leaseShare is the part of a cap that a worker process leases from the run's ledger at
// a time: about 50 ledger writes per run whatever the number of workers (GCS takes about
// one write a second to an object), and at most one lease per worker left unspent when
// the budget runs out.
const leaseShare = 50

// budget caps the calls (not store hits) of one run across all its worker processes.
// Before a call it reserves the call's worst case (its prompt and max_tokens); after, it
// settles the real usage. The run's budget is kept in a ledger next to the response store
// (io/ledger): each process leases a share of it, spends that locally and leases again,
// so the fleet together never reserves more than the caps, and a restarted worker does
// not start again from zero. A run whose next call could exceed the cap stops calling:
// the elements left are dead-lettered, and what was done is in the store for the next
// run.
type budget struct {
	maxRequests int64   // 0: no cap
	maxCost     float64 // 0: no cap
	store       string  // the ledger is kept below it
	runID       string

	mu          sync.Mutex
	settled     *sync.Cond     // signalled when a reservation settles
	ledger      *ledger.Ledger // opened at the first reservation
	requests    int64          // leased by this process and not yet reserved
	cost        float64        // leased and not yet reserved (settling gives back the unspent part)
	outstanding int            // reservations not yet settled
	emptyAt     time.Time      // when the ledger last granted nothing; zero: it has not
	// held are batched requests charged at their worst case when their batch was
	// submitted, by batch id and key: credit gives back what the answer did not spend.
	held map[string]float64
}

var (
	budgetsMu sync.Mutex
	budgets   = map[string]*budget{}
)

func sharedBudget(store, runID string, maxRequests int64, maxCost float64) *budget {
	budgetsMu.Lock()
	defer budgetsMu.Unlock()
	key := fmt.Sprintf("%s|%s|%d|%g", store, runID, maxRequests, maxCost)
	if b := budgets[key]; b != nil {
		return b
	}
	b := &budget{maxRequests: maxRequests, maxCost: maxCost, store: store, runID: runID}
	b.settled = sync.NewCond(&b.mu)
	budgets[key] = b
	return b
}

func (b *budget) capped() bool { return b.maxRequests > 0 || b.maxCost > 0 }

// reserve claims one request of at most worstCost. A *Failure says the run's budget does
// not allow it; any other error is the ledger's (the store cannot be reached) and should
// fail the bundle.
func (b *budget) reserve(ctx context.Context, worstCost float64) error {
	if !b.capped() {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for !b.covers(worstCost) {
		// Another worker may have given budget back since the ledger last granted nothing:
		// look again, though not more than once a second (each look is a read of the
		// ledger).
		if b.emptyAt.IsZero() || time.Since(b.emptyAt) > time.Second {
			if err := b.lease(ctx, worstCost); err != nil {
				return err
			}
			continue
		}
		// Calls in flight reserved their worst case and will give most of it back: a call
		// is refused only if it would not fit once they have settled.
		if b.outstanding > 0 {
			b.settled.Wait()
			continue
		}
		return b.spent(worstCost)
	}
	if b.maxRequests > 0 {
		b.requests--
	}
	if b.maxCost > 0 {
		b.cost -= worstCost
	}
	b.outstanding++
	return nil
}

func (b *budget) covers(worstCost float64) bool {
	return (b.maxRequests == 0 || b.requests >= 1) && (b.maxCost == 0 || b.cost >= worstCost)
}

// lease takes the next share of the run's budget from its ledger.
func (b *budget) lease(ctx context.Context, worstCost float64) error {
	if b.ledger == nil {
		l, err := ledger.Open(ctx, b.store, b.runID, ledger.Caps{MaxRequests: b.maxRequests, MaxCost: b.maxCost})
		if err != nil {
			return fmt.Errorf("llm: the run's budget ledger: %v", err)
		}
		b.ledger = l
	}
	var askRequests int64
	var askCost float64
	if b.maxRequests > 0 {
		askRequests = max(1, b.maxRequests/leaseShare)
	}
	if b.maxCost > 0 {
		askCost = max(b.maxCost/leaseShare, worstCost-b.cost)
	}
	got, err := b.ledger.Take(ctx, askRequests, askCost)
	if err != nil {
		return fmt.Errorf("llm: the run's budget ledger: %v", err)
	}
	if got.IsZero() {
		if b.emptyAt.IsZero() {
			slog.Info("llm: the run's budget is leased out; calls that do not fit what this worker holds are dead-lettered as "+ReasonBudgetExceeded, "ledger", b.ledger.Path())
		}
		b.emptyAt = time.Now()
		return nil
	}
	b.emptyAt = time.Time{}
	b.requests += got.Requests
	b.cost += got.Cost
	return nil
}

// spent is the Failure of a call the budget no longer allows.
func (b *budget) spent(worstCost float64) *Failure {
	where := "the run's ledger " + b.ledger.Path()
	if b.maxRequests > 0 && b.requests < 1 {
		return &Failure{Reason: ReasonBudgetExceeded, Detail: fmt.Sprintf("--max_requests=%d for the whole run is reached (%s)", b.maxRequests, where)}
	}
	return &Failure{Reason: ReasonBudgetExceeded, Detail: fmt.Sprintf("--max_cost=%g for the whole run would be exceeded: this call may cost up to %.4f and this worker holds %.4f of it (%s)", b.maxCost, worstCost, b.cost, where)}
}

// settle replaces a reservation by the call's real cost: the unspent part stays with this
// process for its next calls.
func (b *budget) settle(reserved, actual float64) {
	if !b.capped() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.maxCost > 0 {
		b.cost += reserved - actual
		b.returnSurplus()
	}
	b.outstanding--
	b.settled.Broadcast()
}

// returnSurplus gives the ledger back what this process holds beyond one lease. Calls
// reserve their worst case (max_tokens) and mostly spend a fraction of it, so a busy
// worker's settled change piles up; kept, it would starve the other workers of a budget
// the ledger had already leased out. Called with b.mu held.
func (b *budget) returnSurplus() {
	lease := b.maxCost / leaseShare
	if b.ledger == nil || b.cost <= 2*lease {
		return
	}
	back := ledger.Amount{Cost: b.cost - lease}
	if err := b.ledger.Return(context.Background(), back); err != nil {
		slog.Warn("llm: could not give unspent budget back to the run's ledger", "ledger", b.ledger.Path(), "error", err)
		return
	}
	b.cost -= back.Cost
}

// giveBack returns what this process holds and has not reserved to the ledger, so that
// other workers can spend it: a Client's Close calls it. Best effort: a worker that dies
// holding a lease leaves it unspent, and the fleet ends below its caps, not above.
func (b *budget) giveBack(ctx context.Context) {
	if !b.capped() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ledger == nil || (b.requests <= 0 && b.cost <= 0) {
		return
	}
	back := ledger.Amount{Requests: max(0, b.requests), Cost: max(0, b.cost)}
	if err := b.ledger.Return(ctx, back); err != nil {
		slog.Warn("llm: could not give unspent budget back to the run's ledger", "ledger", b.ledger.Path(), "error", err)
		return
	}
	b.requests -= back.Requests
	b.cost -= back.Cost
}

// hold records that the request key of batch id was charged worstCost (reserved and
// settled at its worst case when the batch was submitted), until its answer comes.
func (b *budget) hold(id, key string, worstCost float64) {
	if !b.capped() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.held == nil {
		b.held = map[string]float64{}
	}
	b.held[id+"/"+key] = worstCost
}

// credit gives back what a batched request held by hold did not spend, once: what its
// answer cost, actual, or everything, request included, when it got none. A batch
// harvested in another process than the one that submitted it holds nothing here: its
// worst case stays spent, and the run ends below its cap rather than above (the ledger
// takes back only what a process leased itself).
func (b *budget) credit(id, key string, answered bool, actual float64) {
	if b.maxCost <= 0 && b.maxRequests <= 0 {
		return
	}
	b.mu.Lock()
	worst, ok := b.held[id+"/"+key]
	delete(b.held, id+"/"+key)
	b.mu.Unlock()
	switch {
	case !ok:
	case answered:
		b.unspend(0, max(0, worst-actual))
	default:
		b.unspend(1, worst)
	}
}

// unspend gives this process back requests and cost it charged and did not spend (a
// batch that was not sent, or whose answers cost less than their worst case), for its
// next calls; Close returns what is left of it to the ledger.
func (b *budget) unspend(requests int64, cost float64) {
	if !b.capped() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.maxRequests > 0 {
		b.requests += requests
	}
	if b.maxCost > 0 {
		b.cost += cost
	}
	b.settled.Broadcast()
}
