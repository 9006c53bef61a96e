package pow

import (
	"testing"

	x11 "github.com/samli88/go-x11-hash"
)

// FuzzPooledHashers feeds share headers of any length and content (network
// input) to the pooled hashers: no panic, and the same digest as a fresh
// hasher, so a pooled one is always left clean for the next share.
func FuzzPooledHashers(f *testing.F) {
	f.Add(make([]byte, 80))
	f.Add([]byte("The quick brown fox jumps over the lazy dog"))
	f.Add([]byte{})
	f.Add(make([]byte, 300))
	type sum32 func(dst *[32]byte, data []byte)
	hashers := []struct {
		name          string
		pooled, fresh sum32
	}{
		{"x11", x11Hash, func(dst *[32]byte, data []byte) { x11.New().Hash(data, dst[:]) }},
		{"quark", quarkHash, func(dst *[32]byte, data []byte) { quarkStates.fresh().sum(dst, data) }},
		{"groestl", groestlHash, func(dst *[32]byte, data []byte) { groestlStates.fresh().sum(dst, data) }},
		{"x13", x13Hash, func(dst *[32]byte, data []byte) { x13States.fresh().sum(dst, data) }},
		{"lyra2rev2", lyra2rev2Hash, func(dst *[32]byte, data []byte) { lyra2rev2States.fresh().sum(dst, data) }},
		{"neoscrypt", neoscryptHash, func(dst *[32]byte, data []byte) { neoscryptStates.fresh().sum(dst, data) }},
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, h := range hashers {
			var pooled, fresh [32]byte
			h.pooled(&pooled, data)
			h.fresh(&fresh, data)
			if pooled != fresh {
				t.Fatalf("%s: pooled %x, fresh %x", h.name, pooled, fresh)
			}
		}
		// Hamsi and Fugue take any length themselves (X13 gives them 64
		// bytes): a reused state gives what a new one does.
		for _, h := range []struct {
			name          string
			reused, fresh func(dst *[64]byte, msg []byte)
		}{
			{"hamsi512", new(hamsi512State).sum, func(dst *[64]byte, msg []byte) { new(hamsi512State).sum(dst, msg) }},
			{"fugue512", new(fugue512State).sum, func(dst *[64]byte, msg []byte) { new(fugue512State).sum(dst, msg) }},
		} {
			var h1, h2 [64]byte
			h.reused(&h1, data)
			h.reused(&h1, data)
			h.fresh(&h2, data)
			if h1 != h2 {
				t.Fatalf("%s: reused %x, new %x", h.name, h1, h2)
			}
		}
	})
}
