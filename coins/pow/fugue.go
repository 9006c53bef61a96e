package pow

import (
	"encoding/binary"
	"math/bits"
)

// Fugue-512 (Halevi, Hall and Jutla's SHA-3 round-2 candidate), the last
// function of X13. The state is a ring of 36 columns of four bytes, each
// held as a big-endian word (row 0 is the top byte). Every 32-bit message
// word is put into the ring by TIX and then stirred by four sub-rounds of
// ROR3 (turn the ring by three columns), CMIX (fold three columns into
// two places) and SMIX, which substitutes the first four columns through
// the AES S-box and mixes the resulting 4x4 bytes with Super-Mix. After
// the message, the zero-padded last word and the 64-bit bit length, 32
// more sub-rounds and 13 rounds of the final stage G run, and 16 columns
// are the digest.

const fugueCols = 36

// fugue512IV goes into columns 20..35 of the initial state; the others
// start at zero.
var fugue512IV = [16]uint32{
	0x8807a57e, 0xe616af75, 0xc5d3e4db, 0xac9ab027,
	0xd915f117, 0xb6eecc54, 0x06e8020b, 0x4a92efd1,
	0xaac6e2c9, 0xddb21398, 0xcae65838, 0x437f203f,
	0x25ea78e7, 0x951fddd6, 0xda6ed11d, 0xe13e3567,
}

// fugueM is the circulant matrix of Super-Mix, over GF(2^8) with the AES
// polynomial.
var fugueM = [4][4]byte{
	{1, 4, 7, 1},
	{1, 1, 4, 7},
	{7, 1, 1, 4},
	{4, 7, 1, 1},
}

// gf8Mul multiplies in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1.
func gf8Mul(a, b byte) byte {
	var p byte
	for ; b != 0; b >>= 1 {
		if b&1 != 0 {
			p ^= a
		}
		a = a<<1 ^ byte(int8(a)>>7)&0x1b
	}
	return p
}

// fugueSbox is the AES S-box, built from its definition: the inverse in
// GF(2^8) (zero stays zero), then the affine map with constant 0x63.
var fugueSbox = func() (sb [256]byte) {
	// Powers of the generator 3 give a log table; the inverse of 3^i is
	// 3^(255-i).
	var exp [255]byte
	var log [256]int
	x := byte(1)
	for i := range exp {
		exp[i] = x
		log[x] = i
		x ^= gf8Mul(x, 2)
	}
	for v := range 256 {
		var inv byte
		if v != 0 {
			inv = exp[(255-log[v])%255]
		}
		sb[v] = inv ^ bits.RotateLeft8(inv, 1) ^ bits.RotateLeft8(inv, 2) ^
			bits.RotateLeft8(inv, 3) ^ bits.RotateLeft8(inv, 4) ^ 0x63
	}
	return sb
}()

// fugueMix[i][x] is column i of fugueM times S-box(x), packed as a column
// word: the contribution of an input byte x in row i to the column mix of
// its own column.
var fugueMix = func() (t [4][256]uint32) {
	for i := range 4 {
		for x := range 256 {
			s := fugueSbox[x]
			var w uint32
			for r := range 4 {
				w |= uint32(gf8Mul(fugueM[r][i], s)) << (24 - 8*r)
			}
			t[i][x] = w
		}
	}
	return t
}()

// fugueSmix is SMIX on four columns. With U the substituted 4x4 bytes,
// Super-Mix computes column j as M·U[:,j] plus, in each row i, the sum
// of the row's off-diagonal bytes times M[j][i], and then turns row i
// left by i places.
func fugueSmix(x0, x1, x2, x3 uint32) (uint32, uint32, uint32, uint32) {
	t0, t1, t2, t3 := &fugueMix[0], &fugueMix[1], &fugueMix[2], &fugueMix[3]
	// aij is the contribution of row i, column j.
	a00, a10, a20, a30 := t0[byte(x0>>24)], t1[byte(x0>>16)], t2[byte(x0>>8)], t3[byte(x0)]
	a01, a11, a21, a31 := t0[byte(x1>>24)], t1[byte(x1>>16)], t2[byte(x1>>8)], t3[byte(x1)]
	a02, a12, a22, a32 := t0[byte(x2>>24)], t1[byte(x2>>16)], t2[byte(x2>>8)], t3[byte(x2)]
	a03, a13, a23, a33 := t0[byte(x3>>24)], t1[byte(x3>>16)], t2[byte(x3>>8)], t3[byte(x3)]
	// cj is the column mix of column j; ri is column i of M times the sum
	// of row i without its diagonal byte.
	c0 := a00 ^ a10 ^ a20 ^ a30
	c1 := a01 ^ a11 ^ a21 ^ a31
	c2 := a02 ^ a12 ^ a22 ^ a32
	c3 := a03 ^ a13 ^ a23 ^ a33
	r0 := a01 ^ a02 ^ a03
	r1 := a10 ^ a12 ^ a13
	r2 := a20 ^ a21 ^ a23
	r3 := a30 ^ a31 ^ a32
	// Output column k, row m takes column (k+m) mod 4 of the sum above:
	// byte m of c[(k+m)%4] and byte (k+m)%4 of r[m], which a left
	// rotation by 8k brings to byte m.
	const m0, m1, m2, m3 = 0xff000000, 0x00ff0000, 0x0000ff00, 0x000000ff
	rl := bits.RotateLeft32
	y0 := (c0^r0)&m0 | (c1^r1)&m1 | (c2^r2)&m2 | (c3^r3)&m3
	y1 := (c1^rl(r0, 8))&m0 | (c2^rl(r1, 8))&m1 | (c3^rl(r2, 8))&m2 | (c0^rl(r3, 8))&m3
	y2 := (c2^rl(r0, 16))&m0 | (c3^rl(r1, 16))&m1 | (c0^rl(r2, 16))&m2 | (c1^rl(r3, 16))&m3
	y3 := (c3^rl(r0, 24))&m0 | (c0^rl(r1, 24))&m1 | (c1^rl(r2, 24))&m2 | (c2^rl(r3, 24))&m3
	return y0, y1, y2, y3
}

