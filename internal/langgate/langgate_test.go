package langgate

import (
	"slices"
	"strings"
	"testing"
)

// corpusDocs is how many documents of each language the corpus tests read: the first 50.
const corpusDocs = 50

var corpusLangs = []string{"bn", "fi", "hi", "id", "sw", "ta", "th", "tr", "ur", "vi"}

// TestCorpora: native paragraphs pass for their language and fail for every other
// target language. The figures are logged (go test -v).
func TestCorpora(t *testing.T) {
	docs := readCorpora(t, corpusDocs)
	var own, ownOK, wrong, wrongFail int
	for _, lang := range corpusLangs {
		var ok, fail, n int
		for i, d := range docs[lang] {
			if r := Check(d, lang); r.OK {
				ok++
			} else {
				t.Logf("%s doc %d not OK for its language: %+v", lang, i, r)
			}
			for _, other := range corpusLangs {
				if other == lang {
					continue
				}
				n++
				if r := Check(d, other); !r.OK {
					fail++
				} else {
					t.Logf("%s doc %d OK for %s: %+v", lang, i, other, r)
				}
			}
		}
		t.Logf("%s: %d/%d pass for %s; %d/%d fail for the 9 other languages", lang, ok, len(docs[lang]), lang, fail, n)
		own += len(docs[lang])
		ownOK += ok
		wrong += n
		wrongFail += fail
	}
	t.Logf("all: %d/%d (%.1f%%) pass for their language; %d/%d (%.1f%%) fail for another",
		ownOK, own, 100*float64(ownOK)/float64(own), wrongFail, wrong, 100*float64(wrongFail)/float64(wrong))
	// Measured: 500/500 and 4500/4500.
	if float64(ownOK) < 0.99*float64(own) || float64(wrongFail) < 0.99*float64(wrong) {
		t.Errorf("below 99%%")
	}
}

// TestCorporaPairs: the hard wrong-language pairs, in the same script, over every
// document: Indonesian for Swahili and back, Finnish for Turkish, Urdu for Persian-like
// scoring. Logged, and held to 98%.
func TestCorporaPairs(t *testing.T) {
	docs := readCorpora(t, 1000)
	for _, p := range [][2]string{{"id", "sw"}, {"sw", "id"}, {"fi", "tr"}, {"tr", "fi"}, {"vi", "id"}, {"id", "en"}, {"sw", "en"}, {"ur", "fa"}} {
		fail := 0
		for _, d := range docs[p[0]] {
			if !Check(d, p[1]).OK {
				fail++
			}
		}
		t.Logf("%s docs checked as %s: %d/%d fail", p[0], p[1], fail, len(docs[p[0]]))
		if float64(fail) < 0.98*float64(len(docs[p[0]])) {
			t.Errorf("%s docs as %s: only %d/%d fail", p[0], p[1], fail, len(docs[p[0]]))
		}
	}
}

// An English answer, as a model that ignores "Answer in Tamil." writes it.
const englishAnswer = `Improving your time management starts with knowing where your time goes. For one week, write down what you do every hour, then look for the activities that take more time than they should. Next, plan each day the evening before: pick the three most important tasks and do them first, while your energy is highest. Break large projects into small steps with their own deadlines, and learn to say no to requests that do not fit your priorities. Finally, review your week every Sunday and adjust your plan.`

func TestEnglishForOtherScripts(t *testing.T) {
	for _, lang := range []string{"ta", "hi", "th", "bn", "ur"} {
		r := Check(englishAnswer, lang)
		if r.OK || r.Detected != "en" || !strings.Contains(r.Reason, "detected en") || !strings.Contains(r.Reason, "asked in "+lang) {
			t.Errorf("English answer for %s: %+v", lang, r)
		}
		t.Logf("%s: %s", lang, r.Reason)
	}
	for _, lang := range []string{"fi", "id", "sw", "tr", "vi"} {
		if r := Check(englishAnswer, lang); r.OK || r.Detected != "en" {
			t.Errorf("English answer for %s: %+v", lang, r)
		}
	}
	if r := Check(englishAnswer, "en"); !r.OK || r.Detected != "en" || r.Confidence < 0.9 {
		t.Errorf("English answer for en: %+v", r)
	}
}

