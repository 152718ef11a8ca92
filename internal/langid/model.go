package langid

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/bits"
	"slices"

	"github.com/xinstruct/xinstruct/internal/script"
)

// The model file, model.bin.gz, is a gzip stream of:
//
//	magic    "XLANGID1"
//	nLangs   uvarint, at most 64
//	nLangs × (uvarint length, ISO 639-1 code)
//	3 sections, for unigrams, bigrams and trigrams in that order:
//	  nKeys  uvarint
//	  nKeys × (uvarint key delta, uvarint language mask, popcount(mask) × float32 LE)
//
// A key packs an n-gram's n lower-cased runes, 21 bits each, the first rune highest
// (see packRunes); keys are sorted, and each is stored as its difference from the
// previous one (the first from 0). Bit i of the mask says that language i has the n-gram;
// the float32s are ln(p) for those languages in increasing i, where p is lingua's
// probability: a unigram's relative frequency, and a bigram's or trigram's frequency
// relative to its (n-1)-rune prefix. cmd/genmodel writes it.
const (
	modelMagic = "XLANGID1"
	maxOrder   = 3
	runeBits   = 21
	maxLangs   = 64
)

// packRunes appends rune r to key: trigram "abc" is a<<42 | b<<21 | c. Letters are
// never 0, so the n-gram orders cannot collide.
func packRunes(key uint64, r rune) uint64 { return key<<runeBits | uint64(r) }

// validKey reports whether key packs exactly n nonzero runes.
func validKey(key uint64, n int) bool {
	for range n {
		if key&(1<<runeBits-1) == 0 {
			return false
		}
		key >>= runeBits
	}
	return key == 0
}

// group is the scored languages of one script and their n-gram table.
type group struct {
	langs []string // model order
	width int      // len(langs): the length of a row
	tab   table
	rows  []float32 // row i is rows[i*width : (i+1)*width]

	ruleOf []uint8      // per rune below foldSize: index in rules, 0 for none
	rules  []letterRule // lingua's letter rules, restricted to langs; see rules.go
}

// table is an open-addressing hash table with linear probing from packed n-grams to
// row numbers. Key 0 marks an empty slot.
type table struct {
	slots []slot
	mask  uint64
	shift uint8
}

type slot struct {
	key uint64
	row uint32
}

func newTable(n int) table {
	size := 16
	for size < 2*n { // load factor at most 1/2
		size *= 2
	}
	return table{
		slots: make([]slot, size),
		mask:  uint64(size - 1),
		shift: uint8(64 - bits.TrailingZeros(uint(size))),
	}
}

func (t *table) put(key uint64, row uint32) {
	i := (key * 0x9E3779B97F4A7C15) >> t.shift
	for t.slots[i].key != 0 {
		i = (i + 1) & t.mask
	}
	t.slots[i] = slot{key, row}
}

// get returns the row of key, or -1.
func (t *table) get(key uint64) int {
	i := (key * 0x9E3779B97F4A7C15) >> t.shift
	for {
		s := &t.slots[i]
		if s.key == key {
			return int(s.row)
		}
		if s.key == 0 {
			return -1
		}
		i = (i + 1) & t.mask
	}
}

// ngrams is one n-gram order of one group while the model is read: sorted keys and,
// per key, a row with NaN for the languages that lack the n-gram.
type ngrams struct {
	keys []uint64
	vals []float32
}

func (g *ngrams) find(key uint64, width int) []float32 {
	i, ok := slices.BinarySearch(g.keys, key)
	if !ok {
		return nil
	}
	return g.vals[i*width : (i+1)*width]
}

// parseModel reads a model file and builds a Detector from it. Each language must be one
// that package script knows. Languages whose script has no other language in the model
// are decided by script, so their n-grams are not kept.
func parseModel(data []byte) (*Detector, error) {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("langid: model: %w", err)
	}
	r := bufio.NewReader(zr)
	d, err := readModel(r)
	if err != nil {
		return nil, fmt.Errorf("langid: model: %w", err)
	}
	if _, err := r.ReadByte(); err != io.EOF {
		return nil, errors.New("langid: model: trailing data")
	}
	return d, nil
}

