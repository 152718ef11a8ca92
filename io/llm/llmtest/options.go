package llmtest

import (
	"fmt"
	"maps"
	"math"
	"strconv"
	"strings"
	"time"
)

// Options configure a Server. The zero value answers at once, never fails and admits any
// number of concurrent requests.
type Options struct {
	Latency        time.Duration // added to every request before answering (after admission)
	LatencyJitter  time.Duration // uniform extra latency in [0, jitter)
	MaxConcurrency int           // requests being served at once above this get 429 at once, with Retry-After; 0 = unlimited
	RetryAfter     time.Duration // what a 429 tells the client to wait ("Retry-After" in whole seconds, rounded up, and "retry-after-ms"); default 100ms
	ErrorRate      float64       // fraction of admitted chat and embedding requests that fail transiently, with a kind drawn from ErrorKinds
	ErrorKinds     []ErrorKind   // default: AllErrorKinds
	Seed           uint64        // seeds fault injection (which arrivals fail, and how) and latency jitter; answers do not depend on it
	Model          string        // model name echoed when the request has none, and listed by /v1/models; default DefaultModel

	// Judge behaviour (see "Judge requests" in the package documentation). Like every
	// answer, the judge's depends on the request alone, not on Seed.
	JudgeLabels              LabelWeights // weights of the labels a judge request draws; zero value: DefaultJudgeLabels
	JudgeMalformedRate       float64      // fraction of first-ask judge answers that are prose with no label word
	JudgeMalformedAfterReask float64      // fraction of re-asked judge answers that are still prose with no label word
	JudgeStyle               JudgeStyle   // shape of a judge answer to a request without response_format; "" = JudgeJSON
	Gullible                 bool         // the judge answers "good" to an injection that escaped the <text> data section

	// Evaluation behaviour (see "Evaluation requests" in the package documentation): the
	// fake plays the models being evaluated and the pairwise judge comparing them.
	// JudgeMalformedRate and JudgeMalformedAfterReask apply to the evaluation judge too.
	Answerers map[string]Answerer // evaluated models by request model name; a model not here answers as DefaultAnswerer
	EvalJudge EvalJudge           // the pairwise judge of evaluation judge requests

	// The Batch API (see "Batches" in the package documentation).
	BatchDelay           time.Duration // how long after its creation a batch is answered (0: at its first retrieval)
	BatchItemFailureRate float64       // fraction of a batch's requests answered with a 500 in its error file, drawn by custom_id and Seed
}

// An Answerer is an evaluated model as the fake plays it.
type Answerer struct {
	Quality           float64 // 0-10: the quality its in-language answers carry in their marker
	WrongLanguageRate float64 // share of its answers written in English instead of the target language (for an English question: in another language), quality 0
	Chars             int     // typical answer length in characters; 0 = DefaultAnswerChars (about 300)
}

// DefaultAnswerer is how a model not in Options.Answerers answers an evaluation question.
var DefaultAnswerer = Answerer{Quality: 5}

func (a Answerer) validate(model string) error {
	switch {
	case math.IsNaN(a.Quality) || a.Quality < 0 || a.Quality > 10:
		return fmt.Errorf("fakellm: answerer %q: Quality %v outside [0, 10]", model, a.Quality)
	case math.IsNaN(a.WrongLanguageRate) || a.WrongLanguageRate < 0 || a.WrongLanguageRate > 1:
		return fmt.Errorf("fakellm: answerer %q: WrongLanguageRate %v outside [0, 1]", model, a.WrongLanguageRate)
	case a.Chars < 0 || a.Chars > MaxAnswerChars:
		return fmt.Errorf("fakellm: answerer %q: Chars %d outside [0, %d]", model, a.Chars, MaxAnswerChars)
	}
	return nil
}

// MaxAnswerChars bounds Answerer.Chars.
const MaxAnswerChars = 1 << 20

// String formats a as ParseAnswerers reads one model's settings, e.g.
// "quality:7,wrong_lang:0.1,chars:300".
func (a Answerer) String() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	s := "quality:" + f(a.Quality) + ",wrong_lang:" + f(a.WrongLanguageRate)
	if a.Chars != 0 {
		s += ",chars:" + strconv.Itoa(a.Chars)
	}
	return s
}

