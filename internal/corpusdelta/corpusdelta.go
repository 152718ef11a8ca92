// Package corpusdelta makes the next version of a corpus, for measuring what a re-run
// pays: some documents added, some removed, the rest unchanged and in their order. The
// choice is deterministic (by a hash of each document's id), so that a test, a benchmark
// and a person get the same versions from the same corpus.
package corpusdelta

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
)

// Delta is two versions of one JSONL corpus file, as lines (without their newlines).
type Delta struct {
	V1, V2  [][]byte // the versions, each in the file's order
	Added   [][]byte // in V2, not in V1
	Removed [][]byte // in V1, not in V2
}

// Split makes two versions of the JSONL lines: V2 holds add x |V1| documents that V1
// does not (held out of V1) and lacks remove x |V1| of V1's, both rounded to the nearest
// document. The documents held out and removed are those whose ids hash lowest
// (SHA-256 of "held:"+id, then "gone:"+id); a line without an "id" is named by its
// position. Blank lines are dropped. It fails on a line that is not a JSON object, on a
// repeated id, and on shares outside [0, 1).
func Split(lines [][]byte, add, remove float64) (Delta, error) {
	if add < 0 || add >= 1 || remove < 0 || remove >= 1 || math.IsNaN(add) || math.IsNaN(remove) {
		return Delta{}, fmt.Errorf("corpusdelta: shares %v added, %v removed: want each in [0, 1)", add, remove)
	}
	var docs [][]byte
	var ids []string
	seen := map[string]bool{}
	for i, l := range lines {
		if len(bytes.TrimSpace(l)) == 0 {
			continue
		}
		var rec struct {
			ID *string `json:"id"`
		}
		if err := json.Unmarshal(l, &rec); err != nil {
			return Delta{}, fmt.Errorf("corpusdelta: line %d: %v", i+1, err)
		}
		id := "#" + strconv.Itoa(i)
		if rec.ID != nil {
			id = *rec.ID
		}
		if seen[id] {
			return Delta{}, fmt.Errorf("corpusdelta: line %d: id %q repeated", i+1, id)
		}
		seen[id] = true
		docs, ids = append(docs, l), append(ids, id)
	}
	n := len(docs)
	// |Added| = add x |V1| and |V1| + |Added| = n.
	nAdded := int(math.Round(float64(n) * add / (1 + add)))
	held := lowest(ids, "held:", nAdded, nil)
	nRemoved := int(math.Round(remove * float64(n-nAdded)))
	gone := lowest(ids, "gone:", nRemoved, held)
	var d Delta
	for i, l := range docs {
		switch {
		case held[i]:
			d.Added = append(d.Added, l)
			d.V2 = append(d.V2, l)
		case gone[i]:
			d.Removed = append(d.Removed, l)
			d.V1 = append(d.V1, l)
		default:
			d.V1 = append(d.V1, l)
			d.V2 = append(d.V2, l)
		}
	}
	return d, nil
}

// lowest returns the k indices, outside skip, whose ids hash lowest under salt.
func lowest(ids []string, salt string, k int, skip map[int]bool) map[int]bool {
	type ranked struct {
		h [sha256.Size]byte
		i int
	}
	var rs []ranked
	for i, id := range ids {
		if !skip[i] {
			rs = append(rs, ranked{sha256.Sum256([]byte(salt + id)), i})
		}
	}
	slices.SortFunc(rs, func(a, b ranked) int { return bytes.Compare(a.h[:], b.h[:]) })
	out := map[int]bool{}
	for _, r := range rs[:min(k, len(rs))] {
		out[r.i] = true
	}
	return out
}

// SplitLines splits JSONL content into lines, without their newlines.
func SplitLines(b []byte) [][]byte {
	return bytes.Split(bytes.TrimRight(b, "\n"), []byte("\n"))
}

// JoinLines is the JSONL content of lines, each ended by a newline.
func JoinLines(lines [][]byte) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.Write(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}
