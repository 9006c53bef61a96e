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
		lyra2rev2Hash(&pooled, data)
		lyra2rev2States.fresh().sum(&fresh, data)
		if pooled != fresh {
			t.Fatalf("lyra2rev2: pooled %x, fresh %x", pooled, fresh)
		}
		neoscryptHash(&pooled, data)
		new(neoscryptState).sum(&fresh, data)
		if pooled != fresh {
			t.Fatalf("neoscrypt: pooled %x, fresh %x", pooled, fresh)
		}
	})
}
