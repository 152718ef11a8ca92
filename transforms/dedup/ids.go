package dedup

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
// whose ID is held, first in (source, line) order, by a record with a different text.
// A later record with the winner's text is left to exact deduplication.
func (*idLosersFn) ProcessElement(_ int, values func(*[]byte) bool, emit func(string, string)) error {
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
		}
	})
	return nil
}
