package pools

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// appendVarInt appends a Bitcoin CompactSize integer.
func appendVarInt(b []byte, n uint64) []byte {
	switch {
	case n < 0xfd:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.LittleEndian.AppendUint16(append(b, 0xfd), uint16(n))
	case n <= 0xffffffff:
		return binary.LittleEndian.AppendUint32(append(b, 0xfe), uint32(n))
	default:
		return binary.LittleEndian.AppendUint64(append(b, 0xff), n)
	}
}

// appendPush appends a script push of data (direct push or OP_PUSHDATA1).
func appendPush(b, data []byte) []byte {
	switch {
	case len(data) < 0x4c:
		b = append(b, byte(len(data)))
	case len(data) <= 0xff:
		b = append(b, 0x4c, byte(len(data)))
	default:
		b = append(b, 0x4d, byte(len(data)), byte(len(data)>>8))
	}
	return append(b, data...)
}

// appendScriptNum appends the script encoding of n the way Bitcoin Core's
// CScript << int64 does it, which is what BIP34 compares the coinbase's
// first push against: OP_0, OP_1..OP_16, or a minimal little-endian
// signed-magnitude push.
func appendScriptNum(b []byte, n int64) []byte {
	if n == 0 {
		return append(b, 0x00)
	}
	if n >= 1 && n <= 16 {
		return append(b, 0x50+byte(n))
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var num []byte
	for n > 0 {
		num = append(num, byte(n&0xff))
		n >>= 8
	}
	if num[len(num)-1]&0x80 != 0 {
		if neg {
			num = append(num, 0x80)
		} else {
			num = append(num, 0x00)
		}
	} else if neg {
		num[len(num)-1] |= 0x80
	}
	return appendPush(b, num)
}

// reverseHex decodes a hash shown in RPC (display) order into the internal
// byte order used inside blocks and merkle trees.
func reverseHex(s string) ([32]byte, error) {
	var out [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return out, fmt.Errorf("bad 32-byte hash %q", s)
	}
	for i := range b {
		out[31-i] = b[i]
	}
	return out, nil
}

// displayHex shows an internal-order hash the way RPC does (reversed).
func displayHex(h [32]byte) string {
	var r [32]byte
	for i := range h {
		r[31-i] = h[i]
	}
	return hex.EncodeToString(r[:])
}
