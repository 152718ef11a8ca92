// Package postag tags English text with Penn Treebank part-of-speech tags: the tokenizer
// and the averaged-perceptron tagger of github.com/jdkato/prose/v2 (v2.0.0, MIT License,
// Copyright (c) 2017-2018 Joseph Kato; a port of TextBlob's tagger by Matthew Honnibal),
// with prose's trained model, and nothing else of prose.
//
// # Why not prose itself
//
// internal/topics only tags. Importing prose also links its named-entity model (2.7 MB
// of embedded data, loaded or not), its sentence segmenter with its data, and gonum's
// linear algebra for the entity classifier: about 7 MB of every generate binary, which is
// uploaded for every Dataflow or Flink job (internal/bench/binsize). The code here is
// prose's tokenize.go and tag.go cut down to tagging, unchanged in what it does: Tag(s)
// returns the tokens and tags of prose.NewDocument(s, prose.WithSegmentation(false),
// prose.WithExtraction(false)), which TestMatchesProse checks on the shared corpora and
// the bundled instructions. Like prose, the tagger adds up a tag's feature weights in Go's
// map order, so on a near tie two runs can give different tags: prose does so on 10 of
// the 15,875 texts of the shared corpora (all non-English), and the test accepts any of
// prose's answers there.
//
// model/ holds prose's AveragedPerceptron weights.gob and tags.gob, gzipped; cmd/genmodel
// writes them from prose's embedded assets (go generate ./internal/postag), the only code
// besides the test that imports prose.
package postag

//go:generate go run ./cmd/genmodel -out model
