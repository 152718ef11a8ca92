package langid

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
	register.Function1x1(describeDoc)
	register.Function1x1(describeRejected)
}

func TestMain(m *testing.M) { ptest.Main(m) }

func describeDoc(d record.Doc) string           { return d.ID + " " + d.Lang }
func describeRejected(r record.Rejected) string { return r.ID + " " + r.Reason }

const (
	turkish = "Türk kahvesi, ince öğütülmüş kahvenin cezvede suyla birlikte yavaş yavaş pişirilmesiyle hazırlanır. Köpüğü bol olan kahve küçük fincanlarda, yanında bir bardak su ile ikram edilir."
	english = "Coffee is brewed from roasted beans, and the way it is prepared differs from one country to the next. Some people like it strong and black, while others add milk and sugar."
)

func TestIdentifyRoutes(t *testing.T) {
	p, s, docs := ptest.CreateList([]record.Doc{
		{ID: "declared", Lang: "tr", Text: turkish},
		{ID: "tag-form", Lang: "TR-tr", Text: turkish},
		{ID: "undeclared", Text: turkish},
		{ID: "mismatch", Lang: "fi", Text: turkish},
		{ID: "english", Text: english},
		{ID: "english-declared", Lang: "en", Text: english},
		{ID: "digits", Text: strings.Repeat("12 34 56 ", 30)},
	})
	kept, rejected := Identify(s, Params{Languages: []string{"tr", "fi"}, MinConfidence: 0.5}, docs)
	passert.Equals(s, beam.ParDo(s, describeDoc, kept), "declared tr", "tag-form tr", "undeclared tr")
	passert.Equals(s, beam.ParDo(s, describeRejected, rejected),
		"mismatch lang_mismatch", "english other_language", "english-declared other_language", "digits undetermined_language")
	ptest.RunAndValidate(t, p)
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{"sw": "sw", "SW": "sw", "sw-KE": "sw", "sw_TZ": "sw", " fi ": "fi", "": ""} {
		if got := NormalizeCode(in); got != want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParamsValidate(t *testing.T) {
	for _, p := range []Params{{}, {Languages: []string{"xx"}}, {Languages: []string{"fi"}, MinConfidence: 2}} {
		if p.Validate() == nil {
			t.Errorf("%+v validated", p)
		}
	}
}
