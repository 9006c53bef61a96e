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
// bits ijklm; each round adds, rotates, swaps and xors halves of the state
// as the specification's ten steps say.
func cubeRounds(x *[32]uint32, n int) {
	for ; n > 0; n-- {
		for i := range 16 { // add x_0jklm into x_1jklm
			x[i+16] += x[i]
		}
		for i := range 16 { // rotate x_0jklm by 7
			x[i] = bits.RotateLeft32(x[i], 7)
		}
		for i := range 8 { // swap x_00klm with x_01klm
			x[i], x[i+8] = x[i+8], x[i]
		}
		for i := range 16 { // xor x_1jklm into x_0jklm
			x[i] ^= x[i+16]
		}
		for i := 16; i < 32; i++ { // swap x_1jk0m with x_1jk1m
			if i&2 == 0 {
				x[i], x[i+2] = x[i+2], x[i]
			}
		}
		for i := range 16 { // add x_0jklm into x_1jklm
			x[i+16] += x[i]
		}
		for i := range 16 { // rotate x_0jklm by 11
			x[i] = bits.RotateLeft32(x[i], 11)
		}
		for i := range 16 { // swap x_0j0lm with x_0j1lm
			if i&4 == 0 {
				x[i], x[i+4] = x[i+4], x[i]
			}
		}
		for i := range 16 { // xor x_1jklm into x_0jklm
			x[i] ^= x[i+16]
		}
		for i := 16; i < 32; i += 2 { // swap x_1jkl0 with x_1jkl1
			x[i], x[i+1] = x[i+1], x[i]
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
