package quality_test

import (
	"fmt"

	"github.com/xinstruct/xinstruct/transforms/quality"
)

func ExampleCheck() {
	p := quality.DefaultParams()
	for _, text := range []string{
		"กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทยและมีประชากรมากกว่าแปดล้านคน",
		"12.5 | 13.7 | 15.2 | 18.9\n22.1 | 30.4 | 45.0 | 51.3",
		"Beranda\nBerita\nOlahraga\nEkonomi\nHiburan\nKontak",
		"Pertandingan semalam benar-benar luar biasa!!!!!!!!!!!!!!",
	} {
		rule, detail, ok := quality.Check(text, p)
		if ok {
			fmt.Println("ok")
			continue
		}
		fmt.Printf("low_quality:%s (%s)\n", rule, detail)
	}
	// Output:
	// ok
	// low_quality:letter_share (letter share 0.00 < 0.60)
	// low_quality:short_lines (lines under 20 runes 6 of 6, 1.00 > 0.67)
	// low_quality:repeated_chars ("!" repeated 14 times (14 runes))
}
