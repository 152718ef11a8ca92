// Command gencorpus writes a synthetic JSONL corpus for the ingest benchmark: documents of
// about 1 KB in the ten target languages, built from sentences of the shared real corpora,
// with a few exact duplicates and bad records so that every reject path runs.
//
//	go run ./internal/bench/gencorpus --out /tmp/xinstruct-bench/corpus --docs 200000
//
// Each line is {"id":"syn-<n>","lang":"<code>","url":"https://example.org/<n>","text":"..."}.
// The output is the same for the same flags: every choice comes from one seeded generator.
// It prints the number of records and bytes written.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/plant"
)

// languages are the ten target languages, in round-robin order.
var languages = []string{"fi", "id", "th", "tr", "vi", "bn", "hi", "sw", "ta", "ur"}

// Shares of the records that exercise the reject paths.
const (
	duplicateShare = 0.02 // exact copies (new id) of an earlier document's text
	badShare       = 0.01 // malformed JSON, empty text or too-short text, in equal parts
	historySize    = 4096 // recent documents a duplicate may copy
)

// Text and chunk sizes, in bytes.
const (
	minTextBytes  = 900
	maxTextBytes  = 1200
	minChunkBytes = 40  // shorter sentences are merged with the next
	maxChunkBytes = 360 // longer ones (Urdu has no sentence marks) are cut at spaces
)

func main() {
	out := flag.String("out", "", "output directory (created)")
	docs := flag.Int("docs", 200000, "records to write, duplicates and bad records included")
	files := flag.Int("files", 20, "number of part-NNN.jsonl files")
	seed := flag.Uint64("seed", 1, "random seed")
	corpora := flag.String("corpora", "../shared/corpora", "directory of <lang>.jsonl real corpora; relative paths start at the repository root")
	nearDups := flag.Float64("near_dups", 0, "share of records that are near-duplicates of a recent document (two adjacent words replaced, internal/plant's word edit; new id); 0 leaves the corpus as it was")
	flag.Parse()

	if err := run(*out, *corpora, *docs, *files, *seed, *nearDups); err != nil {
		fmt.Fprintln(os.Stderr, "gencorpus:", err)
		os.Exit(1)
	}
}

func run(out, corpora string, docs, files int, seed uint64, nearDups float64) error {
	switch {
	case nearDups < 0 || nearDups > 0.5:
		return errors.New("--near_dups must be in [0, 0.5]")
	case out == "":
		return errors.New("--out is empty")
	case docs <= 0 || files <= 0:
		return errors.New("--docs and --files must be positive")
	case files > 1000:
		return errors.New("--files must be at most 1000 (part-NNN)")
	}
	dir, err := resolve(corpora)
	if err != nil {
		return err
	}
	pools := make(map[string][]string, len(languages))
	for _, lang := range languages {
		chunks, err := loadChunks(filepath.Join(dir, lang+".jsonl"), lang)
		if err != nil {
			return err
		}
		pools[lang] = chunks
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}

	g := &generator{rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), pools: pools, seen: map[uint64]bool{}, nearShare: nearDups}
	var total int64
	var counts [kinds]int
	perFile := (docs + files - 1) / files
	for f := 0; f < files; f++ {
		lo, hi := f*perFile, min((f+1)*perFile, docs)
		n, err := writeFile(filepath.Join(out, fmt.Sprintf("part-%03d.jsonl", f)), g, lo, hi, &counts)
		if err != nil {
			return err
		}
		total += n
	}
	fmt.Printf("docs=%d bytes=%d unique=%d duplicates=%d near_duplicates=%d malformed=%d empty=%d short=%d\n",
		docs, total, counts[unique], counts[duplicate], counts[nearDuplicate], counts[malformed], counts[empty], counts[short])
	return nil
}

// resolve returns p, or for a relative p, p below the repository root (the nearest
// directory above the working directory holding go.mod).
func resolve(p string) (string, error) {
	if filepath.IsAbs(p) {
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, p), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory to resolve %q", p)
		}
		dir = parent
	}
}

// writeFile writes records lo..hi-1 to path and returns the bytes written.
func writeFile(path string, g *generator, lo, hi int, counts *[kinds]int) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	var n int64
	for i := lo; i < hi; i++ {
		line, k := g.record(i)
		counts[k]++
		m, _ := w.Write(line)
		n += int64(m)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, err
	}
	return n, f.Close()
}

// kind is what a record exercises.
type kind int

const (
	unique kind = iota
	duplicate
	malformed
	empty
	short
	nearDuplicate
	kinds
)

type generator struct {
	rng     *rand.Rand
	pools   map[string][]string // sentence-sized chunks per language
	seen    map[uint64]bool     // hashes of the texts written, to keep them unique
	history []doc               // ring of recent unique documents, for duplicates
	next    int                 // next slot of history to overwrite once full

	nearShare float64 // share of near-duplicates; 0 draws nothing more, so the corpus is unchanged
}

type doc struct{ lang, text string }

type line struct {
	ID   string `json:"id"`
	Lang string `json:"lang"`
	URL  string `json:"url"`
	Text string `json:"text"`
}

