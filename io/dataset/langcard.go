package dataset

import (
	"encoding/json"
	"reflect"
	"unicode/utf8"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"

	"github.com/xinstruct/xinstruct/internal/topics"
	"github.com/xinstruct/xinstruct/io/dataset/figures"
)

func init() {
	beam.RegisterCoder(reflect.TypeOf(LangCard{}), encodeLangCard, decodeLangCard)
	beam.RegisterCoder(reflect.TypeOf(Facts{}), encodeFacts, decodeFacts)
}

// LangCard is what the card shows of one language's rows beyond LangStats: the length
// distributions, the verb-object topics of its instructions and a few example pairs.
type LangCard struct {
	Lang        string            `json:"lang"`
	Instruction figures.Histogram `json:"instruction_lengths"` // characters, on figures.LengthEdges
	Output      figures.Histogram `json:"output_lengths"`
	Topics      []TopicCount      `json:"topics"`   // verb-object pairs of a sample of the instructions
	Sampled     int               `json:"sampled"`  // instructions the topics were found in
	Examples    []Row             `json:"examples"` // the first pairs of the first clusters
}

// TopicCount is how many sampled instructions have a verb and its object.
type TopicCount struct {
	Verb   string `json:"verb"`
	Object string `json:"object,omitempty"`
	N      int    `json:"n"`
}

// Card figures' sizes: the part-of-speech tagger reads about 3,600 instructions a
// second, so the topics come from an evenly spaced sample of each language.
const (
	topicSample = 2000
	examples    = 3
)

// langCard builds a language's card data from its rows, in cluster and rank order.
func langCard(lang string, rows []Row) LangCard {
	c := LangCard{Lang: lang, Instruction: figures.NewHistogram(figures.LengthEdges()), Output: figures.NewHistogram(figures.LengthEdges())}
	seen := map[int32]bool{}
	for _, r := range rows {
		c.Instruction.Add(float64(utf8.RuneCountInString(r.Instruction)))
		c.Output.Add(float64(utf8.RuneCountInString(r.Output)))
		if len(c.Examples) < examples && !seen[r.Cluster] {
			seen[r.Cluster] = true
			c.Examples = append(c.Examples, r)
		}
	}
	counts := topics.Counts{}
	step := max(1, len(rows)/topicSample)
	for i := 0; i < len(rows); i += step {
		counts.Add(topics.Extract(rows[i].Instruction))
		c.Sampled++
	}
	for p, n := range counts {
		c.Topics = append(c.Topics, TopicCount{Verb: p.Verb, Object: p.Object, N: n})
	}
	return c
}

// Facts are what the card tells of the run besides the selection, from the job's
// counts: its funnel, the judge's labels per round and what the models cost.
type Facts struct {
	Funnel []Step                 `json:"funnel"`
	Labels []figures.RoundLabels  `json:"labels"`
	Calls  int64                  `json:"calls"`
	Tokens int64                  `json:"tokens"`
	Cost   float64                `json:"cost"`
	Stages map[string]StageFigure `json:"stages"`
}

// Step is one line of the card's funnel: a stage's outcome and its count.
type Step struct {
	Name string `json:"name"`
	N    int64  `json:"n"`
	Note string `json:"note,omitempty"`
}

// StageFigure is a model stage's calls and cost, for the card's cost table.
type StageFigure struct {
	Calls     int64   `json:"calls"`
	StoreHits int64   `json:"store_hits"`
	Tokens    int64   `json:"tokens"`
	Cost      float64 `json:"cost"`
}

func encodeLangCard(c LangCard) ([]byte, error) { return json.Marshal(c) }
func decodeLangCard(b []byte) (LangCard, error) {
	var c LangCard
	err := json.Unmarshal(b, &c)
	return c, err
}

func encodeFacts(f Facts) ([]byte, error) { return json.Marshal(f) }
func decodeFacts(b []byte) (Facts, error) {
	var f Facts
	err := json.Unmarshal(b, &f)
	return f, err
}
