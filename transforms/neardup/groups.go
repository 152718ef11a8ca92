package neardup

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/xinstruct/xinstruct/internal/register"
)

func init() {
	register.DoFn3x1[int, func(*[]byte) bool, func(uint64, string), error](&groupsFn{})
	register.Emitter2[uint64, string]()
}

// node is a bucketed document, as groupsFn knows it.
type node struct {
	source, id string
	line       int64
	parent     int32 // union-find
	kept       int32 // after the components are known: the index of the component's kept node
	best       int32 // the node of this one's most similar edge, -1 for none
	bestSame   int   // that edge's agreeing bins
	keptSame   int   // the agreeing bins of the edge to the kept node, 0 for none
}

// before orders nodes as dedup.Exact does: by source path, then line.
func (a *node) before(b *node) bool {
	if c := strings.Compare(a.source, b.source); c != 0 {
		return c < 0
	}
	return a.line < b.line
}

type edge struct {
	a, b int32
	same int
}

// groupsFn gathers every bucketed document and every verified edge (one key: they exist
// only for near-duplicate candidates), finds the connected components and emits each
// component's losers (all but its first node in (source, line) order) with their dead
// letter's detail.
type groupsFn struct{}

func (fn *groupsFn) ProcessElement(_ int, values func(*[]byte) bool, emit func(uint64, string)) error {
	index := map[uint64]int32{}
	var nodes []node
	var refs []uint64
	var packedEdges [][]byte
	var v []byte
	for values(&v) {
		if len(v) == 0 {
			return errCorrupt
		}
		switch v[0] {
		case tagNodes:
			if err := eachNode(v[1:], func(r uint64, n node) {
				if _, ok := index[r]; !ok {
					index[r] = int32(len(nodes))
					n.parent, n.best = int32(len(nodes)), -1
					nodes = append(nodes, n)
					refs = append(refs, r)
				}
			}); err != nil {
				return err
			}
		case tagEdges:
			packedEdges = append(packedEdges, v[1:])
		default:
			return errCorrupt
		}
	}
	var edges []edge
	for _, p := range packedEdges {
		if len(p)%18 != 0 {
			return errCorrupt
		}
		for i := 0; i < len(p); i += 18 {
			a, okA := index[binary.LittleEndian.Uint64(p[i:])]
			b, okB := index[binary.LittleEndian.Uint64(p[i+8:])]
			if !okA || !okB {
				return fmt.Errorf("neardup: an edge names a document no bucket listed")
			}
			edges = append(edges, edge{a, b, int(binary.LittleEndian.Uint16(p[i+16:]))})
		}
	}
	find := func(i int32) int32 {
		for nodes[i].parent != i {
			nodes[i].parent = nodes[nodes[i].parent].parent // path halving
			i = nodes[i].parent
		}
		return i
	}
	for _, e := range edges {
		ra, rb := find(e.a), find(e.b)
		if ra == rb {
			continue
		}
		// The root is the component's first node, so that it is the one kept.
		if nodes[rb].before(&nodes[ra]) {
			ra, rb = rb, ra
		}
		nodes[rb].parent = ra
	}
	for i := range nodes {
		nodes[i].kept = find(int32(i))
	}
	// The detail's similarity: to the kept node when they were compared, else to the
	// node most similar (then first) among those the loser was linked to.
	note := func(x, y int32, same int) {
		n := &nodes[x]
		if y == n.kept {
			n.keptSame = max(n.keptSame, same)
		}
		if n.best < 0 || same > n.bestSame || same == n.bestSame && nodes[y].before(&nodes[n.best]) {
			n.best, n.bestSame = y, same
		}
	}
	for _, e := range edges {
		note(e.a, e.b, e.same)
		note(e.b, e.a, e.same)
	}
	for i := range nodes {
		n := &nodes[i]
		if n.kept == int32(i) {
			continue
		}
		k := &nodes[n.kept]
		detail := "near-duplicate of " + describe(k.id, k.source, k.line)
		if n.keptSame > 0 {
			detail += fmt.Sprintf(", estimated Jaccard %.2f", float64(n.keptSame)/SignatureSize)
		} else {
			b := &nodes[n.best]
			detail += fmt.Sprintf(" through %s, estimated Jaccard %.2f with it", describe(b.id, b.source, b.line), float64(n.bestSame)/SignatureSize)
		}
		emit(refs[i], detail)
	}
	return nil
}

// eachNode calls fn with each (ref, node) of a packed nodes value.
func eachNode(v []byte, fn func(r uint64, n node)) error {
	for len(v) > 0 {
		if len(v) < 8 {
			return errCorrupt
		}
		r := binary.LittleEndian.Uint64(v)
		v = v[8:]
		line, k := binary.Uvarint(v)
		if k <= 0 {
			return errCorrupt
		}
		v = v[k:]
		var src, id string
		var err error
		if src, v, err = readString(v); err != nil {
			return err
		}
		if id, v, err = readString(v); err != nil {
			return err
		}
		fn(r, node{source: src, id: id, line: int64(line)})
	}
	return nil
}

func readString(v []byte) (string, []byte, error) {
	n, k := binary.Uvarint(v)
	if k <= 0 || n > uint64(len(v)-k) {
		return "", nil, errCorrupt
	}
	return string(v[k : k+int(n)]), v[k+int(n):], nil
}
