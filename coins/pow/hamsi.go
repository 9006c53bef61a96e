package pow

import (
	"encoding/binary"
	"math/bits"
)

// Hamsi-512 (Özgül Küçük's SHA-3 round-2 candidate), the twelfth function
// of X13. It takes the message 8 bytes at a time: a linear code expands
// the block to 16 words, which are interleaved with the 16-word chaining
// value into a 4x8 matrix of 32 words, run through 6 rounds (12 for the
// last block) of constants, a 4-bit S-box across each column and the
// Serpent linear map along diagonals, and half of it is folded back into
// the chaining value.

// hamsiIV is the ASCII of the designer's address, read as big-endian words.
var hamsiIV = func() (iv [16]uint32) {
	const s = "steelpark Arenberg 10, bus 2446, B-3001 Leuven-Heverlee, Belgium"
	for i := range iv {
		iv[i] = binary.BigEndian.Uint32([]byte(s[4*i:]))
	}
	return iv
}()

// The round constants: alphaN for the message blocks, alphaF for the
// final (length) block.
var (
	hamsiAlphaN = [32]uint32{
		0xff00f0f0, 0xccccaaaa, 0xf0f0cccc, 0xff00aaaa, 0xccccaaaa, 0xf0f0ff00, 0xaaaacccc, 0xf0f0ff00,
		0xf0f0cccc, 0xaaaaff00, 0xccccff00, 0xaaaaf0f0, 0xaaaaf0f0, 0xff00cccc, 0xccccf0f0, 0xff00aaaa,
		0xccccaaaa, 0xff00f0f0, 0xff00aaaa, 0xf0f0cccc, 0xf0f0ff00, 0xccccaaaa, 0xf0f0ff00, 0xaaaacccc,
		0xaaaaff00, 0xf0f0cccc, 0xaaaaf0f0, 0xccccff00, 0xff00cccc, 0xaaaaf0f0, 0xff00aaaa, 0xccccf0f0,
	}
	hamsiAlphaF = [32]uint32{
		0xcaf9639c, 0x0ff0f9c0, 0x639c0ff0, 0xcaf9f9c0, 0x0ff0f9c0, 0x639ccaf9, 0xf9c00ff0, 0x639ccaf9,
		0x639c0ff0, 0xf9c0caf9, 0x0ff0caf9, 0xf9c0639c, 0xf9c0639c, 0xcaf90ff0, 0x0ff0639c, 0xcaf9f9c0,
		0x0ff0f9c0, 0xcaf9639c, 0xcaf9f9c0, 0x639c0ff0, 0x639ccaf9, 0x0ff0f9c0, 0x639ccaf9, 0xf9c00ff0,
		0xf9c0caf9, 0x639c0ff0, 0xf9c0639c, 0x0ff0caf9, 0xcaf90ff0, 0xf9c0639c, 0xcaf9f9c0, 0x0ff0639c,
	}
)

// hamsiNibble[j][v] is the expansion of nibble value v at nibble j of the
// block (j even: the low nibble of byte j/2), built from hamsiRows so a
// block costs 16 lookups.
var hamsiNibble = func() (t [16][16][16]uint32) {
	for j := range t {
		for v := range 16 {
			for k := range 4 {
				if v>>k&1 == 0 {
					continue
				}
				row := &hamsiRows[8*(j/2)+4*(j%2)+k]
				for w := range 16 {
					t[j][v][w] ^= row[w]
				}
			}
		}
	}
	return t
}()

// hamsi512State hashes with Hamsi-512; the zero value is ready (sum
// resets it) and sum does not allocate.
type hamsi512State struct {
	h [16]uint32
	x [32]uint32
}

// sum writes the Hamsi-512 digest of msg to dst.
func (s *hamsi512State) sum(dst *[64]byte, msg []byte) {
	s.h = hamsiIV
	n := uint64(len(msg)) * 8
	for len(msg) >= 8 {
		s.block(msg[:8], &hamsiAlphaN, 6)
		msg = msg[8:]
	}
	var last [8]byte
	copy(last[:], msg)
	last[len(msg)] = 0x80
	s.block(last[:], &hamsiAlphaN, 6)
	binary.BigEndian.PutUint64(last[:], n)
	s.block(last[:], &hamsiAlphaF, 12)
	for i, w := range s.h {
		binary.BigEndian.PutUint32(dst[4*i:], w)
	}
}

