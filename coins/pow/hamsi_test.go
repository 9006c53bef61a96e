package pow

import (
	"encoding/hex"
	"testing"
)

// TestHamsi512KATs checks Hamsi-512 against the SHA-3 submission's
// ShortMsgKAT_512 entries for Len = 0 and Len = 8 (Msg = CC).
func TestHamsi512KATs(t *testing.T) {
	tests := []kat512{
		{"empty", "", "5cd7436a91e27fc809d7015c3407540633dab391127113ce6ba360f0c1e35f404510834a551610d6e871e75651ea381a8ba628af1dcf2b2be13af2eb6247290f"},
		{"cc", "\xcc", "7da1be62a813a8e24d200671cffb1d0be79d2bc176ff0b163b11eded2414ef66261ff52c745383442bc7f1884d5166f26f41d335fc2d2fdb2f93b24b8d079265"},
	}
	var s hamsi512State
	checkKATs512(t, s.sum, tests)
}

// TestHamsiSbox checks the bitsliced S-box against the table in the Hamsi
// specification, one column value at a time.
func TestHamsiSbox(t *testing.T) {
	table := [16]uint32{8, 6, 7, 9, 3, 0xc, 0xa, 0xf, 0xd, 1, 0xe, 4, 0, 0xb, 5, 2}
	for x := range uint32(16) {
		// Put x in column 5 only; the other columns hold 0.
		a, b, c, d := (x&1)<<5, (x>>1&1)<<5, (x>>2&1)<<5, (x>>3&1)<<5
		y0, y1, y2, y3 := hamsiSbox(a, b, c, d)
		got := y0>>5&1 | (y1>>5&1)<<1 | (y2>>5&1)<<2 | (y3>>5&1)<<3
		if got != table[x] {
			t.Errorf("S(%x) = %x, want %x", x, got, table[x])
		}
		// Column 0 saw input 0.
		zero := y0&1 | (y1&1)<<1 | (y2&1)<<2 | (y3&1)<<3
		if zero != table[0] {
			t.Errorf("S(0) in another column = %x, want %x", zero, table[0])
		}
	}
}

// BenchmarkHamsi512 hashes 64 bytes, X13's input to Hamsi.
func BenchmarkHamsi512(b *testing.B) {
	var s hamsi512State
	var in, out [64]byte
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		s.sum(&out, in[:])
	}
}

// kat512 is a known answer of a 512-bit function: the message and the
// digest in hex.
type kat512 struct{ name, msg, want string }

// checkKATs512 runs sum, one state reused, over every known answer.
func checkKATs512(t *testing.T, sum func(dst *[64]byte, msg []byte), tests []kat512) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [64]byte
			sum(&got, []byte(tt.msg))
			if h := hex.EncodeToString(got[:]); h != tt.want {
				t.Errorf("got %s, want %s", h, tt.want)
			}
		})
	}
}
