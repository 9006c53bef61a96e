package pow

import (
	"encoding/binary"
	"math/bits"

	"golang.org/x/crypto/blake2s"
)

// NeoScrypt as Feathercoin and its clones use it (profile 0): FastKDF with
// BLAKE2s around two scrypt-like SMix passes over the same 256-byte block,
// N = 128, r = 2, one with ChaCha20/20 and one with Salsa20/20, whose
// results are XORed.
const (
	neoN      = 128
	neoWords  = 64 // 2r blocks of 16 words
	kdfBuf    = 256
	kdfRounds = 32
	kdfIn     = 64 // BLAKE2s input taken from the password buffer
	kdfKey    = 32 // BLAKE2s key taken from the salt buffer
)

// neoscryptState is the scratch space of one hash: the SMix table, the
// two working blocks and FastKDF's password and salt buffers, each with
// its head repeated after the end so windows never wrap.
type neoscryptState struct {
	v    [neoN * neoWords]uint32
	x, z [neoWords]uint32
	xb   [neoWords * 4]byte
	a    [kdfBuf + kdfIn]byte
	b    [kdfBuf + kdfKey]byte
	prf  [32]byte
}

var neoscryptStates = newStatePool(func() *neoscryptState { return new(neoscryptState) })

// neoscryptHash is the NeoScrypt proof of work of a header.
var neoscryptHash = neoscryptStates.hash

func (s *neoscryptState) sum(dst *[32]byte, password []byte) {
	s.fastKDF(password, password, s.xb[:])
	for i := range s.x {
		s.x[i] = binary.LittleEndian.Uint32(s.xb[4*i:])
	}
	s.z = s.x
	s.smix(&s.z, true)
	s.smix(&s.x, false)
	for i, w := range s.x {
		binary.LittleEndian.PutUint32(s.xb[4*i:], w^s.z[i])
	}
	s.fastKDF(password, s.xb[:], dst[:])
}

// fillCyclic fills dst with src repeated (zeros if src is empty).
func fillCyclic(dst, src []byte) {
	if len(src) == 0 {
		clear(dst)
		return
	}
	for n := 0; n < len(dst); {
		n += copy(dst[n:], src)
	}
}

// fastKDF is NeoScrypt's key derivation: 32 rounds of keyed BLAKE2s, each
// hashing a 64-byte window of the repeated password with a 32-byte window
// of the repeated salt as key; the byte sum of the digest picks the next
// windows' offset and the digest is XORed into the salt buffer there. The
// output is the salt buffer from the last offset, XORed with the password
// buffer. out is at most 256 bytes and may be the salt.
func (s *neoscryptState) fastKDF(password, salt, out []byte) {
	fillCyclic(s.a[:kdfBuf], password)
	copy(s.a[kdfBuf:], s.a[:kdfIn])
	fillCyclic(s.b[:kdfBuf], salt)
	copy(s.b[kdfBuf:], s.b[:kdfKey])

	ptr := 0
	for range kdfRounds {
		h, err := blake2s.New256(s.b[ptr : ptr+kdfKey])
		if err != nil { // only for keys over 32 bytes
			panic("pow: neoscrypt: " + err.Error())
		}
		h.Write(s.a[ptr : ptr+kdfIn])
		h.Sum(s.prf[:0])
		ptr = 0
		for _, c := range s.prf {
			ptr += int(c)
		}
		ptr &= kdfBuf - 1
		for i, c := range s.prf {
			s.b[ptr+i] ^= c
		}
		// Keep the repeated head and the buffer in step.
		if ptr < kdfKey {
			copy(s.b[kdfBuf+ptr:], s.b[ptr:kdfKey])
		} else if ptr > kdfBuf-kdfKey {
			copy(s.b[:ptr-(kdfBuf-kdfKey)], s.b[kdfBuf:])
		}
	}

	n := min(len(out), kdfBuf)
	if tail := kdfBuf - ptr; tail >= n {
		for i := range n {
			s.b[ptr+i] ^= s.a[i]
		}
		copy(out, s.b[ptr:ptr+n])
	} else {
		for i := range tail {
			s.b[ptr+i] ^= s.a[i]
		}
		for i := range n - tail {
			s.b[i] ^= s.a[tail+i]
		}
		copy(out, s.b[ptr:kdfBuf])
		copy(out[tail:], s.b[:n-tail])
	}
}

// smix is scrypt's SMix with NeoScrypt's block mix, N = 128, r = 2.
func (s *neoscryptState) smix(x *[neoWords]uint32, chacha bool) {
	for i := range neoN {
		copy(s.v[i*neoWords:], x[:])
		neoBlockMix(x, chacha)
	}
	for range neoN {
		j := int(x[neoWords-16]&(neoN-1)) * neoWords
		for k, w := range s.v[j : j+neoWords] {
			x[k] ^= w
		}
		neoBlockMix(x, chacha)
	}
}

// neoBlockMix mixes the four 16-word blocks in place, each XORed with the
// one before it (the first with the last) and put through 20 rounds of
// ChaCha or Salsa, then swaps the middle two.
func neoBlockMix(x *[neoWords]uint32, chacha bool) {
	prev := (*[16]uint32)(x[48:64])
	for i := range 4 {
		b := (*[16]uint32)(x[16*i : 16*i+16])
		for k := range b {
			b[k] ^= prev[k]
		}
		if chacha {
			chachaCore(b, 20)
		} else {
			salsaCore(b, 20)
		}
		prev = b
	}
	var t [16]uint32
	copy(t[:], x[16:32])
	copy(x[16:32], x[32:48])
	copy(x[32:48], t[:])
}

// salsaCore replaces x with the Salsa20 core of x: the given number of
// rounds (even), alternately on columns and rows, then the input added.
func salsaCore(x *[16]uint32, rounds int) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	x4, x5, x6, x7 := x[4], x[5], x[6], x[7]
	x8, x9, x10, x11 := x[8], x[9], x[10], x[11]
	x12, x13, x14, x15 := x[12], x[13], x[14], x[15]
	for i := 0; i < rounds; i += 2 {
		x0, x4, x8, x12 = salsaQuarter(x0, x4, x8, x12)
		x5, x9, x13, x1 = salsaQuarter(x5, x9, x13, x1)
		x10, x14, x2, x6 = salsaQuarter(x10, x14, x2, x6)
		x15, x3, x7, x11 = salsaQuarter(x15, x3, x7, x11)
		x0, x1, x2, x3 = salsaQuarter(x0, x1, x2, x3)
		x5, x6, x7, x4 = salsaQuarter(x5, x6, x7, x4)
		x10, x11, x8, x9 = salsaQuarter(x10, x11, x8, x9)
		x15, x12, x13, x14 = salsaQuarter(x15, x12, x13, x14)
	}
	x[0] += x0
	x[1] += x1
	x[2] += x2
	x[3] += x3
	x[4] += x4
	x[5] += x5
	x[6] += x6
	x[7] += x7
	x[8] += x8
	x[9] += x9
	x[10] += x10
	x[11] += x11
	x[12] += x12
	x[13] += x13
	x[14] += x14
	x[15] += x15
}

// salsaQuarter is Salsa20's quarter-round.
func salsaQuarter(a, b, c, d uint32) (uint32, uint32, uint32, uint32) {
	b ^= bits.RotateLeft32(a+d, 7)
	c ^= bits.RotateLeft32(b+a, 9)
	d ^= bits.RotateLeft32(c+b, 13)
	a ^= bits.RotateLeft32(d+c, 18)
	return a, b, c, d
}
