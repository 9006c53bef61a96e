package coins

import (
	"errors"
	"fmt"
	"math"
	"strings"
)

// ErrBadAmount is returned by ParseAmount for text that is not an exact
// non-negative amount of the coin.
var ErrBadAmount = errors.New("coins: bad amount")

// Amount is a count of a coin's smallest units (satoshis for a coin with 8
// decimals). Money is never a float.
type Amount int64

// maxDecimals bounds Coin.Decimals so that 10^decimals fits an int64.
const maxDecimals = 18

// ParseAmount reads a plain decimal number of whole coins ("0.01", "70")
// exactly into smallest units. Exponents ("1e-3"), signs, more fractional
// digits than decimals, and overflow are errors.
func ParseAmount(s string, decimals int) (Amount, error) {
	if decimals < 0 || decimals > maxDecimals {
		return 0, fmt.Errorf("%w: %d decimals", ErrBadAmount, decimals)
	}
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" && frac == "" || hasDot && frac == "" {
		return 0, fmt.Errorf("%w: %q", ErrBadAmount, s)
	}
	for _, part := range []string{whole, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return 0, fmt.Errorf("%w: %q is not a plain decimal number", ErrBadAmount, s)
			}
		}
	}
	frac = strings.TrimRight(frac, "0")
	if len(frac) > decimals {
		return 0, fmt.Errorf("%w: %q has more than %d decimals", ErrBadAmount, s, decimals)
	}
	frac += strings.Repeat("0", decimals-len(frac))
	var v uint64
	for _, ch := range strings.TrimLeft(whole, "0") + frac {
		d := uint64(ch - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, fmt.Errorf("%w: %q is too large", ErrBadAmount, s)
		}
		v = v*10 + d
	}
	return Amount(v), nil
}

// Format writes the amount as whole coins with exactly decimals fractional
// digits, e.g. Amount(150000000).Format(8) == "1.50000000".
func (a Amount) Format(decimals int) string {
	neg := a < 0
	u := uint64(a)
	if neg {
		u = uint64(-(a + 1)) + 1 // also right for math.MinInt64
	}
	digits := fmt.Sprintf("%0*d", decimals+1, u)
	cut := len(digits) - decimals
	s := digits[:cut]
	if decimals > 0 {
		s += "." + digits[cut:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// ParseAmount reads whole coins in the coin's decimals; see ParseAmount.
func (c *Coin) ParseAmount(s string) (Amount, error) { return ParseAmount(s, c.Decimals) }

// FormatAmount writes a with the coin's decimals, e.g. "0.01000000".
func (c *Coin) FormatAmount(a Amount) string { return a.Format(c.Decimals) }
