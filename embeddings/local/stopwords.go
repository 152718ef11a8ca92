package local

// stopwords are English function words given idf StopwordWeight instead of 1: they occur
// in almost every instruction ("How do I ...", "What is the ...") and say little about
// its topic. The list is part of the embedding: changing it changes every vector.
var stopwords = func() map[string]bool {
	m := make(map[string]bool)
	for _, w := range []string{
		"a", "an", "the", "and", "or", "but", "if", "so", "than", "then", "as",
		"of", "to", "in", "on", "at", "by", "for", "with", "from", "into", "about", "over", "up", "out",
		"is", "are", "was", "were", "be", "been", "being", "am",
		"do", "does", "did", "have", "has", "had",
		"can", "could", "should", "would", "will", "shall", "may", "might", "must",
		"i", "me", "my", "we", "our", "you", "your", "he", "him", "his", "she", "her",
		"it", "its", "they", "them", "their",
		"this", "that", "these", "those", "there", "here",
		"what", "which", "who", "whom", "whose", "how", "when", "where", "why",
		"not", "no", "very", "too", "just", "also", "some", "any", "all", "each", "such",
		"s", "t", "please",
	} {
		m[w] = true
	}
	return m
}()
