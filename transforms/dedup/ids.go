package dedup

import "encoding/binary"

// idEntry is one document in an ID shard: its ID hash (as the entry's hash), its source
// (an index in the shard's source table) and line, and its text's key (the shard byte and
// hash of a text shard's entry).
type idEntry struct {
	entry
	text [1 + hashBytes]byte
}

// idLosersFn finds the documents that repeat an ID with a different text.
type idLosersFn struct{}

// ProcessElement emits (loser ref, winner description) for every record of the shard
// whose ID is held, first in (source, line) order, by a record with a different text,
// and a mark for the loser's text shard (see markValue), so that exact deduplication
// leaves it out. A later record with the winner's text is left to exact deduplication.
func (*idLosersFn) ProcessElement(_ int, values func(*[]byte) bool, emit func(string, string), mark func(int, []byte)) error {
	var es []idEntry
	var sources []string
	table := map[string]int32{}
	var v []byte
	for values(&v) {
		err := unpackEach(v, idKeyBytes, &sources, table, func(key []byte, src int32, line int64) {
			es = append(es, idEntry{entry: entry{hash: [hashBytes]byte(key), src: src, line: line}, text: [1 + hashBytes]byte(key[hashBytes:])})
		})
		if err != nil {
			return err
		}
	}
	eachLoser(es, sources, func(e *idEntry) *entry { return &e.entry }, func(w, l *idEntry) {
		if l.text != w.text {
			emit(refKey(sources[l.src], l.line), describe(sources[w.src], w.line))
			mark(int(l.text[0]), markValue(sources[l.src], l.line))
		}
	})
	return nil
}

// A mark names an ID loser among a text shard's packed values: a zero byte (a packed
// value starts with its source count, never zero), then the source and the line. The
// marks reach exact deduplication through its shuffle rather than as a side input:
// prism now and then gave that stage an empty side input (about 1 run in 10 of
// TestExactRepeatedIDs), which let an ID loser shadow a later record's text.
func markValue(source string, line int64) []byte {
	v := append([]byte{0}, binary.AppendUvarint(nil, uint64(len(source)))...)
	v = append(v, source...)
	return binary.AppendUvarint(v, uint64(line))
}

// parseMark reads a mark; ok is false for a packed value.
func parseMark(v []byte) (r ref, ok bool, err error) {
	if len(v) == 0 || v[0] != 0 {
		return ref{}, false, nil
	}
	n, rest, err := readUvarint(v[1:])
	if err != nil || n > uint64(len(rest)) {
		return ref{}, true, errCorrupt
	}
	src := string(rest[:n])
	line, rest, err := readUvarint(rest[n:])
	if err != nil || len(rest) != 0 {
		return ref{}, true, errCorrupt
	}
	return ref{src, int64(line)}, true, nil
}
