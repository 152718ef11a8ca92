package ledger_test

import (
	"context"
	"fmt"
	"os"

	"github.com/xinstruct/xinstruct/io/ledger"
)

func Example() {
	ctx := context.Background()
	store, _ := os.MkdirTemp("", "store") // or gs://bucket/prefix
	defer os.RemoveAll(store)

	l, err := ledger.Open(ctx, store, "run-1", ledger.Caps{MaxCost: 1})
	if err != nil {
		panic(err)
	}
	defer l.Close()
	for range 4 {
		g, _ := l.Take(ctx, 10, 0.4) // a lease of 10 calls costing up to 0.4
		fmt.Printf("granted %+v, spent: %v\n", g, g.IsZero())
	}
	l.Return(ctx, ledger.Amount{Requests: 5, Cost: 0.25}) // unused, at teardown
	s, _ := l.State(ctx)
	fmt.Printf("leased %+v of max_cost %g\n", s.Leased, s.Caps.MaxCost)
	// Output:
	// granted {Requests:10 Cost:0.4}, spent: false
	// granted {Requests:10 Cost:0.4}, spent: false
	// granted {Requests:10 Cost:0.2}, spent: false
	// granted {Requests:0 Cost:0}, spent: true
	// leased {Requests:25 Cost:0.75} of max_cost 1
}
