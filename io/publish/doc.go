// Package publish is the output contract every pipeline's run keeps: what a reader of
// an output prefix may trust, and how a run earns it.
//
// Layout below the output prefix:
//
//	_temporary/<run id>/  the run's work in progress; never read, removed when it ends
//	<dir>/part-*          sharded outputs (io/shardio), other files (io/dataset, ...)
//	report/<name>         the run's report (a funnel, an evaluation's scores)
//	_SUCCESS              the Manifest of a published run, written last
//	_FAILURE              the Manifest of a run that failed, with its one-line reason
//
// A run's writers first invalidate the earlier run's _SUCCESS (shardio.CommitParams and
// dataset.Params take SuccessFile in Invalidate), then publish their files under their
// final names. At the end, one step (Finalize, or Publish from a pipeline's own DoFn)
// checks that the files hold exactly what the run counted, writes the report, and only
// then the manifest, and removes the temporary tree. Whatever lists a file is written
// after the file: a _SUCCESS vouches for every file it lists, and nothing else does.
//
// A run that must not be vouched for (its counts do not match, or its pipeline says so
// in its Verdict) publishes no _SUCCESS: it writes _FAILURE with the reason instead.
// A launcher reads either back with ReadManifest and, after checking that the run id
// is its own, prints the summary or the reason.
//
// The package knows no pipeline's record types: outputs are shardio.Files and Files
// with record counts, the report is raw JSON, and the expected counts are per output
// directory or file. The evaluation and generate pipelines share it.
package publish
