package pow

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/scrypt"
)

// TestScryptMatchesXCrypto checks the pooled Litecoin scrypt against
// x/crypto's general one on headers and other lengths (the HMAC key is
// hashed first above 64 bytes).
func TestScryptMatchesXCrypto(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 32, 63, 64, 65, 80, 84, 200} {
		for k := 0; k < 3; k++ {
			in := make([]byte, n)
			for i := range in {
				in[i] = byte(rng.Uint32())
			}
			want, err := scrypt.Key(in, in, 1024, 1, 1, 32)
			if err != nil {
				t.Fatal(err)
			}
			var got [32]byte
			scryptLTC(&got, in)
			if string(got[:]) != string(want) {
				t.Fatalf("len %d: got %x, want %x", n, got, want)
			}
		}
	}
}

func BenchmarkScryptXCrypto(b *testing.B) {
	header := make([]byte, 80)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		header[0] = byte(i)
		scryptHash(new([32]byte), header)
	}
}