func readModel(r *bufio.Reader) (*Detector, error) {
	var magic [len(modelMagic)]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil || string(magic[:]) != modelMagic {
		return nil, errors.New("not a langid model (bad magic)")
	}
	nLangs, err := binary.ReadUvarint(r)
	if err != nil || nLangs == 0 || nLangs > maxLangs {
		return nil, fmt.Errorf("bad language count %d (%v)", nLangs, err)
	}
	langs := make([]string, nLangs)
	scripts := make([]script.Script, nLangs)
	perScript := map[script.Script][]int{}
	for i := range langs {
		n, err := binary.ReadUvarint(r)
		if err != nil || n == 0 || n > 8 {
			return nil, fmt.Errorf("bad language code length (%v)", err)
		}
		b := make([]byte, n)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		langs[i] = string(b)
		s, ok := script.ForLanguage(langs[i])
		if !ok || s == script.Han {
			return nil, fmt.Errorf("language %q: no script, or a CJK one (decided by script)", langs[i])
		}
		if slices.Contains(langs[:i], langs[i]) {
			return nil, fmt.Errorf("language %q twice", langs[i])
		}
		scripts[i] = s
		perScript[s] = append(perScript[s], i)
	}

	d := &Detector{}
	col := make([]int, nLangs) // column of language i in its group's rows, or -1
	for i, s := range scripts {
		col[i] = -1
		switch ls := perScript[s]; {
		case len(ls) == 1:
			d.single[s] = langs[i]
		case d.groups[s] == nil:
			g := &group{width: len(ls)}
			for _, li := range ls {
				g.langs = append(g.langs, langs[li])
			}
			d.groups[s] = g
		}
		if g := d.groups[s]; g != nil {
			col[i] = slices.Index(g.langs, langs[i])
		}
	}

	var orders [maxOrder]map[*group]*ngrams
	for n := range orders {
		orders[n] = map[*group]*ngrams{}
		nKeys, err := binary.ReadUvarint(r)
		if err != nil {
			return nil, err
		}
		var key uint64
		for range nKeys {
			delta, err := binary.ReadUvarint(r)
			if err != nil {
				return nil, err
			}
			key += delta
			if delta == 0 || !validKey(key, n+1) {
				return nil, fmt.Errorf("bad or unsorted %d-gram key %#x", n+1, key)
			}
			langMask, err := binary.ReadUvarint(r)
			if err != nil {
				return nil, err
			}
			if langMask == 0 || bits.Len64(langMask) > int(nLangs) {
				return nil, fmt.Errorf("bad language mask %#x", langMask)
			}
			var lastGroup *group
			var ng *ngrams
			for m := langMask; m != 0; m &= m - 1 {
				li := bits.TrailingZeros64(m)
				var b [4]byte
				if _, err := io.ReadFull(r, b[:]); err != nil {
					return nil, err
				}
				v := math.Float32frombits(binary.LittleEndian.Uint32(b[:]))
				if !(v <= 0) { // ln(p) for p in (0, 1]; also rejects NaN
					return nil, fmt.Errorf("bad log-probability %v", v)
				}
				g := d.groups[scripts[li]]
				if g == nil {
					continue
				}
				if g != lastGroup {
					lastGroup = g
					ng = orders[n][g]
					if ng == nil {
						ng = &ngrams{}
						orders[n][g] = ng
					}
					if len(ng.keys) == 0 || ng.keys[len(ng.keys)-1] != key {
						ng.keys = append(ng.keys, key)
						for range g.width {
							ng.vals = append(ng.vals, float32(math.NaN()))
						}
					}
				}
				ng.vals[len(ng.vals)-g.width+col[li]] = v
			}
		}
	}

	for _, g := range d.groups {
		if g != nil {
			g.build(orders[0][g], orders[1][g], orders[2][g])
		}
	}
	d.init()
	return d, nil
}

// build fills g's table with every n-gram of the group, each with a row of what it adds
// to each language's score. That is lingua's back-off resolved in advance: a trigram
// adds ln P(trigram) in a language that has it, else ln P of its first two runes as a
// bigram, else ln P of its first rune as a unigram, else nothing (0); a bigram backs off
// to its unigram the same way. A trigram that no language of the group has is not in the
// table: Detect then looks up its bigram, then its unigram.
func (g *group) build(uni, bi, tri *ngrams) {
	if uni == nil {
		uni = &ngrams{}
	}
	if bi == nil {
		bi = &ngrams{}
	}
	if tri == nil {
		tri = &ngrams{}
	}
	g.buildRules()
	w := g.width
	n := len(uni.keys) + len(bi.keys) + len(tri.keys)
	g.tab = newTable(n)
	g.rows = make([]float32, 0, n*w)
	add := func(key uint64, backoff ...[]float32) {
		row := len(g.rows) / w
		for c := range w {
			v := float32(0)
			for _, b := range backoff {
				if b != nil && !math.IsNaN(float64(b[c])) {
					v = b[c]
					break
				}
			}
			g.rows = append(g.rows, v)
		}
		g.tab.put(key, uint32(row))
	}
	for i, k := range uni.keys {
		add(k, uni.vals[i*w:(i+1)*w])
	}
	for i, k := range bi.keys {
		add(k, bi.vals[i*w:(i+1)*w], uni.find(k>>runeBits, w))
	}
	for i, k := range tri.keys {
		add(k, tri.vals[i*w:(i+1)*w], bi.find(k>>runeBits, w), uni.find(k>>(2*runeBits), w))
	}
}
