// Package ledger keeps one run's budget (a cap on requests and on cost) for a whole fleet
// of workers. A cap enforced in each process becomes N caps on N workers, and restarts
// from zero with a restarted worker; a ledger is shared by all of them and outlives them.
//
// # The object
//
// A run's ledger is one small JSON object next to its response store,
//
//	<dir>/_ledger/<runID>.json
//
// where dir is a local directory or gs://bucket/prefix. It records the caps, the amount
// leased by the fleet (taken minus returned), each holder's takes and returns (a holder is
// host/pid, or a name given with WithHolder) and timestamps, indented for a person to read.
// Costs are kept as integers of 1e-9 currency units, written as exact decimals, so that
// the fleet's grants add up to the cap exactly. The object holds no secrets: run id, host
// names, pids, amounts, times. It grows by one holder entry (~300 bytes) per process
// that ever took budget.
//
// # Leases
//
// Workers Take budget in leases, spend it locally, and Return what they did not use
// (e.g. at teardown). Take grants at most what remains, so the fleet never leases more
// than the caps; a zero Amount means a capped axis is spent. A worker that dies with a
// lease never returns it: that budget counts as spent, and the fleet ends below its cap
// rather than above. A worker that restarts opens the same ledger and carries on from
// its totals; the budget never resets.
//
// The caps are recorded when the object is created. Opening it with other caps is a
// *CapsError naming both: a worker (or a resumed launch) given another --max_cost is
// told rather than silently held to the first value, or allowed to raise the budget
// alone. To change a run's budget on purpose, edit "caps" in the object: every open
// ledger takes from the edited caps at its next Take, and workers that open it later
// follow them if opened with FollowRecordedCaps.
//
// # Atomicity and rate
//
// Every change is a read-modify-write of the whole object. Locally it holds flock(2) on
// <object>.lock (on this machine only; not on a network filesystem) and replaces the
// object by a synced temporary file and a rename. On GCS it creates the object only if
// absent and replaces it only at the generation it read; a writer that lost the race
// re-reads and retries after a jittered, growing delay. A write whose answer was lost
// (GCS applied it, the connection dropped) is recognized by the op id it left in its
// holder's entry, and is not applied twice.
//
// GCS sustains about one write per second to one object (beyond that it answers 429,
// which the storage client retries, so Takes slow down rather than fail). Size leases so
// that the fleet writes rarely: e.g. leases of 2% of the cap make about 50 Takes per run
// whatever the number of workers, plus one Return per worker at teardown. A Take that
// grants nothing does not write.
//
// # Speed
//
// BenchmarkTake (go test -run '^$' -bench Take -benchtime=1x), each Take a write, on a
// 2-core VM shared with other jobs (load average ~20; ranges over three runs):
//
//	local dir, 1 process     130-310 Takes/s  (each syncs file and directory; ~1600 without)
//	local dir, 4 processes   230-600 Takes/s
//	fake GCS,  1 process     170-300 Takes/s  (in-process fake-gcs-server)
//	fake GCS,  4 processes   100-150 Takes/s  (0.1-0.2 lost races per Take, each backing off)
//
// Real GCS is bounded by its per-object rate above, and each Take costs a read and a
// write of tens of milliseconds.
package ledger
