package diversify

import "slices"

// Salts keep the seeded hashes of one id independent across their uses.
const (
	saltFit     uint64 = 0x66697473616d706c // fit sample priority
	saltTie     uint64 = 0x7469656272656b00 // within-cluster tie-break
	saltRandom  uint64 = 0x72616e646f6d0000 // the random baseline sample
	saltProbe   uint64 = 0x70726f6265730000 // the candidates coverage is measured from
	saltNearDup uint64 = 0x6e65617264757000 // the members probed for a near-duplicate
)

// seededHash is a hash of id under seed and salt that is the same on every machine and
// run (FNV-1a, then a splitmix64 finalizer to spread FNV's weak low bits).
func seededHash(seed, salt uint64, id string) uint64 {
	h := uint64(14695981039346656037) ^ seed ^ salt
	for i := 0; i < len(id); i++ {
		h ^= uint64(id[i])
		h *= 1099511628211
	}
	h ^= h >> 30
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 27
	h *= 0x94d049bb133111eb
	return h ^ h>>31
}

// smallestN returns the n smallest of p (all of them when fewer), reusing p.
func smallestN(p []uint64, n int) []uint64 {
	if len(p) <= n {
		return p
	}
	slices.Sort(p)
	return p[:n]
}
