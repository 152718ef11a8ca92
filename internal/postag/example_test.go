package postag_test

import (
	"fmt"

	"github.com/xinstruct/xinstruct/internal/postag"
)

func ExampleTag() {
	for _, t := range postag.Tag("write a short story about a dog.") {
		fmt.Print(t.Text, "/", t.Tag, " ")
	}
	fmt.Println()
	// Output: write/VB a/DT short/JJ story/NN about/IN a/DT dog/NN ./.
}
