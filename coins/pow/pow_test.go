package pow

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestLookup(t *testing.T) {
	tests := []struct {
		name, want string
		mult       int64
	}{
		{"sha256d", "sha256d", 1},
		{"sha256", "sha256d", 1},
		{"SHA-256", "sha256d", 1},
		{"scrypt", "scrypt", 65536},
		{" Scrypt ", "scrypt", 65536},
		{"x11", "x11", 1},
		{"X11", "x11", 1},
		{"quark", "quark", 1},
		{"x13", "x13", 1},
		{"X13", "x13", 1},
		{"groestl", "groestl", 256},
		{"NeoScrypt", "neoscrypt", 65536},
		{"scrypt-jane", "scrypt-jane", 65536},
		{"scryptjane", "scrypt-jane", 65536},
		{"scrypt_jane", "scrypt-jane", 65536},
		{"scrypt-n", "scrypt-n", 65536},
		{"scryptn", "scrypt-n", 65536},
		{"ScryptN", "scrypt-n", 65536},
		{"lyra2rev2", "lyra2rev2", 256},
		{"Lyra2REv2", "lyra2rev2", 256},
		{"lyra2re2", "lyra2rev2", 256},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Lookup(tt.name)
			if err != nil {
				t.Fatal(err)
			}
			if a.Name != tt.want || a.Multiplier != tt.mult || a.Hash == nil {
				t.Errorf("Lookup(%q) = %s multiplier %d, want %s multiplier %d", tt.name, a.Name, a.Multiplier, tt.want, tt.mult)
			}
		})
	}
	for _, name := range []string{"", "blah", "lyra2rev3", "myr-groestl"} {
		t.Run("unknown "+name, func(t *testing.T) {
			_, err := Lookup(name)
			if !errors.Is(err, ErrUnknownAlgorithm) {
				t.Fatalf("Lookup(%q) = %v, want ErrUnknownAlgorithm", name, err)
			}
			if !strings.Contains(err.Error(), "known: groestl, lyra2rev2, neoscrypt, quark, scrypt") {
				t.Errorf("error %q does not list the known algorithms", err)
			}
		})
	}
}

func TestNames(t *testing.T) {
	want := []string{"groestl", "lyra2rev2", "neoscrypt", "quark", "scrypt", "scrypt-jane", "scrypt-n", "sha256d", "x11", "x13"}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %v, want %v", got, want)
	}
}

func TestRegisterTwicePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering the alias sha256 again did not panic")
		}
	}()
	Register(&Algorithm{Name: "other", Multiplier: 1, Hash: Sha256d}, "sha256")
}

func TestHeaderSizes(t *testing.T) {
	for _, name := range Names() {
		a, _ := Lookup(name)
		if !a.AcceptsHeaderSize(80) || a.AcceptsHeaderSize(79) || a.AcceptsHeaderSize(0) {
			t.Errorf("%s: header sizes wrong around 80", name)
		}
		if got := a.AcceptsHeaderSize(84); got != (name == "scrypt-jane") {
			t.Errorf("%s accepts 84-byte headers: %v", name, got)
		}
		if got := a.HashAt != nil; got != (name == "scrypt-jane" || name == "scrypt-n") {
			t.Errorf("%s has HashAt: %v", name, got)
		}
	}
}

func TestForParams(t *testing.T) {
	jane, _ := Lookup("scrypt-jane")
	sha, _ := Lookup("sha256d")
	tests := []struct {
		name    string
		algo    string
		p       Params
		same    *Algorithm // the registered Algorithm itself
		wantErr error
	}{
		{"no params", "scrypt-jane", Params{}, jane, nil},
		{"alias, no params", "sha256", Params{}, sha, nil},
		{"concurrency only for sha256d", "sha256d", Params{MaxConcurrent: 4}, sha, nil},
		{"jane params", "scryptjane", Params{ChainStartTime: 1389196388, NMin: 4, NMax: 30}, nil, nil},
		{"jane concurrency", "scrypt-jane", Params{MaxConcurrent: 1}, nil, nil},
		{"n table", "scrypt-n", Params{TimeTable: map[string]int64{"2048": 0}}, nil, nil},
		{"params for sha256d", "sha256d", Params{NMin: 4}, nil, ErrBadParams},
		{"table for x11", "x11", Params{TimeTable: map[string]int64{"2048": 0}}, nil, ErrBadParams},
		{"bad jane bounds", "scrypt-jane", Params{NMin: 9, NMax: 5}, nil, ErrBadParams},
		{"bad n table", "scrypt-n", Params{TimeTable: map[string]int64{"3": 0}}, nil, ErrBadParams},
		{"unknown", "nope", Params{}, nil, ErrUnknownAlgorithm},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := ForParams(tt.algo, tt.p)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("ForParams(%q, %+v) error %v, want %v", tt.algo, tt.p, err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if tt.same != nil && a != tt.same {
				t.Errorf("got a new Algorithm, want the registered one")
			}
			if tt.same == nil && a.HashAt == nil {
				t.Errorf("got %+v, want a time-dependent algorithm", a)
			}
		})
	}
}

// Hashers drawn from pools give the same answers when many goroutines
// hash at once (run with -race to check the pools).
func TestConcurrentHash(t *testing.T) {
	vs := loadVectors(t)
	for _, name := range []string{"x11", "quark", "groestl", "neoscrypt", "sha256d"} {
		a, _ := Lookup(name)
		var headers [][]byte
		var want []string
		for _, v := range vs {
			if v.Algorithm == name {
				h, _ := hex.DecodeString(v.HeaderHex)
				headers = append(headers, h)
				want = append(want, v.RawDigestHex)
			}
		}
		t.Run(name, func(t *testing.T) {
			var wg sync.WaitGroup
			errs := make(chan string, 8)
			for g := range 8 {
				wg.Go(func() {
					for i := range 50 {
						k := (g + i) % len(headers)
						var h [32]byte
						a.Hash(&h, headers[k])
						if got := hex.EncodeToString(h[:]); got != want[k] {
							errs <- got + " != " + want[k]
							return
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for e := range errs {
				t.Error(e)
			}
		})
	}
}

// x11, x13, quark and groestl reuse pooled hashers: no allocation per hash
// once the pools are warm.
func TestHashAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop items, so hashes allocate")
	}
	header := make([]byte, 80)
	for _, name := range []string{"sha256d", "x11", "x13", "quark", "groestl"} {
		t.Run(name, func(t *testing.T) {
			a, _ := Lookup(name)
			var h [32]byte
			if n := testing.AllocsPerRun(200, func() { a.Hash(&h, header) }); n != 0 {
				t.Errorf("%v allocations per hash, want 0", n)
			}
		})
	}
}
