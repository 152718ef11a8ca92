package quality

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/xinstruct/xinstruct/internal/script"
)

// Short sentences of ordinary prose, written for these tests. Urdu has no sentence
// punctuation, like the Urdu news in the shared corpora.
var sentences = map[string][]string{
	"fi": {
		"Helsingin kaupunki aikoo rakentaa uuden kirjaston keskustaan ensi vuonna.",
		"Sää on ollut koko viikon poikkeuksellisen lämmin ja aurinkoinen.",
		"Opiskelijat kokoontuivat torille juhlimaan kevään ensimmäistä päivää.",
	},
	"id": {
		"Pemerintah daerah berencana membangun jembatan baru di atas sungai itu tahun depan.",
		"Banyak wisatawan datang ke Bali untuk menikmati pantai dan budaya setempat.",
		"Para petani berharap hujan segera turun agar sawah mereka tidak kekeringan.",
	},
	"sw": {
		"Serikali imetangaza mpango mpya wa kuboresha huduma za afya vijijini.",
		"Wanafunzi wengi walihudhuria sherehe ya kuhitimu iliyofanyika jana mjini Arusha.",
		"Mvua kubwa iliyonyesha usiku kucha ilisababisha mafuriko katika baadhi ya maeneo.",
	},
	"vi": {
		"Thành phố Hà Nội đang lên kế hoạch mở rộng hệ thống tàu điện ngầm.",
		"Nhiều du khách đến Huế để tham quan các di tích lịch sử cổ kính.",
		"Mùa mưa năm nay đến sớm hơn mọi năm khiến nông dân lo lắng.",
	},
	"tr": {
		"Belediye, şehir merkezinde yeni bir park yapılacağını açıkladı.",
		"Öğrenciler sınav sonuçlarını heyecanla bekliyor.",
		"Kış aylarında bölgede kar yağışı ulaşımı olumsuz etkiledi.",
	},
	"bn": {
		"ঢাকা বাংলাদেশের রাজধানী এবং দেশের সবচেয়ে বড় শহর।",
		"গতকাল সন্ধ্যায় প্রবল বৃষ্টির কারণে অনেক রাস্তায় পানি জমে যায়।",
		"শিক্ষার্থীরা নতুন বই পেয়ে খুব খুশি হয়েছে।",
	},
	"th": {
		"กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทยและมีประชากรมากกว่าแปดล้านคน",
		"วันนี้อากาศดีมาก ฉันจึงออกไปเดินเล่นที่สวนสาธารณะใกล้บ้านกับเพื่อน",
		"ร้านอาหารแห่งนี้เปิดให้บริการทุกวันตั้งแต่เวลาแปดโมงเช้าจนถึงสี่ทุ่ม",
	},
	"hi": {
		"भारत एक विशाल देश है जिसमें अनेक भाषाएँ बोली जाती हैं।",
		"आज सुबह बारिश होने के कारण स्कूल देर से खुला।",
		"किसानों ने इस साल अच्छी फसल की उम्मीद जताई है।",
	},
	"ta": {
		"சென்னை தமிழ்நாட்டின் தலைநகரம் ஆகும்.",
		"நேற்று மாலை பெய்த மழையால் சாலைகளில் தண்ணீர் தேங்கியது.",
		"அவள் தினமும் காலையில் புத்தகம் படிப்பாள்.",
	},
	"ur": {
		"لاہور پاکستان کا ایک تاریخی شہر ہے",
		"کل رات شدید بارش کی وجہ سے کئی سڑکیں بند رہیں",
		"حکومت نے نئے تعلیمی سال کے لیے بجٹ کا اعلان کیا",
	},
}

var langs = []string{"fi", "id", "th", "tr", "vi", "bn", "hi", "sw", "ta", "ur"}

// prose returns a paragraph of lang's sentences of at least n bytes.
func prose(lang string, n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(sentences[lang][i%len(sentences[lang])])
	}
	return norm.NFC.String(b.String())
}

// para returns one paragraph of lang's sentences, cycling from sentence i.
func para(lang string, i int) string {
	s := sentences[lang]
	return s[i%len(s)] + " " + s[(i+1)%len(s)] + " " + s[(i+2)%len(s)]
}

type checkCase struct {
	name string
	text string
	want string // rule that fails; "" for a text that passes
}

