package pow

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

func hexInt(t *testing.T, s string) *big.Int {
	t.Helper()
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %q", s)
	}
	return v
}

func TestDiff1(t *testing.T) {
	if got := Diff1.Text(16); got != "ffff"+zeros(52) {
		t.Errorf("Diff1 = %s", got)
	}
}

func zeros(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '0'
	}
	return string(b)
}

// exactTarget is diff1*mult/d for the exact binary value of d, m*2^e
// with an integer m, computed apart from ShareTarget's big.Rat.
func exactTarget(d float64, mult int64) *big.Int {
	frac, exp := math.Frexp(d) // d = frac * 2^exp, frac in [0.5, 1)
	m := int64(math.Ldexp(frac, 53))
	e := exp - 53 // d = m * 2^e, e < 0 for these
	num := new(big.Int).Mul(Diff1, big.NewInt(mult))
	num.Lsh(num, uint(-e))
	return num.Quo(num, big.NewInt(m))
}

func TestShareTarget(t *testing.T) {
	mul := func(k int64) *big.Int { return new(big.Int).Mul(Diff1, big.NewInt(k)) }
	div := func(x *big.Int, k int64) *big.Int { return new(big.Int).Quo(x, big.NewInt(k)) }
	tests := []struct {
		name string
		diff float64
		mult int64
		want *big.Int
	}{
		{"diff 1 sha256d", 1, 1, Diff1},
		{"diff 1 scrypt", 1, 65536, mul(65536)},
		{"diff 1 groestl", 1, 256, mul(256)},
		{"diff 1 keccak", 1, 128, mul(128)},
		{"diff 2", 2, 1, div(Diff1, 2)},
		{"diff 1024 scrypt", 1024, 65536, mul(64)},
		{"diff 3", 3, 1, div(Diff1, 3)},
		{"half", 0.5, 1, mul(2)},
		{"three eighths", 0.375, 1, div(mul(8), 3)},
		{"1.5 scrypt", 1.5, 65536, div(mul(2*65536), 3)},
		{"1/65536 scrypt", 1.0 / 65536, 65536, mul(65536 * 65536)},
		// 0.001 is not exact in binary: the target is for the float's
		// exact value, 0.001000000000000000020816681711721685...
		{"0.001", 0.001, 1, exactTarget(0.001, 1)},
		{"0.1 scrypt", 0.1, 65536, exactTarget(0.1, 65536)},
		{"tiny caps at 2^256-1", 1e-30, 65536, maxTarget},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ShareTarget(tt.diff, tt.mult)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cmp(tt.want) != 0 {
				t.Errorf("ShareTarget(%v, %d) = %x, want %x", tt.diff, tt.mult, got, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		diff float64
		mult int64
	}{{0, 1}, {-1, 1}, {math.NaN(), 1}, {math.Inf(1), 1}, {math.Inf(-1), 1}, {1, 0}, {1, -65536}} {
		if _, err := ShareTarget(bad.diff, bad.mult); !errors.Is(err, ErrBadDifficulty) {
			t.Errorf("ShareTarget(%v, %d) = %v, want ErrBadDifficulty", bad.diff, bad.mult, err)
		}
	}
}

// Every registered algorithm's difficulty 1 is diff1 times its multiplier,
// and a target converts back to the difficulty it came from.
func TestShareTargetMultipliers(t *testing.T) {
	want := map[string]int64{"sha256d": 1, "x11": 1, "quark": 1, "scrypt": 65536, "scrypt-jane": 65536, "scrypt-n": 65536, "groestl": 256, "lyra2rev2": 256, "x13": 1, "neoscrypt": 65536}
	for _, name := range Names() {
		a, _ := Lookup(name)
		t.Run(name, func(t *testing.T) {
			if m, ok := want[name]; !ok || a.Multiplier != m {
				t.Fatalf("multiplier %d, want %d (ALGORITHMS.md)", a.Multiplier, m)
			}
			for _, d := range []float64{1, 0.001, 0.5, 16, 1234.5678, 1e9} {
				tgt, err := ShareTarget(d, a.Multiplier)
				if err != nil {
					t.Fatal(err)
				}
				if back := TargetDifficulty(tgt, a.Multiplier); math.Abs(back-d)/d > 1e-12 {
					t.Errorf("difficulty %v -> target %x -> %v", d, tgt, back)
				}
			}
		})
	}
}

func TestTargetDifficulty(t *testing.T) {
	bits := func(b uint32) *big.Int {
		v, err := CompactToTarget(b)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name   string
		target *big.Int
		mult   int64
		want   float64
	}{
		{"bitcoin genesis bits", bits(0x1d00ffff), 1, 1},
		// Bitcoin block 125552 (the wiki's block hashing example).
		{"bitcoin 125552", bits(0x1a44b9f2), 1, 244112.48777433642},
		// Regtest's powLimit as stratum difficulties: about 3e-5 for scrypt
		// and 5e-10 for sha256d (TESTING.md).
		{"regtest scrypt", bits(0x207fffff), 65536, 3.0517116101636422e-05},
		{"regtest sha256d", bits(0x207fffff), 1, 4.6565423739069247e-10},
		{"zero target", new(big.Int), 1, math.Inf(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TargetDifficulty(tt.target, tt.mult)
			if math.IsInf(tt.want, 1) {
				if !math.IsInf(got, 1) {
					t.Errorf("got %v, want +Inf", got)
				}
				return
			}
			if math.Abs(got-tt.want)/tt.want > 1e-9 {
				t.Errorf("TargetDifficulty = %v, want %v", got, tt.want)
			}
		})
	}
}

// The cases of Bitcoin Core's arith_uint256 SetCompact tests.
func TestCompactToTarget(t *testing.T) {
	tests := []struct {
		bits uint32
		want string // hex; "neg" or "over" for errors
	}{
		{0x00000000, "0"},
		{0x00123456, "0"},
		{0x01003456, "0"},
		{0x02000056, "0"},
		{0x03000000, "0"},
		{0x04000000, "0"},
		{0x00923456, "0"}, // sign bit, but the mantissa shifts out
		{0x01803456, "0"},
		{0x02800056, "0"},
		{0x03800000, "0"},
		{0x04800000, "0"},
		{0x01123456, "12"},
		{0x01fedcba, "neg"},
		{0x02123456, "1234"},
		{0x03123456, "123456"},
		{0x04123456, "12345600"},
		{0x04923456, "neg"},
		{0x05009234, "92340000"},
		{0x20123456, "123456" + zeros(58)},
		{0x1d00ffff, "ffff" + zeros(52)},
		{0x207fffff, "7fffff" + zeros(58)},
		{0x2100ffff, "ffff" + zeros(60)},
		{0x22000001, "1" + zeros(62)},
		{0x23000001, "over"},
		{0x21010000, "over"},
		{0xff123456, "over"},
	}
	for _, tt := range tests {
		got, err := CompactToTarget(tt.bits)
		switch tt.want {
		case "neg", "over":
			if err == nil {
				t.Errorf("CompactToTarget(%08x) = %x, want an error (%s)", tt.bits, got, tt.want)
			}
			continue
		}
		if err != nil {
			t.Errorf("CompactToTarget(%08x): %v", tt.bits, err)
			continue
		}
		if got.Cmp(hexInt(t, tt.want)) != 0 {
			t.Errorf("CompactToTarget(%08x) = %x, want %s", tt.bits, got, tt.want)
		}
	}
}

// digestOf returns the digest whose little-endian value is v.
func digestOf(v *big.Int) [32]byte {
	var h [32]byte
	be := v.FillBytes(make([]byte, 32))
	for i := range h {
		h[i] = be[31-i]
	}
	return h
}

// A hash equal to the target meets it; one above does not. This is the
// block test (hash <= target of the template's bits) and the share test.
func TestMeetsTargetBoundary(t *testing.T) {
	one := big.NewInt(1)
	for _, b := range []uint32{0x1d00ffff, 0x1a44b9f2, 0x1e0ffff0, 0x207fffff} {
		target, err := CompactToTarget(b)
		if err != nil {
			t.Fatal(err)
		}
		at := digestOf(target)
		above := digestOf(new(big.Int).Add(target, one))
		below := digestOf(new(big.Int).Sub(target, one))
		if !MeetsTarget(&at, target) || !MeetsTarget(&below, target) || MeetsTarget(&above, target) {
			t.Errorf("bits %08x: boundary wrong", b)
		}
		if HashToInt(&at).Cmp(target) != 0 {
			t.Errorf("bits %08x: HashToInt does not read little-endian", b)
		}
	}
	// A share at difficulty d is a block when d reaches the network's.
	network, _ := CompactToTarget(0x1b47c7ea)
	netDiff := TargetDifficulty(network, 65536)
	share, _ := ShareTarget(netDiff*2, 65536)
	h := digestOf(share)
	if !MeetsTarget(&h, network) {
		t.Error("a share at twice the network difficulty is not a block")
	}
	share, _ = ShareTarget(netDiff/2, 65536)
	h = digestOf(share)
	if MeetsTarget(&h, network) {
		t.Error("a share at half the network difficulty is a block")
	}
}

func TestReverseHex(t *testing.T) {
	var h [32]byte
	for i := range h {
		h[i] = byte(i)
	}
	const want = "1f1e1d1c1b1a191817161514131211100f0e0d0c0b0a09080706050403020100"
	if got := ReverseHex(&h); got != want {
		t.Errorf("ReverseHex = %s, want %s", got, want)
	}
	if got := HashToInt(&h).Text(16); got != want {
		t.Errorf("HashToInt = %s, want %s", got, want)
	}
}

func BenchmarkShareTarget(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ShareTarget(1024.5, 65536); err != nil {
			b.Fatal(err)
		}
	}
}
