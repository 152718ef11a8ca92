package ledger

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// nanos is a cost in 1e-9 currency units. Costs are summed as integers so that "the fleet
// spent exactly the cap" holds: float sums over thousands of grants drift.
type nanos int64

const nanosPerUnit = 1_000_000_000

// maxCost is the largest cost a ledger holds, in currency units (about 9.2e9), with room
// for the fractional part.
const maxCost = math.MaxInt64/nanosPerUnit - 1

func toNanos(cost float64) (nanos, error) {
	if math.IsNaN(cost) || cost < 0 || cost > maxCost {
		return 0, fmt.Errorf("cost %g is not in [0, %g]", cost, float64(maxCost))
	}
	return nanos(math.Round(cost * nanosPerUnit)), nil
}

func (n nanos) float() float64 { return float64(n) / nanosPerUnit }

// MarshalJSON writes n as an exact decimal number of currency units ("12.5"), so that a
// person reading the object sees money, and reading it back loses nothing.
func (n nanos) MarshalJSON() ([]byte, error) {
	sign := ""
	u := uint64(n)
	if n < 0 {
		sign, u = "-", uint64(-n)
	}
	s := fmt.Sprintf("%s%d", sign, u/nanosPerUnit)
	if frac := u % nanosPerUnit; frac != 0 {
		s += "." + strings.TrimRight(fmt.Sprintf("%09d", frac), "0")
	}
	return []byte(s), nil
}

// UnmarshalJSON reads a decimal exactly; other number forms (a hand edit such as 1e2)
// are rounded to the nearest nano.
func (n *nanos) UnmarshalJSON(b []byte) error {
	s := string(b)
	neg := strings.HasPrefix(s, "-")
	whole, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if w, err := strconv.ParseUint(whole, 10, 64); err == nil && len(frac) <= 9 && w <= maxCost && digits(frac) {
		f, _ := strconv.ParseUint((frac + "000000000")[:9], 10, 64)
		v := nanos(w*nanosPerUnit + f)
		if neg {
			v = -v
		}
		*n = v
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.Abs(f) > maxCost {
		return errors.New("cost " + s + " is not a number of currency units")
	}
	*n = nanos(math.Round(f * nanosPerUnit))
	return nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
