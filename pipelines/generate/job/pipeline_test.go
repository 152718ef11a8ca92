package job

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/xinstruct/xinstruct/internal/script"
)

const (
	finnish = "Kesällä Suomessa aurinko paistaa lähes ympäri vuorokauden, ja monet perheet viettävät lomansa mökillä järven rannalla. " +
		"Mökillä saunotaan, uidaan ja kalastetaan, ja illalla grillataan makkaraa. Syksyllä metsät täyttyvät mustikoista ja puolukoista, " +
		"joita kerätään talven varalle pakastimeen."
	swahili = "Mvua za masika zinapoanza, wakulima wengi hupanda mahindi na maharagwe katika mashamba yao. Ni muhimu kuandaa shamba mapema, " +
		"kuondoa magugu na kutumia mbegu bora ili kupata mavuno mazuri. Wataalamu wa kilimo wanashauri wakulima kupanda mazao kwa mistari " +
		"na kuacha nafasi ya kutosha kati ya mimea."
	thai = "ข้าวเป็นอาหารหลักของคนไทยมาตั้งแต่สมัยโบราณ การหุงข้าวให้อร่อยต้องเริ่มจากการซาวข้าวให้สะอาด แล้วใส่น้ำในปริมาณที่พอเหมาะกับชนิดของข้าว " +
		"ข้าวหอมมะลิต้องใช้น้ำน้อยกว่าข้าวเสาไห้ หลังจากข้าวสุกแล้วควรทิ้งไว้ในหม้อประมาณสิบนาทีเพื่อให้ข้าวระอุและนุ่มน่ารับประทาน"
	german = "Im Herbst verfärben sich die Blätter der Bäume in leuchtenden Farben, und viele Menschen gehen am Wochenende in den Wald spazieren. " +
		"Dabei sammeln sie Pilze und Kastanien, die sie später zu Hause zubereiten. Besonders beliebt ist eine warme Suppe mit frischem Brot, " +
		"wenn es draußen kalt und neblig wird."
	// Devanagari dominates, so it is detected as Hindi, but too many letters are Latin.
	hindiMixed = "मुंबई में आज सुबह से भारी बारिश हो रही है और कई इलाकों में पानी भर गया है। लोग दफ्तर जाने के लिए घंटों इंतजार करते रहे। " +
		"The local train services were delayed by forty minutes and commuters waited on platforms."
)

func jsonLine(fields map[string]any) string {
	b, _ := json.Marshal(fields)
	return string(b)
}

// TestEveryRejectionReason feeds one file holding one record per failure the ingest must
// catch, and checks that each lands in rejected/ with its reason, the good ones in clean/,
// and that the funnel balances.
func TestEveryRejectionReason(t *testing.T) {
	in := t.TempDir()
	lines := []string{
		jsonLine(map[string]any{"id": "good-fi", "lang": "fi", "text": finnish, "url": "https://example.org/fi", "topic": "summer"}),
		jsonLine(map[string]any{"id": "good-sw", "text": swahili}), // no lang: routed by detection
		jsonLine(map[string]any{"id": "good-th", "lang": "th", "text": thai}),
		`{"id": "broken", "text": "no closing brace"`,
		"{\"id\": \"bad-bytes\", \"text\": \"caf\xff\xfe text\"}",
		jsonLine(map[string]any{"id": "empty", "text": "  "}),
		jsonLine(map[string]any{"id": "no-text", "body": finnish}),
		jsonLine(map[string]any{"id": "huge", "lang": "fi", "text": strings.Repeat(finnish+" ", 5<<20/len(finnish))}),
		jsonLine(map[string]any{"id": "german", "text": german}),
		jsonLine(map[string]any{"id": "mixed-script", "lang": "hi", "text": hindiMixed}),
		jsonLine(map[string]any{"id": "copy-of-fi", "lang": "fi", "text": "  " + finnish + "\n"}), // same text once normalized
		jsonLine(map[string]any{"id": "mislabelled", "lang": "id", "text": swahili + " Kwa hiyo mavuno yataongezeka."}),
		jsonLine(map[string]any{"id": "short", "lang": "fi", "text": "Liian lyhyt teksti."}),
		jsonLine(map[string]any{"id": "menu", "lang": "fi", "text": strings.Repeat("Etusivu\nUutiset\nUrheilu\nSää\nYhteystiedot\n", 8)}),
	}
	if c := script.Count(hindiMixed); c.Share(script.Devanagari) < 0.5 || c.Share(script.Devanagari) >= 0.7 {
		t.Fatalf("test text is %.2f Devanagari; it must be detected as Hindi and fail the 0.7 script share", c.Share(script.Devanagari))
	}
	if err := os.WriteFile(filepath.Join(in, "mixed.jsonl"), []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.StopAfter = StageIngest
	cfg.Input = []string{filepath.Join(in, "*.jsonl")}
	cfg.Output = t.TempDir()
	o := runJob(t, cfg)

	var got []string
	for _, r := range o.rejected {
		got = append(got, r.ID+" "+r.Reason)
		if r.Source != filepath.Join(in, "mixed.jsonl") || r.Line < 1 {
			t.Errorf("%s: dead letter does not say where it came from: %s:%d", r.ID, r.Source, r.Line)
		}
		if len(r.Record) > 1024 {
			t.Errorf("%s: dead letter keeps %d bytes of the record, want at most 1 KB", r.ID, len(r.Record))
		}
	}
	sort.Strings(got)
	want := []string{
		"copy-of-fi duplicate",
		"empty missing_text",
		"german other_language",
		"huge too_long",
		"menu low_quality:repeated_lines",
		"mislabelled lang_mismatch",
		"mixed-script wrong_script",
		"mixed.jsonl:4 malformed_json", // unparseable: the id says where it was
		"mixed.jsonl:5 invalid_utf8",
		"no-text missing_text",
		"short too_short",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rejected:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	kept := map[string]string{}
	for _, d := range o.clean {
		kept[d.ID] = d.Lang
	}
	if fmt.Sprint(kept) != "map[good-fi:fi good-sw:sw good-th:th]" {
		t.Errorf("kept %v", kept)
	}
	for _, d := range o.clean {
		if d.ID == "good-fi" && (d.URL != "https://example.org/fi" || !bytes.Equal(d.Meta, []byte(`{"topic":"summer"}`))) {
			t.Errorf("good-fi lost its url or metadata: %q %s", d.URL, d.Meta)
		}
	}
	checkFunnel(t, o)
	if o.funnel.Read != int64(len(lines)) {
		t.Errorf("read %d records, the file has %d", o.funnel.Read, len(lines))
	}
}