// A real English answer full of code.
const englishCodeAnswer = "To read a large CSV file without loading it all into memory, stream it row by row with Python's built-in `csv` module. Open the file with `newline=''` so that quoted fields with line breaks are parsed correctly, and pass each row to your processing function as soon as it is read:\n\n" +
	"```python\nimport csv\n\ndef process(path, handle_row):\n    with open(path, newline='', encoding='utf-8') as f:\n        reader = csv.DictReader(f)\n        for row in reader:\n            handle_row(row)\n\nif __name__ == '__main__':\n    process('data/sales_2023.csv', lambda r: print(r['region'], r['total']))\n```\n\n" +
	"If you need to aggregate, keep only running totals in a `dict` such as `totals[row['region']] += float(row['total'])`. For files of several gigabytes, consider `pandas.read_csv(path, chunksize=100_000)`, which returns an iterator of DataFrames. The documentation is at https://docs.python.org/3/library/csv.html and the pandas guide at https://pandas.pydata.org/docs/user_guide/io.html#io-chunking.\n"

func TestEnglishWithCode(t *testing.T) {
	r := Check(englishCodeAnswer, "en")
	if !r.OK || r.Detected != "en" {
		t.Errorf("English answer with code, for en: %+v", r)
	}
	ev := Evidence(englishCodeAnswer)
	for _, code := range []string{"import csv", "DictReader", "handle_row", "https://", "pydata", "newline=''", "read_csv"} {
		if strings.Contains(ev, code) {
			t.Errorf("evidence keeps %q:\n%s", code, ev)
		}
	}
	if r := Check(englishCodeAnswer, "fi"); r.OK {
		t.Errorf("English answer with code, for fi: %+v", r)
	}
}

const finnishCodeAnswer = "Pythonissa tiedoston rivit luetaan helpoimmin silmukalla, joka käy tiedoston läpi rivi kerrallaan. Näin koko tiedostoa ei tarvitse ladata muistiin, mikä on tärkeää, jos tiedosto on suuri. Avaa tiedosto with-lauseella, jolloin se suljetaan automaattisesti myös virhetilanteessa:\n\n" +
	"```python\nwith open('data.txt', encoding='utf-8') as f:\n    for line in f:\n        print(line.strip())\n```\n\n" +
	"Funktio `strip()` poistaa rivin lopusta rivinvaihdon. Jos haluat kaikki rivit listaksi, voit käyttää myös metodia `readlines()`, mutta suurilla tiedostoilla se kuluttaa paljon muistia.\n"

func TestFinnishWithCode(t *testing.T) {
	if r := Check(finnishCodeAnswer, "fi"); !r.OK || r.Detected != "fi" {
		t.Errorf("Finnish answer with code, for fi: %+v", r)
	}
	if r := Check(finnishCodeAnswer, "en"); r.OK {
		t.Errorf("Finnish answer with code, for en: %+v", r)
	}
}

func TestMathIsTooLittle(t *testing.T) {
	for _, ans := range []string{
		"$x^2 + 3x = 10$\n\n$x^2 + 3x - 10 = 0$\n\n$(x + 5)(x - 2) = 0$\n\nso $x = 2$ or $x = -5$.",
		"$$\\int_0^1 x^2 \\, dx = \\left[ \\frac{x^3}{3} \\right]_0^1 = \\frac{1}{3}$$\n\nx = 1/3",
		"\\[ a^2 + b^2 = c^2 \\]\n3^2 + 4^2 = 9 + 16 = 25 = 5^2\nc = 5",
		"| x | f(x) |\n|---|---|\n| 1 | 2 |\n| 2 | 4 |\n| 3 | 8 |",
		"```go\nfunc main() {\n\tfmt.Println(\"hello world, this is a long line of code\")\n}\n```",
		"",
	} {
		for _, lang := range []string{"ta", "fi"} {
			if r := Check(ans, lang); !r.OK || r.Reason != "too little text" || r.Letters >= MinLetters {
				t.Errorf("%q for %s: %+v (evidence %q)", ans, lang, r, Evidence(ans))
			}
		}
	}
}

// TestNativeWithTermsAndCode: code identifiers, transliterated names and a few English
// technical terms inside native answers do not flip them.
func TestNativeWithTermsAndCode(t *testing.T) {
	docs := readCorpora(t, 10)
	extras := []string{
		" Install it with pip install requests, then call requests.get(url) and check response.status_code.",
		" (Google Chrome, Microsoft Word, WhatsApp, machine learning, cloud computing)",
		" Kalki Krishnamurthy, Subramania Bharathi, Mahatma Gandhi, New Delhi.",
		"\n\n```python\nfor i in range(10):\n    print(i)\n```\n\nUse `numpy.array` and `df.groupby('x')`. See https://example.com/docs/guide?lang=en.",
	}
	for _, lang := range corpusLangs {
		for i, d := range docs[lang] {
			for _, e := range extras {
				ans := d + e
				if r := Check(ans, lang); !r.OK {
					t.Errorf("%s doc %d with %q: %+v", lang, i, e, r)
				}
			}
		}
	}
}

