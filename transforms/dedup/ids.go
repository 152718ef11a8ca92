package dedup

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
)

// idEntry is one document in an ID shard: its ID hash, its text's key (the shard byte
// and hash of a text shard's entry), and its source (an index in the shard's source
// table) and line.
type idEntry struct {
	id   [hashBytes]byte
	text [1 + hashBytes]byte
	src  int32
	line int64
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
			es = append(es, idEntry{id: [hashBytes]byte(key), text: [1 + hashBytes]byte(key[hashBytes:]), src: src, line: line})
		})
		if err != nil {
			return err
		}
	}
	// By ID hash, then (source, line): each group's winner comes first.
	slices.SortFunc(es, func(a, b idEntry) int {
		if c := bytes.Compare(a.id[:], b.id[:]); c != 0 {
			return c
		}
		if a.src != b.src {
			return strings.Compare(sources[a.src], sources[b.src])
		}
		return cmp.Compare(a.line, b.line)
	})
	for i := 0; i < len(es); {
		j := i + 1
		for j < len(es) && es[j].id == es[i].id {
			j++
		}
		w := es[i]
		for _, l := range es[i+1 : j] {
			if l.text != w.text && (l.src != w.src || l.line != w.line) {
				emit(refKey(sources[l.src], l.line), describe(sources[w.src], w.line))
			}
		}
		i = j
	}
	return nil
}