func runCases(t *testing.T, p Params, cases []checkCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rule, detail, ok := Check(c.text, p)
			switch {
			case c.want == "" && !ok:
				t.Errorf("Check failed %s (%s), want ok", rule, detail)
			case c.want != "" && ok:
				t.Errorf("Check ok, want %s", c.want)
			case c.want != rule:
				t.Errorf("Check failed %s (%s), want %s", rule, detail, c.want)
			case !ok && detail == "":
				t.Errorf("Check failed %s with an empty detail", rule)
			}
		})
	}
}

func TestProsePasses(t *testing.T) {
	var cases []checkCase
	for _, l := range langs {
		cases = append(cases,
			checkCase{l + "/paragraph", prose(l, 1000), ""},
			checkCase{l + "/paragraphs", para(l, 0) + "\n\n" + para(l, 1) + "\n\n" + para(l, 2), ""},
			checkCase{l + "/lines", strings.Join(sentences[l], "\n"), ""},
		)
	}
	runCases(t, DefaultParams(), cases)
}

func TestLetterShare(t *testing.T) {
	runCases(t, DefaultParams(), []checkCase{
		{"numbers table", "12.5 | 13.7 | 15.2 | 18.9\n22.1 | 30.4 | 45.0 | 51.3\nTotal: 209.1", RuleLetterShare},
		{"symbol soup", "★★★ ♥ >>> $$$ ### @@@ ~~~ +++ === :) :( ;) <3 ^^", RuleLetterShare},
		{"th prices", "ราคา ๑๒๓.๐๐ / ๔๕๖.๐๐ / ๗๘๙.๐๐ / ๑๐๑.๕๐ / ๒๐๒.๗๕ บาท", RuleLetterShare},
		{"hi scores", "स्कोर: 245/3 (50), 198/10 (47.2), 301/5 (50), 276/9 (50)", RuleLetterShare},
		{"empty", "", RuleLetterShare},
		{"only punctuation", "... --- !!!", RuleLetterShare},
		// Near misses: prose with many numbers.
		{"hi census", "2011 की जनगणना के अनुसार शहर की जनसंख्या 12,45,000 थी, जिनमें से 6,40,000 पुरुष और 6,05,000 महिलाएँ थीं। साक्षरता दर 78.5% थी।", ""},
		{"ur figures", "اس سال ملک میں گندم کی پیداوار 2 کروڑ 70 لاکھ ٹن رہی جو پچھلے سال سے 5 فیصد زیادہ ہے", ""},
		{"th dates", "เรือลำนี้ยาว 361.8 เมตร กว้าง 60.5 เมตร บรรทุกผู้โดยสารได้ 5,400 คน และลูกเรือ 2,165 คน", ""},
	})
}

// Marks count as letters: text in Indic scripts and Thai, without digits or punctuation,
// is all letters even though many of its runes are not unicode.IsLetter.
func TestLetterShareCountsMarks(t *testing.T) {
	p := DefaultParams()
	p.MinLetterShare = 0.99
	for _, l := range []string{"th", "hi", "bn", "ta", "ur"} {
		text := strings.Trim(regexp.MustCompile(`[\p{P}]`).ReplaceAllString(prose(l, 500), ""), " ")
		if rule, detail, ok := Check(text, p); !ok {
			t.Errorf("%s: %s (%s), want ok: marks should count as letters", l, rule, detail)
		}
	}
}

// The single pass counts letters as internal/script does.
func TestLettersMatchScriptCount(t *testing.T) {
	for _, l := range langs {
		text := prose(l, 600) + " 123 ٤٥ ๑๒ — “quoted” \u200c\u200d"
		c, _ := scan(text, nil)
		if want := script.Count(text).Letters; c.letters != want {
			t.Errorf("%s: scan counts %d letters, script.Count %d", l, c.letters, want)
		}
	}
}

