// Package store keeps every model response the pipeline has paid for, content-addressed
// by a request key, so that nothing is paid for twice: a re-run makes no calls, a job
// killed with SIGKILL repeats at most the requests that were in flight, a retried Beam
// bundle finds the answers of its first attempt, and an offline run replays from the
// store alone.
//
// # Layout
//
// A store is a local directory or a gs://bucket/prefix. Entry k is the JSON file
//
//	<root>/<k[0:2]>/<k>.json
//
// where k is a lowercase hex SHA-256 (see ValidKey). The two-character fan-out (256
// directories) keeps each directory near 400 entries per 100k responses.
//
// # Guarantees
//
// Put returns only once the entry is durable, and a reader in any process sees an entry
// whole or not at all:
//   - local: Put writes a temporary sibling (".<k>.json.tmp-<random>"), fsyncs it, renames
//     it over <k>.json and fsyncs the directory. A crash leaves at worst a temporary file,
//     which Get and Count ignore (it is never read, and costs only its disk space).
//   - gs:// (and any other scheme registered with Beam's filesystem package): Put is one
//     object write, which GCS makes visible atomically when the write completes. A
//     failed write is aborted (its context cancelled) and retried a few times: the
//     response has been paid for, and writing the same key again is harmless.
//
// Putting the same key twice replaces the entry (last wins).
//
// # Corrupt entries
//
// An entry that is not valid JSON, or whose "key" field is not its file name, is
// reported by Get as a *CorruptError naming the file, with ok false. It is not silently
// treated as absent: with atomic writes it can only come from a bug, a hand edit or a
// disk fault, and somebody should look. A caller that would rather heal than stop can
// test IsCorrupt(err), count it, and treat it as a miss: the next Put of that key
// replaces the file. (In an offline run there is nothing to heal with, so stopping is
// the only choice.)
//
// # Secrets
//
// Entry has no field for request headers, API keys or credentials, and must never get
// one: stores are copied, shared and kept for a long time. The package's tests pin the
// set of JSON fields.
//
// # gs:// in a pipeline
//
// The package uses Beam's filesystem registry but registers nothing: the program (and so
// every worker) imports github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/gcs.
// Opening a URL whose scheme is not registered fails with an error that says which
// import is missing.
package store
