package local

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"

	"github.com/xinstruct/xinstruct/embeddings"
)

var _ embeddings.Embedder = (*Embedder)(nil)

func embedOne(t testing.TB, e *Embedder, text string) []float32 {
	t.Helper()
	v, err := e.Embed(context.Background(), []string{text})
	if err != nil {
		t.Fatalf("Embed(%q): %v", text, err)
	}
	return v[0]
}

func l2(v []float32) float64 {
	var ss float64
	for _, x := range v {
		ss += float64(x) * float64(x)
	}
	return math.Sqrt(ss)
}

var sampleTexts = []string{
	"How do I store maize after the harvest so that insects do not ruin it?",
	"Write a poem about the sea.",
	"Explain photosynthesis to a ten-year-old.",
	"Ni nini maana ya neno hili?",
	"Как приготовить борщ?",
	"x",
	"Don't   forget: 3 eggs, 200 g flour!",
}

func TestDims(t *testing.T) {
	for _, dims := range []int{0, 1, 7, 256, 1024} {
		e := New(Options{Dims: dims})
		want := dims
		if dims == 0 {
			want = DefaultDims
		}
		if e.Dims() != want {
			t.Errorf("New(Dims: %d).Dims() = %d, want %d", dims, e.Dims(), want)
		}
		vs, err := e.Embed(context.Background(), sampleTexts)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range vs {
			if len(v) != want {
				t.Errorf("Dims %d: len(vector %d) = %d, want %d", dims, i, len(v), want)
			}
		}
	}
}

func TestNewPanicsOnNegativeDims(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("New(Dims: -1) did not panic")
		}
	}()
	New(Options{Dims: -1})
}

func TestUnitNorm(t *testing.T) {
	e := New(Options{})
	for _, text := range sampleTexts {
		// Tolerance: float32 rounding of 256 components of a float64 unit vector.
		if n := l2(embedOne(t, e, text)); math.Abs(n-1) > 1e-6 {
			t.Errorf("‖Embed(%q)‖ = %v, want 1", text, n)
		}
	}
}

func TestFeaturelessTextIsZero(t *testing.T) {
	e := New(Options{})
	for _, text := range []string{"", "   ", "?!...", "\n\t—"} {
		for i, x := range embedOne(t, e, text) {
			if x != 0 {
				t.Errorf("Embed(%q)[%d] = %v, want the zero vector", text, i, x)
				break
			}
		}
	}
}

func TestDeterministic(t *testing.T) {
	ctx := context.Background()
	a, b := New(Options{}), New(Options{Seed: DefaultSeed})
	want, err := a.Embed(ctx, sampleTexts)
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, got [][]float32) {
		t.Helper()
		for i := range want {
			if !slicesEqual(got[i], want[i]) {
				t.Errorf("%s: vector for %q differs", name, sampleTexts[i])
			}
		}
	}
	again, _ := a.Embed(ctx, sampleTexts)
	check("same instance, second call", again)
	other, _ := b.Embed(ctx, sampleTexts)
	check("second instance", other)

	var wg sync.WaitGroup
	results := make([][][]float32, 8)
	for g := range results {
		wg.Go(func() {
			for range 20 {
				v, err := a.Embed(ctx, sampleTexts)
				if err != nil {
					t.Error(err)
					return
				}
				results[g] = v
			}
		})
	}
	wg.Wait()
	for g, r := range results {
		check(fmt.Sprintf("goroutine %d", g), r)
	}
}

func slicesEqual(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSeedChangesVectors(t *testing.T) {
	text := sampleTexts[0]
	a := embedOne(t, New(Options{}), text)
	b := embedOne(t, New(Options{Seed: 42}), text)
	if slicesEqual(a, b) {
		t.Error("different seeds gave the same vector")
	}
}

func TestEmbedPreservesOrder(t *testing.T) {
	e := New(Options{})
	batch, err := e.Embed(context.Background(), sampleTexts)
	if err != nil {
		t.Fatal(err)
	}
	if len(batch) != len(sampleTexts) {
		t.Fatalf("got %d vectors for %d texts", len(batch), len(sampleTexts))
	}
	for i, text := range sampleTexts {
		if !slicesEqual(batch[i], embedOne(t, e, text)) {
			t.Errorf("batch[%d] is not the vector of %q", i, text)
		}
	}
	// Reversed input gives reversed output.
	rev := make([]string, len(sampleTexts))
	for i, s := range sampleTexts {
		rev[len(rev)-1-i] = s
	}
	rbatch, _ := e.Embed(context.Background(), rev)
	for i := range rbatch {
		if !slicesEqual(rbatch[i], batch[len(batch)-1-i]) {
			t.Errorf("reversed batch[%d] does not match", i)
		}
	}
}

func TestEmbedEmptyBatch(t *testing.T) {
	v, err := New(Options{}).Embed(context.Background(), nil)
	if err != nil || len(v) != 0 {
		t.Errorf("Embed(nil) = %v, %v; want no vectors, nil", v, err)
	}
}

func TestEmbedCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(Options{}).Embed(ctx, sampleTexts); err != context.Canceled {
		t.Errorf("Embed with cancelled ctx: err = %v, want context.Canceled", err)
	}
}

func TestCaseAndPunctuationInsensitive(t *testing.T) {
	e := New(Options{})
	a := embedOne(t, e, "How do I store maize after the harvest?")
	b := embedOne(t, e, "  how DO i store maize, after the harvest ")
	if !slicesEqual(a, b) {
		t.Error("case, spacing and punctuation changed the vector")
	}
}

