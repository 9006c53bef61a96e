package pow

import (
	"encoding/binary"
	"math/bits"
)

// BMW-256: Blue Midnight Wish (Gligoroski et al., the tweaked round-2
// version that sphlib and every miner implement) on 32-bit words. A block
// is 64 bytes; the chaining value has 16 words; the digest is the last 8
// words of one extra compression of the final chaining value under a
// fixed key.

const bmwBlock = 64

// bmw256IV is the initial chaining value: bytes 0x40, 0x41, ... 0x7f
// as little-endian words.
var bmw256IV = func() (h [16]uint32) {
	for i := range h {
		h[i] = 0x40414243 + uint32(i)*0x04040404
	}
	return h
}()

// bmw256Final is the key of the final compression: 0xaaaaaaa0 + i.
var bmw256Final = func() (h [16]uint32) {
	for i := range h {
		h[i] = 0xaaaaaaa0 + uint32(i)
	}
	return h
}()

func bmwS0(x uint32) uint32 {
	return x>>1 ^ x<<3 ^ bits.RotateLeft32(x, 4) ^ bits.RotateLeft32(x, 19)
}
func bmwS1(x uint32) uint32 {
	return x>>1 ^ x<<2 ^ bits.RotateLeft32(x, 8) ^ bits.RotateLeft32(x, 23)
}
func bmwS2(x uint32) uint32 {
	return x>>2 ^ x<<1 ^ bits.RotateLeft32(x, 12) ^ bits.RotateLeft32(x, 25)
}
func bmwS3(x uint32) uint32 {
	return x>>2 ^ x<<2 ^ bits.RotateLeft32(x, 15) ^ bits.RotateLeft32(x, 29)
}
func bmwS4(x uint32) uint32 { return x>>1 ^ x }
func bmwS5(x uint32) uint32 { return x>>2 ^ x }

// bmwS applies s0..s4 by index mod 5, as f0 does.
func bmwS(i int, x uint32) uint32 {
	switch i % 5 {
	case 0:
		return bmwS0(x)
	case 1:
		return bmwS1(x)
	case 2:
		return bmwS2(x)
	case 3:
		return bmwS3(x)
	default:
		return bmwS4(x)
	}
}

// bmwW lists, for each W_i of f0, the five (M^H) words it sums and their
// signs, as in the specification's table.
var bmwW = [16][5]struct {
	i   int
	neg bool
}{
	{{5, false}, {7, true}, {10, false}, {13, false}, {14, false}},
	{{6, false}, {8, true}, {11, false}, {14, false}, {15, true}},
	{{0, false}, {7, false}, {9, false}, {12, true}, {15, false}},
	{{0, false}, {1, true}, {8, false}, {10, true}, {13, false}},
	{{1, false}, {2, false}, {9, false}, {11, true}, {14, true}},
	{{3, false}, {2, true}, {10, false}, {12, true}, {15, false}},
	{{4, false}, {0, true}, {3, true}, {11, true}, {13, false}},
	{{1, false}, {4, true}, {5, true}, {12, true}, {14, true}},
	{{2, false}, {5, true}, {6, true}, {13, false}, {15, true}},
	{{0, false}, {3, true}, {6, false}, {7, true}, {14, false}},
	{{8, false}, {1, true}, {4, true}, {7, true}, {15, false}},
	{{8, false}, {0, true}, {2, true}, {5, true}, {9, false}},
	{{1, false}, {3, false}, {6, true}, {9, true}, {10, false}},
	{{2, false}, {4, false}, {7, false}, {10, false}, {11, false}},
	{{3, false}, {5, true}, {8, false}, {11, true}, {12, true}},
	{{12, false}, {4, true}, {6, true}, {9, true}, {13, false}},
}

