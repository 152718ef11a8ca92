// Package dedup removes duplicate documents.
package dedup

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/fsx"
	"github.com/xinstruct/xinstruct/internal/record"
	"github.com/xinstruct/xinstruct/internal/register"
	"github.com/xinstruct/xinstruct/io/shardio"
)

func init() {
	register.DoFn4x0[record.Doc, func(int, []byte), func(int, []byte), func(string, []byte)](&packFn{})
	register.DoFn4x1[int, func(*[]byte) bool, func(string, string), func(int, []byte), error](&idLosersFn{})
	register.DoFn3x1[int, func(*[]byte) bool, func(string, string), error](&losersFn{})
	register.DoFn6x1[context.Context, shardio.File, func(*string, *string) bool, func(*string, *string) bool, func(record.Doc), func(record.Rejected), error](&readBackFn{})
	register.Emitter2[int, []byte]()
	register.Emitter2[string, string]()
	register.Emitter2[string, []byte]()
	register.Iter1[[]byte]()
	register.Iter2[string, string]()
}

// Params configure Exact.
type Params struct {
	// TempDir holds the spilled documents until the duplicates are known (local or
	// gs://, run-scoped; the caller removes it after the run).
	TempDir string
}

// Exact keeps one document of each group with identical text (compared after
// normalization, so run it after clean.Normalize): the one first in (source, line)
// order, so the choice does not depend on the runner. The others are rejected as
// duplicate, naming the document they repeat ("same text as <source>:<line>"). It takes
// PCollection<record.Doc> and returns PCollection<record.Doc> and
// PCollection<record.Rejected>.
//
// It also keeps the documents' IDs unique. Of the documents that share an ID given by
// the input, the first in (source, line) order holds it; a later one with a different
// text is rejected as duplicate_id ("id already held by <source>:<line>, with a different
// text"), before and regardless of exact deduplication, so that it shadows no other
// document; a later one with the same text is an exact duplicate like any other. IDs
// derived from the source and line (record.HasDefaultID) are not the input's and are not
// compared.
//
// Memory does not grow with the documents' size: the documents are spilled to files
// under p.TempDir and streamed back once the duplicate set, which holds only the
// duplicates, is known. What is shuffled to find them is a text hash and a record
// reference per document, about 20 bytes, packed per bundle into one []byte per hash
// shard (see packFn), so that the shuffle holds a few hundred values per bundle rather
// than one per document. Identical texts always route to the same language, so groups
// never straddle languages. IDs go through a second, smaller shuffle of the same shape,
// keyed by an ID hash (about 40 bytes per document with an input ID; see idLosersFn).
func Exact(s beam.Scope, p Params, docs beam.PCollection) (kept, rejected beam.PCollection) {
	s = s.Scope("dedup.Exact")
	if p.TempDir == "" {
		panic("dedup.Exact: TempDir is empty")
	}
	packed, packedIDs, spill := beam.ParDo3(s, &packFn{}, docs)
	idLosers, marks := beam.ParDo2(s, &idLosersFn{}, beam.GroupByKey(s, packedIDs))
	losers := beam.ParDo(s, &losersFn{}, beam.GroupByKey(s, beam.Flatten(s, packed, marks)))
	spilled := shardio.Write(s, shardio.WriteParams{TempDir: fsx.Join(p.TempDir, "dedup"), Ext: ".bin", Framing: shardio.Varint}, spill)
	return beam.ParDo2(s, &readBackFn{}, spilled, beam.SideInput{Input: losers}, beam.SideInput{Input: idLosers})
}

