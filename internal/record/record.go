// Package record holds the element types that flow between the pipeline's stages:
// documents on their way through ingest, and dead letters that say why a record left.
package record

import (
	"strconv"
	"strings"
)

// Doc is one input document. Ingest reads it, cleans it and routes it to a language.
type Doc struct {
	ID     string // from the input's "id", or derived from Source and Line when absent
	Lang   string // declared language on input; after language ID, the language it is routed to
	Text   string
	URL    string
	Source string // the file the record came from
	Line   int64  // 1-based line (JSONL), row (Parquet) or block (text) within Source
	Meta   string // the input's other fields, as a JSON object; "" when there are none

	LangConfidence float64 // language-ID confidence in [0,1]; 0 until language ID has run
}

// Rejected is a dead letter: a record that left the pipeline, and why.
type Rejected struct {
	Reason string // one of the Reason* constants, or ReasonLowQuality + ":" + rule
	Stage  string // the pipeline stage that rejected it, e.g. "ingest"
	Source string
	Line   int64
	ID     string
	Detail string // a human-readable explanation, e.g. "detected en (0.99), declared fi"
	Record string // the record, or its first MaxRecordExcerpt bytes
}

// MaxRecordExcerpt bounds how much of a rejected record is kept in its dead letter.
const MaxRecordExcerpt = 1024

// Reasons a record is rejected during ingest.
const (
	ReasonMalformedJSON = "malformed_json"
	ReasonInvalidUTF8   = "invalid_utf8"
	ReasonMissingText   = "missing_text"
	ReasonUnreadable    = "unreadable_file" // a file or row group that could not be read at all
	ReasonTooShort      = "too_short"
	ReasonTooLong       = "too_long"
	ReasonLangMismatch  = "lang_mismatch"
	ReasonOtherLanguage = "other_language"
	ReasonUndetermined  = "undetermined_language"
	ReasonWrongScript   = "wrong_script"
	ReasonLowQuality    = "low_quality" // always followed by ":" and the rule's name
	ReasonDuplicate     = "duplicate"
	ReasonDuplicateID   = "duplicate_id"   // an id already held by an earlier record with a different text
	ReasonNearDuplicate = "near_duplicate" // shingles too similar to an earlier record's (transforms/neardup)
	StageIngest         = "ingest"
)

// Excerpt returns s cut to at most MaxRecordExcerpt bytes, on a UTF-8 boundary when s is valid UTF-8.
func Excerpt(s string) string {
	if len(s) <= MaxRecordExcerpt {
		return s
	}
	cut := MaxRecordExcerpt
	for cut > MaxRecordExcerpt-4 && cut > 0 && s[cut]&0xC0 == 0x80 {
		cut--
	}
	return s[:cut]
}

// Reject builds the dead letter for d.
func Reject(d Doc, stage, reason, detail string) Rejected {
	return Rejected{Reason: reason, Stage: stage, Source: d.Source, Line: d.Line, ID: d.ID, Detail: detail, Record: Excerpt(d.Text)}
}

// DefaultID is the ID a record without one gets when it is read (io/docio): the base
// name of its source, ":", and its line.
func DefaultID(source string, line int64) string {
	return baseName(source) + ":" + strconv.FormatInt(line, 10)
}

// HasDefaultID reports whether d's ID is the one derived from its source and line when
// the input gave none: DefaultID, or a whole text file's base name (line 1). Such IDs
// are not the input's, so two of them can repeat (files of one base name in several
// directories) without the input having repeated an id.
func HasDefaultID(d Doc) bool {
	base := baseName(d.Source)
	if d.Line == 1 && d.ID == base {
		return true
	}
	n := len(base)
	return len(d.ID) > n && d.ID[:n] == base && d.ID[n] == ':' && d.ID[n+1:] == strconv.FormatInt(d.Line, 10)
}

func baseName(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}
