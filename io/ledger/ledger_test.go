package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/gcstest"
)

// dirs are the stores every unit test runs on: a local directory and a fake GCS bucket.
func dirs(t *testing.T) map[string]string {
	gcstest.Start(t, "bucket", nil)
	return map[string]string{"local": t.TempDir(), "gcs": "gs://bucket/store"}
}

func mustOpen(t *testing.T, dir, run string, caps Caps, opts ...Option) *Ledger {
	t.Helper()
	l, err := Open(context.Background(), dir, run, caps, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func take(t *testing.T, l *Ledger, requests int64, cost float64, want Amount) {
	t.Helper()
	got, err := l.Take(context.Background(), requests, cost)
	if err != nil {
		t.Fatalf("Take(%d, %g): %v", requests, cost, err)
	}
	if got != want {
		t.Fatalf("Take(%d, %g) = %+v; want %+v", requests, cost, got, want)
	}
}

func leased(t *testing.T, l *Ledger, want Amount) State {
	t.Helper()
	s, err := l.State(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if s.Leased != want {
		t.Fatalf("leased %+v; want %+v", s.Leased, want)
	}
	return s
}

func TestCapsAndPartialGrants(t *testing.T) {
	for name, dir := range dirs(t) {
		t.Run(name, func(t *testing.T) {
			l := mustOpen(t, dir, "both", Caps{MaxRequests: 10, MaxCost: 1})
			take(t, l, 4, 0.3, Amount{4, 0.3})
			take(t, l, 4, 0.3, Amount{4, 0.3})
			take(t, l, 4, 0.3, Amount{2, 0.3}) // requests run out first: partial
			take(t, l, 1, 0.01, Amount{})      // requests spent: nothing, though cost is left
			take(t, l, 0, 0.1, Amount{0, 0.1}) // cost alone is still there
			s := leased(t, l, Amount{10, 1})
			take(t, l, 0, 0.1, Amount{})
			if s2 := leased(t, l, Amount{10, 1}); s2.Writes != s.Writes {
				t.Errorf("a zero grant wrote the object (%d writes, then %d)", s.Writes, s2.Writes)
			}

			// Decimal costs add up exactly: 0.1 three times is the cap of 0.3, no more, no less.
			l = mustOpen(t, dir, "decimal", Caps{MaxCost: 0.3})
			for range 3 {
				take(t, l, 1, 0.1, Amount{1, 0.1})
			}
			take(t, l, 1, 1e-9, Amount{})
			leased(t, l, Amount{3, 0.3})

			// An uncapped axis grants whatever is asked.
			l = mustOpen(t, dir, "requests-only", Caps{MaxRequests: 3})
			take(t, l, 2, 1e6, Amount{2, 1e6})
			take(t, l, 2, 1e6, Amount{1, 1e6})
			take(t, l, 1, 0, Amount{})
			take(t, l, 0, 0, Amount{}) // asking for nothing
		})
	}
}

func TestReturn(t *testing.T) {
	for name, dir := range dirs(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			caps := Caps{MaxRequests: 10, MaxCost: 2}
			a := mustOpen(t, dir, "run", caps, WithHolder("a"))
			b := mustOpen(t, dir, "run", caps, WithHolder("b"))
			take(t, a, 10, 2, Amount{10, 2})
			take(t, b, 1, 0.1, Amount{})
			if err := a.Return(ctx, Amount{3, 0.5}); err != nil {
				t.Fatal(err)
			}
			leased(t, a, Amount{7, 1.5})
			take(t, b, 5, 1, Amount{3, 0.5})
			// More than a holds is clamped: a cannot mint budget by returning it.
			if err := b.Return(ctx, Amount{100, 100}); err != nil {
				t.Fatal(err)
			}
			s := leased(t, a, Amount{7, 1.5})
			if h := s.Holders["b"]; h.Taken != (Amount{3, 0.5}) || h.Returned != (Amount{3, 0.5}) || h.Takes != 1 || h.Returns != 1 {
				t.Errorf("holder b: %+v", h)
			}
			if err := b.Return(ctx, Amount{1, 0.1}); err != nil { // nothing left to return
				t.Fatal(err)
			}
			leased(t, a, Amount{7, 1.5})
		})
	}
}

func TestReopenContinues(t *testing.T) {
	for name, dir := range dirs(t) {
		t.Run(name, func(t *testing.T) {
			caps := Caps{MaxRequests: 100, MaxCost: 5}
			l := mustOpen(t, dir, "run", caps)
			take(t, l, 60, 3, Amount{60, 3})
			l.Close() // a worker dies holding its lease: the lease stays spent
			if _, err := l.Take(context.Background(), 1, 0); err == nil {
				t.Error("Take after Close succeeded")
			}
			l = mustOpen(t, dir, "run", caps, WithHolder("restarted"))
			leased(t, l, Amount{60, 3})
			take(t, l, 60, 3, Amount{40, 2})
			take(t, l, 1, 0, Amount{})
			if s := leased(t, l, Amount{100, 5}); len(s.Holders) != 2 {
				t.Errorf("holders %v; want the first process and restarted", s.Holders)
			}
			// Another run in the same store has its own budget.
			take(t, mustOpen(t, dir, "other", caps), 1, 1, Amount{1, 1})
		})
	}
}

func TestCapsMismatch(t *testing.T) {
	for name, dir := range dirs(t) {
		t.Run(name, func(t *testing.T) {
			mustOpen(t, dir, "run", Caps{MaxRequests: 10, MaxCost: 100})
			_, err := Open(context.Background(), dir, "run", Caps{MaxRequests: 10, MaxCost: 50})
			var ce *CapsError
			if !errors.As(err, &ce) || ce.Recorded.MaxCost != 100 || ce.Asked.MaxCost != 50 {
				t.Fatalf("reopening with another max_cost: %v; want a CapsError", err)
			}
			for _, want := range []string{"max_cost=100", "max_cost=50", Dir + "/run.json"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%q does not say %q", err, want)
				}
			}
			if _, err := Open(context.Background(), dir, "run", Caps{MaxCost: 100}); !errors.As(err, &ce) {
				t.Errorf("reopening without max_requests: %v; want a CapsError", err)
			}
			mustOpen(t, dir, "run", Caps{MaxRequests: 10, MaxCost: 100}) // the same caps are fine
		})
	}
}

