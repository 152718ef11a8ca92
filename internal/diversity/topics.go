package diversity

import "math"

// Topics is how a set spreads over the labels of an independent labelling: the number
// of distinct labels it holds and the Shannon entropy (nats) of its label shares. Items
// without a label ("") are not counted.
type Topics struct {
	Covered int
	Entropy float64
}

// TopicsOf counts the labels.
func TopicsOf(labels []string) Topics {
	counts := map[string]int{}
	total := 0
	for _, l := range labels {
		if l != "" {
			counts[l]++
			total++
		}
	}
	var h float64
	for _, c := range counts {
		p := float64(c) / float64(total)
		h -= p * math.Log(p)
	}
	return Topics{Covered: len(counts), Entropy: h}
}