func TestDigitShare(t *testing.T) {
	runCases(t, DefaultParams(), []checkCase{
		{"sw timetable", "Ratiba ya treni Dar asubuhi 0815 Morogoro 0930 Dodoma 1145 Tabora 1500 Kigoma 2010", RuleDigitShare},
		{"hi prices", "मूल्य १२३४ रुपये, किराया ५६७८ रुपये, जमा ९०१२ रुपये", RuleDigitShare},
		{"ur phone numbers", "ہمارے دفتر سے رابطہ کریں موبائل نمبر 03001234567 دفتر کا نمبر 04235761234", RuleDigitShare},
		// Near misses.
		{"vi census", "Có 158.349 hộ gia đình, trong đó 68.511 (43,3%) hộ có con dưới 18 tuổi sống cùng, 69.284 (43,8%) là các cặp vợ chồng chung sống.", ""},
		{"ta year", "1947 ஆம் ஆண்டு ஆகஸ்ட் 15 அன்று இந்தியா சுதந்திரம் பெற்றது.", ""},
	})
}

func TestURLShare(t *testing.T) {
	runCases(t, DefaultParams(), []checkCase{
		{"link list", "Tautan: https://example.com/berita/2023/05/jembatan-baru dan https://example.org/wisata/bali serta www.contoh.co.id/halaman/utama", RuleURLShare},
		{"emails", "Kontak: info@example.com, sales@example.com, admin@example.co.id, redaksi@example.net", RuleURLShare},
		{"th links without spaces", "ดูที่https://www.example.co.th/news/2023/05/article-123456และhttps://www.example.co.th/sport/2023/05/match", RuleURLShare},
		// Near misses.
		{"fi tweet", "Kiitos kaikille eilisestä, oli tosi hieno ilta ja paljon uusia tuttavuuksia! Kuvia tulossa myöhemmin tällä viikolla https://t.co/AbCdEf1234 " + prose("fi", 300), ""},
		{"mentions", "@matti @liisa kiitos kovasti avusta muuton kanssa, nähdään taas ensi viikolla saunan merkeissä!", ""},
		{"ur source", prose("ur", 600) + " مزید معلومات کے لیے www.example.com.pk دیکھیں", ""},
	})
}

func TestURLRunes(t *testing.T) {
	for _, c := range []struct {
		text string
		want int
	}{
		{"see https://example.com/a.", len("https://example.com/a")},
		{"ดูที่www.example.comครับ", len("www.example.com")},
		{"(http://a.org/x), mail me: a.b@c.d.org.", len("http://a.org/x") + len("a.b@c.d.org")},
		{"https://www.x.com/@user/x", len("https://www.x.com/@user/x")},
		{"@mention and user@localhost and ://", 0},
		{"", 0},
	} {
		if got := urlRunes(c.text); got != c.want {
			t.Errorf("urlRunes(%q) = %d, want %d", c.text, got, c.want)
		}
	}
}

func TestBoilerplate(t *testing.T) {
	long := prose("sw", 1500)
	runCases(t, DefaultParams(), []checkCase{
		{"cookie notice", "We use cookies to improve your experience on our site. By continuing you accept our Privacy Policy and Terms of Use.", RuleBoilerplate},
		{"footer lines", para("id", 0) + "\nBaca juga: Harga beras naik lagi\nKebijakan Privasi", RuleBoilerplate},
		{"fi footer", para("fi", 0) + "\n" + para("fi", 1) + "\nKaikki oikeudet pidätetään.\nTietosuojaseloste", RuleBoilerplate},
		{"th footer", para("th", 0) + " สงวนลิขสิทธิ์ © 2566 บริษัทตัวอย่าง จำกัด นโยบายความเป็นส่วนตัว", RuleBoilerplate},
		{"ur footer", para("ur", 0) + "\nجملہ حقوق محفوظ ہیں © 2023\nPrivacy Policy", RuleBoilerplate},
		{"hi footer", para("hi", 0) + " सर्वाधिकार सुरक्षित। गोपनीयता नीति। Terms and Conditions", RuleBoilerplate},
		{"html", para("sw", 0) + " <div class=\"habari\"><p>Habari za leo</p></div>", RuleBoilerplate},
		{"templates", para("id", 0) + " {{Infobox kota}} {{lang|en|text}} {{cite web}}", RuleBoilerplate},
		{"error page", "404 Not Found. The page you requested could not be found. Click here to go back to the home page.", RuleBoilerplate},
		{"lorem ipsum", "Lorem ipsum dolor sit amet, consectetur adipiscing elit. " + para("tr", 0) + " Lorem ipsum again. All rights reserved.", RuleBoilerplate},
		// Near misses.
		{"stray tags", long[:800] + " </b> <i>" + long[800:], ""},
		{"template error twice", "Afonso I dijuluki sang Pelopor ([O Fundador]error: {{lang}}: text has italic markup (help)) atau yang Agung ([O Grande]error: {{lang}}: text has italic markup (help)) oleh Bangsa Portugis. " + prose("id", 400), ""},
		{"javascript article", "JavaScript adalah bahasa pemrograman tingkat tinggi. JavaScript dipakai di peramban web, dan banyak situs memakai JavaScript untuk membuat halaman interaktif. " + prose("id", 300), ""},
		{"one footer line in a long text", para("ta", 0) + "\n" + para("ta", 1) + "\n" + para("ta", 2) + "\n" + prose("ta", 600) + "\nஅனைத்து உரிமைகளும் பாதுகாக்கப்பட்டவை © 2023", ""},
		{"404 BC", "Perang Peloponnesos berakhir pada tahun 404 SM ketika Athena menyerah kepada Sparta. " + prose("id", 300), ""},
	})
}