// ParseAnswerers parses evaluated models written as
// "model-a=quality:7,wrong_lang:0.1,chars:400;model-b=quality:5": models separated by ";",
// each a name, "=", and comma-separated key:value settings, any of quality (0-10),
// wrong_lang (0-1) and chars (a setting left out is 0, except quality, which is
// DefaultAnswerer's). Model names cannot contain "=", ";" or ",". "" returns nil.
func ParseAnswerers(s string) (map[string]Answerer, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]Answerer{}
	for _, entry := range strings.Split(s, ";") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		name, settings, _ := strings.Cut(entry, "=")
		name = strings.TrimSpace(name)
		if name == "" || strings.Contains(name, ",") {
			return nil, fmt.Errorf("fakellm: answerers %q: %q is not model=key:value,...", s, entry)
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("fakellm: answerers %q: model %q given twice", s, name)
		}
		a := DefaultAnswerer
		for _, kv := range strings.Split(settings, ",") {
			kv = strings.TrimSpace(kv)
			if kv == "" {
				continue
			}
			k, v, ok := strings.Cut(kv, ":")
			k, v = strings.TrimSpace(k), strings.TrimSpace(v)
			if !ok {
				return nil, fmt.Errorf("fakellm: answerers %q: %q is not key:value", s, kv)
			}
			var err error
			switch k {
			case "quality":
				a.Quality, err = strconv.ParseFloat(v, 64)
			case "wrong_lang":
				a.WrongLanguageRate, err = strconv.ParseFloat(v, 64)
			case "chars":
				a.Chars, err = strconv.Atoi(v)
			default:
				return nil, fmt.Errorf("fakellm: answerers %q: unknown setting %q (want quality, wrong_lang, chars)", s, k)
			}
			if err != nil {
				return nil, fmt.Errorf("fakellm: answerers %q: bad %s %q", s, k, v)
			}
		}
		if err := a.validate(name); err != nil {
			return nil, err
		}
		out[name] = a
	}
	return out, nil
}

// EvalJudge is the pairwise judge of evaluation judge requests. See "Evaluation requests"
// in the package documentation for the exact probability model.
type EvalJudge struct {
	Accuracy     float64 // probability of preferring the higher-quality answer when qualities differ; 0 = DefaultEvalJudgeAccuracy
	PositionBias float64 // probability the verdict goes to the answer shown first (A), regardless of quality
	Echo         bool    // after the verdict, the reply quotes the last ~80 characters of each answer
}

// DefaultEvalJudgeAccuracy is EvalJudge.Accuracy when it is zero.
const DefaultEvalJudgeAccuracy = 0.8

func (j EvalJudge) validate() error {
	switch {
	case math.IsNaN(j.Accuracy) || j.Accuracy < 0 || j.Accuracy > 1:
		return fmt.Errorf("fakellm: EvalJudge.Accuracy %v outside [0, 1]", j.Accuracy)
	case math.IsNaN(j.PositionBias) || j.PositionBias < 0 || j.PositionBias > 1:
		return fmt.Errorf("fakellm: EvalJudge.PositionBias %v outside [0, 1]", j.PositionBias)
	}
	return nil
}

// LabelWeights are the relative weights of the judge's labels; they need not sum to 1.
type LabelWeights struct {
	Good, Flawed, Bad float64
}

// DefaultJudgeLabels is the label distribution when Options.JudgeLabels is zero.
var DefaultJudgeLabels = LabelWeights{Good: 0.6, Flawed: 0.3, Bad: 0.1}

func (w LabelWeights) isZero() bool { return w == LabelWeights{} }

// String formats w as ParseLabelWeights reads it, e.g. "good=0.6,flawed=0.3,bad=0.1".
func (w LabelWeights) String() string {
	f := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	return "good=" + f(w.Good) + ",flawed=" + f(w.Flawed) + ",bad=" + f(w.Bad)
}