// Near paraphrases must be closer to the anchor than an unrelated instruction.
func TestNearerThanFar(t *testing.T) {
	tests := []struct{ anchor, near, far string }{
		{"How do I store maize after the harvest?", "How should I store maize after harvest?", "Write a poem about the sea."},
		{"How do I store maize after the harvest so that insects do not ruin it?", "How can I keep insects out of my stored maize after harvesting?", "What is the capital city of Kenya?"},
		{"Write a poem about the sea.", "Write a short poem about the ocean and the sea.", "How do I store maize after the harvest?"},
		{"Explain photosynthesis to a ten-year-old.", "Explain how photosynthesis works for a child.", "Give me a recipe for banana bread."},
		{"Give me a recipe for banana bread.", "What is a simple banana bread recipe?", "Explain photosynthesis to a ten-year-old."},
		{"Translate 'good morning' into Swahili.", "How do you say good morning in Swahili?", "List three causes of the First World War."},
		{"List three causes of the First World War.", "What were the main causes of World War One?", "How do I treat a mild fever in a child?"},
		{"How do I treat a mild fever in a child?", "What should I do when my child has a mild fever?", "Summarise this article about climate change."},
		{"Summarise this article about climate change.", "Write a summary of the climate change article.", "How many legs does a spider have?"},
		{"How can I save money on electricity bills?", "Tips for lowering my electricity bill and saving money.", "Write a poem about the sea."},
	}
	e := New(Options{})
	for _, tt := range tests {
		a, n, f := embedOne(t, e, tt.anchor), embedOne(t, e, tt.near), embedOne(t, e, tt.far)
		cn, cf := embeddings.Cosine(a, n), embeddings.Cosine(a, f)
		if testing.Verbose() {
			t.Logf("near %.3f far %.3f  %q", cn, cf, tt.anchor)
		}
		if cn <= cf {
			t.Errorf("anchor %q: cos(near %q) = %.3f <= cos(far %q) = %.3f", tt.anchor, tt.near, cn, tt.far, cf)
		}
	}
}

// The golden values below were computed once, by this implementation, with the default
// Options. Changing them changes every vector, and so every dataset's clusters: only update
// them on purpose, together with a note in the release. Tolerance 1e-6: float32 output;
// architectures may differ only in the last float64 bits.
func TestGolden(t *testing.T) {
	tests := []struct {
		text string
		idx  []int
		want []float32
	}{
		{"How do I store maize after the harvest so that insects do not ruin it?", []int{0, 3, 4, 5}, []float32{-0.111893132, -0.0477185957, -0.0923772305, 0.0417043231}},
		{"Write a poem about the sea.", []int{1, 7, 9, 10}, []float32{-0.0734507591, 0.0612089671, -0.0767517611, 0.0612089671}},
		{"Ni nini maana ya neno hili?", []int{0, 1, 2, 3}, []float32{0.0632106438, 0.0493809991, -0.0493809991, -0.0493809991}},
		// One unigram and one character 3-gram "<x>", 4 probes each, groups weighted 1:1: ±1/√8.
		{"x", []int{105, 118, 164, 166}, []float32{-0.353553385, -0.353553385, 0.353553385, 0.353553385}},
	}
	e := New(Options{})
	for _, tt := range tests {
		v := embedOne(t, e, tt.text)
		for k, i := range tt.idx {
			if math.Abs(float64(v[i]-tt.want[k])) > 1e-6 {
				t.Errorf("Embed(%q)[%d] = %.9g, want %.9g", tt.text, i, v[i], tt.want[k])
			}
		}
	}
}

var benchTexts = func() []string {
	subjects := []string{"maize", "cassava", "goats", "a fever", "my phone", "rainwater", "the budget", "a poem", "beans", "solar panels"}
	verbs := []string{"How do I store", "Explain how to look after", "What is the best way to sell", "Write a short guide about", "Why should I protect"}
	tails := []string{"after the harvest so that insects do not ruin it?", "during the long rainy season?", "without spending much money?", "in a small village?"}
	var out []string
	for i := 0; len(out) < 1000; i++ {
		out = append(out, fmt.Sprintf("%s %s %s (%d)", verbs[i%len(verbs)], subjects[(i/5)%len(subjects)], tails[(i/50)%len(tails)], i))
	}
	return out
}()

// BenchmarkEmbed embeds 1000 ~70-character instructions per op; see the µs/instruction metric.
func BenchmarkEmbed(b *testing.B) {
	e := New(Options{})
	ctx := context.Background()
	var chars int
	for _, s := range benchTexts {
		chars += len(s)
	}
	b.SetBytes(int64(chars))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Embed(ctx, benchTexts); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(len(benchTexts)), "µs/instruction")
}

func ExampleEmbedder_Embed() {
	e := New(Options{})
	vs, _ := e.Embed(context.Background(), []string{
		"How do I store maize after the harvest?",
		"How should I store maize after harvest?",
		"Write a poem about the sea.",
	})
	fmt.Println(len(vs), "vectors of", len(vs[0]))
	fmt.Printf("near %.2f\n", embeddings.Cosine(vs[0], vs[1]))
	fmt.Printf("far  %.2f\n", embeddings.Cosine(vs[0], vs[2]))
	// Output:
	// 3 vectors of 256
	// near 0.96
	// far  0.03
}
