package pow

import (
	"encoding/binary"
	"fmt"
	"math/bits"

	"golang.org/x/crypto/pbkdf2"
	"golang.org/x/crypto/sha3"
)

// YACoin's scrypt-jane parameters, the defaults of NewScryptJane.
const (
	// YACoinChainStart is YACoin's chain start time (unix seconds).
	YACoinChainStart = 1367991200
	// DefaultNMin and DefaultNMax bound the N factor by default.
	DefaultNMin, DefaultNMax = 4, 30
	// DefaultLongHeaderNFactor is the N factor of YACoin's 84-byte
	// headers (YACoin 1.0, block version 7 and later; its daemons'
	// -nFactorAtHardfork default).
	DefaultLongHeaderNFactor = 21
	// LongHeaderSize is the length of a header with a 64-bit time.
	LongHeaderSize = 84
)

// maxNFactor is the largest N factor scrypt-jane defines (N = 2^31).
const maxNFactor = 30

// scryptJane is the scrypt-jane proof of work as YACoin uses it:
// scrypt with PBKDF2-HMAC-Keccak-512 around a ROMix whose mixing function
// is ChaCha20/8, r = 1, p = 1, N = 2^(Nfactor+1) with the N factor growing
// with the block time.
type scryptJane struct {
	start            int64
	nMin, nMax       int
	longHeaderFactor int
	pool             *scratchPool
}

// NewScryptJane returns a scrypt-jane Algorithm with a coin's parameters:
// ChainStartTime, NMin, NMax, LongHeaderNFactor and MaxConcurrent (zero
// fields take YACoin's values). Its Hash reads the 32-bit block time from
// bytes 68..72 of an 80-byte header; an 84-byte header (64-bit time) uses
// LongHeaderNFactor whatever its time. Each hash needs 2^(Nfactor+8) bytes
// of scratch memory: 512 MiB at YACoin's N factor 21.
func NewScryptJane(p Params) (*Algorithm, error) {
	s, err := newScryptJane(p)
	if err != nil {
		return nil, err
	}
	return &Algorithm{
		Name:        "scrypt-jane",
		Multiplier:  65536,
		Hash:        s.hash,
		HashAt:      s.hashAt,
		HeaderSizes: []int{HeaderSize, LongHeaderSize},
		// YACoin names its (80-byte header) blocks by their scrypt-jane hash.
		BlockIDIsPoW: true,
	}, nil
}

func newScryptJane(p Params) (*scryptJane, error) {
	s := &scryptJane{start: p.ChainStartTime, nMin: p.NMin, nMax: p.NMax, longHeaderFactor: p.LongHeaderNFactor}
	if s.start == 0 {
		s.start = YACoinChainStart
	}
	if s.nMin == 0 {
		s.nMin = DefaultNMin
	}
	if s.nMax == 0 {
		s.nMax = DefaultNMax
	}
	if s.longHeaderFactor == 0 {
		s.longHeaderFactor = DefaultLongHeaderNFactor
	}
	switch {
	case len(p.TimeTable) > 0:
		return nil, fmt.Errorf("%w: scrypt-jane takes no time table (that is scrypt-n)", ErrBadParams)
	case s.nMin < 1 || s.nMax > maxNFactor || s.nMin > s.nMax:
		return nil, fmt.Errorf("%w: scrypt-jane N factor bounds %d..%d not within 1..%d", ErrBadParams, s.nMin, s.nMax, maxNFactor)
	case s.longHeaderFactor < 1 || s.longHeaderFactor > maxNFactor:
		return nil, fmt.Errorf("%w: scrypt-jane long-header N factor %d not within 1..%d", ErrBadParams, s.longHeaderFactor, maxNFactor)
	case p.MaxConcurrent < 0:
		return nil, fmt.Errorf("%w: negative MaxConcurrent %d", ErrBadParams, p.MaxConcurrent)
	}
	s.pool = newScratchPool(p.MaxConcurrent)
	return s, nil
}

// headerTime reads the 32-bit block time of a header (0 if it is too short).
func headerTime(header []byte) int64 {
	if len(header) < 72 {
		return 0
	}
	return int64(binary.LittleEndian.Uint32(header[68:72]))
}

// nFactor is YACoin's GetNfactor: it grows by about 1.7 per doubling of
// the time since the chain start, clamped to [nMin, nMax].
func (s *scryptJane) nFactor(t int64) int {
	if t <= s.start {
		return s.nMin
	}
	d, l := t-s.start, 0
	for d>>1 > 3 {
		l++
		d >>= 1
	}
	n := (l*170 + int(d&3)*25 - 2320) / 100
	return min(max(n, s.nMin), s.nMax)
}

func (s *scryptJane) hash(dst *[32]byte, header []byte) {
	s.hashAt(dst, header, headerTime(header))
}

func (s *scryptJane) hashAt(dst *[32]byte, header []byte, t int64) {
	nf := s.nFactor(t)
	if len(header) == LongHeaderSize {
		nf = s.longHeaderFactor
	}
	n := 1 << (nf + 1)
	buf := s.pool.get((n + 2) * 32)
	out := scryptJaneKey(header, header, n, 1, 1, 32, buf)
	s.pool.put(buf)
	copy(dst[:], out)
}

