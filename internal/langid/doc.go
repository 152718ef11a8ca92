// Package langid identifies the language of a document: the ten target languages of the
// pipeline (fi, id, th, tr, vi, bn, hi, sw, ta, ur), English, and the languages whose
// documents ingest must recognise to reject them (de, fr, es, pt, it, nl, pl, ar, fa, ru,
// and zh, ja, ko by script).
//
// # Why not lingua-go itself
//
// The algorithm and the n-gram statistics are those of lingua-go's low-accuracy mode
// (github.com/pemistahl/lingua-go v1.4.0, Apache-2.0, by Peter M. Stahl). Restricted to
// these languages and to the first 400 characters, lingua gets 3174 of the 3175 documents
// of the shared corpora right, but it costs about 330-640 µs per document (string n-grams,
// a map per language and n-gram order, lazily loaded models), while ingest's whole budget
// is about 20 µs per ~1 KB document; importing it would also embed its 124 MB of models
// in the pipeline binary. This package keeps lingua's tables and its scoring, and changes
// how they are looked up:
//
//   - n-grams are up to three lower-cased runes packed into a uint64 (21 bits each), so no
//     string is built per n-gram;
//   - one open-addressing table per script maps a key to a row holding every candidate
//     language's log-probability, with lingua's trigram -> bigram -> unigram back-off
//     resolved once when the model is loaded, so a trigram costs one probe;
//   - lingua's letter rules (letters unique to a language, or shared by a few) are
//     applied while the words are scanned, through a per-rune table;
//   - candidates are narrowed by the dominant script (package script): a script written
//     by one language here (Thai, Tamil, Bengali, Devanagari, Cyrillic) decides alone, CJK
//     text is told apart by its Hangul and kana, and only Latin and Arabic script text is
//     scored;
//   - only the first DefaultMaxLetters letters are scored (see its comment for what that
//     costs in accuracy: two documents of 3175).
//
// On the same input (the first 400 characters of each document), Detect agrees with
// lingua on all 3175 documents of the shared corpora, with confidences within 1e-4. It
// makes no allocations and takes about 2-3 µs for a ~1 KB document decided by script and
// 5-9 µs for one that is scored (CPU time on this project's 2-core AMD EPYC machine).
//
// # The model
//
// model.bin.gz is generated from lingua-go's unigram, bigram and trigram models by
// cmd/genmodel, the only code in this module that imports lingua-go. Regenerate it with
//
//	go generate ./internal/langid
//
// Its format is described in model.go. Malay, Marathi, Estonian and Azerbaijani are
// deliberately left out of the model: measured, they take Indonesian and Hindi documents.
package langid

//go:generate go run ./cmd/genmodel -o model.bin.gz
