// Package docio reads corpora into documents, shaped like Beam's textio: Read turns file
// globs into PCollection<record.Doc> plus a PCollection<record.Rejected> of dead letters, and
// never stops on a bad record.
//
// # Pipeline shape
//
// Read expands its globs when the pipeline runs, in a DoFn (so gs:// globs are listed on a
// worker), reshuffles the file list and streams each file in one DoFn call. A glob matching
// no file fails the job; Match runs the same expansion at launch time for a pre-flight check.
// Files are opened through Beam's filesystem registry: this package registers none, so the
// program imports the ones it needs (io/filesystem/local, io/filesystem/gcs).
//
// # Formats, by extension (case-insensitive)
//
//   - .jsonl and .jsonl.gz: one JSON object per line. "text" (a string) is required; "id"
//     (a string, or a number: its literal text), "lang" and "url" (strings) are optional;
//     every other key goes into Doc.Meta as a compact JSON object with sorted keys ("" when
//     there are none). An id, lang or url of another type (other than null) goes into Meta
//     too. Keys are matched exactly ("Text" is an other key). Of duplicated keys the last wins.
//     Lines are numbered from 1 counting every line. A blank line (only spaces, tabs or
//     CR) is not a record: it is skipped and not counted in records_read. A UTF-8 byte
//     order mark at the start of the file is ignored.
//   - .parquet: one row per record, with the same columns: "text" must be a top-level
//     string (BYTE_ARRAY) column; "id" may be a string or number column; other top-level
//     columns go into Meta. Line is the 1-based row number in the file.
//   - .txt: the whole file is one document (paragraph breaks kept), ID = the file's base
//     name, Line = 1.
//
// Anything else is one unreadable_file dead letter naming the supported extensions.
//
// # Documents and dead letters
//
// Doc.Source is the path as matched; Doc.ID defaults to "<file base name>:<line>" when the
// record has no id (or an empty one). A record is rejected (Stage "ingest") as
//
//   - too_long: larger than Options.MaxRecordBytes (a line is skipped without being parsed);
//   - invalid_utf8: bytes that are not UTF-8, checked before parsing, because encoding/json
//     would silently turn them into U+FFFD;
//   - malformed_json: not JSON, or JSON that is not an object;
//   - missing_text: no text, text not a string, or text empty or only white space;
//   - unreadable_file: a file that cannot be read at all (unknown extension, not Parquet,
//     no text column; Line 0), or the rest of one: a gzip stream that breaks mid-file or a
//     Parquet row group that fails keeps the records before the damage and adds one dead
//     letter whose Line is where reading stopped.
//
// A dead letter's Record holds the record's first record.MaxRecordExcerpt bytes as valid
// UTF-8 (invalid bytes become U+FFFD; Detail gives the offset of the first). Errors of the
// storage itself (a failed read from gs://) are returned, so the runner retries the bundle.
//
// # Memory
//
// JSONL is streamed: a line is held once (lines up to 256 KiB are parsed inside the read
// buffer), and a line over MaxRecordBytes is skipped holding only its first KB. A text file
// is held whole, up to MaxRecordBytes. Parquet is read a batch of rows at a time from a
// random-access source: a local file in place, any other scheme through a temporary copy in
// os.TempDir.
//
// # Counters
//
// Namespace "docio": files_read, records_read (docs plus rejected records), docs, and
// rejected_<reason> for each reason.
package docio