// scryptJaneKey is scrypt-jane's KDF with Keccak-512 and ChaCha20/8:
// B = PBKDF2-HMAC-Keccak512(password, salt, 1 iteration, p*128*r bytes),
// each of B's p chunks through ROMix(N, r), then PBKDF2 of the password
// with B as the salt. scratch, if long enough, is used for ROMix's
// (N+2)*32*r words; otherwise it allocates.
func scryptJaneKey(password, salt []byte, n, r, p, keyLen int, scratch []uint32) []byte {
	cw := 32 * r // words in a chunk of 2r 64-byte blocks
	b := pbkdf2.Key(password, salt, 1, p*cw*4, sha3.NewLegacyKeccak512)
	need := (n + 2) * cw
	if len(scratch) < need {
		scratch = make([]uint32, need)
	}
	v, x, y := scratch[:n*cw], scratch[n*cw:(n+1)*cw], scratch[(n+1)*cw:need]
	for i := range p {
		chunk := b[i*cw*4 : (i+1)*cw*4]
		for j := range x {
			x[j] = binary.LittleEndian.Uint32(chunk[4*j:])
		}
		roMix(x, y, v, n, r)
		for j, w := range x {
			binary.LittleEndian.PutUint32(chunk[4*j:], w)
		}
	}
	return pbkdf2.Key(password, b, 1, keyLen, sha3.NewLegacyKeccak512)
}

// roMix is scrypt's ROMix on the chunk x (32*r words) with ChaCha20/8 as
// the block function: fill v with N successive mixes, then mix N times
// with the entry the chunk's last block points at. y is one chunk of
// scratch; n is a power of two.
func roMix(x, y, v []uint32, n, r int) {
	cw := 32 * r
	copy(v[:cw], x)
	for i := 0; i < n-1; i++ {
		chunkMix(v[(i+1)*cw:(i+2)*cw], v[i*cw:(i+1)*cw], nil, r)
	}
	chunkMix(x, v[(n-1)*cw:n*cw], nil, r)
	mask := n - 1
	for i := 0; i < n; i += 2 {
		j := int(x[cw-16]) & mask
		chunkMix(y, x, v[j*cw:(j+1)*cw], r)
		j = int(y[cw-16]) & mask
		chunkMix(x, y, v[j*cw:(j+1)*cw], r)
	}
}

// chunkMix is scrypt's BlockMix over the 2r 16-word blocks of in (each
// first XORed with the same block of xor, when xor is not nil): a running
// block is XORed with each and put through ChaCha20/8; the results of even
// blocks fill the first half of out, those of odd blocks the second. out
// must not overlap in or xor.
func chunkMix(out, in, xor []uint32, r int) {
	var t [16]uint32
	last := (2*r - 1) * 16
	copy(t[:], in[last:last+16])
	if xor != nil {
		for k, w := range xor[last : last+16] {
			t[k] ^= w
		}
	}
	for i := range 2 * r {
		for k, w := range in[i*16 : i*16+16] {
			t[k] ^= w
		}
		if xor != nil {
			for k, w := range xor[i*16 : i*16+16] {
				t[k] ^= w
			}
		}
		chachaCore(&t, 8)
		o := (i/2 + (i&1)*r) * 16
		copy(out[o:o+16], t[:])
	}
}

// chachaCore replaces x with ChaCha's block function of x: the given
// number of rounds (even) of quarter-rounds on columns and diagonals, then
// the input added word by word. scrypt-jane uses 8 rounds on a plain
// 16-word block, without ChaCha's constants, key and counter layout.
func chachaCore(x *[16]uint32, rounds int) {
	x0, x1, x2, x3 := x[0], x[1], x[2], x[3]
	x4, x5, x6, x7 := x[4], x[5], x[6], x[7]
	x8, x9, x10, x11 := x[8], x[9], x[10], x[11]
	x12, x13, x14, x15 := x[12], x[13], x[14], x[15]
	for i := 0; i < rounds; i += 2 {
		x0, x4, x8, x12 = quarterRound(x0, x4, x8, x12)
		x1, x5, x9, x13 = quarterRound(x1, x5, x9, x13)
		x2, x6, x10, x14 = quarterRound(x2, x6, x10, x14)
		x3, x7, x11, x15 = quarterRound(x3, x7, x11, x15)
		x0, x5, x10, x15 = quarterRound(x0, x5, x10, x15)
		x1, x6, x11, x12 = quarterRound(x1, x6, x11, x12)
		x2, x7, x8, x13 = quarterRound(x2, x7, x8, x13)
		x3, x4, x9, x14 = quarterRound(x3, x4, x9, x14)
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

// quarterRound is ChaCha's quarter-round on four words.
func quarterRound(a, b, c, d uint32) (uint32, uint32, uint32, uint32) {
	a += b
	d = bits.RotateLeft32(d^a, 16)
	c += d
	b = bits.RotateLeft32(b^c, 12)
	a += b
	d = bits.RotateLeft32(d^a, 8)
	c += d
	b = bits.RotateLeft32(b^c, 7)
	return a, b, c, d
}