// record returns record n as a JSON line (with its newline) and its kind.
func (g *generator) record(n int) ([]byte, kind) {
	d := doc{lang: languages[n%len(languages)]}
	k := unique
	switch r := g.rng.Float64(); {
	case r < badShare:
		k = kind(int(malformed) + g.rng.IntN(3))
	case r < badShare+duplicateShare && len(g.history) > 0:
		k = duplicate
	case r < badShare+duplicateShare+g.nearShare && len(g.history) > 0:
		k = nearDuplicate
	}
	switch k {
	case unique:
		d.text = g.text(d.lang)
		if len(g.history) < historySize {
			g.history = append(g.history, d)
		} else {
			g.history[g.next] = d
			g.next = (g.next + 1) % historySize
		}
	case duplicate:
		d = g.history[g.rng.IntN(len(g.history))]
	case nearDuplicate:
		d = g.history[g.rng.IntN(len(g.history))]
		other := g.history[g.rng.IntN(len(g.history))]
		if t, ok := plant.Edit(g.rng, plant.Word, d.text, d.lang, other.text); ok {
			d.text = t
		} // else (a text of under four words) an exact duplicate, which ingest's dedup removes
	case empty:
		d.text = ""
	case short, malformed:
		d.text = g.shortText(d.lang)
	}
	b := marshal(line{ID: fmt.Sprintf("syn-%d", n), Lang: d.lang, URL: fmt.Sprintf("https://example.org/%d", n), Text: d.text})
	if k == malformed {
		// Cut inside the text (on a rune boundary, so that it is malformed JSON and not
		// invalid UTF-8): the string and the object are never closed.
		cut := len(b) - 1 - len(d.text)/2 - 2
		for cut > 0 && !utf8.RuneStart(b[cut]) {
			cut--
		}
		b = append(b[:cut:cut], '\n')
	}
	return b, k
}

// text returns a new text of minTextBytes..maxTextBytes bytes in lang, unlike any before.
func (g *generator) text(lang string) string {
	pool := g.pools[lang]
	for {
		target := minTextBytes + g.rng.IntN(maxTextBytes-minTextBytes+1)
		var b strings.Builder
		for misses := 0; b.Len() < target && misses < 20; {
			c := pool[g.rng.IntN(len(pool))]
			if b.Len()+1+len(c) > maxTextBytes {
				misses++
				continue
			}
			if b.Len() > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(c)
		}
		t := b.String()
		if len(t) < minTextBytes {
			continue // unlucky draws of long chunks: start again
		}
		h := fnv.New64a()
		h.Write([]byte(t))
		if sum := h.Sum64(); !g.seen[sum] {
			g.seen[sum] = true
			return t
		}
	}
}

// shortText returns one sentence of lang cut to at most 30-150 bytes at a space: well under
// the job's 200-character minimum.
func (g *generator) shortText(lang string) string {
	pool := g.pools[lang]
	c := pool[g.rng.IntN(len(pool))]
	limit := 30 + g.rng.IntN(121)
	if len(c) <= limit {
		return c
	}
	cut := strings.LastIndexByte(c[:limit], ' ')
	if cut <= 0 {
		cut = limit
		for cut > 0 && !utf8.RuneStart(c[cut]) {
			cut--
		}
	}
	return c[:cut]
}

func marshal(v line) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err) // strings only: cannot fail
	}
	return buf.Bytes()
}

// loadChunks reads a corpus file and returns its texts cut into sentence-sized chunks.
func loadChunks(path, lang string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var chunks []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var rec struct {
			Text string `json:"text"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n, err)
		}
		chunks = append(chunks, splitChunks(rec.Text, lang == "th")...)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(chunks) < 100 {
		return nil, fmt.Errorf("%s: only %d sentences", path, len(chunks))
	}
	return chunks, nil
}

// splitChunks cuts text into sentence-sized chunks: after sentence punctuation
// (. ! ? । ۔ ؟) followed by a space, or, for Thai (no sentence marks), at every space.
// Chunks under minChunkBytes are merged with the next; chunks over maxChunkBytes are cut at
// spaces.
func splitChunks(text string, thai bool) []string {
	text = strings.Join(strings.Fields(text), " ") // newlines inside passages become spaces
	var raw []string
	start := 0
	var prev rune
	for i, r := range text {
		if r == ' ' && (thai || isSentenceEnd(prev)) {
			raw = append(raw, text[start:i])
			start = i + 1
		}
		prev = r
	}
	raw = append(raw, text[start:])

	var out []string
	var acc string
	for _, s := range raw {
		if acc != "" {
			s = acc + " " + s
		}
		if len(s) < minChunkBytes {
			acc = s
			continue
		}
		acc = ""
		out = append(out, cutLong(s)...)
	}
	if acc != "" && len(out) > 0 {
		last := out[len(out)-1] + " " + acc
		out = append(out[:len(out)-1], cutLong(last)...)
	}
	return out
}

func isSentenceEnd(r rune) bool {
	switch r {
	case '.', '!', '?', '।', '۔', '؟':
		return true
	}
	return false
}

// cutLong cuts s at spaces into pieces of at most maxChunkBytes (a piece without a space
// stays whole).
func cutLong(s string) []string {
	var out []string
	for len(s) > maxChunkBytes {
		cut := strings.LastIndexFunc(s[:maxChunkBytes], unicode.IsSpace)
		if cut < minChunkBytes {
			break
		}
		out = append(out, s[:cut])
		s = s[cut+1:]
	}
	return append(out, s)
}