// Packing. A text's key is the SHA-256 of its bytes: the first byte picks one of
// numShards shards, and the next hashBytes bytes (136 bits in all) tell texts apart
// within a shard. A packed value of one shard is
//
//	uvarint nSources, nSources × (uvarint length, source path)
//	entries: a fixed-width key, uvarint source index, uvarint line
//
// The key of a text shard's entry is hashBytes bytes of the text hash; that of an ID
// shard's entry (sharded by the first byte of the ID's SHA-256) is hashBytes bytes of
// the ID hash, then the text's whole key: its first 1+hashBytes bytes (idKeyBytes in all).
//
// Each value carries the table of the sources its own entries name (usually one or a
// few files per bundle), so that entries stay small and the winner of a group can still
// be chosen by the source path itself, as the spec says, not by a hash of it.
const (
	numShards = 256
	hashBytes = 16
	// maxPacked bounds a shard's buffer in a bundle: a value is emitted when it reaches
	// this size, so a huge bundle never holds more than numShards × maxPacked bytes.
	maxPacked = 256 << 10
	// idKeyBytes is the width of an ID shard's entry key.
	idKeyBytes = hashBytes + 1 + hashBytes
)

// textHash returns the SHA-256 of text. It reads text's bytes in place: []byte(text)
// would copy every document once more (sha256 only reads its input).
func textHash(text string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(text), len(text)))
}

// shardBuf is one shard's value being packed.
type shardBuf struct {
	entries []byte
	sources []string       // this value's source table
	local   map[string]int // source → index in sources, when there are several
	lastSrc string         // the source of the last entry, and its index: a cache, since
	lastIdx int            // consecutive documents almost always come from the same file
}

func (b *shardBuf) sourceIndex(src string) int {
	if len(b.sources) > 0 && src == b.lastSrc {
		return b.lastIdx
	}
	i, ok := b.local[src]
	if !ok {
		if b.local == nil {
			b.local = map[string]int{}
			for j, s := range b.sources {
				b.local[s] = j
			}
		}
		if i, ok = b.local[src]; !ok {
			i = len(b.sources)
			b.sources = append(b.sources, src)
			b.local[src] = i
		}
	}
	b.lastSrc, b.lastIdx = src, i
	return i
}

func (b *shardBuf) add(key []byte, src string, line int64) {
	i := b.sourceIndex(src)
	b.entries = append(b.entries, key...)
	b.entries = binary.AppendUvarint(b.entries, uint64(i))
	b.entries = binary.AppendUvarint(b.entries, uint64(line))
}

// value returns the packed value: the source table, then the entries.
func (b *shardBuf) value() []byte {
	n := 10
	for _, s := range b.sources {
		n += 10 + len(s)
	}
	v := make([]byte, 0, n+len(b.entries))
	v = binary.AppendUvarint(v, uint64(len(b.sources)))
	for _, s := range b.sources {
		v = binary.AppendUvarint(v, uint64(len(s)))
		v = append(v, s...)
	}
	return append(v, b.entries...)
}

func (b *shardBuf) reset() {
	b.entries = b.entries[:0]
	b.sources, b.local, b.lastSrc, b.lastIdx = b.sources[:0], nil, "", 0
}

// packFn packs each document's (text hash, source, line) into its text shard's value
// and, when the input gave it an ID, (ID hash, text hash, source, line) into its ID
// shard's value, and emits the document's encoding to be spilled.
type packFn struct {
	shards []shardBuf // by text hash
	ids    []shardBuf // by ID hash
	key    []byte     // an ID entry's key, reused
}

func (fn *packFn) StartBundle(func(int, []byte), func(int, []byte), func(string, []byte)) {
	fn.shards = make([]shardBuf, numShards)
	fn.ids = make([]shardBuf, numShards)
}

func (fn *packFn) ProcessElement(d record.Doc, packed, packedIDs func(int, []byte), spill func(string, []byte)) {
	h := textHash(d.Text)
	b := &fn.shards[h[0]]
	b.add(h[1:1+hashBytes], d.Source, d.Line)
	if len(b.entries) >= maxPacked {
		packed(int(h[0]), b.value())
		b.reset()
	}
	if d.ID != "" && !record.HasDefaultID(d) {
		ih := textHash(d.ID)
		fn.key = append(append(fn.key[:0], ih[1:1+hashBytes]...), h[:1+hashBytes]...)
		b := &fn.ids[ih[0]]
		b.add(fn.key, d.Source, d.Line)
		if len(b.entries) >= maxPacked {
			packedIDs(int(ih[0]), b.value())
			b.reset()
		}
	}
	spill("docs", record.AppendDoc(nil, d))
}

