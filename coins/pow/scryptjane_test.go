package pow

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/crypto/chacha20"
	"golang.org/x/crypto/sha3"
)

// Keccak-512 as submitted to the SHA-3 competition (padding 0x01), which
// scrypt-jane uses; SHA3-512 (padding 0x06) gives other digests.
func TestKeccak512KnownAnswers(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", "0eab42de4c3ceb9235fc91acffe746b29c29a8c366b7c60e4e67c466f36a4304c00fa9caf9d87976ba469bcbe06713b435f091ef2769fb160cdab33d3670680e"},
		{"The quick brown fox jumps over the lazy dog", "d135bb84d0439dbac432247ee573a23ea7d3c9deb2a968eb31d47c4fb45f1ef4422d6c531b5b9bd6f449ebcc449ea94d0a8f05f62130fda612da53c79659f609"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h := sha3.NewLegacyKeccak512()
			h.Write([]byte(tt.in))
			if got := hex.EncodeToString(h.Sum(nil)); got != tt.want {
				t.Errorf("Keccak-512(%q) = %s, want %s", tt.in, got, tt.want)
			}
			if h.BlockSize() != 72 {
				t.Errorf("block size %d, want 72 (scrypt-jane's HMAC block)", h.BlockSize())
			}
		})
	}
}

// chachaState lays out ChaCha's input block: constants, key, counter, nonce.
func chachaState(key [32]byte, counter uint32, nonce [12]byte) [16]uint32 {
	var x [16]uint32
	for i, c := 0, []byte("expand 32-byte k"); i < 4; i++ {
		x[i] = binary.LittleEndian.Uint32(c[4*i:])
	}
	for i := range 8 {
		x[4+i] = binary.LittleEndian.Uint32(key[4*i:])
	}
	x[12] = counter
	for i := range 3 {
		x[13+i] = binary.LittleEndian.Uint32(nonce[4*i:])
	}
	return x
}

func wordsLE(x *[16]uint32) []byte {
	out := make([]byte, 64)
	for i, w := range x {
		binary.LittleEndian.PutUint32(out[4*i:], w)
	}
	return out
}

// The ChaCha core, checked at 8 rounds against the published ChaCha8
// keystream for a zero key and nonce (draft-strombergson-chacha-test-
// vectors, TC1) and at 20 rounds against x/crypto/chacha20.
func TestChachaCore(t *testing.T) {
	t.Run("chacha8-zero-key", func(t *testing.T) {
		x := chachaState([32]byte{}, 0, [12]byte{})
		chachaCore(&x, 8)
		const want = "3e00ef2f895f40d67f5bb8e81f09a5a12c840ec3ce9a7f3b181be188ef711a1e984ce172b9216f419f445367456d5619314a42a3da86b001387bfdb80e0cfe42"
		if got := hex.EncodeToString(wordsLE(&x)); got != want {
			t.Errorf("ChaCha8 block %s, want %s", got, want)
		}
	})
	t.Run("chacha20-vs-x/crypto", func(t *testing.T) {
		var key [32]byte
		var nonce [12]byte
		for i := range key {
			key[i] = byte(i * 7)
		}
		for i := range nonce {
			nonce[i] = byte(0xa0 + i)
		}
		for _, counter := range []uint32{0, 1, 0xfffffff0} {
			c, err := chacha20.NewUnauthenticatedCipher(key[:], nonce[:])
			if err != nil {
				t.Fatal(err)
			}
			c.SetCounter(counter)
			want := make([]byte, 64)
			c.XORKeyStream(want, want)
			x := chachaState(key, counter, nonce)
			chachaCore(&x, 20)
			if got := wordsLE(&x); !bytes.Equal(got, want) {
				t.Errorf("counter %d: block %x, want %x", counter, got, want)
			}
		}
	})
}

