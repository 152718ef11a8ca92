package postag

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/gob"
	"fmt"
	"sync"
)

// A Token is a word or punctuation mark of the text and its part-of-speech tag.
type Token struct {
	Text string
	Tag  string // Penn Treebank: "VB", "NN", "DT", ...; "-NONE-", "SYM" and "-" as prose gives them
}

// Tag splits text into tokens (prose's tokenizer: no sentence segmentation) and tags
// them. It is safe for concurrent use; the first call decodes the model (about a second),
// and it panics if the embedded model cannot be decoded.
func Tag(text string) []Token {
	toks := tokenize(text)
	load().tag(toks)
	out := make([]Token, len(toks))
	for i, t := range toks {
		out[i] = Token{Text: t.text, Tag: t.tag}
	}
	return out
}

var (
	//go:embed model/weights.gob.gz
	weightsGob []byte
	//go:embed model/tags.gob.gz
	tagsGob []byte

	loadOnce sync.Once
	model    *perceptron
)

func load() *perceptron {
	loadOnce.Do(func() {
		m := &perceptron{}
		if err := decode(weightsGob, &m.weights); err != nil {
			panic(fmt.Sprintf("postag: weights: %v", err))
		}
		if err := decode(tagsGob, &m.tagMap); err != nil {
			panic(fmt.Sprintf("postag: tags: %v", err))
		}
		model = m
	})
	return model
}

func decode(gz []byte, v any) error {
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return err
	}
	return gob.NewDecoder(r).Decode(v)
}
