// Package neardup removes near-duplicate documents with MinHash LSH over character
// shingles.
package neardup