// scrypt-jane at a small N, the way YACoin's genesis block was hashed,
// also through HashAt with the time given.
func TestScryptJaneSmallN(t *testing.T) {
	header, _ := hex.DecodeString("0100000000000000000000000000000000000000000000000000000000000000000000004f24f24c9df325e9dd69ccb721806db2f7d7579dfad391a57666f09f41768b67b4e38951ffff0f1e7df10100")
	const want = "0000060fc90618113cde415ead019a1052a9abc43afcccff38608ff8751353e5"
	a, _ := Lookup("scrypt-jane")
	var h [32]byte
	got := scryptJaneKey(header, header, 32, 1, 1, 32, nil)
	copy(h[:], got)
	if ReverseHex(&h) != want {
		t.Errorf("scryptJaneKey(N=32) = %s, want %s", ReverseHex(&h), want)
	}
	h = [32]byte{}
	a.HashAt(&h, header, YACoinChainStart+20)
	if ReverseHex(&h) != want {
		t.Errorf("HashAt = %s, want %s", ReverseHex(&h), want)
	}
	// A later time raises the N factor and changes the hash.
	a.HashAt(&h, header, 1368515488)
	if ReverseHex(&h) == want {
		t.Error("HashAt at N factor 5 gave the N factor 4 hash")
	}
}

// YACoin's 32-bit-era CalculateHash lists the times at which the N factor
// steps up (nSpanOf4..nSpanOf25 in src/primitives/block.h); GetNfactor's
// formula must step at exactly those seconds.
func TestScryptJaneNFactor(t *testing.T) {
	steps := []int64{1368515488, 1368777632, 1369039776, 1369826208, 1370088352,
		1372185504, 1373234080, 1376379808, 1380574112, 1384768416, 1401545632,
		1409934240, 1435100064, 1468654496, 1502208928, 1602872224, 1636426656,
		1904862112, 2173297568, 2441733024, 3247039392}
	s := &scryptJane{start: YACoinChainStart, nMin: DefaultNMin, nMax: DefaultNMax}
	for i, at := range steps {
		nf := 5 + i
		if got := s.nFactor(at - 1); got != nf-1 {
			t.Errorf("nFactor(%d) = %d, want %d", at-1, got, nf-1)
		}
		if got := s.nFactor(at); got != nf {
			t.Errorf("nFactor(%d) = %d, want %d", at, got, nf)
		}
	}
	tests := []struct {
		name       string
		start      int64
		nMin, nMax int
		time       int64
		want       int
	}{
		{"before start", YACoinChainStart, 4, 30, 0, 4},
		{"at start", YACoinChainStart, 4, 30, YACoinChainStart, 4},
		{"genesis", YACoinChainStart, 4, 30, YACoinChainStart + 20, 4},
		{"aug 2020", YACoinChainStart, 4, 30, 1597000000, 19},
		{"nmax caps", YACoinChainStart, 4, 18, 1597000000, 18},
		{"nmin floors", YACoinChainStart, 6, 30, YACoinChainStart + 20, 6},
		{"other chain start", 1389196388, 4, 30, 1389196388 + (1597000000 - YACoinChainStart), 19},
		{"far future", YACoinChainStart, 4, 30, 1 << 62, 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scryptJane{start: tt.start, nMin: tt.nMin, nMax: tt.nMax}
			if got := s.nFactor(tt.time); got != tt.want {
				t.Errorf("nFactor(%d) = %d, want %d", tt.time, got, tt.want)
			}
		})
	}
}

