// Package diversity measures how diverse a set of embedded texts is, and how well it
// covers the pool it was chosen from, for unit-length embeddings (cosine geometry):
//
//   - the Vendi score (Friedman and Dieng, 2023) with the cosine kernel: the exponential
//     of the Shannon entropy of the eigenvalues of K/n, an "effective number of distinct
//     items" between 1 (all alike) and min(n, d);
//   - coverage: the cosine distance from every item of the pool to its nearest chosen
//     item, its mean and 95th percentile (the k-center objective; lower is better);
//   - the share of chosen items with a near-duplicate among the others;
//   - the entropy and count of topics over an independent labelling;
//   - the mean pairwise cosine distance, which a uniform random sample nearly maximises
//     and which therefore says little about coverage.
//
// It also holds the within-cluster selection orders the diversify stage compares
// (Order*). The functions are plain Go over row-major []float32, shared by the Beam
// stage and the benchmarks.
package diversity
