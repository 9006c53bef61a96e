package coins

import (
	"errors"
	"fmt"
	"strings"
)

// bech32Encoding tells the two checksum constants of BIP173 and BIP350 apart.
type bech32Encoding int

const (
	encBech32  bech32Encoding = 1 // BIP173: witness v0, MWEB
	encBech32m bech32Encoding = 2 // BIP350: witness v1 and later
)

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// bech32Rev maps an ASCII byte to its 5-bit value, or -1.
var bech32Rev = func() [128]int8 {
	var t [128]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(bech32Charset); i++ {
		t[bech32Charset[i]] = int8(i)
	}
	return t
}()

const (
	bech32Const  = 1
	bech32mConst = 0x2bc830a3
)

var errBech32 = errors.New("bad bech32 string")

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		top := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (top>>uint(i))&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

func bech32HRPExpand(hrp string) []byte {
	out := make([]byte, 0, 2*len(hrp)+1)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]>>5)
	}
	out = append(out, 0)
	for i := 0; i < len(hrp); i++ {
		out = append(out, hrp[i]&31)
	}
	return out
}

// bech32Decode splits s into its human-readable part and 5-bit data (without
// the checksum) and says which checksum constant matched. maxLen bounds the
// whole string (90 for segwit addresses).
func bech32Decode(s string, maxLen int) (hrp string, data []byte, enc bech32Encoding, err error) {
	if len(s) > maxLen {
		return "", nil, 0, fmt.Errorf("%w: longer than %d characters", errBech32, maxLen)
	}
	lower, upper := false, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 33 || c > 126 {
			return "", nil, 0, fmt.Errorf("%w: character %q out of range", errBech32, c)
		}
		if c >= 'a' && c <= 'z' {
			lower = true
		}
		if c >= 'A' && c <= 'Z' {
			upper = true
		}
	}
	if lower && upper {
		return "", nil, 0, fmt.Errorf("%w: mixed case", errBech32)
	}
	s = strings.ToLower(s)
	pos := strings.LastIndexByte(s, '1')
	if pos < 1 || pos+7 > len(s) {
		return "", nil, 0, fmt.Errorf("%w: separator position", errBech32)
	}
	hrp = s[:pos]
	data = make([]byte, 0, len(s)-pos-1)
	for i := pos + 1; i < len(s); i++ {
		v := bech32Rev[s[i]]
		if v < 0 {
			return "", nil, 0, fmt.Errorf("%w: character %q not in the charset", errBech32, s[i])
		}
		data = append(data, byte(v))
	}
	switch bech32Polymod(append(bech32HRPExpand(hrp), data...)) {
	case bech32Const:
		enc = encBech32
	case bech32mConst:
		enc = encBech32m
	default:
		return "", nil, 0, fmt.Errorf("%w: checksum mismatch", errBech32)
	}
	return hrp, data[:len(data)-6], enc, nil
}

// bech32Encode returns hrp + "1" + data + checksum, lower case.
func bech32Encode(hrp string, data []byte, enc bech32Encoding) string {
	c := uint32(bech32Const)
	if enc == encBech32m {
		c = bech32mConst
	}
	values := append(bech32HRPExpand(hrp), data...)
	values = append(values, 0, 0, 0, 0, 0, 0)
	mod := bech32Polymod(values) ^ c
	var b strings.Builder
	b.Grow(len(hrp) + 1 + len(data) + 6)
	b.WriteString(hrp)
	b.WriteByte('1')
	for _, d := range data {
		b.WriteByte(bech32Charset[d])
	}
	for i := 0; i < 6; i++ {
		b.WriteByte(bech32Charset[(mod>>uint(5*(5-i)))&31])
	}
	return b.String()
}

// convertBits regroups a bit stream from groups of `from` bits to groups of
// `to` bits. With pad, a partial last group is zero-padded; without it,
// leftover bits must be fewer than `from` and zero.
func convertBits(in []byte, from, to uint, pad bool) ([]byte, error) {
	acc, bits := uint32(0), uint(0)
	maxv := uint32(1)<<to - 1
	out := make([]byte, 0, len(in)*int(from)/int(to)+1)
	for _, v := range in {
		if uint32(v)>>from != 0 {
			return nil, fmt.Errorf("%w: value out of range", errBech32)
		}
		acc = acc<<from | uint32(v)
		bits += from
		for bits >= to {
			bits -= to
			out = append(out, byte(acc>>bits&maxv))
		}
	}
	if pad {
		if bits > 0 {
			out = append(out, byte(acc<<(to-bits)&maxv))
		}
	} else if bits >= from || acc<<(to-bits)&maxv != 0 {
		return nil, fmt.Errorf("%w: invalid padding", errBech32)
	}
	return out, nil
}
