package pow

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"testing"

	"github.com/samli88/go-x11-hash/cubehash"
	xhash "github.com/samli88/go-x11-hash/hash"
	"github.com/samli88/go-x11-hash/skein"
)

// sum512 hashes msg with one of go-x11-hash's 512-bit functions.
func sum512(d xhash.Digest, msg []byte) []byte {
	out := make([]byte, 64)
	d.Write(msg)
	d.Close(out, 0, 0)
	return out
}

// messages returns inputs of every length up to 200 bytes, random but
// fixed, for cross-checks against independent implementations.
func messages() [][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	var out [][]byte
	for n := range 201 {
		m := make([]byte, n)
		for i := range m {
			m[i] = byte(r.Uint32())
		}
		out = append(out, m)
	}
	return out
}

// TestCubeHash checks the CubeHash16/32 written here: at 512 bits against
// go-x11-hash's CubeHash-512 (x11's), and at 256 bits against the
// published digest of the empty message.
func TestCubeHash(t *testing.T) {
	iv512 := cubeIV(512)
	for _, m := range messages() {
		got := make([]byte, 64)
		cubeHash(got, &iv512, m)
		if want := sum512(cubehash.New(), m); !bytes.Equal(got, want) {
			t.Fatalf("CubeHash-512 of %d bytes: %x, want %x", len(m), got, want)
		}
	}
	var got [32]byte
	cubeHash(got[:], &cube256IV, nil)
	if h := hex.EncodeToString(got[:]); h != "44c6de3ac6c73c391bf0906cb7482600ec06b216c7c54a2a8688a6a42676577d" {
		t.Errorf("CubeHash-256(\"\") = %s", h)
	}
}

// TestSkein checks the Skein-512 written here at 512 bits against
// go-x11-hash's Skein-512-512; the 256-bit variant differs only in the
// configuration block's output length.
func TestSkein(t *testing.T) {
	iv512 := skeinIV(512)
	for _, m := range messages() {
		got := make([]byte, 64)
		skeinHash(got, &iv512, m)
		if want := sum512(skein.New(), m); !bytes.Equal(got, want) {
			t.Fatalf("Skein-512-512 of %d bytes: %x, want %x", len(m), got, want)
		}
	}
}
