package pow

import (
	x11 "github.com/samli88/go-x11-hash"
	"github.com/samli88/go-x11-hash/blake"
	"github.com/samli88/go-x11-hash/bmw"
	"github.com/samli88/go-x11-hash/groestl"
	xhash "github.com/samli88/go-x11-hash/hash"
	"github.com/samli88/go-x11-hash/jh"
	"github.com/samli88/go-x11-hash/keccak"
	"github.com/samli88/go-x11-hash/skein"
)

// The hashers of go-x11-hash keep state and scratch space, so each call
// borrows one from a pool. Their Close resets them for the next use, and
// neither they nor the pools allocate once warm.

// x11State is go-x11-hash's chain as a summer.
type x11State struct{ h *x11.Hash }

func (s *x11State) sum(dst *[32]byte, header []byte) { s.h.Hash(header, dst[:]) }

var x11States = newStatePool(func() *x11State { return &x11State{x11.New()} })

// x11Hash is Dash's X11: eleven 512-bit functions in a chain, the first 32
// bytes of the last digest.
var x11Hash = x11States.hash

// quarkState holds one of each 512-bit function quark uses and the two
// digests it passes between them. The digests live here rather than on the
// stack because the interface calls would move them to the heap.
type quarkState struct {
	blake, bmw, groestl, skein, jh, keccak xhash.Digest
	a, b                                   [64]byte
}

var quarkStates = newStatePool(func() *quarkState {
	return &quarkState{
		blake:   blake.New(),
		bmw:     bmw.New(),
		groestl: groestl.New(),
		skein:   skein.New(),
		jh:      jh.New(),
		keccak:  keccak.New(),
	}
})

// step hashes src with d into dst; d is reset for its next use.
func step(d xhash.Digest, src, dst []byte) {
	d.Write(src)
	d.Close(dst, 0, 0)
}

// quarkHash is Quarkcoin's proof of work (also PIVX's before proof of
// stake): nine rounds of 512-bit functions, three of them chosen by bit 3
// of the first byte of the previous digest, then the first 32 bytes.
var quarkHash = quarkStates.hash

func (s *quarkState) sum(dst *[32]byte, header []byte) {
	a, b := s.a[:], s.b[:]
	step(s.blake, header, a)
	step(s.bmw, a, b)
	if b[0]&8 != 0 {
		step(s.groestl, b, a)
	} else {
		step(s.skein, b, a)
	}
	step(s.groestl, a, b)
	step(s.jh, b, a)
	if a[0]&8 != 0 {
		step(s.blake, a, b)
	} else {
		step(s.bmw, a, b)
	}
	step(s.keccak, b, a)
	step(s.skein, a, b)
	if b[0]&8 != 0 {
		step(s.keccak, b, a)
	} else {
		step(s.jh, b, a)
	}
	copy(dst[:], a[:32])
}

// groestlState is one Groestl-512 hasher and its two digests.
type groestlState struct {
	g    xhash.Digest
	a, b [64]byte
}

var groestlStates = newStatePool(func() *groestlState { return &groestlState{g: groestl.New()} })

// groestlHash is Groestlcoin's proof of work: Groestl-512 of Groestl-512
// of the header, the first 32 bytes.
var groestlHash = groestlStates.hash

func (s *groestlState) sum(dst *[32]byte, header []byte) {
	step(s.g, header, s.a[:])
	step(s.g, s.a[:], s.b[:])
	copy(dst[:], s.b[:32])
}

// x13State is X11's chain (its full 64-byte Echo digest) followed by
// Hamsi-512 and Fugue-512.
type x13State struct {
	x11   *x11.Hash
	hamsi hamsi512State
	fugue fugue512State
	a, b  [64]byte
}

var x13States = newStatePool(func() *x13State { return &x13State{x11: x11.New()} })

// x13Hash is X13's proof of work: the first 32 bytes of Fugue-512 of
// Hamsi-512 of the X11 chain's last 512-bit digest.
var x13Hash = x13States.hash

func (s *x13State) sum(dst *[32]byte, header []byte) {
	s.x11.Hash(header, s.a[:]) // writes all 64 bytes when given room
	s.hamsi.sum(&s.b, s.a[:])
	s.fugue.sum(&s.a, s.b[:])
	copy(dst[:], s.a[:32])
}
