package pow

import (
	"hash"

	"github.com/dchest/blake256"
	"golang.org/x/crypto/sha3"
)

// lyra2rev2State is one hash's worth of reusable state: the BLAKE-256 and
// Keccak-256 digests, Lyra2's matrix and its input buffer.
type lyra2rev2State struct {
	blake, keccak hash.Hash
	mem           [4 * 4 * lyraBlockWords]uint64
	in            [2 * lyraSafeWords * 8]byte
	a, b          [32]byte
}

var lyra2rev2States = newStatePool(func() *lyra2rev2State {
	return &lyra2rev2State{blake: blake256.New(), keccak: sha3.NewLegacyKeccak256()}
})

// lyra2rev2Hash is Lyra2REv2 (Monacoin; Vertcoin 2015-2018): BLAKE-256,
// Keccak-256, CubeHash-256, Lyra2 (time cost 1, 4 x 4), Skein-512-256,
// CubeHash-256, BMW-256, each on the previous 32-byte digest.
var lyra2rev2Hash = lyra2rev2States.hash

func (st *lyra2rev2State) sum(dst *[32]byte, header []byte) {
	a, b := st.a[:], st.b[:]
	st.blake.Reset()
	st.blake.Write(header)
	st.blake.Sum(a[:0])
	st.keccak.Reset()
	st.keccak.Write(a)
	st.keccak.Sum(b[:0])
	cubeHash(a, &cube256IV, b)
	lyra2(b, a, a, 1, 4, 4, st.mem[:], st.in[:])
	skeinHash(a, &skein256IV, b)
	cubeHash(b, &cube256IV, a)
	bmw256(dst, b)
}

func init() {
	Register(&Algorithm{Name: "lyra2rev2", Multiplier: 256, Hash: lyra2rev2Hash}, "lyra2re2", "lyra2v2")
}