func (fn *packFn) FinishBundle(packed, packedIDs func(int, []byte), _ func(string, []byte)) {
	for i := range fn.shards {
		if b := &fn.shards[i]; len(b.entries) > 0 {
			packed(i, b.value())
		}
		if b := &fn.ids[i]; len(b.entries) > 0 {
			packedIDs(i, b.value())
		}
	}
	fn.shards, fn.ids = nil, nil
}

// entry is one document in a shard: its hash, and its source (an index in the shard's
// source table) and line.
type entry struct {
	hash [hashBytes]byte
	src  int32
	line int64
}

// unpack appends the entries of the text shard's packed value v to es, interning its
// sources in table (source → index in *sources).
func unpack(v []byte, es []entry, sources *[]string, table map[string]int32) ([]entry, error) {
	err := unpackEach(v, hashBytes, sources, table, func(key []byte, src int32, line int64) {
		es = append(es, entry{hash: [hashBytes]byte(key), src: src, line: line})
	})
	return es, err
}

// unpackEach calls fn with each entry of the packed value v, whose keys are width bytes
// wide, interning its sources in table (source → index in *sources).
func unpackEach(v []byte, width int, sources *[]string, table map[string]int32, fn func(key []byte, src int32, line int64)) error {
	n, v, err := readUvarint(v)
	if err != nil {
		return err
	}
	if n > uint64(len(v)) {
		return errCorrupt
	}
	local := make([]int32, n)
	for i := range local {
		var l uint64
		if l, v, err = readUvarint(v); err != nil {
			return err
		}
		if l > uint64(len(v)) {
			return errCorrupt
		}
		src := v[:l]
		v = v[l:]
		j, ok := table[string(src)] // no allocation for the lookup
		if !ok {
			j = int32(len(*sources))
			*sources = append(*sources, string(src))
			table[string(src)] = j
		}
		local[i] = j
	}
	for len(v) > 0 {
		if len(v) < width {
			return errCorrupt
		}
		key := v[:width]
		v = v[width:]
		var si, line uint64
		if si, v, err = readUvarint(v); err != nil {
			return err
		}
		if line, v, err = readUvarint(v); err != nil {
			return err
		}
		if si >= uint64(len(local)) {
			return errCorrupt
		}
		fn(key, local[si], int64(line))
	}
	return nil
}

var errCorrupt = errors.New("dedup: corrupt packed value")

// losersFn finds the exact duplicates among the documents that hold their ID (the marks
// among a shard's values name those that do not: see markValue).
type losersFn struct{}

// ProcessElement emits (loser ref, winner description) for every record but the first,
// in (source, line) order, of each group of equal hashes in the shard, leaving out the
// ID losers.
func (*losersFn) ProcessElement(_ int, values func(*[]byte) bool, emit func(string, string)) error {
	idLosers := map[ref]bool{}
	var es []entry
	var sources []string
	table := map[string]int32{}
	var v []byte
	for values(&v) {
		r, isMark, err := parseMark(v)
		switch {
		case err != nil:
			return err
		case isMark:
			idLosers[r] = true
		default:
			if es, err = unpack(v, es, &sources, table); err != nil {
				return err
			}
		}
	}
	if len(idLosers) > 0 {
		es = slices.DeleteFunc(es, func(e entry) bool { return idLosers[ref{sources[e.src], e.line}] })
	}
	eachLoser(es, sources, func(e *entry) *entry { return e }, func(w, l *entry) {
		emit(refKey(sources[l.src], l.line), describe(sources[w.src], w.line))
	})
	return nil
}

// eachLoser sorts es by hash, then (source, line), so that each group of equal hashes
// starts with its winner, and calls lost(winner, loser) for every other entry of the
// group; the same record seen twice is not a loser to itself.
func eachLoser[E any](es []E, sources []string, base func(*E) *entry, lost func(w, l *E)) {
	slices.SortFunc(es, func(a, b E) int {
		x, y := base(&a), base(&b)
		if c := bytes.Compare(x.hash[:], y.hash[:]); c != 0 {
			return c
		}
		if x.src != y.src {
			return strings.Compare(sources[x.src], sources[y.src])
		}
		return cmp.Compare(x.line, y.line)
	})
	for i := 0; i < len(es); {
		j := i + 1
		for j < len(es) && base(&es[j]).hash == base(&es[i]).hash {
			j++
		}
		w := &es[i]
		for k := i + 1; k < j; k++ {
			if l := &es[k]; base(l).src != base(w).src || base(l).line != base(w).line {
				lost(w, l)
			}
		}
		i = j
	}
}

