// Command genmodel extracts the unigram, bigram and trigram probability tables of
// lingua-go (github.com/pemistahl/lingua-go, Apache-2.0, by Peter M. Stahl) into the
// compact model file that package langid embeds. It is the only code in this module
// that depends on lingua-go, so lingua's 124 MB of models never reach a binary that
// does language ID.
//
// Usage (from the module root, or through go generate in internal/langid):
//
//	go run ./internal/langid/cmd/genmodel -o internal/langid/model.bin.gz
//
// By default the lingua-go module directory is found with
// `go list -m -f '{{.Dir}}' github.com/pemistahl/lingua-go`; -lingua overrides it.
//
// The output is deterministic: the same lingua models and language list give the same
// bytes (for a given Go version's compress/flate). Its format is described in
// internal/langid/model.go, which reads it; keep the two in step.
package main

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/pemistahl/lingua-go/serialization"
	"google.golang.org/protobuf/proto"
)

// defaultLangs are the ten target languages, English, and the languages the pipeline
// must tell apart from them. Malay, Marathi, Estonian and Azerbaijani are left out on
// purpose: measured with lingua, they take Indonesian and Hindi documents.
const defaultLangs = "fi,id,th,tr,vi,bn,hi,sw,ta,ur,en,de,fr,es,pt,it,nl,pl,ar,fa,ru"

// Format constants; see internal/langid/model.go.
const (
	magic     = "XLANGID1"
	maxOrder  = 3
	runeBits  = 21
	maxLangs  = 64
	linguaMod = "github.com/pemistahl/lingua-go"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("genmodel: ")
	out := flag.String("o", "model.bin.gz", "output file")
	linguaDir := flag.String("lingua", "", "lingua-go module directory (default: from go list -m)")
	langs := flag.String("langs", defaultLangs, "comma-separated ISO 639-1 codes, in model order")
	flag.Parse()

	dir := *linguaDir
	if dir == "" {
		var err error
		if dir, err = moduleDir(linguaMod); err != nil {
			log.Fatal(err)
		}
	}
	codes := strings.Split(*langs, ",")
	m, err := load(dir, codes)
	if err != nil {
		log.Fatal(err)
	}
	var buf bytes.Buffer
	if err := m.write(&buf); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %s: %d languages, %d/%d/%d uni/bi/trigram keys, %d entries, %d bytes",
		*out, len(codes), len(m.orders[0]), len(m.orders[1]), len(m.orders[2]), m.entries(), buf.Len())
}

func moduleDir(path string) (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", path)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go list -m %s: %w", path, err)
	}
	dir := strings.TrimSpace(string(b))
	if dir == "" {
		return "", fmt.Errorf("module %s is not downloaded (run go mod download %s)", path, path)
	}
	return dir, nil
}

// model maps, for each n-gram order, a packed n-gram to its log-probability in each
// language that has it.
type model struct {
	langs  []string
	orders [maxOrder]map[uint64]map[int]float32 // key -> language index -> ln(p)
}

func (m *model) entries() int {
	n := 0
	for _, o := range m.orders {
		for _, row := range o {
			n += len(row)
		}
	}
	return n
}

func load(dir string, codes []string) (*model, error) {
	if len(codes) == 0 || len(codes) > maxLangs {
		return nil, fmt.Errorf("need 1 to %d languages, got %d", maxLangs, len(codes))
	}
	m := &model{langs: codes}
	for i := range m.orders {
		m.orders[i] = make(map[uint64]map[int]float32)
	}
	seen := map[string]bool{}
	for li, code := range codes {
		if len(code) != 2 || strings.ToLower(code) != code || seen[code] {
			return nil, fmt.Errorf("bad or repeated language code %q", code)
		}
		seen[code] = true
		found := 0
		for n := 1; n <= maxOrder; n++ {
			name := filepath.Join(dir, "language-models", code, [...]string{"unigrams", "bigrams", "trigrams"}[n-1]+".pb.bin.zip")
			probs, err := readLingua(name)
			if errors.Is(err, os.ErrNotExist) {
				continue // lingua has only unigrams for languages it decides by alphabet (bn, ta)
			}
			if err != nil {
				return nil, err
			}
			found++
			for ngram, p := range probs {
				key, ok := pack(ngram, n)
				if !ok {
					return nil, fmt.Errorf("%s: n-gram %q is not %d runes", name, ngram, n)
				}
				if !(p > 0 && p <= 1) {
					return nil, fmt.Errorf("%s: n-gram %q has probability %v", name, ngram, p)
				}
				row := m.orders[n-1][key]
				if row == nil {
					row = make(map[int]float32)
					m.orders[n-1][key] = row
				}
				row[li] = float32(math.Log(p))
			}
		}
		if found == 0 {
			return nil, fmt.Errorf("lingua has no models for %q in %s", code, dir)
		}
	}
	return m, nil
}

// readLingua decodes one of lingua's zipped protobuf models into n-gram -> probability,
// the way lingua's loadLanguageModels does.
func readLingua(name string) (map[string]float64, error) {
	zr, err := zip.OpenReader(name)
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	if len(zr.File) != 1 {
		return nil, fmt.Errorf("%s: want 1 file in the zip, found %d", name, len(zr.File))
	}
	f, err := zr.File[0].Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var pm serialization.SerializableLanguageModel
	if err := proto.Unmarshal(data, &pm); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	probs := make(map[string]float64, pm.GetTotalNgrams())
	for _, set := range pm.GetNgramSets() {
		for _, ng := range set.GetNgrams() {
			probs[ng] = set.GetProbability()
		}
	}
	return probs, nil
}

// pack packs an n-rune n-gram into 21 bits per rune, first rune highest, as
// internal/langid does.
func pack(ngram string, n int) (uint64, bool) {
	if utf8.RuneCountInString(ngram) != n {
		return 0, false
	}
	var key uint64
	for _, r := range ngram {
		if r <= 0 || r == utf8.RuneError || r >= 1<<runeBits {
			return 0, false
		}
		key = key<<runeBits | uint64(r)
	}
	return key, true
}

// write encodes m as described in internal/langid/model.go.
func (m *model) write(w io.Writer) error {
	zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(zw)
	var tmp [binary.MaxVarintLen64]byte
	uvarint := func(v uint64) { bw.Write(tmp[:binary.PutUvarint(tmp[:], v)]) }

	bw.WriteString(magic)
	uvarint(uint64(len(m.langs)))
	for _, l := range m.langs {
		uvarint(uint64(len(l)))
		bw.WriteString(l)
	}
	for _, o := range m.orders {
		keys := make([]uint64, 0, len(o))
		for k := range o {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		uvarint(uint64(len(keys)))
		prev := uint64(0)
		for _, k := range keys {
			uvarint(k - prev)
			prev = k
			row := o[k]
			var mask uint64
			for li := range row {
				mask |= 1 << li
			}
			uvarint(mask)
			for mm := mask; mm != 0; mm &= mm - 1 {
				li := bits.TrailingZeros64(mm)
				bw.Write(binary.LittleEndian.AppendUint32(tmp[:0], math.Float32bits(row[li])))
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return zw.Close()
}
