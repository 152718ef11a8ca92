package clean

import (
	"strings"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/passert"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"

	"github.com/xinstruct/xinstruct/internal/record"
)

func init() {
	register.Function1x1(reasonOf)
	register.Function1x1(idOf)
}

func reasonOf(r record.Rejected) string { return r.Reason + " " + r.ID }
func idOf(d record.Doc) string          { return d.ID }

func TestCleanTransformsRejectWithReasons(t *testing.T) {
	fi := strings.Repeat("Tämä on suomenkielinen lause. ", 10)
	th := strings.Repeat("นี่คือประโยคภาษาไทย ", 15)
	p, s, docs := ptest.CreateList([]record.Doc{
		{ID: "ok-fi", Lang: "fi", Text: "  " + fi + "  "},
		{ID: "ok-th", Lang: "th", Text: th},
		{ID: "blank", Lang: "fi", Text: " \n\t "},
		{ID: "short", Lang: "fi", Text: "Liian lyhyt."},
		{ID: "long", Lang: "fi", Text: strings.Repeat(fi, 20)},
		{ID: "latin-as-thai", Lang: "th", Text: strings.Repeat("This is written in Latin letters. ", 8)},
		{ID: "unknown-lang", Lang: "xx", Text: fi},
	})
	docs, rej1 := Normalize(s, docs)
	docs, rej2 := Length(s, DefaultLengthParams(), docs)
	docs, rej3 := Script(s, DefaultScriptParams(), docs)
	passert.Equals(s, beam.ParDo(s, idOf, docs), "ok-fi", "ok-th")
	passert.Equals(s, beam.ParDo(s, reasonOf, beam.Flatten(s, rej1, rej2, rej3)),
		"missing_text blank", "too_short short", "too_long long", "wrong_script latin-as-thai", "wrong_script unknown-lang")
	ptest.RunAndValidate(t, p)
}

func TestCheckScriptCountsIndicMarks(t *testing.T) {
	// Tamil vowel signs are combining marks, not letters: they must count for Tamil.
	if ok, detail := CheckScript("தமிழ் மொழி இந்தியாவில் பேசப்படுகிறது", "ta", 0.9); !ok {
		t.Fatal(detail)
	}
	if ok, _ := CheckScript("Hindi written in Latin: yeh ek vakya hai", "hi", 0.7); ok {
		t.Fatal("romanized Hindi passed the Devanagari check")
	}
}

func TestParamsValidate(t *testing.T) {
	for _, p := range []LengthParams{{-1, 10}, {10, 0}, {20, 10}} {
		if p.Validate() == nil {
			t.Errorf("%+v validated", p)
		}
	}
	for _, p := range []ScriptParams{{-0.1}, {1.5}} {
		if p.Validate() == nil {
			t.Errorf("%+v validated", p)
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("Length did not panic on invalid params")
		}
	}()
	_, s := beam.NewPipelineWithRoot()
	Length(s, LengthParams{MinChars: 5, MaxChars: 1}, beam.Create(s, record.Doc{}))
}
