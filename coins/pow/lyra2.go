package pow

import (
	"encoding/binary"
	"math/bits"
)

// Lyra2 (Simplício, Almeida, Andrade, dos Santos, Barreto), the version
// Lyra2RE and Lyra2REv2 use: a BLAKE2b-based sponge fills a matrix of
// nRows x nCols blocks, visits it once more pseudo-randomly, and squeezes
// the key. Lyra2REv2 calls it with a 32-byte password and salt (the same
// bytes), time cost 1 and a 4 x 4 matrix.

const (
	lyraBlockWords = 12 // the sponge's rate: 96 bytes
	lyraSafeWords  = 8  // the rate used to absorb the input: 64 bytes
)

// lyraIV is BLAKE2b's IV, which fills the second half of the sponge.
var lyraIV = [8]uint64{
	0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
	0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
}

// lyraG is BLAKE2b's G function without message words.
func lyraG(a, b, c, d uint64) (uint64, uint64, uint64, uint64) {
	a += b
	d = bits.RotateLeft64(d^a, -32)
	c += d
	b = bits.RotateLeft64(b^c, -24)
	a += b
	d = bits.RotateLeft64(d^a, -16)
	c += d
	b = bits.RotateLeft64(b^c, -63)
	return a, b, c, d
}

// lyraRounds applies n BLAKE2b rounds (columns, then diagonals) to s.
func lyraRounds(s *[16]uint64, n int) {
	for ; n > 0; n-- {
		s[0], s[4], s[8], s[12] = lyraG(s[0], s[4], s[8], s[12])
		s[1], s[5], s[9], s[13] = lyraG(s[1], s[5], s[9], s[13])
		s[2], s[6], s[10], s[14] = lyraG(s[2], s[6], s[10], s[14])
		s[3], s[7], s[11], s[15] = lyraG(s[3], s[7], s[11], s[15])
		s[0], s[5], s[10], s[15] = lyraG(s[0], s[5], s[10], s[15])
		s[1], s[6], s[11], s[12] = lyraG(s[1], s[6], s[11], s[12])
		s[2], s[7], s[8], s[13] = lyraG(s[2], s[7], s[8], s[13])
		s[3], s[4], s[9], s[14] = lyraG(s[3], s[4], s[9], s[14])
	}
}

// lyra2 fills the matrix mem (nRows*nCols*12 words) and writes len(out)
// bytes of key (at most 96). inBuf is scratch for the padded input; a
// short one is replaced by a new buffer.
func lyra2(out []byte, pwd, salt []byte, timeCost, nRows, nCols int, mem []uint64, inBuf []byte) {
	rowLen := nCols * lyraBlockWords
	row := func(r int) []uint64 { return mem[r*rowLen : (r+1)*rowLen] }

	// The input: password, salt, then the six parameters as 64-bit words,
	// padded with 0x80 ... 0x01 to whole 64-byte blocks.
	nIn := (len(pwd)+len(salt)+6*8)/(lyraSafeWords*8) + 1
	in := inBuf
	if len(in) < nIn*lyraSafeWords*8 {
		in = make([]byte, nIn*lyraSafeWords*8)
	}
	in = in[:nIn*lyraSafeWords*8]
	clear(in)
	n := copy(in, pwd)
	n += copy(in[n:], salt)
	for _, v := range [...]int{len(out), len(pwd), len(salt), timeCost, nRows, nCols} {
		binary.LittleEndian.PutUint64(in[n:], uint64(v))
		n += 8
	}
	in[n] = 0x80
	in[len(in)-1] ^= 0x01

	var s [16]uint64
	copy(s[8:], lyraIV[:])
	for off := 0; off < len(in); off += lyraSafeWords * 8 {
		for i := range lyraSafeWords {
			s[i] ^= binary.LittleEndian.Uint64(in[off+8*i:])
		}
		lyraRounds(&s, 12)
	}

	// Setup: row 0 squeezed, row 1 duplexed from it, columns written in
	// reverse order; then each row from the previous one and a row that
	// walks the ones already written.
	r0 := row(0)
	for c := nCols - 1; c >= 0; c-- {
		copy(r0[c*lyraBlockWords:], s[:lyraBlockWords])
		lyraRounds(&s, 1)
	}
	r1 := row(1)
	for c := range nCols {
		in := r0[c*lyraBlockWords : (c+1)*lyraBlockWords]
		for j := range lyraBlockWords {
			s[j] ^= in[j]
		}
		lyraRounds(&s, 1)
		o := r1[(nCols-1-c)*lyraBlockWords:]
		for j := range lyraBlockWords {
			o[j] = in[j] ^ s[j]
		}
	}
	prev, rowa, step, window, gap := 1, 0, 1, 2, 1
	for r := 2; r < nRows; r++ {
		pIn, pInOut, pOut := row(prev), row(rowa), row(r)
		for c := range nCols {
			a := pIn[c*lyraBlockWords : (c+1)*lyraBlockWords]
			b := pInOut[c*lyraBlockWords : (c+1)*lyraBlockWords]
			for j := range lyraBlockWords {
				s[j] ^= a[j] + b[j]
			}
			lyraRounds(&s, 1)
			o := pOut[(nCols-1-c)*lyraBlockWords:]
			for j := range lyraBlockWords {
				o[j] = a[j] ^ s[j]
			}
			for j := range lyraBlockWords {
				b[j] ^= s[(j+lyraBlockWords-1)%lyraBlockWords]
			}
		}
		rowa = (rowa + step) & (window - 1)
		prev = r
		if rowa == 0 {
			step = window + gap
			window *= 2
			gap = -gap
		}
	}

	// Wandering: rows visited in a fixed order, each mixed with the
	// previous one and a row chosen by the sponge.
	r := 0
	for tau := 1; tau <= timeCost; tau++ {
		step := nRows/2 - 1
		if tau%2 == 0 {
			step = -1
		}
		for {
			rowa = int(s[0] % uint64(nRows))
			pIn, pInOut, pOut := row(prev), row(rowa), row(r)
			for c := range nCols {
				lo, hi := c*lyraBlockWords, (c+1)*lyraBlockWords
				a, b := pIn[lo:hi], pInOut[lo:hi]
				for j := range lyraBlockWords {
					s[j] ^= a[j] + b[j]
				}
				lyraRounds(&s, 1)
				o := pOut[lo:hi]
				for j := range lyraBlockWords {
					o[j] ^= s[j]
				}
				for j := range lyraBlockWords {
					b[j] ^= s[(j+lyraBlockWords-1)%lyraBlockWords]
				}
			}
			prev = r
			r = (r + step + nRows) % nRows
			if r == 0 {
				break
			}
		}
	}

	// Wrap-up: absorb the first block of the last row chosen, squeeze.
	last := row(rowa)
	for j := range lyraBlockWords {
		s[j] ^= last[j]
	}
	lyraRounds(&s, 12)
	var buf [lyraBlockWords * 8]byte
	for j := range lyraBlockWords {
		binary.LittleEndian.PutUint64(buf[8*j:], s[j])
	}
	copy(out, buf[:])
}
