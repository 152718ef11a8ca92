// Package clean holds ingest's per-document cleaning and cheap checks: Unicode
// normalization and whitespace cleanup, length bounds, and the script check. Each takes
// PCollection<record.Doc> and returns the documents that pass and the dead letters
// (PCollection<record.Rejected>) of those that do not.
package clean