// TestLostAnswer: a write that reached the store but whose answer was lost (GCS applied
// it, the connection dropped) is found by its op id and not applied twice; a write that
// did not land is an error and leaves the ledger as it was.
func TestLostAnswer(t *testing.T) {
	for name, dir := range dirs(t) {
		t.Run(name, func(t *testing.T) {
			l := mustOpen(t, dir, "run", Caps{MaxRequests: 10})
			real := l.b
			l.b = flaky{real, true}
			take(t, l, 4, 0, Amount{4, 0})
			leased(t, l, Amount{4, 0})
			l.b = flaky{real, false}
			if _, err := l.Take(context.Background(), 4, 0); err == nil || !strings.Contains(err.Error(), l.Path()) {
				t.Errorf("a write that did not land: %v; want an error naming %s", err, l.Path())
			}
			leased(t, l, Amount{4, 0})
		})
	}
}

// flaky fails every write, after making it if land.
type flaky struct {
	backend
	land bool
}

func (f flaky) write(ctx context.Context, data []byte, version any) error {
	if f.land {
		if err := f.backend.write(ctx, data, version); err != nil {
			return err
		}
	}
	return errors.New("connection reset")
}

func TestBadInput(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	for _, run := range []string{"", "..", "a/b"} {
		if _, err := Open(ctx, dir, run, Caps{}); err == nil {
			t.Errorf("run id %q accepted", run)
		}
	}
	for _, caps := range []Caps{{MaxRequests: -1}, {MaxCost: -1}, {MaxCost: math.NaN()}, {MaxCost: math.Inf(1)}} {
		if _, err := Open(ctx, dir, "run", caps); err == nil {
			t.Errorf("caps %+v accepted", caps)
		}
	}
	if _, err := Open(ctx, "s3://b/p", "run", Caps{}); err == nil {
		t.Error("s3:// accepted")
	}
	l := mustOpen(t, dir, "run", Caps{MaxCost: 1})
	if _, err := l.Take(ctx, -1, 0); err == nil {
		t.Error("negative requests taken")
	}
	if _, err := l.Take(ctx, 0, math.NaN()); err == nil {
		t.Error("NaN cost taken")
	}
	// A damaged object is reported with its name, never taken for an empty ledger.
	os.WriteFile(l.Path(), []byte("{"), 0o644)
	if _, err := l.Take(ctx, 1, 0); err == nil || !strings.Contains(err.Error(), l.Path()) {
		t.Errorf("a corrupt ledger: %v", err)
	}
	os.Remove(l.Path())
	if _, err := l.Take(ctx, 1, 0); err == nil || !strings.Contains(err.Error(), "gone") {
		t.Errorf("a deleted ledger: %v; want an error, not a fresh budget", err)
	}
}

