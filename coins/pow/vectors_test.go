package pow

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
)

// vector is one entry of testdata/pow-vectors.json (a copy of
// shared/samples/pow-vectors.json): a real block header or a known-answer
// string with the hash other implementations give.
type vector struct {
	Algorithm    string         `json:"algorithm"`
	HeaderHex    string         `json:"header_hex"`
	HashHex      string         `json:"hash_hex"`       // display order (reversed), or KDF output
	RawDigestHex string         `json:"raw_digest_hex"` // the bytes as the function writes them
	Kind         string         `json:"kind"`           // block-header, string-kat, kdf-kat
	Notes        string         `json:"notes"`
	Source       string         `json:"source"`
	VerifiedWith string         `json:"verified_with"`
	Params       map[string]any `json:"params"`
}

// notBuilt says why an algorithm with vectors has no implementation here;
// a registered algorithm is checked whatever this map says.
var notBuilt = map[string]string{}

func loadVectors(t testing.TB) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/pow-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(b, &vs); err != nil {
		t.Fatalf("pow-vectors.json: %v", err)
	}
	return vs
}

// label names a vector in test output: the tag in brackets at the end of
// its notes, or kind and index.
func (v vector) label(i int) string {
	if a, b := strings.LastIndex(v.Notes, "["), strings.LastIndex(v.Notes, "]"); a >= 0 && b > a {
		return v.Notes[a+1 : b]
	}
	return fmt.Sprintf("%s-%d", v.Kind, i)
}

func (v vector) intParam(t *testing.T, name string) int {
	t.Helper()
	f, ok := v.Params[name].(float64)
	if !ok {
		t.Fatalf("vector has no numeric param %q: %v", name, v.Params)
	}
	return int(f)
}

// algorithmFor returns the Algorithm a vector is checked with: the
// registered one for real headers, one with the vector's fixed N factor or
// N for the known-answer strings of time-dependent algorithms (their
// "time" bytes are ASCII).
func algorithmFor(t *testing.T, v vector) *Algorithm {
	t.Helper()
	if v.Kind == "string-kat" {
		switch v.Algorithm {
		case "scrypt-jane":
			nf := v.intParam(t, "nfactor")
			a, err := ForParams(v.Algorithm, Params{NMin: nf, NMax: nf})
			if err != nil {
				t.Fatal(err)
			}
			return a
		case "scrypt-n":
			n := v.intParam(t, "N")
			a, err := ForParams(v.Algorithm, Params{TimeTable: map[string]int64{strconv.Itoa(n): 0}})
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
	}
	a, err := Lookup(v.Algorithm)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestVectors checks every vector of every algorithm built here.
func TestVectors(t *testing.T) {
	vs := loadVectors(t)
	if len(vs) == 0 {
		t.Fatal("no vectors")
	}
	counts := map[string]int{}
	for i, v := range vs {
		t.Run(v.Algorithm+"/"+v.label(i), func(t *testing.T) {
			if _, err := Lookup(v.Algorithm); err != nil {
				why, ok := notBuilt[v.Algorithm]
				if !ok {
					t.Fatalf("%s has vectors but is neither registered nor listed in notBuilt", v.Algorithm)
				}
				t.Skipf("%s not built: %s", v.Algorithm, why)
			}
			if v.Kind == "kdf-kat" {
				checkJaneKDF(t, v)
				counts[v.Algorithm]++
				return
			}
			if v.Algorithm == "scrypt-jane" && v.Kind == "string-kat" && testing.Short() {
				t.Skip("-short: scrypt-jane at N factor 19 needs 128 MiB and about a second")
			}
			header, err := hex.DecodeString(v.HeaderHex)
			if err != nil {
				t.Fatal(err)
			}
			a := algorithmFor(t, v)
			var got [32]byte
			a.Hash(&got, header)
			if raw := hex.EncodeToString(got[:]); raw != v.RawDigestHex {
				t.Errorf("digest %s, want %s", raw, v.RawDigestHex)
			}
			if disp := ReverseHex(&got); disp != v.HashHex {
				t.Errorf("hash %s, want %s", disp, v.HashHex)
			}
			if v.Kind == "block-header" && strings.Contains(v.VerifiedWith, "<= target of nBits") {
				bits := binary.LittleEndian.Uint32(header[72:76])
				target, err := CompactToTarget(bits)
				if err != nil {
					t.Fatal(err)
				}
				if !MeetsTarget(&got, target) {
					t.Errorf("hash %s above the target of its bits %08x", ReverseHex(&got), bits)
				}
			}
			counts[v.Algorithm]++
		})
	}
	// Every registered algorithm has vectors, and every vector of an
	// algorithm that is built ran.
	for _, name := range Names() {
		if counts[name] == 0 && !(testing.Short() && name == "scrypt-jane") {
			t.Errorf("no vector checked %s", name)
		}
	}
}

// checkJaneKDF runs scrypt-jane's own KDF self-test vector (r and p above
// 1, 64 bytes out), which the proof of work never exercises.
func checkJaneKDF(t *testing.T, v vector) {
	t.Helper()
	nf, rf, pf := v.intParam(t, "nfactor"), v.intParam(t, "rfactor"), v.intParam(t, "pfactor")
	pass, _ := v.Params["password"].(string)
	salt, _ := v.Params["salt"].(string)
	got := scryptJaneKey([]byte(pass), []byte(salt), 1<<(nf+1), 1<<rf, 1<<pf, v.intParam(t, "dkLen"), nil)
	if h := hex.EncodeToString(got); h != v.HashHex {
		t.Errorf("scrypt-jane KDF %s, want %s", h, v.HashHex)
	}
}
