package pow

import (
	"encoding/binary"
	"math/bits"
)

// CubeHash16/32 (Bernstein's SHA-3 round-2 parameters, the ones
// Lyra2REv2 uses): a 1024-bit state of 32 words, 32-byte message blocks,
// 16 rounds per block, and 160 rounds to initialise and to finalise. Only
// the output length differs between CubeHash-256 and CubeHash-512: it goes
// into the first state word before initialisation.

const (
	cubeBlock       = 32
	cubeBlockRounds = 16
	cubeInitRounds  = 160
)

// cubeRounds applies n CubeHash rounds. The 32 words are indexed by five
// bits ijklm; a round adds, rotates, swaps and xors halves of the state
// in the specification's ten steps. The swaps are folded into the index
// arithmetic below: a is the lower half (i = 0), b the upper.
func cubeRounds(x *[32]uint32, n int) {
	a := (*[16]uint32)(x[:16])
	b := (*[16]uint32)(x[16:])
	var t, u [16]uint32
	for ; n > 0; n-- {
		for i := range 16 { // 1: add x_0jklm into x_1jklm
			b[i] += a[i]
		}
		for i := range 16 { // 2-4: rotate by 7, swap x_00klm/x_01klm, xor in the upper half
			t[i] = bits.RotateLeft32(a[i^8], 7) ^ b[i]
		}
		for i := range 16 { // 5-6: swap x_1jk0m/x_1jk1m, add the lower half
			u[i] = b[i^2] + t[i]
		}
		for i := range 16 { // 7-9: rotate by 11, swap x_0j0lm/x_0j1lm, xor
			a[i] = bits.RotateLeft32(t[i^4], 11) ^ u[i]
		}
		for i := range 16 { // 10: swap x_1jkl0/x_1jkl1
			b[i] = u[i^1]
		}
	}
}

// cubeIV returns the initial state for an output of outBits bits.
func cubeIV(outBits int) [32]uint32 {
	var x [32]uint32
	x[0], x[1], x[2] = uint32(outBits/8), cubeBlock, cubeBlockRounds
	cubeRounds(&x, cubeInitRounds)
	return x
}

var cube256IV = cubeIV(256)

// cubeHash writes the CubeHash16/32 digest of msg, len(dst) bytes long,
// starting from iv (cubeIV(8*len(dst))).
func cubeHash(dst []byte, iv *[32]uint32, msg []byte) {
	x := *iv
	for len(msg) >= cubeBlock {
		cubeAbsorb(&x, msg[:cubeBlock])
		msg = msg[cubeBlock:]
	}
	// Padding: a 1 bit (0x80 in the byte order used), then zeros to the
	// end of the block.
	var last [cubeBlock]byte
	copy(last[:], msg)
	last[len(msg)] = 0x80
	cubeAbsorb(&x, last[:])
	x[31] ^= 1
	cubeRounds(&x, cubeInitRounds)
	for i := 0; i < len(dst); i += 4 {
		binary.LittleEndian.PutUint32(dst[i:], x[i/4])
	}
}

func cubeAbsorb(x *[32]uint32, block []byte) {
	for i := range cubeBlock / 4 {
		x[i] ^= binary.LittleEndian.Uint32(block[4*i:])
	}
	cubeRounds(x, cubeBlockRounds)
}
