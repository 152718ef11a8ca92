package launch

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/xinstruct/xinstruct/io/llm"
)

// SplitList splits a comma-separated flag value, dropping blanks.
func SplitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// ParsePrice parses "input,output": prices per million input and output tokens.
func ParsePrice(v string) (llm.Price, error) {
	in, out, ok := strings.Cut(v, ",")
	pin, err1 := strconv.ParseFloat(strings.TrimSpace(in), 64)
	pout, err2 := strconv.ParseFloat(strings.TrimSpace(out), 64)
	if !ok || err1 != nil || err2 != nil || pin < 0 || pout < 0 {
		return llm.Price{}, fmt.Errorf("--price=%q: want two non-negative numbers, per 1M input and output tokens, e.g. 0.15,0.60", v)
	}
	return llm.Price{InputPerM: pin, OutputPerM: pout}, nil
}