// Hash reads the time from bytes 68..72 of an 80-byte header; an 84-byte
// header uses the fixed long-header N factor whatever its time.
func TestScryptJaneHeaderTime(t *testing.T) {
	a, err := NewScryptJane(Params{LongHeaderNFactor: 3})
	if err != nil {
		t.Fatal(err)
	}
	hdr := make([]byte, 80)
	for i := range hdr {
		hdr[i] = byte(i)
	}
	binary.LittleEndian.PutUint32(hdr[68:], 1368777632) // N factor 6
	var got, want [32]byte
	a.Hash(&got, hdr)
	copy(want[:], scryptJaneKey(hdr, hdr, 1<<7, 1, 1, 32, nil))
	if got != want {
		t.Errorf("80-byte header: %x, want N factor 6 %x", got, want)
	}
	a.HashAt(&got, hdr, 1368777632)
	if got != want {
		t.Errorf("HashAt: %x, want %x", got, want)
	}

	long := make([]byte, LongHeaderSize)
	copy(long, hdr[:68])
	binary.LittleEndian.PutUint64(long[68:], 1700000000) // would be N factor 21 by the formula
	copy(long[76:], hdr[72:80])
	a.Hash(&got, long)
	copy(want[:], scryptJaneKey(long, long, 1<<4, 1, 1, 32, nil))
	if got != want {
		t.Errorf("84-byte header: %x, want N factor 3 %x", got, want)
	}
	if !a.AcceptsHeaderSize(84) || !a.AcceptsHeaderSize(80) || a.AcceptsHeaderSize(76) {
		t.Errorf("HeaderSizes %v: want 80 and 84", a.HeaderSizes)
	}
}

func TestNewScryptJaneParams(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		ok   bool
	}{
		{"defaults", Params{}, true},
		{"nomp yacoin", Params{ChainStartTime: 1367991200, NMin: 4, NMax: 30}, true},
		{"fixed", Params{NMin: 9, NMax: 9}, true},
		{"min above max", Params{NMin: 10, NMax: 9}, false},
		{"max too big", Params{NMax: 31}, false},
		{"negative min", Params{NMin: -1}, false},
		{"time table", Params{TimeTable: map[string]int64{"1024": 0}}, false},
		{"long factor too big", Params{LongHeaderNFactor: 40}, false},
		{"negative concurrency", Params{MaxConcurrent: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewScryptJane(tt.p)
			if tt.ok != (err == nil) {
				t.Fatalf("NewScryptJane(%+v) = %v, want ok %v", tt.p, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadParams) {
				t.Errorf("error %v is not ErrBadParams", err)
			}
			if err == nil && (a.Name != "scrypt-jane" || a.Multiplier != 65536 || a.HashAt == nil) {
				t.Errorf("got %+v", a)
			}
		})
	}
}

// MaxConcurrent bounds how many hashes run at once; the rest wait, and
// every hash still gives the right answer.
func TestScryptJaneMaxConcurrent(t *testing.T) {
	for _, limit := range []int{1, 2} {
		s, err := newScryptJane(Params{NMin: 4, NMax: 4, MaxConcurrent: limit})
		if err != nil {
			t.Fatal(err)
		}
		hdr := make([]byte, 80)
		var want [32]byte
		copy(want[:], scryptJaneKey(hdr, hdr, 32, 1, 1, 32, nil))
		var wg sync.WaitGroup
		var bad atomic.Int32
		for range 8 {
			wg.Go(func() {
				for range 25 {
					var h [32]byte
					s.hash(&h, hdr)
					if h != want {
						bad.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if bad.Load() > 0 {
			t.Errorf("limit %d: %d wrong hashes", limit, bad.Load())
		}
		if peak := s.pool.peak.Load(); peak > int32(limit) || peak < 1 {
			t.Errorf("limit %d: peak of %d hashes at once", limit, peak)
		}
		if n := s.pool.inUse.Load(); n != 0 {
			t.Errorf("limit %d: %d hashes still counted", limit, n)
		}
	}
}

// The pool keeps small buffers for reuse and lets large ones go.
func TestScratchPoolRetain(t *testing.T) {
	p := newScratchPool(1)
	small := p.get(1024)
	p.put(small)
	if again := p.get(512); &again[0] != &small[0] {
		t.Error("small buffer not reused")
	} else {
		p.put(again)
	}
	big := p.get(retainScratchBytes/4 + 1)
	p.put(big)
	if b := <-p.tokens; b != nil {
		t.Errorf("kept a %d-byte buffer", cap(b)*4)
	}
}