// ParseLabelWeights parses label weights written as "good=0.6,flawed=0.3,bad=0.1" (a label
// left out weighs 0) or as three numbers in that order, "0.6,0.3,0.1". "" returns the zero
// value, which means DefaultJudgeLabels.
func ParseLabelWeights(s string) (LabelWeights, error) {
	var w LabelWeights
	s = strings.TrimSpace(s)
	if s == "" {
		return w, nil
	}
	fields := strings.Split(s, ",")
	named := strings.Contains(s, "=")
	if !named && len(fields) != 3 {
		return w, fmt.Errorf("fakellm: label weights %q: want good=W,flawed=W,bad=W or three numbers", s)
	}
	for i, f := range fields {
		name, num := "", strings.TrimSpace(f)
		if named {
			var ok bool
			name, num, ok = strings.Cut(num, "=")
			if !ok {
				return w, fmt.Errorf("fakellm: label weights %q: %q is not label=weight", s, f)
			}
			name, num = strings.TrimSpace(name), strings.TrimSpace(num)
		} else {
			name = []string{"good", "flawed", "bad"}[i]
		}
		x, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return w, fmt.Errorf("fakellm: label weights %q: bad weight %q", s, num)
		}
		switch name {
		case "good":
			w.Good = x
		case "flawed":
			w.Flawed = x
		case "bad":
			w.Bad = x
		default:
			return w, fmt.Errorf("fakellm: label weights %q: unknown label %q (want good, flawed, bad)", s, name)
		}
	}
	return w, w.validate()
}

func (w LabelWeights) validate() error {
	for _, x := range []float64{w.Good, w.Flawed, w.Bad} {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			return fmt.Errorf("fakellm: label weights %v: each must be a finite number >= 0", w)
		}
	}
	return nil
}

// A JudgeStyle is the shape of a judge's answer when the request has no response_format
// and so asks for JSON in the prompt alone.
type JudgeStyle string

// The judge styles.
const (
	JudgeJSON   JudgeStyle = "json"   // {"label":"flawed","rationale":"..."}
	JudgeFenced JudgeStyle = "fenced" // the JSON in a ```json ... ``` fence
	JudgeProse  JudgeStyle = "prose"  // Label: flawed. <rationale>
	JudgeMixed  JudgeStyle = "mixed"  // one of the three above, drawn by hash per answer
)

func (st JudgeStyle) valid() bool {
	switch st {
	case "", JudgeJSON, JudgeFenced, JudgeProse, JudgeMixed:
		return true
	}
	return false
}

// DefaultModel is the model name used when Options.Model is empty.
const DefaultModel = "fakellm"

// DefaultRetryAfter is what a 429 tells the client to wait when Options.RetryAfter is zero.
const DefaultRetryAfter = 100 * time.Millisecond

// An ErrorKind is a transient fault the server can inject.
type ErrorKind string

// The transient fault kinds.
const (
	Kind500           ErrorKind = "500"            // 500 server_error
	Kind503           ErrorKind = "503"            // 503 service_unavailable, code "overloaded"
	Kind429           ErrorKind = "429"            // 429 rate_limit_exceeded, with Retry-After
	KindMalformedBody ErrorKind = "malformed_body" // 200 whose body is not valid JSON
	KindEmptyChoices  ErrorKind = "empty_choices"  // 200 with "choices": [] (embeddings: "data": [])
	KindTruncated     ErrorKind = "truncated"      // 200, finish_reason "length", content cut (embeddings: the last vector missing)
	KindReset         ErrorKind = "reset"          // the connection is closed (with RST) without a response
	KindTimeout       ErrorKind = "timeout"        // the request is held for HoldTimeout or until the client goes away
)

// HoldTimeout is how long a KindTimeout fault holds a request before answering 504.
const HoldTimeout = 10 * time.Minute

// AllErrorKinds returns every transient fault kind, the default for Options.ErrorKinds.
// It includes KindTimeout, which only ends when the client gives up: clients under test
// need a deadline.
func AllErrorKinds() []ErrorKind {
	return []ErrorKind{Kind500, Kind503, Kind429, KindMalformedBody, KindEmptyChoices, KindTruncated, KindReset, KindTimeout}
}

func (k ErrorKind) valid() bool {
	for _, v := range AllErrorKinds() {
		if k == v {
			return true
		}
	}
	return false
}

