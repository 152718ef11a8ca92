package docio

import (
	"context"
	"strings"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/record"
)

// A sink receives one file's docs and dead letters. It tallies them and adds the tallies to
// the Beam counters once per file: counters cost a lookup per increment.
type sink struct {
	source string // the path as matched
	base   string // its base name, for default IDs
	max    int64  // MaxRecordBytes

	emitDoc func(record.Doc)
	emitRej func(record.Rejected)

	read     int64            // records read: docs and rejected records
	docs     int64            // docs emitted
	rejected map[string]int64 // dead letters by reason
}

func newSink(path string, max int64, emitDoc func(record.Doc), emitRej func(record.Rejected)) *sink {
	return &sink{source: path, base: baseName(path), max: max, emitDoc: emitDoc, emitRej: emitRej}
}

// defaultID is the ID of a record without one: "<file base name>:<line>".
func (s *sink) defaultID(line int64) string {
	return record.DefaultID(s.source, line)
}

// doc emits d, a record read from s.source.
func (s *sink) doc(d record.Doc) {
	s.read++
	s.docs++
	s.emitDoc(d)
}

// reject emits the dead letter of a record read from s.source. id "" means the default ID;
// rec is the record as read, of which the first KB is kept.
func (s *sink) reject(line int64, id, reason, detail string, rec []byte) {
	s.read++
	if id == "" {
		id = s.defaultID(line)
	}
	s.dead(record.Rejected{
		Reason: reason,
		Stage:  record.StageIngest,
		Source: s.source,
		Line:   line,
		ID:     id,
		Detail: detail,
		Record: excerpt(rec),
	})
}

// unreadable emits the dead letter of a file, or the rest of one, that could not be read.
// line is where reading stopped (0: the file as a whole).
func (s *sink) unreadable(line int64, detail string) {
	s.dead(record.Rejected{
		Reason: record.ReasonUnreadable,
		Stage:  record.StageIngest,
		Source: s.source,
		Line:   line,
		Detail: detail,
	})
}

func (s *sink) dead(r record.Rejected) {
	if s.rejected == nil {
		s.rejected = make(map[string]int64)
	}
	s.rejected[r.Reason]++
	s.emitRej(r)
}

func (s *sink) flushCounters(ctx context.Context) {
	beam.NewCounter("docio", "files_read").Inc(ctx, 1)
	beam.NewCounter("docio", "records_read").Inc(ctx, s.read)
	beam.NewCounter("docio", "docs").Inc(ctx, s.docs)
	for reason, n := range s.rejected {
		beam.NewCounter("docio", "rejected_"+reason).Inc(ctx, n)
	}
}

// excerpt returns the first record.MaxRecordExcerpt bytes of b as a valid UTF-8 string:
// dead letters travel through string coders and JSON sinks, so invalid bytes become U+FFFD
// (the dead letter's Detail gives the offset of the first one).
func excerpt(b []byte) string {
	s := string(b[:min(len(b), record.MaxRecordExcerpt+utf8Max)])
	return record.Excerpt(strings.ToValidUTF8(record.Excerpt(s), "\uFFFD"))
}

const utf8Max = 4