func TestShortAnswers(t *testing.T) {
	for _, tc := range []struct {
		answer, lang string
		ok           bool
	}{
		{"Kyllä, 42.", "fi", true},                                         // too little text
		{"Yes, you can use a calendar app for that.", "fi", false},         // short, English
		{"It depends on your budget and where you live.", "id", false},     // short, English
		{"Sorry, I can only answer in English.", "sw", false},              // short, English
		{"Drink water and get enough sleep every night.", "tr", true},      // short, English, but no function words to be sure
		{"Ndiyo, unaweza kutumia kalenda kwa kazi hiyo.", "sw", true},      // short, native
		{"Voit käyttää kalenteria siihen tarkoitukseen.", "fi", true},      // short, native
		{"Anda bisa menggunakan aplikasi kalender untuk itu.", "id", true}, // short, native
		{"Yes, you can use a calendar app for that.", "ta", false},         // script
		{"ஆம், நீங்கள் அதற்கு நாட்காட்டி செயலியைப் பயன்படுத்தலாம்.", "ta", true}, // native
	} {
		if r := Check(tc.answer, tc.lang); r.OK != tc.ok {
			t.Errorf("%q for %s: %+v", tc.answer, tc.lang, r)
		}
	}
}

func TestResultFields(t *testing.T) {
	r := Check(englishAnswer, "ta")
	if r.Letters < 300 || r.Confidence <= 0 || r.Confidence > 1 {
		t.Errorf("%+v", r)
	}
	if r := Check(englishAnswer, "xx"); !r.OK || r.Reason != "unknown language" {
		t.Errorf("unknown language: %+v", r)
	}
}

func TestEvidence(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Hei maailma.\n\n```go\nfmt.Println(\"x\")\n```\nTerve taas.", "Hei maailma.\n\nTerve taas."},
		{"Teksti\n~~~~\ncode line\n~~~~\nlisää", "Teksti\nlisää"},
		{"Unclosed:\n```\nstill code\nmore code", "Unclosed:"},
		{"Para.\n\n    indented code\n    more code\n\nAfter.", "Para.\n\n\nAfter."},
		{"Para.\n    continuation stays", "Para.\n    continuation stays"},
		{"- item\n\n    - nested item stays", "- item\n\n    - nested item stays"},
		{"Use `x := 1` here.", "Use   here."},
		{"See https://example.com/a?b=c and www.example.org now.", "See   and   now."},
		{"Mail me@example.com today.", "Mail   today."},
		{"Then $x^2$ and \\(y\\) and $$z$$ done.", "Then   and   and   done."},
		{"It costs $5 and $10 today.", "It costs $5 and $10 today."},
		{"Before\n$$\na = b\n$$\nAfter", "Before\n \nAfter"},
		{"Words here\n3 + 4 = 7\n| 1 | 2 |\nmore words", "Words here\nmore words"},
	} {
		got := Evidence(tc.in)
		// Compare with runs of blanks collapsed within lines.
		norm := func(s string) string {
			lines := strings.Split(s, "\n")
			for i, l := range lines {
				lines[i] = strings.Join(strings.Fields(l), " ")
			}
			return strings.Join(slices.DeleteFunc(lines, func(l string) bool { return l == "" }), "\n")
		}
		if norm(got) != norm(tc.want) {
			t.Errorf("Evidence(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestChunks(t *testing.T) {
	text := strings.Repeat("abcd efgh ", 200) // 1600 letters
	cs := chunks(text, 400)
	if strings.Join(cs, "") != text || len(cs) != 4 {
		t.Errorf("%d chunks", len(cs))
	}
	if cs := chunks("short text", 400); len(cs) != 1 {
		t.Errorf("%v", cs)
	}
}

// TestCorporaAll: every document of the corpora passes for its language (logged).
func TestCorporaAll(t *testing.T) {
	docs := readCorpora(t, 1<<30)
	var n, ok int
	for _, lang := range corpusLangs {
		for i, d := range docs[lang] {
			n++
			if r := Check(d, lang); r.OK {
				ok++
			} else {
				t.Logf("%s doc %d: %s", lang, i, r.Reason)
			}
		}
	}
	t.Logf("%d/%d documents pass for their language", ok, n)
	if float64(ok) < 0.995*float64(n) {
		t.Errorf("only %d/%d", ok, n)
	}
}
