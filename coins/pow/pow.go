package pow

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"golang.org/x/crypto/scrypt"
)

// ErrUnknownAlgorithm is returned by Lookup for a name no algorithm answers to.
var ErrUnknownAlgorithm = errors.New("pow: unknown algorithm")

// HashFunc computes the proof-of-work hash of a block header into dst. The
// digest is in the byte order the function produces; read it as a
// little-endian 256-bit integer to compare it with a target.
type HashFunc func(dst *[32]byte, header []byte)

// Algorithm is one proof-of-work function and its stratum conventions.
type Algorithm struct {
	// Name is the canonical name ("sha256d", "scrypt", ...).
	Name string
	// Multiplier scales diff1 for stratum share difficulty: a share of
	// difficulty d must hash to at most diff1*Multiplier/d.
	Multiplier int64
	// Hash computes the PoW hash. It is safe for concurrent use.
	Hash HashFunc
}

var (
	registryMu sync.RWMutex
	registry   = map[string]*Algorithm{}
	aliases    = map[string]string{}
)

// Register adds an algorithm under its name and any aliases. It is meant
// for init functions; registering a name twice panics.
func Register(a *Algorithm, alias ...string) {
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, n := range append([]string{a.Name}, alias...) {
		n = strings.ToLower(n)
		if _, dup := aliases[n]; dup {
			panic("pow: algorithm registered twice: " + n)
		}
		aliases[n] = a.Name
	}
	registry[a.Name] = a
}

// Lookup returns the algorithm for a name or alias, case-insensitively.
func Lookup(name string) (*Algorithm, error) {
	registryMu.RLock()
	defer registryMu.RUnlock()
	if canon, ok := aliases[strings.ToLower(strings.TrimSpace(name))]; ok {
		return registry[canon], nil
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownAlgorithm, name, strings.Join(namesLocked(), ", "))
}

// Names lists the canonical names of all registered algorithms, sorted.
func Names() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	return namesLocked()
}

func namesLocked() []string {
	out := make([]string, 0, len(registry))
	for n := range registry {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Sha256d writes SHA-256(SHA-256(data)) into dst.
func Sha256d(dst *[32]byte, data []byte) {
	first := sha256.Sum256(data)
	*dst = sha256.Sum256(first[:])
}

// scryptHash is scrypt(header, header, N=1024, r=1, p=1, 32 bytes), the
// Litecoin proof of work.
func scryptHash(dst *[32]byte, header []byte) {
	out, err := scrypt.Key(header, header, 1024, 1, 1, 32)
	if err != nil { // only for invalid parameters, which are constant here
		panic("pow: scrypt: " + err.Error())
	}
	copy(dst[:], out)
}

func init() {
	Register(&Algorithm{Name: "sha256d", Multiplier: 1, Hash: Sha256d}, "sha256")
	Register(&Algorithm{Name: "scrypt", Multiplier: 65536, Hash: scryptHash})
}
