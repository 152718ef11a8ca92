// Package shardio writes large outputs as many files, never through one worker, and
// publishes them atomically.
//
// Write streams each bundle's records into temporary files below a run-scoped temporary
// directory, one open file per (bundle, output directory), rolling over to a new file at
// a size limit. No GroupByKey holds the data: memory stays at a buffer per open file.
// Commit then renames every temporary file to its final name,
// <prefix>/<dir>/part-NNNNN-of-MMMMM<ext>, numbered per directory in a deterministic
// order, and removes part files left in those directories by earlier runs. Until Commit
// has run no final name exists, so a reader never sees a half-written shard; the caller
// writes its manifest (_SUCCESS) after Commit, as the last step.
//
// A bundle that fails and is retried writes new temporary files under fresh names; the
// failed attempt's files are never listed by the runner and are removed with the
// temporary directory.
package shardio