func TestRepeatedChars(t *testing.T) {
	runCases(t, DefaultParams(), []checkCase{
		{"exclamation marks", para("id", 0) + " Mantap sekali!!!!!!!!!!!!!!", RuleRepeatedChars},
		{"ha", para("sw", 0) + " hahahahahahahahaha", RuleRepeatedChars},
		{"th laugh", para("th", 0) + " ตลกมาก 5555555555555", RuleRepeatedChars},
		{"th repetition mark", para("th", 0) + " ดีมากๆๆๆๆๆๆๆๆๆๆๆๆ", RuleRepeatedChars},
		{"hi word", para("hi", 0) + " वाह वाह वाह वाह वाह वाह", RuleRepeatedChars},
		{"spam unit", "buy now buy now buy now buy now buy now " + prose("fi", 300), RuleRepeatedChars},
		{"separator", para("tr", 0) + "\n==============================\n" + para("tr", 1), RuleRepeatedChars},
		// Near misses: reduplication and emphasis in real prose.
		{"ta emphasis", "அவன் மிக, மிக, மிக, மிக மெதுவாக நடந்தான். " + para("ta", 0), ""},
		{"id reduplication", "Anak-anak bermain di tepi sungai, masing masing membawa layang-layang. " + para("id", 0), ""},
		{"sw reduplication", "Watu walikuja kutoka sehemu mbali mbali mbali za nchi. " + para("sw", 0), ""},
		{"ur reduplication", "وہ آہستہ آہستہ چلتا ہوا کہیں نہ کہیں پہنچ گیا " + para("ur", 0), ""},
		{"ellipsis", "Hän odotti........ ja odotti. " + para("fi", 0), ""},
		{"big number", "Anggaran tahun ini mencapai Rp 100000000 untuk setiap desa. " + para("id", 0), ""},
		{"th mark once", "เด็กๆ เล่นกันสนุกมาก " + para("th", 0), ""},
	})
}

func TestRepeatedLines(t *testing.T) {
	ur := para("ur", 0)
	credit := "تصویر کے کاپی رائٹ Getty Images"
	runCases(t, DefaultParams(), []checkCase{
		{"comment widget", para("fi", 0) + strings.Repeat("\nKirjaudu sisään kommentoidaksesi\nVastaa\nJaa\nTykkää", 4), RuleRepeatedLines},
		{"hi duplicated paragraph", para("hi", 0) + "\n\n" + para("hi", 0) + "\n\n" + para("hi", 1), RuleRepeatedLines},
		{"th duplicated lines", sentences["th"][0] + "\n" + sentences["th"][0] + "\n" + sentences["th"][1] + "\n" + sentences["th"][1], RuleRepeatedLines},
		// Near misses: the BBC Urdu pages repeat their image credit between paragraphs.
		{"ur image credits", strings.Join([]string{credit, ur, credit, para("ur", 1), credit, para("ur", 2), para("ur", 0) + " " + para("ur", 1)}, "\n\n"), ""},
		{"two distinct lines", sentences["ta"][0] + "\n" + sentences["ta"][1], ""},
	})
}

