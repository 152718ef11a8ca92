package llm

import (
	"fmt"
	"sync"
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

// budget caps the calls (not store hits) of one run in one process. Before a call it
// reserves the call's worst case (its prompt and max_tokens); after, it settles the real
// usage. A run whose next call could exceed the cap stops calling: the elements left are
// dead-lettered, and what was done is in the store for the next run. On a cluster the cap
// applies per worker process.
type budget struct {
	mu          sync.Mutex
	maxRequests int64   // 0: no cap
	maxCost     float64 // 0: no cap
	requests    int64
	cost        float64 // settled plus reserved
}

var (
	budgetsMu sync.Mutex
	budgets   = map[string]*budget{}
)

func sharedBudget(runID string, maxRequests int64, maxCost float64) *budget {
	budgetsMu.Lock()
	defer budgetsMu.Unlock()
	key := fmt.Sprintf("%s|%d|%g", runID, maxRequests, maxCost)
	if b := budgets[key]; b != nil {
		return b
	}
	b := &budget{maxRequests: maxRequests, maxCost: maxCost}
	budgets[key] = b
	return b
}

// reserve claims one request of at most worstCost, or says why it may not be made.
func (b *budget) reserve(worstCost float64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.maxRequests > 0 && b.requests >= b.maxRequests {
		return &Failure{Reason: ReasonBudgetExceeded, Detail: fmt.Sprintf("--max_requests=%d reached", b.maxRequests)}
	}
	if b.maxCost > 0 && b.cost+worstCost > b.maxCost {
		return &Failure{Reason: ReasonBudgetExceeded, Detail: fmt.Sprintf("--max_cost=%g would be exceeded (spent or reserved %.4f, this call up to %.4f)", b.maxCost, b.cost, worstCost)}
	}
	b.requests++
	b.cost += worstCost
	return nil
}

// settle replaces a reservation by the call's real cost.
func (b *budget) settle(reserved, actual float64) {
	b.mu.Lock()
	b.cost += actual - reserved
	b.mu.Unlock()
}