// fugueFinal lists the four steps of a round of the final stage G: besides
// column 4, the three columns that column 0 is added to, and how far the
// ring then turns before SMIX.
var fugueFinal = [4][4]int{
	{9, 18, 27, 9},
	{10, 18, 27, 9},
	{10, 19, 27, 9},
	{10, 19, 28, 8},
}

// fugueSlack is the room below the ring's window in fugue512State.buf.
const fugueSlack = 120

// fugue512State hashes with Fugue-512; the zero value is ready (sum
// resets it) and sum does not allocate. The ring is the window
// buf[o:o+36], column 0 first. Turning it right by n columns copies the
// last n columns to just below the window and moves o down by n; when the
// slack runs out the window is moved back to the top.
type fugue512State struct {
	buf [fugueSlack + fugueCols]uint32
	o   int
}

// cols returns the ring, column 0 first.
func (f *fugue512State) cols() *[fugueCols]uint32 {
	return (*[fugueCols]uint32)(f.buf[f.o:])
}

// ror turns the ring right by n columns (column k becomes column k+n)
// and returns it.
func (f *fugue512State) ror(n int) *[fugueCols]uint32 {
	if f.o < n {
		copy(f.buf[fugueSlack:], f.buf[f.o:f.o+fugueCols])
		f.o = fugueSlack
	}
	f.o -= n
	copy(f.buf[f.o:f.o+n], f.buf[f.o+fugueCols:])
	return f.cols()
}

// fugueSmixFront applies SMIX to columns 0..3.
func fugueSmixFront(s *[fugueCols]uint32) {
	s[0], s[1], s[2], s[3] = fugueSmix(s[0], s[1], s[2], s[3])
}

// subRound is ROR3, CMIX, SMIX.
func (f *fugue512State) subRound() {
	s := f.ror(3)
	s[0] ^= s[4]
	s[1] ^= s[5]
	s[2] ^= s[6]
	s[18] ^= s[4]
	s[19] ^= s[5]
	s[20] ^= s[6]
	fugueSmixFront(s)
}

// word takes in one message word: TIX, then four sub-rounds.
func (f *fugue512State) word(w uint32) {
	s := f.cols()
	s[22] ^= s[0]
	s[0] = w
	s[8] ^= w
	s[1] ^= s[24]
	s[4] ^= s[27]
	s[7] ^= s[30]
	for range 4 {
		f.subRound()
	}
}

// fugueAddFirst adds column 0 to columns 4, a, b and c.
func fugueAddFirst(s *[fugueCols]uint32, a, b, c int) {
	x := s[0]
	s[4] ^= x
	s[a] ^= x
	s[b] ^= x
	s[c] ^= x
}

// sum writes the Fugue-512 digest of msg to dst.
func (f *fugue512State) sum(dst *[64]byte, msg []byte) {
	f.o = fugueSlack
	s := f.cols()
	*s = [fugueCols]uint32{}
	copy(s[fugueCols-len(fugue512IV):], fugue512IV[:])
	nbits := uint64(len(msg)) * 8
	for len(msg) >= 4 {
		f.word(binary.BigEndian.Uint32(msg))
		msg = msg[4:]
	}
	if len(msg) > 0 {
		var last [4]byte
		copy(last[:], msg)
		f.word(binary.BigEndian.Uint32(last[:]))
	}
	f.word(uint32(nbits >> 32))
	f.word(uint32(nbits))

	for range 32 {
		f.subRound()
	}
	for range 13 {
		for _, st := range &fugueFinal {
			fugueAddFirst(f.cols(), st[0], st[1], st[2])
			fugueSmixFront(f.ror(st[3]))
		}
	}
	s = f.cols()
	fugueAddFirst(s, 9, 18, 27)

	for i, k := range [16]int{1, 2, 3, 4, 9, 10, 11, 12, 18, 19, 20, 21, 27, 28, 29, 30} {
		binary.BigEndian.PutUint32(dst[4*i:], s[k])
	}
}