// TestReadable: the object is indented JSON with costs in currency units, and a hand
// edit of the caps (the documented way to change a run's budget) takes effect.
func TestReadable(t *testing.T) {
	dir := t.TempDir()
	l := mustOpen(t, dir, "run", Caps{MaxRequests: 5, MaxCost: 12.5}, WithHolder("w1"))
	take(t, l, 1, 0.000001, Amount{1, 0.000001})
	data, err := os.ReadFile(filepath.Join(dir, Dir, "run.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"max_requests": 5`, `"max_cost": 12.5`, `"cost": 0.000001`, `"w1": {`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the object does not say %s:\n%s", want, data)
		}
	}
	edited := strings.Replace(string(data), `"max_cost": 12.5`, `"max_cost": 2e1`, 1)
	os.WriteFile(l.Path(), []byte(edited), 0o644)
	take(t, l, 1, 15, Amount{1, 15}) // an open ledger takes from the edited caps
	old := Caps{MaxRequests: 5, MaxCost: 12.5}
	if _, err := Open(context.Background(), dir, "run", old); !errors.As(err, new(*CapsError)) {
		t.Errorf("the flags' caps after an edit: %v; want a CapsError", err)
	}
	w := mustOpen(t, dir, "run", old, FollowRecordedCaps()) // a worker started after the edit
	take(t, w, 1, 10, Amount{1, 5 - 0.000001})
	if s := leased(t, w, Amount{3, 20}); s.Caps.MaxCost != 20 {
		t.Errorf("caps %+v after the edit", s.Caps)
	}
}

func TestNanosJSON(t *testing.T) {
	for _, c := range []struct {
		n    nanos
		text string
	}{{0, "0"}, {1, "0.000000001"}, {1_500_000_000, "1.5"}, {-250_000_000, "-0.25"}, {12_000_000_000, "12"}} {
		b, _ := json.Marshal(c.n)
		if string(b) != c.text {
			t.Errorf("%d marshals to %s; want %s", c.n, b, c.text)
		}
		var back nanos
		if err := json.Unmarshal(b, &back); err != nil || back != c.n {
			t.Errorf("%s reads back as %d (%v)", b, back, err)
		}
	}
	for text, want := range map[string]nanos{"1e2": 100_000_000_000, "0.1234567891": 123_456_789} {
		var n nanos
		if err := json.Unmarshal([]byte(text), &n); err != nil || n != want {
			t.Errorf("%s reads as %d (%v); want %d", text, n, err, want)
		}
	}
	var n nanos
	if err := json.Unmarshal([]byte(`"x"`), &n); err == nil {
		t.Error(`"x" read as a cost`)
	}
}
