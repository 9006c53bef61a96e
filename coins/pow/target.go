package pow

import (
	"errors"
	"fmt"
	"math"
	"math/big"
)

// Diff1 is the target of difficulty 1: 0x00000000ffff0000...0000.
var Diff1 = new(big.Int).Lsh(big.NewInt(0xffff), 208)

// maxTarget is 2^256-1, the largest value a 256-bit hash can take.
var maxTarget = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))

// ErrBadDifficulty is returned for a difficulty that is not a positive finite number.
var ErrBadDifficulty = errors.New("pow: difficulty must be a positive finite number")

// ShareTarget returns diff1*multiplier/diff, the largest hash a share of the
// given stratum difficulty may have, capped at 2^256-1. The division is exact
// on the binary value of diff, so fractional difficulties work.
func ShareTarget(diff float64, multiplier int64) (*big.Int, error) {
	if !(diff > 0) || math.IsInf(diff, 0) || multiplier <= 0 {
		return nil, fmt.Errorf("%w: %v (multiplier %d)", ErrBadDifficulty, diff, multiplier)
	}
	d := new(big.Rat).SetFloat64(diff)
	num := new(big.Int).Mul(Diff1, big.NewInt(multiplier))
	num.Mul(num, d.Denom())
	t := num.Quo(num, d.Num())
	if t.Cmp(maxTarget) > 0 {
		t.Set(maxTarget)
	}
	return t, nil
}

// TargetDifficulty returns diff1*multiplier/target as a float, the stratum
// difficulty a hash or target corresponds to. A zero target gives +Inf.
func TargetDifficulty(target *big.Int, multiplier int64) float64 {
	if target.Sign() <= 0 {
		return math.Inf(1)
	}
	num := new(big.Int).Mul(Diff1, big.NewInt(multiplier))
	f, _ := new(big.Rat).SetFrac(num, target).Float64()
	return f
}

// CompactToTarget expands nBits (the compact form in block headers) into a target,
// as Bitcoin Core's SetCompact does. A negative or overflowing encoding is an
// error; the sign bit on a mantissa that shifts to zero is not negative.
func CompactToTarget(bits uint32) (*big.Int, error) {
	exp := uint(bits >> 24)
	t := big.NewInt(int64(bits & 0x007fffff))
	if exp <= 3 {
		t.Rsh(t, 8*(3-exp))
	} else {
		t.Lsh(t, 8*(exp-3))
	}
	if bits&0x00800000 != 0 && t.Sign() != 0 {
		return nil, fmt.Errorf("pow: negative compact target %08x", bits)
	}
	if t.BitLen() > 256 {
		return nil, fmt.Errorf("pow: compact target %08x overflows 256 bits", bits)
	}
	return t, nil
}

// HashToInt reads a PoW digest as the little-endian 256-bit integer it is
// compared with targets as.
func HashToInt(h *[32]byte) *big.Int {
	var be [32]byte
	for i := range h {
		be[31-i] = h[i]
	}
	return new(big.Int).SetBytes(be[:])
}

// MeetsTarget reports whether the digest, read little-endian, is <= target.
func MeetsTarget(h *[32]byte, target *big.Int) bool {
	return HashToInt(h).Cmp(target) <= 0
}

// ReverseHex returns the digest as big-endian hex, the way block explorers
// and daemons display hashes.
func ReverseHex(h *[32]byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 64)
	for i := 0; i < 32; i++ {
		b := h[31-i]
		out[2*i] = digits[b>>4]
		out[2*i+1] = digits[b&0xf]
	}
	return string(out)
}
