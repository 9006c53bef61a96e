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
	f.Fuzz(func(t *testing.T, data []byte) {
		var pooled, fresh [32]byte

		x11Hash(&pooled, data)
		x11.New().Hash(data, fresh[:])
		if pooled != fresh {
			t.Fatalf("x11: pooled %x, fresh %x", pooled, fresh)
		}
		quarkHash(&pooled, data)
		quarkStates.fresh().sum(&fresh, data)
		if pooled != fresh {
			t.Fatalf("quark: pooled %x, fresh %x", pooled, fresh)
		}
		groestlHash(&pooled, data)
		groestlStates.fresh().sum(&fresh, data)
		if pooled != fresh {
			t.Fatalf("groestl: pooled %x, fresh %x", pooled, fresh)
		}
		x13Hash(&pooled, data)
		x13States.fresh().sum(&fresh, data)
		if pooled != fresh {
			t.Fatalf("x13: pooled %x, fresh %x", pooled, fresh)
		}
		lyra2rev2Hash(&pooled, data)
		lyra2rev2States.fresh().sum(&fresh, data)
		if pooled != fresh {
			t.Fatalf("lyra2rev2: pooled %x, fresh %x", pooled, fresh)
		}
		neoscryptHash(&pooled, data)
		neoscryptStates.fresh().sum(&fresh, data)
		if pooled != fresh {
			t.Fatalf("neoscrypt: pooled %x, fresh %x", pooled, fresh)
		}
		// Hamsi and Fugue take any length themselves (X13 gives them 64
		// bytes): a reused state gives what a new one does.
		var h1, h2 [64]byte
		var hs hamsi512State
		hs.sum(&h1, data)
		hs.sum(&h1, data)
		new(hamsi512State).sum(&h2, data)
		if h1 != h2 {
			t.Fatalf("hamsi512: reused %x, new %x", h1, h2)
		}
		var fs fugue512State
		fs.sum(&h1, data)
		fs.sum(&h1, data)
		new(fugue512State).sum(&h2, data)
		if h1 != h2 {
			t.Fatalf("fugue512: reused %x, new %x", h1, h2)
		}
	})
}