// bmwCompress returns the chaining value after block m under h.
func bmwCompress(h, m *[16]uint32) [16]uint32 {
	var q [32]uint32
	var x [16]uint32
	for i := range 16 {
		x[i] = m[i] ^ h[i]
	}
	// f0
	for i := range 16 {
		var w uint32
		for _, t := range bmwW[i] {
			if t.neg {
				w -= x[t.i]
			} else {
				w += x[t.i]
			}
		}
		q[i] = bmwS(i, w) + h[(i+1)%16]
	}
	// f1: two rounds of expand1, fourteen of expand2.
	for i := 16; i < 32; i++ {
		j := i - 16
		rot := func(k int) uint32 { k = (j + k) % 16; return bits.RotateLeft32(m[k], k+1) }
		add := (rot(0) + rot(3) - rot(10) + uint32(i)*0x05555555) ^ h[(j+7)%16]
		var sum uint32
		if i < 18 {
			for k := 16; k >= 1; k-- {
				switch k % 4 {
				case 0:
					sum += bmwS1(q[i-k])
				case 3:
					sum += bmwS2(q[i-k])
				case 2:
					sum += bmwS3(q[i-k])
				case 1:
					sum += bmwS0(q[i-k])
				}
			}
		} else {
			sum = q[i-16] + bits.RotateLeft32(q[i-15], 3) + q[i-14] + bits.RotateLeft32(q[i-13], 7) +
				q[i-12] + bits.RotateLeft32(q[i-11], 13) + q[i-10] + bits.RotateLeft32(q[i-9], 16) +
				q[i-8] + bits.RotateLeft32(q[i-7], 19) + q[i-6] + bits.RotateLeft32(q[i-5], 23) +
				q[i-4] + bits.RotateLeft32(q[i-3], 27) + bmwS4(q[i-2]) + bmwS5(q[i-1])
		}
		q[i] = sum + add
	}
	// f2
	var xl, xh uint32
	for i := 16; i < 24; i++ {
		xl ^= q[i]
	}
	xh = xl
	for i := 24; i < 32; i++ {
		xh ^= q[i]
	}
	var d [16]uint32
	d[0] = (xh<<5 ^ q[16]>>5 ^ m[0]) + (xl ^ q[24] ^ q[0])
	d[1] = (xh>>7 ^ q[17]<<8 ^ m[1]) + (xl ^ q[25] ^ q[1])
	d[2] = (xh>>5 ^ q[18]<<5 ^ m[2]) + (xl ^ q[26] ^ q[2])
	d[3] = (xh>>1 ^ q[19]<<5 ^ m[3]) + (xl ^ q[27] ^ q[3])
	d[4] = (xh>>3 ^ q[20] ^ m[4]) + (xl ^ q[28] ^ q[4])
	d[5] = (xh<<6 ^ q[21]>>6 ^ m[5]) + (xl ^ q[29] ^ q[5])
	d[6] = (xh>>4 ^ q[22]<<6 ^ m[6]) + (xl ^ q[30] ^ q[6])
	d[7] = (xh>>11 ^ q[23]<<2 ^ m[7]) + (xl ^ q[31] ^ q[7])
	d[8] = bits.RotateLeft32(d[4], 9) + (xh ^ q[24] ^ m[8]) + (xl<<8 ^ q[23] ^ q[8])
	d[9] = bits.RotateLeft32(d[5], 10) + (xh ^ q[25] ^ m[9]) + (xl>>6 ^ q[16] ^ q[9])
	d[10] = bits.RotateLeft32(d[6], 11) + (xh ^ q[26] ^ m[10]) + (xl<<6 ^ q[17] ^ q[10])
	d[11] = bits.RotateLeft32(d[7], 12) + (xh ^ q[27] ^ m[11]) + (xl<<4 ^ q[18] ^ q[11])
	d[12] = bits.RotateLeft32(d[0], 13) + (xh ^ q[28] ^ m[12]) + (xl>>3 ^ q[19] ^ q[12])
	d[13] = bits.RotateLeft32(d[1], 14) + (xh ^ q[29] ^ m[13]) + (xl>>4 ^ q[20] ^ q[13])
	d[14] = bits.RotateLeft32(d[2], 15) + (xh ^ q[30] ^ m[14]) + (xl>>7 ^ q[21] ^ q[14])
	d[15] = bits.RotateLeft32(d[3], 16) + (xh ^ q[31] ^ m[15]) + (xl>>2 ^ q[22] ^ q[15])
	return d
}

func bmwBlockWords(b []byte) (m [16]uint32) {
	for i := range m {
		m[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return m
}

// bmw256 writes BMW-256 of msg into dst.
func bmw256(dst *[32]byte, msg []byte) {
	h := bmw256IV
	bitLen := uint64(len(msg)) * 8
	for len(msg) >= bmwBlock {
		m := bmwBlockWords(msg)
		h = bmwCompress(&h, &m)
		msg = msg[bmwBlock:]
	}
	// Padding: 0x80, zeros, and the message length in bits in the last
	// 8 bytes of a block (a second block when there is no room).
	var buf [2 * bmwBlock]byte
	copy(buf[:], msg)
	buf[len(msg)] = 0x80
	end := bmwBlock
	if len(msg)+1 > bmwBlock-8 {
		end = 2 * bmwBlock
	}
	binary.LittleEndian.PutUint64(buf[end-8:], bitLen)
	for off := 0; off < end; off += bmwBlock {
		m := bmwBlockWords(buf[off:])
		h = bmwCompress(&h, &m)
	}
	fin := bmwCompress(&bmw256Final, &h)
	for i := range 8 {
		binary.LittleEndian.PutUint32(dst[4*i:], fin[8+i])
	}
}
