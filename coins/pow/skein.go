package pow

import (
	"encoding/binary"
	"math/bits"
)

// Skein-512 (Skein 1.3, the SHA-3 final-round version) with a chosen
// output length: Threefish-512 in UBI chaining, a configuration block,
// the message, then an output block. Lyra2REv2 uses Skein-512-256.

const skeinBlock = 64

// UBI block types (the tweak's type field) and flags.
const (
	skeinTypeCfg = 4
	skeinTypeMsg = 48
	skeinTypeOut = 63
	skeinFirst   = 1 << 62
	skeinFinal   = 1 << 63
	skeinParity  = 0x1BD11BDAA9FC1A22 // C240, the key schedule's parity constant
)

// threefishRot are Threefish-512's rotation constants, by round mod 8 and
// word pair.
var threefishRot = [8][4]int{
	{46, 36, 19, 37}, {33, 27, 14, 42}, {17, 49, 36, 39}, {44, 9, 54, 56},
	{39, 30, 34, 24}, {13, 50, 10, 17}, {25, 29, 39, 43}, {8, 35, 56, 22},
}

// threefishPerm is the word permutation applied after each round.
var threefishPerm = [8]int{2, 1, 4, 7, 6, 5, 0, 3}

// threefish512 encrypts block with key and tweak (72 rounds, a subkey
// every 4) and returns the ciphertext words.
func threefish512(key *[8]uint64, tweak [2]uint64, block *[8]uint64) [8]uint64 {
	var k [9]uint64
	copy(k[:8], key[:])
	k[8] = skeinParity
	for i := range 8 {
		k[8] ^= key[i]
	}
	t := [3]uint64{tweak[0], tweak[1], tweak[0] ^ tweak[1]}
	x := *block
	inject := func(s int) {
		for i := range 8 {
			x[i] += k[(s+i)%9]
		}
		x[5] += t[s%3]
		x[6] += t[(s+1)%3]
		x[7] += uint64(s)
	}
	for d := range 72 {
		if d%4 == 0 {
			inject(d / 4)
		}
		r := &threefishRot[d%8]
		for j := range 4 {
			a, b := 2*j, 2*j+1
			x[a] += x[b]
			x[b] = bits.RotateLeft64(x[b], r[j]) ^ x[a]
		}
		var y [8]uint64
		for i := range 8 {
			y[i] = x[threefishPerm[i]]
		}
		x = y
	}
	inject(72 / 4)
	return x
}

// skeinUBI processes one 64-byte block into the chaining value h: h
// becomes E(h, tweak, block) xor block. pos is the count of message bytes
// processed, this block's included.
func skeinUBI(h *[8]uint64, block []byte, pos uint64, typ uint64, first, final bool) {
	var m [8]uint64
	for i := range 8 {
		m[i] = binary.LittleEndian.Uint64(block[8*i:])
	}
	t1 := typ << 56
	if first {
		t1 |= skeinFirst
	}
	if final {
		t1 |= skeinFinal
	}
	c := threefish512(h, [2]uint64{pos, t1}, &m)
	for i := range 8 {
		h[i] = c[i] ^ m[i]
	}
}

// skeinIV returns Skein-512's chaining value after the configuration
// block for an output of outBits bits (no tree, no key).
func skeinIV(outBits int) [8]uint64 {
	var cfg [skeinBlock]byte
	copy(cfg[:4], "SHA3")                                   // schema identifier
	binary.LittleEndian.PutUint16(cfg[4:], 1)               // version
	binary.LittleEndian.PutUint64(cfg[8:], uint64(outBits)) // output length
	var h [8]uint64
	skeinUBI(&h, cfg[:], 32, skeinTypeCfg, true, true)
	return h
}

var skein256IV = skeinIV(256)

// skeinHash writes the Skein-512 digest of msg, len(dst) bytes (at most
// 64), starting from iv (skeinIV(8*len(dst))).
func skeinHash(dst []byte, iv *[8]uint64, msg []byte) {
	h := *iv
	var pos uint64
	first := true
	for len(msg) > skeinBlock { // the last block, even a full one, is final
		pos += skeinBlock
		skeinUBI(&h, msg[:skeinBlock], pos, skeinTypeMsg, first, false)
		msg, first = msg[skeinBlock:], false
	}
	var last [skeinBlock]byte
	copy(last[:], msg)
	pos += uint64(len(msg))
	skeinUBI(&h, last[:], pos, skeinTypeMsg, first, true)
	// Output: one UBI block of an 8-byte counter (0), enough for up to
	// 512 bits.
	var ctr [skeinBlock]byte
	skeinUBI(&h, ctr[:], 8, skeinTypeOut, true, true)
	var out [64]byte
	for i := range 8 {
		binary.LittleEndian.PutUint64(out[8*i:], h[i])
	}
	copy(dst, out[:len(dst)])
}