// refKey is how a loser is named in the side input: source, NUL, line.
func refKey(source string, line int64) string {
	return source + "\x00" + strconv.FormatInt(line, 10)
}

// describe names a record in a dead letter: "source:line".
func describe(source string, line int64) string {
	return source + ":" + strconv.FormatInt(line, 10)
}

// ref is a record's identity, the key of the losers map.
type ref struct {
	source string
	line   int64
}

func parseRefKey(k string) (ref, error) {
	for i := len(k) - 1; i >= 0; i-- {
		if k[i] == 0 {
			line, err := strconv.ParseInt(k[i+1:], 10, 64)
			if err != nil {
				return ref{}, fmt.Errorf("dedup: bad record reference %q: %v", k, err)
			}
			return ref{k[:i], line}, nil
		}
	}
	return ref{}, fmt.Errorf("dedup: bad record reference %q", k)
}

type readBackFn struct {
	losers     map[ref]string // loser → "same text as <winner>"
	idLosers   map[ref]string // ID loser → "id already held by <winner>, with a different text"
	rejected   beam.Counter
	rejectedID beam.Counter
}

func (fn *readBackFn) Setup() {
	fn.rejected = beam.NewCounter("ingest", "rejected_"+record.ReasonDuplicate)
	fn.rejectedID = beam.NewCounter("ingest", "rejected_"+record.ReasonDuplicateID)
}

// readLosers decodes a losers side input into a map, each winner described by detail.
func readLosers(losers func(*string, *string) bool, detail func(winner string) string) (map[ref]string, error) {
	m := map[ref]string{}
	var l, w string
	for losers(&l, &w) {
		r, err := parseRefKey(l)
		if err != nil {
			return nil, err
		}
		m[r] = detail(w)
	}
	return m, nil
}

func (fn *readBackFn) ProcessElement(ctx context.Context, f shardio.File, losers, idLosers func(*string, *string) bool, kept func(record.Doc), rejected func(record.Rejected)) error {
	// Decode the side inputs once per DoFn instance, not per element (BEAM_NOTES): in the
	// global window of a batch job every bundle sees the same duplicates.
	if fn.losers == nil {
		var err error
		if fn.losers, err = readLosers(losers, func(w string) string { return "same text as " + w }); err != nil {
			return err
		}
		if fn.idLosers, err = readLosers(idLosers, func(w string) string { return "id already held by " + w + ", with a different text" }); err != nil {
			return err
		}
	}
	err := shardio.ReadFile(ctx, f, shardio.Varint, func(rec []byte) error {
		d, err := record.DecodeDoc(rec)
		if err != nil {
			return err
		}
		if len(fn.idLosers) > 0 {
			if detail, dup := fn.idLosers[ref{d.Source, d.Line}]; dup {
				fn.rejectedID.Inc(ctx, 1)
				rejected(record.Reject(d, record.StageIngest, record.ReasonDuplicateID, detail))
				return nil
			}
		}
		if len(fn.losers) > 0 {
			if detail, dup := fn.losers[ref{d.Source, d.Line}]; dup {
				fn.rejected.Inc(ctx, 1)
				rejected(record.Reject(d, record.StageIngest, record.ReasonDuplicate, detail))
				return nil
			}
		}
		kept(d)
		return nil
	})
	if err != nil {
		return fmt.Errorf("dedup: spill file %v", err)
	}
	return nil
}

func readUvarint(b []byte) (uint64, []byte, error) {
	v, k := binary.Uvarint(b)
	if k <= 0 {
		return 0, nil, errCorrupt
	}
	return v, b[k:], nil
}
