package pow

import (
	"encoding/binary"
	"fmt"
	"testing"
)

// BenchmarkHash hashes an 80-byte header with each algorithm on one core.
// Time-dependent algorithms run at several N: scrypt-jane at N factor 4
// (YACoin's genesis), 14 and 19 (the era of the node-multi-hashing vectors)
// and, unless -short, 21 (YACoin today: 512 MiB per hash).
func BenchmarkHash(b *testing.B) {
	header := make([]byte, HeaderSize)
	for i := range header {
		header[i] = byte(i * 13)
	}
	type bench struct {
		name string
		a    *Algorithm
	}
	var benches []bench
	for _, name := range Names() {
		a, _ := Lookup(name)
		switch name {
		case "scrypt-jane":
			for _, nf := range []int{4, 14, 19, 21} {
				j, err := NewScryptJane(Params{NMin: nf, NMax: nf, MaxConcurrent: 1})
				if err != nil {
					b.Fatal(err)
				}
				benches = append(benches, bench{fmt.Sprintf("scrypt-jane/nf%d", nf), j})
			}
		case "scrypt-n":
			for _, n := range []int{2048, 16384} {
				s, err := NewScryptN(Params{TimeTable: map[string]int64{fmt.Sprint(n): 0}})
				if err != nil {
					b.Fatal(err)
				}
				benches = append(benches, bench{fmt.Sprintf("scrypt-n/N%d", n), s})
			}
		default:
			benches = append(benches, bench{name, a})
		}
	}
	for _, bb := range benches {
		b.Run(bb.name, func(b *testing.B) {
			if bb.name == "scrypt-jane/nf21" && testing.Short() {
				b.Skip("-short: 512 MiB and seconds per hash")
			}
			b.ReportAllocs()
			var h [32]byte
			var nonce uint32
			for b.Loop() {
				nonce++
				binary.LittleEndian.PutUint32(header[76:], nonce)
				bb.a.Hash(&h, header)
			}
		})
	}
}
