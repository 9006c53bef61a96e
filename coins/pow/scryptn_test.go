package pow

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"golang.org/x/crypto/scrypt"
)

// vertcoinNFactor is Vertcoin's GetNfactor (before Lyra2RE): chain start
// 1389306217, N factor 10..30, coefficients 158, 28, 2670.
func vertcoinNFactor(t int64) int {
	const start = 1389306217
	if t <= start {
		return 10
	}
	d, l := t-start, 0
	for d>>1 > 3 {
		l++
		d >>= 1
	}
	n := (l*158 + int(d&3)*28 - 2670) / 100
	return min(max(n, 10), 30)
}

// The default table is Vertcoin's formula at every step and between them.
func TestVertcoinTimeTable(t *testing.T) {
	a, err := newScryptN(Params{})
	if err != nil {
		t.Fatal(err)
	}
	var times []int64
	for _, from := range VertcoinTimeTable() {
		times = append(times, from-1, from, from+1, from+86400*365)
	}
	times = append(times, 0, 1389306217-1)
	for _, tm := range times {
		if tm >= 3536789865+86400*365 {
			continue // past the table's last entry (N factor 19)
		}
		if got, want := a.nAt(tm), 1<<(vertcoinNFactor(tm)+1); got != want {
			t.Errorf("N at %d = %d, Vertcoin's GetNfactor gives %d", tm, got, want)
		}
	}
}

func TestScryptNSchedule(t *testing.T) {
	tests := []struct {
		name  string
		table map[string]int64
		time  int64
		want  int
	}{
		{"before all", map[string]int64{"1024": 100, "2048": 200}, 50, 1024},
		{"at first", map[string]int64{"1024": 100, "2048": 200}, 100, 1024},
		{"just before second", map[string]int64{"1024": 100, "2048": 200}, 199, 1024},
		{"at second", map[string]int64{"1024": 100, "2048": 200}, 200, 2048},
		{"after last", map[string]int64{"1024": 100, "2048": 200}, 1 << 40, 2048},
		// NOMP's default table lists 262144 and 524288 before 65536: the
		// latest entry not after the block time wins.
		{"out of order", map[string]int64{"65536": 1859068265, "262144": 1722307603, "524288": 1769642992}, 1800000000, 524288},
		{"same time", map[string]int64{"16": 5, "32": 5}, 5, 32},
		{"spaces in key", map[string]int64{" 4096 ": 0}, 10, 4096},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := newScryptN(Params{TimeTable: tt.table})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.nAt(tt.time); got != tt.want {
				t.Errorf("nAt(%d) = %d, want %d", tt.time, got, tt.want)
			}
		})
	}
}

// Hash reads the block time from the header; HashAt takes it instead.
func TestScryptNHeaderTime(t *testing.T) {
	a, err := NewScryptN(Params{TimeTable: map[string]int64{"16": 0, "64": 1000}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		time int64
		n    int
	}{{999, 16}, {1000, 64}} {
		hdr := make([]byte, 80)
		binary.LittleEndian.PutUint32(hdr[68:], uint32(tt.time))
		want, err := scrypt.Key(hdr, hdr, tt.n, 1, 1, 32)
		if err != nil {
			t.Fatal(err)
		}
		var got [32]byte
		if a.Hash(&got, hdr); !bytes.Equal(got[:], want) {
			t.Errorf("time %d: Hash %x, want scrypt N=%d %x", tt.time, got, tt.n, want)
		}

		zero := make([]byte, 80) // time field 0: only HashAt's time counts
		want, _ = scrypt.Key(zero, zero, tt.n, 1, 1, 32)
		if a.HashAt(&got, zero, tt.time); !bytes.Equal(got[:], want) {
			t.Errorf("time %d: HashAt %x, want scrypt N=%d %x", tt.time, got, tt.n, want)
		}
	}
}

func TestNewScryptNParams(t *testing.T) {
	tests := []struct {
		name string
		p    Params
		ok   bool
	}{
		{"defaults", Params{}, true},
		{"nomp default table", Params{TimeTable: map[string]int64{"2048": 1389306217, "4096": 1456415081, "262144": 1722307603}}, true},
		{"not a number", Params{TimeTable: map[string]int64{"abc": 0}}, false},
		{"not a power of two", Params{TimeTable: map[string]int64{"1000": 0}}, false},
		{"one", Params{TimeTable: map[string]int64{"1": 0}}, false},
		{"too big", Params{TimeTable: map[string]int64{"4294967296": 0}}, false},
		{"negative", Params{TimeTable: map[string]int64{"-1024": 0}}, false},
		{"jane params", Params{ChainStartTime: 1367991200}, false},
		{"n bounds", Params{NMin: 4}, false},
		{"negative concurrency", Params{MaxConcurrent: -2}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewScryptN(tt.p)
			if tt.ok != (err == nil) {
				t.Fatalf("NewScryptN(%+v) = %v, want ok %v", tt.p, err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadParams) {
				t.Errorf("error %v is not ErrBadParams", err)
			}
			if err == nil && (a.Name != "scrypt-n" || a.Multiplier != 65536 || a.HashAt == nil) {
				t.Errorf("got %+v", a)
			}
		})
	}
}
