package langid_test

import (
	"fmt"

	"github.com/xinstruct/xinstruct/internal/langid"
)

func ExampleDetector_Detect() {
	d := langid.Default()
	for _, text := range []string{
		"Kamati ilikutana Jumanne kujadili bajeti mpya ya maktaba za umma za jiji.",
		"Komitea kokoontui tiistaina keskustelemaan kaupungin kirjastojen uudesta talousarviosta.",
		"Komite, şehrin halk kütüphanelerinin yeni bütçesini görüşmek üzere salı günü toplandı.",
		"ภาษาไทยเป็นภาษาราชการของประเทศไทย",
		"12345 !!!",
	} {
		r := d.Detect(text)
		fmt.Printf("%q %.2f\n", r.Lang, r.Confidence)
	}
	// Output:
	// "sw" 1.00
	// "fi" 1.00
	// "tr" 1.00
	// "th" 1.00
	// "" 0.00
}