// block compresses one 8-byte block into the chaining value.
func (s *hamsi512State) block(b []byte, alpha *[32]uint32, rounds int) {
	var m [16]uint32
	for j := range 16 {
		v := b[j/2] >> (4 * (j % 2)) & 15
		row := &hamsiNibble[j][v]
		for w := range 16 {
			m[w] ^= row[w]
		}
	}
	// The matrix, in quads of four words: two message words then two
	// chaining words, or the other way round in quads 2, 3, 6 and 7.
	x := &s.x
	for q := range 8 {
		mw, cw := m[2*q:2*q+2], s.h[2*q:2*q+2]
		if q&2 != 0 {
			mw, cw = cw, mw
		}
		x[4*q], x[4*q+1], x[4*q+2], x[4*q+3] = mw[0], mw[1], cw[0], cw[1]
	}
	for r := range rounds {
		for i := range x {
			x[i] ^= alpha[i]
		}
		x[1] ^= uint32(r)
		for i := range 8 {
			x[i], x[i+8], x[i+16], x[i+24] = hamsiSbox(x[i], x[i+8], x[i+16], x[i+24])
		}
		// Word i of row 0 with the next words along the diagonal:
		// i, 8+(i+1)%8, 16+(i+2)%8, 24+(i+3)%8.
		x[0], x[9], x[18], x[27] = hamsiL(x[0], x[9], x[18], x[27])
		x[1], x[10], x[19], x[28] = hamsiL(x[1], x[10], x[19], x[28])
		x[2], x[11], x[20], x[29] = hamsiL(x[2], x[11], x[20], x[29])
		x[3], x[12], x[21], x[30] = hamsiL(x[3], x[12], x[21], x[30])
		x[4], x[13], x[22], x[31] = hamsiL(x[4], x[13], x[22], x[31])
		x[5], x[14], x[23], x[24] = hamsiL(x[5], x[14], x[23], x[24])
		x[6], x[15], x[16], x[25] = hamsiL(x[6], x[15], x[16], x[25])
		x[7], x[8], x[17], x[26] = hamsiL(x[7], x[8], x[17], x[26])
		x[0], x[2], x[5], x[7] = hamsiL(x[0], x[2], x[5], x[7])
		x[16], x[19], x[21], x[22] = hamsiL(x[16], x[19], x[21], x[22])
		x[9], x[11], x[12], x[14] = hamsiL(x[9], x[11], x[12], x[14])
		x[25], x[26], x[28], x[31] = hamsiL(x[25], x[26], x[28], x[31])
	}
	for i := range 8 {
		s.h[i] ^= x[i]
		s.h[8+i] ^= x[16+i]
	}
}

// hamsiSbox applies the 4-bit S-box 8 6 7 9 3 c a f d 1 e 4 0 b 5 2 to 32
// columns at once: bit k of a, b, c and d is bit 0 to 3 of column k's
// input. Each output is the algebraic normal form of one S-box output bit,
// factored.
func hamsiSbox(a, b, c, d uint32) (uint32, uint32, uint32, uint32) {
	nac := c &^ a
	y0 := b ^ d ^ nac
	y1 := a ^ b ^ c ^ (b & nac) ^ (d & ((a &^ b) ^ nac))
	y2 := a ^ b ^ d ^ (b & c) ^ (d & ((b ^ c) &^ a))
	y3 := ^(a ^ b ^ c ^ (a & b & c) ^ (b & d))
	return y0, y1, y2, y3
}

// hamsiL is Serpent's linear transformation on four words.
func hamsiL(a, b, c, d uint32) (uint32, uint32, uint32, uint32) {
	a = bits.RotateLeft32(a, 13)
	c = bits.RotateLeft32(c, 3)
	b = bits.RotateLeft32(b^a^c, 1)
	d = bits.RotateLeft32(d^c^a<<3, 7)
	a = bits.RotateLeft32(a^b^d, 5)
	c = bits.RotateLeft32(c^d^b<<7, 22)
	return a, b, c, d
}