func TestRepeatedLinesMany(t *testing.T) {
	var lines []string
	for i := 0; i < 300; i++ { // more lines than the bit set holds: the map path
		lines = append(lines, para("vi", i))
	}
	if rule, _, _ := Check(strings.Join(lines, "\n"), DefaultParams()); rule != RuleRepeatedLines {
		t.Errorf("300 lines cycling 3 paragraphs: got %q, want %s", rule, RuleRepeatedLines)
	}
	for i := range lines {
		lines[i] = para("vi", i) + strings.Repeat(" x", i%5) + " " + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	if rule, detail, ok := Check(strings.Join(lines, "\n"), DefaultParams()); !ok {
		t.Errorf("300 distinct lines: %s (%s), want ok", rule, detail)
	}
}

func TestBulletLines(t *testing.T) {
	items := func(bullet string, n int) string { // n distinct items
		var b []string
		for i := 0; i < n; i++ {
			b = append(b, bullet+" "+sentences[langs[i%len(langs)]][i/len(langs)])
		}
		return strings.Join(b, "\n")
	}
	runCases(t, DefaultParams(), []checkCase{
		{"bullets", items("•", 6), RuleBulletLines},
		{"dashes", items("-", 5), RuleBulletLines},
		{"table rows", items("|", 7), RuleBulletLines},
		{"th bullets", "• " + strings.Join(append(sentences["th"], "อาหารไทยมีชื่อเสียงไปทั่วโลก", "เชียงใหม่เป็นเมืองใหญ่ทางภาคเหนือ"), "\n• "), RuleBulletLines},
		// Near misses.
		{"four bullets", items("•", 4), ""},
		{"list under a paragraph", para("id", 0) + "\n" + items("•", 8), ""},
		{"fi dialogue", "– Mitä sinä oikein teet täällä näin myöhään?\n– Odotan bussia, joka ei näytä tulevan.\n– Se lähti jo kymmenen minuuttia sitten.\n– Sitten minun täytyy kai kävellä kotiin.\n– Minä voin viedä sinut autolla, jos haluat.\n– Kiitos, se olisi todella ystävällistä.", ""},
	})
}

func TestShortLines(t *testing.T) {
	runCases(t, DefaultParams(), []checkCase{
		{"id menu", "Beranda\nBerita\nOlahraga\nEkonomi\nHiburan\nKontak", RuleShortLines},
		{"ta menu", "முகப்பு\nசெய்திகள்\nவிளையாட்டு\nசினிமா\nதொடர்புக்கு", RuleShortLines},
		{"th infobox", "ภาษา ไทย\nประเภท เว็บไซต์\nเจ้าของ บริษัท\nสถานะ เปิด\nเปิดตัว พ.ศ. 2547\nรายได้ 5 พันล้าน\n" + sentences["th"][0], RuleShortLines},
		{"menu above an article", "Home\nNews\nSport\nWeather\nContact us\nLogin\nSearch\n" + para("sw", 0), RuleShortLines},
		// Near misses.
		{"four short lines", "Beranda\nBerita\nOlahraga\nKontak", ""},
		{"th headings", para("th", 0) + "\n\nเนื้อเรื่อง\n\n" + para("th", 1) + "\n\nตัวละครหลัก\n\n" + para("th", 2) + "\n\nอ้างอิง", ""},
		{"ur headings", "اہم خبریں\n" + para("ur", 0) + "\nمزید تفصیلات\n" + para("ur", 1) + "\nکھیل\n" + para("ur", 2), ""},
	})
}

func TestRules(t *testing.T) {
	got := Rules()
	want := []string{"letter_share", "digit_share", "url_share", "boilerplate", "repeated_chars", "repeated_lines", "bullet_lines", "short_lines"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("Rules() = %v, want %v", got, want)
	}
	got[0] = "changed"
	if Rules()[0] != RuleLetterShare {
		t.Error("Rules returns the package's own slice")
	}
	snake := regexp.MustCompile(`^[a-z]+(_[a-z]+)*$`)
	for _, r := range want {
		if !snake.MatchString(r) {
			t.Errorf("rule %q is not snake_case", r)
		}
	}
}

func TestBoilerplateMarkers(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range boilerplateMarkers {
		if m != strings.ToLower(m) || !norm.NFC.IsNormalString(m) {
			t.Errorf("marker %q is not lower case NFC", m)
		}
		if seen[m] {
			t.Errorf("marker %q twice", m)
		}
		seen[m] = true
	}
}

// findMarkersReference is findMarkers without its byte filters.
func findMarkersReference(text string, offsets *[maxHitOffsets]int32) (n, first int) {
	first = -1
	for i := 0; i+1 < len(text); i++ {
		b0, b1 := lowerASCII(text[i]), lowerASCII(text[i+1])
		if isASCIILetter(b0) && i > 0 && isASCIILetter(text[i-1]) {
			continue
		}
		for _, k := range markersByFirst[b0] {
			m := boilerplateMarkers[k]
			if m[1] == b1 && hasPrefixFoldASCII(text[i:], m) {
				if n < maxHitOffsets {
					offsets[n] = int32(i)
				}
				if first < 0 {
					first = int(k)
				}
				n++
				i += len(m) - 1
				break
			}
		}
	}
	return n, first
}

// TestFindMarkersFilters checks that findMarkers' byte filters skip no marker, on the
// corpora and on prose with markers at random places, in random case.
func TestFindMarkersFilters(t *testing.T) {
	var texts []string
	for _, docs := range readCorpora(t) {
		for i, d := range docs {
			if i%4 == 0 {
				texts = append(texts, d.Text)
			}
		}
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, l := range langs {
		for range 30 {
			text := prose(l, 300)
			for range 1 + rng.IntN(4) {
				m := boilerplateMarkers[rng.IntN(len(boilerplateMarkers))]
				if rng.IntN(2) == 0 {
					m = strings.ToUpper(m)
				}
				at := rng.IntN(len(text))
				for at > 0 && !utf8.RuneStart(text[at]) {
					at--
				}
				sep := []string{" ", "", "x", "\n"}[rng.IntN(4)]
				text = text[:at] + sep + m + sep + text[at:]
			}
			texts = append(texts, text, text[:len(text)-1])
		}
	}
	found := 0
	for _, text := range texts {
		var got, want [maxHitOffsets]int32
		gn, gf := findMarkers(text, &got)
		wn, wf := findMarkersReference(text, &want)
		if gn != wn || gf != wf || got != want {
			t.Fatalf("findMarkers(%.80q) = %d, %d, %v; without filters %d, %d, %v", text, gn, gf, got, wn, wf, want)
		}
		found += gn
	}
	if found == 0 {
		t.Fatal("no markers found: the test texts miss them")
	}
}

func TestCheckDoesNotAllocate(t *testing.T) {
	for _, l := range langs {
		text := para(l, 0) + "\n\n" + para(l, 1) + "\n" + prose(l, 800)
		if n := testing.AllocsPerRun(20, func() { Check(text, DefaultParams()) }); n != 0 {
			t.Errorf("%s: Check allocates %v times on a passing text", l, n)
		}
	}
}

func TestCheckInvalidUTF8(t *testing.T) {
	for _, text := range []string{"\xff", "abc\xffdef\n\xe0\xb8", prose("th", 300) + "\xe0"} {
		Check(text, DefaultParams()) // must not panic
	}
}

// benchTexts are ~1 KB texts in each language: prose, and prose with lines.
func benchTexts() []string {
	var texts []string
	for _, l := range langs {
		texts = append(texts, prose(l, 1000))
		texts = append(texts, para(l, 0)+"\n\n"+para(l, 1)+"\n"+sentences[l][2]+"\n"+prose(l, 500)+" "+sentences[l][0])
	}
	return texts
}

func BenchmarkCheck(b *testing.B) {
	texts := benchTexts()
	size := 0
	for _, t := range texts {
		size += len(t)
	}
	p := DefaultParams()
	b.SetBytes(int64(size / len(texts)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Check(texts[i%len(texts)], p)
	}
}

// BenchmarkCheckCorpus checks the shared corpora's documents (median ~700 bytes of
// text in Latin script, ~2 KB in the others).
func BenchmarkCheckCorpus(b *testing.B) {
	var texts []string
	size := 0
	for _, docs := range readCorpora(b) {
		for _, d := range docs {
			texts = append(texts, d.Text)
			size += len(d.Text)
		}
	}
	p := DefaultParams()
	b.SetBytes(int64(size / len(texts)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Check(texts[i%len(texts)], p)
	}
}