// ParseErrorKinds parses a comma-separated list of kinds, e.g. "500,reset,timeout".
// Blanks around names are ignored; "" and "all" return nil, which means every kind.
func ParseErrorKinds(csv string) ([]ErrorKind, error) {
	if s := strings.TrimSpace(csv); s == "" || s == "all" {
		return nil, nil
	}
	var kinds []ErrorKind
	for _, f := range strings.Split(csv, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k := ErrorKind(f)
		if !k.valid() {
			return nil, fmt.Errorf("fakellm: unknown error kind %q (want some of %s)", f, kindList())
		}
		kinds = append(kinds, k)
	}
	return kinds, nil
}

func kindList() string {
	var names []string
	for _, k := range AllErrorKinds() {
		names = append(names, string(k))
	}
	return strings.Join(names, ", ")
}

// Validate reports whether o can configure a Server.
func (o Options) Validate() error {
	switch {
	case o.Latency < 0:
		return fmt.Errorf("fakellm: negative Latency %v", o.Latency)
	case o.LatencyJitter < 0:
		return fmt.Errorf("fakellm: negative LatencyJitter %v", o.LatencyJitter)
	case o.MaxConcurrency < 0:
		return fmt.Errorf("fakellm: negative MaxConcurrency %d", o.MaxConcurrency)
	case o.RetryAfter < 0:
		return fmt.Errorf("fakellm: negative RetryAfter %v", o.RetryAfter)
	case math.IsNaN(o.ErrorRate) || o.ErrorRate < 0 || o.ErrorRate > 1:
		return fmt.Errorf("fakellm: ErrorRate %v outside [0, 1]", o.ErrorRate)
	case math.IsNaN(o.JudgeMalformedRate) || o.JudgeMalformedRate < 0 || o.JudgeMalformedRate > 1:
		return fmt.Errorf("fakellm: JudgeMalformedRate %v outside [0, 1]", o.JudgeMalformedRate)
	case math.IsNaN(o.JudgeMalformedAfterReask) || o.JudgeMalformedAfterReask < 0 || o.JudgeMalformedAfterReask > 1:
		return fmt.Errorf("fakellm: JudgeMalformedAfterReask %v outside [0, 1]", o.JudgeMalformedAfterReask)
	case o.BatchDelay < 0:
		return fmt.Errorf("fakellm: negative BatchDelay %v", o.BatchDelay)
	case math.IsNaN(o.BatchItemFailureRate) || o.BatchItemFailureRate < 0 || o.BatchItemFailureRate > 1:
		return fmt.Errorf("fakellm: BatchItemFailureRate %v outside [0, 1]", o.BatchItemFailureRate)
	case !o.JudgeStyle.valid():
		return fmt.Errorf("fakellm: unknown JudgeStyle %q (want json, fenced, prose or mixed)", o.JudgeStyle)
	}
	if err := o.JudgeLabels.validate(); err != nil {
		return err
	}
	if err := o.EvalJudge.validate(); err != nil {
		return err
	}
	for name, a := range o.Answerers {
		if err := a.validate(name); err != nil {
			return err
		}
	}
	for _, k := range o.ErrorKinds {
		if !k.valid() {
			return fmt.Errorf("fakellm: unknown error kind %q (want some of %s)", k, kindList())
		}
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.RetryAfter == 0 {
		o.RetryAfter = DefaultRetryAfter
	}
	if len(o.ErrorKinds) == 0 {
		o.ErrorKinds = AllErrorKinds()
	} else {
		o.ErrorKinds = append([]ErrorKind(nil), o.ErrorKinds...)
	}
	if o.Model == "" {
		o.Model = DefaultModel
	}
	if o.JudgeLabels.isZero() {
		o.JudgeLabels = DefaultJudgeLabels
	}
	if o.JudgeStyle == "" {
		o.JudgeStyle = JudgeJSON
	}
	if o.EvalJudge.Accuracy == 0 {
		o.EvalJudge.Accuracy = DefaultEvalJudgeAccuracy
	}
	o.Answerers = maps.Clone(o.Answerers)
	return o
}
