package pow

import (
	"bytes"
	"encoding/binary"
	"testing"

	"golang.org/x/crypto/salsa20/salsa"
)

// The Salsa20 core (NeoScrypt's second mixer), at 8 rounds against
// x/crypto's Core208 and at 20 rounds against the Salsa20 keystream.
func TestSalsaCore(t *testing.T) {
	t.Run("salsa20/8", func(t *testing.T) {
		var in, want [64]byte
		for i := range in {
			in[i] = byte(i*31 + 7)
		}
		salsa.Core208(&want, &in)
		var x [16]uint32
		for i := range x {
			x[i] = binary.LittleEndian.Uint32(in[4*i:])
		}
		salsaCore(&x, 8)
		if got := wordsLE(&x); !bytes.Equal(got, want[:]) {
			t.Errorf("core %x, want %x", got, want)
		}
	})
	t.Run("salsa20/20", func(t *testing.T) {
		var key [32]byte
		var counter [16]byte // nonce, then block counter
		for i := range key {
			key[i] = byte(255 - i)
		}
		for i := range 8 {
			counter[i] = byte(i + 1)
		}
		want := make([]byte, 64)
		salsa.XORKeyStream(want, want, &counter, &key)
		c := []byte("expand 32-byte k")
		le := func(b []byte) uint32 { return binary.LittleEndian.Uint32(b) }
		x := [16]uint32{
			le(c[0:]), le(key[0:]), le(key[4:]), le(key[8:]),
			le(key[12:]), le(c[4:]), le(counter[0:]), le(counter[4:]),
			le(counter[8:]), le(counter[12:]), le(c[8:]), le(key[16:]),
			le(key[20:]), le(key[24:]), le(key[28:]), le(c[12:]),
		}
		salsaCore(&x, 20)
		if got := wordsLE(&x); !bytes.Equal(got, want) {
			t.Errorf("block %x, want %x", got, want)
		}
	})
}
