package pow

import (
	"math"
	"math/big"
)

// Target is a 256-bit target in big-endian bytes, the form the share path
// compares digests with without allocating.
type Target [32]byte

// NewTarget converts a target; values over 256 bits are capped.
func NewTarget(t *big.Int) Target {
	var out Target
	if t.Sign() <= 0 {
		return out
	}
	if t.BitLen() > 256 {
		for i := range out {
			out[i] = 0xff
		}
		return out
	}
	t.FillBytes(out[:])
	return out
}

// Meets reports whether the digest, read as a little-endian integer, is at
// most the target.
func (t *Target) Meets(h *[32]byte) bool {
	for i := 0; i < 32; i++ {
		hb := h[31-i]
		if hb != t[i] {
			return hb < t[i]
		}
	}
	return true
}

// HashDifficulty returns diff1*multiplier divided by the digest read as a
// little-endian integer: the stratum difficulty the hash achieved. It is a
// float approximation for statistics and logs, never for money.
func HashDifficulty(h *[32]byte, multiplier int64) float64 {
	v := 0.0
	for i := 31; i >= 0; i-- {
		v = v*256 + float64(h[i])
	}
	if v == 0 {
		return math.Inf(1)
	}
	return diff1Float * float64(multiplier) / v
}

// diff1Float is Diff1 as a float64 (0xffff * 2^208).
var diff1Float = float64(0xffff) * math.Pow(2, 208)
