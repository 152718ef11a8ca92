package langid

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xinstruct/xinstruct/internal/testenv"

	"github.com/xinstruct/xinstruct/internal/script"
)

// corporaDir holds the shared corpora: one <lang>.jsonl per target language.
var corporaDir = testenv.Shared("corpora")

type doc struct {
	ID   string `json:"id"`
	Lang string `json:"lang"`
	Text string `json:"text"`
}

// readCorpora returns the documents of the shared corpora, skipping the test when they
// are absent.
func readCorpora(tb testing.TB) []doc {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(corporaDir, "*.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Skipf("no corpora in %s (the shared corpora are not checked out here)", corporaDir)
	}
	var docs []doc
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			tb.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<24)
		for line := 1; sc.Scan(); line++ {
			var d doc
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				tb.Fatalf("%s:%d: %v", name, line, err)
			}
			docs = append(docs, d)
		}
		if err := sc.Err(); err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		f.Close()
	}
	return docs
}

func TestCorporaAccuracy(t *testing.T) {
	docs := readCorpora(t)
	d := Default()
	type tally struct{ docs, correct int }
	byLang := map[string]*tally{}
	var total tally
	for _, doc := range docs {
		tl := byLang[doc.Lang]
		if tl == nil {
			tl = &tally{}
			byLang[doc.Lang] = tl
		}
		res := d.Detect(doc.Text)
		tl.docs++
		total.docs++
		if res.Lang == doc.Lang {
			tl.correct++
			total.correct++
			continue
		}
		t.Logf("wrong: %s: got %q (%.3f): %.120q", doc.ID, res.Lang, res.Confidence, doc.Text)
	}
	langs := make([]string, 0, len(byLang))
	for l := range byLang {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	var b strings.Builder
	b.WriteString("\nlang  docs  correct  accuracy\n")
	for _, l := range langs {
		tl := byLang[l]
		b.WriteString(fmtRow(l, tl.docs, tl.correct))
	}
	b.WriteString(fmtRow("all", total.docs, total.correct))
	t.Log(b.String())

	for _, l := range langs {
		if tl := byLang[l]; float64(tl.correct) < 0.99*float64(tl.docs) {
			t.Errorf("%s: %d/%d correct, want at least 99%%", l, tl.correct, tl.docs)
		}
	}
	if float64(total.correct) < 0.995*float64(total.docs) {
		t.Errorf("overall: %d/%d correct, want at least 99.5%%", total.correct, total.docs)
	}
}

func fmtRow(lang string, docs, correct int) string {
	return fmt.Sprintf("%-4s  %4d  %7d  %7.2f%%\n", lang, docs, correct, 100*float64(correct)/float64(docs))
}

// Paragraphs in languages ingest must recognise in order to reject them (and English).
// Written for these tests.
var otherLanguages = []struct{ lang, text string }{
	{"en", "The committee met on Tuesday to discuss the new budget for the city's public libraries. " +
		"Several members argued that the opening hours should be extended during the summer, " +
		"when children are out of school and have more time to read."},
	{"de", "Der Ausschuss traf sich am Dienstag, um über den neuen Haushalt der städtischen Bibliotheken " +
		"zu beraten. Mehrere Mitglieder waren der Meinung, dass die Öffnungszeiten im Sommer verlängert " +
		"werden sollten, wenn die Kinder Ferien haben und mehr Zeit zum Lesen finden."},
	{"fr", "Le comité s'est réuni mardi pour discuter du nouveau budget des bibliothèques municipales. " +
		"Plusieurs membres ont estimé que les horaires d'ouverture devraient être prolongés pendant l'été, " +
		"lorsque les enfants ne sont pas à l'école et ont plus de temps pour lire."},
	{"es", "El comité se reunió el martes para discutir el nuevo presupuesto de las bibliotecas públicas " +
		"de la ciudad. Varios miembros sostuvieron que el horario de apertura debería ampliarse durante " +
		"el verano, cuando los niños no tienen clases y disponen de más tiempo para leer."},
	{"ru", "Комитет собрался во вторник, чтобы обсудить новый бюджет городских библиотек. Несколько " +
		"членов комитета считают, что летом, когда у детей каникулы и больше времени для чтения, " +
		"библиотеки должны работать дольше."},
	{"ar", "اجتمعت اللجنة يوم الثلاثاء لمناقشة الميزانية الجديدة للمكتبات العامة في المدينة. ورأى عدد من " +
		"الأعضاء أنه ينبغي تمديد ساعات العمل خلال فصل الصيف، عندما يكون الأطفال في عطلة ولديهم وقت أطول للقراءة."},
	{"zh", "委员会星期二开会讨论了城市公共图书馆的新预算。几位委员认为，夏天孩子们放假，有更多时间读书，" +
		"图书馆应该延长开放时间。"},
	{"ja", "委員会は火曜日に集まり、市立図書館の新しい予算について話し合いました。夏休みには子どもたちが" +
		"本を読む時間が増えるので、開館時間を延ばすべきだという意見が出ました。"},
	{"ko", "위원회는 화요일에 모여 시립 도서관의 새 예산을 논의했다. 몇몇 위원은 아이들이 방학을 맞아 책을 " +
		"읽을 시간이 많은 여름에는 개관 시간을 늘려야 한다고 주장했다."},
}

func TestOtherLanguages(t *testing.T) {
	d := Default()
	for _, tc := range otherLanguages {
		got := d.Detect(tc.text)
		if got.Lang != tc.lang {
			t.Errorf("Detect(%.40q...) = %+v, want %s", tc.text, got, tc.lang)
		}
		if got.Confidence <= 0.9 {
			t.Errorf("Detect(%.40q...) = %+v: want confidence above 0.9 for a clean paragraph", tc.text, got)
		}
	}
}

func TestUndetermined(t *testing.T) {
	d := Default()
	for _, text := range []string{
		"",
		"   \n\t ",
		"1234567890",
		"3.14159, 2.71828; 1/2 = 0.5 (+/-) -- !!! ??? ... 42%",
		"\u0301\u0302", // combining marks alone
		"ab",           // too few letters to score
		"Ελληνικά κείμενα δεν υποστηρίζονται", // a script no language here is written in
		"\xff\xfe\xfd", // not UTF-8
	} {
		if got := d.Detect(text); got != (Result{}) {
			t.Errorf("Detect(%q) = %+v, want %+v", text, got, Result{})
		}
	}
}

func TestScriptDecides(t *testing.T) {
	d := Default()
	for _, tc := range []struct {
		text string
		want Result
	}{
		{"ภาษาไทยเป็นภาษาราชการของประเทศไทย", Result{"th", 1}},
		{"தமிழ் ஒரு திராவிட மொழி", Result{"ta", 1}},
		{"বাংলা ভাষা", Result{"bn", 1}},
		{"हिन्दी भारत की राजभाषा है", Result{"hi", 1}},
		{"Русский язык", Result{"ru", 1}},
		{"東京", Result{"zh", 1}}, // no kana: Chinese, as lingua would say
		{"東京へ行きます", Result{"ja", 1}},
		{"서울에 갑니다", Result{"ko", 1}},
		// Thai is the largest script but holds only 15 of the 33 letters (and marks).
		{"ภาษาไทยเป็นภาษา hello world தமிழ் ஒரு", Result{"th", 2 * 15.0 / 33}},
	} {
		if c := script.Count(tc.text); tc.want.Confidence < 1 && (c.ByScript[script.Thai] != 15 || c.Letters != 33) {
			t.Fatalf("test text %q: %d Thai letters and marks of %d, not 15 of 33", tc.text, c.ByScript[script.Thai], c.Letters)
		}
		got := d.Detect(tc.text)
		if got.Lang != tc.want.Lang || math.Abs(got.Confidence-tc.want.Confidence) > 1e-9 {
			t.Errorf("Detect(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
}

// TestConfidenceRange checks every result on the corpora, and on their prefixes, which
// are short and noisy.
func TestConfidenceRange(t *testing.T) {
	d := Default()
	texts := []string{"a b c", "abc", "xyz qqq", "Ban Ki-moon", "dạ", "سندھ"}
	for _, tc := range otherLanguages {
		texts = append(texts, tc.text)
	}
	if _, err := os.Stat(corporaDir); err == nil {
		for _, doc := range readCorpora(t) {
			texts = append(texts, doc.Text, prefixBytes(doc.Text, 24), prefixBytes(doc.Text, 64))
		}
	}
	for _, text := range texts {
		got := d.Detect(text)
		if !(got.Confidence >= 0 && got.Confidence <= 1) || (got.Lang == "") != (got.Confidence == 0) {
			t.Errorf("Detect(%.60q) = %+v: confidence out of [0,1], or inconsistent with Lang", text, got)
		}
	}
}

// TestScanCountsLikeScript checks that Detect's own script count, made through a table,
// equals script.Count's.
func TestScanCountsLikeScript(t *testing.T) {
	d := Default()
	texts := []string{"", "abc", "Ωμέγα ωμέγα", "东京へ 서울 \u0301x\u0903\u200d\u10a0\u2160 ǅ", "\xff\xc0 a"}
	for _, tc := range otherLanguages {
		texts = append(texts, tc.text)
	}
	if _, err := os.Stat(corporaDir); err == nil {
		for _, doc := range readCorpora(t) {
			texts = append(texts, doc.Text)
		}
	}
	for _, text := range texts {
		for _, max := range []int{1, 50, DefaultMaxLetters, 1 << 30} {
			var got script.Counts
			end, _ := d.scan(text, max, &got)
			if want := script.Count(text[:end]); got != want {
				t.Errorf("scan(%.40q, %d): counts %+v, script.Count says %+v", text, max, got, want)
			}
		}
	}
}

func TestDetectCount(t *testing.T) {
	d := Default()
	texts := []string{"", "abc", "Ωμέγα ωμέγα", "东京へ 서울 \u0301x\u0903\u200d\u10a0\u2160 ǅ", "\xff\xc0 a", strings.Repeat("Tämä on lause. ", 100)}
	if _, err := os.Stat(corporaDir); err == nil {
		for _, doc := range readCorpora(t) {
			texts = append(texts, doc.Text)
		}
	}
	for _, text := range texts {
		res, counts := d.DetectCount(text)
		if want := d.Detect(text); res != want {
			t.Errorf("DetectCount(%.40q) = %+v, Detect says %+v", text, res, want)
		}
		if want := script.Count(text); counts != want {
			t.Errorf("DetectCount(%.40q): counts %+v, script.Count says %+v", text, counts, want)
		}
	}
}

func TestDeterministic(t *testing.T) {
	other, err := parseModel(modelData)
	if err != nil {
		t.Fatal(err)
	}
	d := Default()
	texts := []string{otherLanguages[0].text, otherLanguages[4].text}
	if _, err := os.Stat(corporaDir); err == nil {
		for i, doc := range readCorpora(t) {
			if i%10 == 0 {
				texts = append(texts, doc.Text)
			}
		}
	}
	for _, text := range texts {
		a, b, c := d.Detect(text), d.Detect(text), other.Detect(text)
		if a != b || a != c {
			t.Errorf("Detect(%.60q): %+v, then %+v, and %+v with another Detector", text, a, b, c)
		}
	}
	if !slices.Equal(d.Languages(), other.Languages()) {
		t.Errorf("Languages differ: %v and %v", d.Languages(), other.Languages())
	}
}

func TestLanguages(t *testing.T) {
	got := Default().Languages()
	want := []string{"ar", "bn", "de", "en", "es", "fa", "fi", "fr", "hi", "id", "it", "ja", "ko",
		"nl", "pl", "pt", "ru", "sw", "ta", "th", "tr", "ur", "vi", "zh"}
	if !slices.Equal(got, want) {
		t.Errorf("Languages() = %v, want %v", got, want)
	}
	got[0] = "xx"
	if Default().Languages()[0] != "ar" {
		t.Error("Languages() returned the Detector's own slice")
	}
}

func TestOnlyFirstLettersCount(t *testing.T) {
	d := Default()
	en := otherLanguages[0].text
	for len(en) < 2*DefaultMaxLetters {
		en += " " + en
	}
	de := otherLanguages[1].text
	if got := d.Detect(en + " " + de + " " + de + " " + de); got.Lang != "en" {
		t.Errorf("English followed by more German than English: got %+v, want en (only the first %d letters count)", got, DefaultMaxLetters)
	}
}

func TestParseModelErrors(t *testing.T) {
	raw := gunzip(t, modelData)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"empty", nil},
		{"not gzip", []byte("XLANGID1")},
		{"bad magic", gzipBytes(t, append([]byte("XLANGID0"), raw[8:]...))},
		{"truncated", gzipBytes(t, raw[:len(raw)/2])},
		{"trailing data", gzipBytes(t, append(slices.Clone(raw), 0))},
		{"unknown language", gzipBytes(t, []byte("XLANGID1\x01\x02xx\x00\x00\x00"))},
	} {
		if _, err := parseModel(tc.data); err == nil {
			t.Errorf("%s: parseModel succeeded, want an error", tc.name)
		}
	}
}

func gunzip(t *testing.T, data []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(data)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// prefixBytes returns the longest prefix of s of at most n bytes that ends on a rune
// boundary.
func prefixBytes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// modelMemory returns how many bytes of heap a freshly loaded Detector keeps.
func modelMemory(tb testing.TB) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	d, err := parseModel(modelData)
	if err != nil {
		tb.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(d)
	return after.HeapAlloc - before.HeapAlloc
}

func TestModelMemory(t *testing.T) {
	const limit = 40 << 20
	m := modelMemory(t)
	t.Logf("model: %.1f MB in memory, %.2f MB embedded (model.bin.gz)", float64(m)/(1<<20), float64(len(modelData))/(1<<20))
	if m > limit {
		t.Errorf("a loaded model takes %d bytes, want at most %d", m, limit)
	}
}

func TestDetectAllocs(t *testing.T) {
	d := Default()
	for _, tc := range otherLanguages {
		if n := testing.AllocsPerRun(20, func() { d.Detect(tc.text) }); n != 0 {
			t.Errorf("Detect(%.20q...) makes %v allocations, want 0", tc.text, n)
		}
	}
}

// benchDocs returns documents of about 1 KB: the corpora's, cut to at most 1024 bytes,
// keeping those of at least 768; or the paragraphs above, repeated to that size.
func benchDocs(b *testing.B) []string {
	var docs []string
	if _, err := os.Stat(corporaDir); err == nil {
		for _, doc := range readCorpora(b) {
			if t := prefixBytes(doc.Text, 1024); len(t) >= 768 {
				docs = append(docs, t)
			}
		}
	} else {
		b.Logf("no corpora in %s: benchmarking synthetic documents", corporaDir)
		for _, tc := range otherLanguages {
			t := tc.text
			for len(t) < 1024 {
				t += " " + tc.text
			}
			docs = append(docs, prefixBytes(t, 1024))
		}
	}
	return docs
}

func BenchmarkDetect(b *testing.B) {
	b.ReportMetric(float64(modelMemory(b))/(1<<20), "model-MB")
	d := Default()
	docs := benchDocs(b)
	byLang := map[string][]string{}
	if _, err := os.Stat(corporaDir); err == nil {
		for _, doc := range readCorpora(b) {
			if t := prefixBytes(doc.Text, 1024); len(t) >= 768 {
				byLang[doc.Lang] = append(byLang[doc.Lang], t)
			}
		}
	}
	run := func(b *testing.B, docs []string) {
		size := 0
		for _, t := range docs {
			size += len(t)
		}
		b.SetBytes(int64(size / len(docs)))
		b.ReportAllocs()
		cpu0, ok := cpuTime()
		i, n := 0, 0
		for b.Loop() {
			d.Detect(docs[i])
			if i++; i == len(docs) {
				i = 0
			}
			n++
		}
		if cpu1, ok1 := cpuTime(); ok && ok1 {
			b.ReportMetric(float64(cpu1-cpu0)/float64(n), "cpu-ns/op")
		}
	}
	b.Run("all", func(b *testing.B) { run(b, docs) })
	langs := make([]string, 0, len(byLang))
	for l := range byLang {
		langs = append(langs, l)
	}
	slices.Sort(langs)
	for _, l := range langs {
		b.Run(l, func(b *testing.B) { run(b, byLang[l]) })
	}
}
