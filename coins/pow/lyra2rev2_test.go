package pow

import (
	"encoding/hex"
	"testing"
)

// TestLyra2REv2PartKATs checks the 256-bit functions Lyra2REv2 chains
// against published digests: the SHA-3 submissions' ShortMsgKAT_256 entries
// (Len = 0, 8 and 16 bits: "", cc, 41fb) for Skein-512-256, CubeHash16/32-256
// and BMW-256, plus the digests sphlib-based libraries list for "abc" and
// "The quick brown fox jumps over the lazy dog".
func TestLyra2REv2PartKATs(t *testing.T) {
	skein := func(dst *[32]byte, m []byte) { skeinHash(dst[:], &skein256IV, m) }
	cube := func(dst *[32]byte, m []byte) { cubeHash(dst[:], &cube256IV, m) }
	const fox = "The quick brown fox jumps over the lazy dog"
	tests := []struct {
		name string
		fn   func(*[32]byte, []byte)
		msg  string
		want string
	}{
		{"skein/empty", skein, "", "39ccc4554a8b31853b9de7a1fe638a24cce6b35a55f2431009e18780335d2621"},
		{"skein/cc", skein, "\xcc", "a018268ed814e0ad0f2d0304e8fe3f4118fcefc07454d07123cc2c3e40e06a4f"},
		{"skein/41fb", skein, "\x41\xfb", "f91902ddcc9688462e48f0bcdfca031637f0d8da577c1e2aa316b5c022450bf2"},
		{"skein/abc", skein, "abc", "0977b339c3c85927071805584d5460d8f20da8389bbe97c59b1cfac291fe9527"},
		{"skein/fox", skein, fox, "b3250457e05d3060b1a4bbc1428bc75a3f525ca389aeab96cfa34638d96e492a"},
		{"cubehash/empty", cube, "", "44c6de3ac6c73c391bf0906cb7482600ec06b216c7c54a2a8688a6a42676577d"},
		{"cubehash/cc", cube, "\xcc", "6c38422fb21d2c2c648b25add974f29208e02a08105b6de99d745aa79e2b8466"},
		{"cubehash/41fb", cube, "\x41\xfb", "ad4a4242bd1d2385d72a46eaeae3239bfa243829f0cf3640ed852d4f6609f7df"},
		{"cubehash/abc", cube, "abc", "a220b4bf5023e750c2a34dcd5564a8523d32e17fab6fbe0f18a0b0bf5a65632b"},
		{"bmw/empty", bmw256, "", "82cac4bf6f4c2b41fbcc0e0984e9d8b76d7662f8e1789cdfbd85682acc55577a"},
		{"bmw/cc", bmw256, "\xcc", "f71289cd66d22657801ae25f5db946f6d2cc9884d70080d84282a5ef083cb70f"},
		{"bmw/41fb", bmw256, "\x41\xfb", "8f7a69e19a65f1148d02de5e2bf784974e6cf3335cd2b2d07bc3b88463d2be3c"},
		{"bmw/abc", bmw256, "abc", "57d11fc94bdf98e6a0d0bf1d4ddda3f4205e873666a644b5bb585e171ad87d34"},
		{"bmw/fox", bmw256, fox, "ca0981a78ac2c97ecb358267f6d8d88216366024ef0d7137938b5a3165898dff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [32]byte
			tt.fn(&got, []byte(tt.msg))
			if h := hex.EncodeToString(got[:]); h != tt.want {
				t.Errorf("got %s, want %s", h, tt.want)
			}
		})
	}
}

// TestLyra2REv2Lengths hashes inputs of several lengths through every name
// the algorithm answers to: no panic, the same digest from a pooled and a
// fresh state, and, for "test" zero-padded to 80 bytes, the digest
// bitgoin/lyra2rev2's test publishes (an end-to-end check independent of
// testdata/pow-vectors.json).
func TestLyra2REv2Lengths(t *testing.T) {
	tests := []struct {
		name string
		n    int
		want string // raw digest; empty: only determinism is checked
	}{
		{"len0", 0, ""},
		{"len1", 1, ""},
		{"len80", 80, ""},
		{"len80-test", 80, "5f21d7763b1ae8fc87db7dc993ddc50468765729411ba6b24906de15851a4abf"},
		{"len200", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := make([]byte, tt.n)
			if tt.want != "" {
				copy(in, "test")
			} else {
				for i := range in {
					in[i] = byte(i*7 + 3)
				}
			}
			var fresh [32]byte
			lyra2rev2States.fresh().sum(&fresh, in)
			if tt.want != "" {
				if h := hex.EncodeToString(fresh[:]); h != tt.want {
					t.Fatalf("digest %s, want %s", h, tt.want)
				}
			}
			for _, name := range []string{"lyra2rev2", "lyra2re2", "lyra2v2"} {
				a, err := Lookup(name)
				if err != nil {
					t.Fatalf("lookup %q: %v", name, err)
				}
				for range 2 { // the second call reuses a pooled state
					var got [32]byte
					a.Hash(&got, in)
					if got != fresh {
						t.Fatalf("%s: %x, fresh state %x", name, got, fresh)
					}
				}
			}
		})
	}
}

// TestLyra2REv2NoAllocs checks that a warm hash allocates nothing.
func TestLyra2REv2NoAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items")
	}
	a, err := Lookup("lyra2rev2")
	if err != nil {
		t.Fatal(err)
	}
	header := make([]byte, HeaderSize)
	var h [32]byte
	a.Hash(&h, header)
	if n := testing.AllocsPerRun(200, func() { a.Hash(&h, header) }); n != 0 {
		t.Errorf("%v allocations per hash, want 0", n)
	}
}
