package pow

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"golang.org/x/crypto/scrypt"
)

// ErrUnknownAlgorithm is returned by Lookup for a name no algorithm answers to.
var ErrUnknownAlgorithm = errors.New("pow: unknown algorithm")

// ErrBadParams is returned by ForParams and the constructors for parameters
// an algorithm cannot work with.
var ErrBadParams = errors.New("pow: bad algorithm parameters")

// HeaderSize is the length of a block header on almost every chain.
const HeaderSize = 80

// HashFunc computes the proof-of-work hash of a block header into dst. The
// digest is in the byte order the function produces; read it as a
// little-endian 256-bit integer to compare it with a target.
type HashFunc func(dst *[32]byte, header []byte)

// HashAtFunc computes the proof-of-work hash of a header as if its block
// time were unixTime, for algorithms whose cost depends on the time.
type HashAtFunc func(dst *[32]byte, header []byte, unixTime int64)

// Algorithm is one proof-of-work function and its stratum conventions.
type Algorithm struct {
	// Name is the canonical name ("sha256d", "scrypt", ...).
	Name string
	// Multiplier scales diff1 for stratum share difficulty: a share of
	// difficulty d must hash to at most diff1*Multiplier/d.
	Multiplier int64
	// Hash computes the PoW hash. It is safe for concurrent use. It takes
	// input of any length; algorithms that depend on the block time
	// (scrypt-jane, scrypt-n) read it from bytes 68..72 of the header,
	// little-endian, and use time 0 for input shorter than 72 bytes.
	Hash HashFunc
	// HashAt is Hash with the block time given instead of read from the
	// header. It is nil for algorithms that do not depend on the time.
	HashAt HashAtFunc
	// HeaderSizes lists the header lengths the algorithm's chains use;
	// empty means HeaderSize only. scrypt-jane also takes YACoin's 84-byte
	// headers with a 64-bit time.
	HeaderSizes []int

	// The rest are conventions of the chains that use the algorithm; a
	// coin definition can override each.

	// BlockIDIsPoW is true when those chains name a block by its PoW hash
	// (Dash's X11, Quarkcoin, Groestlcoin, YACoin) rather than by
	// SHA-256d of the header (Bitcoin, Litecoin, Feathercoin, Monacoin).
	BlockIDIsPoW bool
	// TxHash hashes a serialized transaction into its id, the leaf of the
	// merkle tree; nil means Sha256d. Groestlcoin uses single SHA-256
	// (inner merkle nodes stay SHA-256d on every chain).
	TxHash HashFunc
	// AddressChecksum hashes a base58check payload; the first four bytes
	// are its checksum. nil means Sha256d; Groestlcoin uses its PoW hash.
	AddressChecksum HashFunc
}

// TxHasher returns TxHash, or Sha256d when the algorithm sets none.
func (a *Algorithm) TxHasher() HashFunc {
	if a.TxHash != nil {
		return a.TxHash
	}
	return Sha256d
}

// AddressChecksummer returns AddressChecksum, or Sha256d when the
// algorithm sets none.
func (a *Algorithm) AddressChecksummer() HashFunc {
	if a.AddressChecksum != nil {
		return a.AddressChecksum
	}
	return Sha256d
}

// AcceptsHeaderSize reports whether n is a header length chains of this
// algorithm use (80, or one of HeaderSizes).
func (a *Algorithm) AcceptsHeaderSize(n int) bool {
	if len(a.HeaderSizes) == 0 {
		return n == HeaderSize
	}
	return slices.Contains(a.HeaderSizes, n)
}

var (
	registryMu sync.RWMutex
	registry   = map[string]*Algorithm{}
	aliases    = map[string]string{}
)

// Register adds an algorithm under its name and any aliases. It is meant
// for init functions; registering a name twice panics.
func Register(a *Algorithm, alias ...string) {
	names := append([]string{a.Name}, alias...)
	for i, n := range names {
		names[i] = strings.ToLower(strings.TrimSpace(n))
	}
	registryMu.Lock()
	defer registryMu.Unlock()
	for _, n := range names { // check all first: a panic leaves no half entry
		if _, dup := aliases[n]; dup {
			panic("pow: algorithm registered twice: " + n)
		}
	}
	for _, n := range names {
		aliases[n] = a.Name
	}
	registry[a.Name] = a
}

// Lookup returns the algorithm for a name or alias, case-insensitively.
// Algorithms with per-coin parameters come with their defaults (YACoin's
// for scrypt-jane, Vertcoin's for scrypt-n); ForParams builds others.
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

// Params are the per-coin parameters some algorithms take, with the field
// names of coins.AlgorithmParams (NOMP's chainStartTime, nMin, nMax,
// timeTable). A zero field means "the algorithm's default".
type Params struct {
	// ChainStartTime is scrypt-jane's chain start in unix seconds; the N
	// factor grows with the time since it. Default 1367991200 (YACoin).
	ChainStartTime int64
	// NMin and NMax bound scrypt-jane's N factor (N = 2^(Nfactor+1)).
	// Defaults 4 and 30 (YACoin).
	NMin, NMax int
	// TimeTable is scrypt-n's schedule: N as a decimal string -> the unix
	// time from which it applies. Default: Vertcoin's schedule.
	TimeTable map[string]int64
	// LongHeaderNFactor is scrypt-jane's fixed N factor for 84-byte
	// headers (YACoin 1.0 and later, 64-bit time). Default 21.
	LongHeaderNFactor int
	// MaxConcurrent caps how many scrypt-jane or scrypt-n hashes of one
	// Algorithm run at once, so their memory stays bounded: at most
	// MaxConcurrent*128*N bytes. Further callers wait. Default GOMAXPROCS.
	MaxConcurrent int
}

// isZero reports whether p sets nothing; MaxConcurrent does not count.
func (p Params) isZero() bool {
	return p.ChainStartTime == 0 && p.NMin == 0 && p.NMax == 0 && len(p.TimeTable) == 0 &&
		p.LongHeaderNFactor == 0
}

// ForParams returns the algorithm for a name or alias with a coin's
// parameters. With zero Params it is Lookup; scrypt-jane and scrypt-n get
// a new Algorithm built from p; any other algorithm given parameters is an
// ErrBadParams, since it would silently ignore them.
func ForParams(name string, p Params) (*Algorithm, error) {
	a, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	switch a.Name {
	case "scrypt-jane":
		if p.isZero() && p.MaxConcurrent == 0 {
			return a, nil
		}
		return NewScryptJane(p)
	case "scrypt-n":
		if p.isZero() && p.MaxConcurrent == 0 {
			return a, nil
		}
		return NewScryptN(p)
	}
	if !p.isZero() {
		return nil, fmt.Errorf("%w: %s takes no parameters (got %+v)", ErrBadParams, a.Name, p)
	}
	return a, nil
}

// Sha256 writes SHA-256(data) into dst.
func Sha256(dst *[32]byte, data []byte) { *dst = sha256.Sum256(data) }

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
	Register(&Algorithm{Name: "sha256d", Multiplier: 1, Hash: Sha256d}, "sha256", "sha-256")
	Register(&Algorithm{Name: "scrypt", Multiplier: 65536, Hash: scryptLTC})
	Register(&Algorithm{Name: "x11", Multiplier: 1, Hash: x11Hash, BlockIDIsPoW: true})
	Register(&Algorithm{Name: "quark", Multiplier: 1, Hash: quarkHash, BlockIDIsPoW: true})
	Register(&Algorithm{Name: "x13", Multiplier: 1, Hash: x13Hash, BlockIDIsPoW: true})
	Register(&Algorithm{
		Name: "groestl", Multiplier: 256, Hash: groestlHash,
		BlockIDIsPoW: true, TxHash: Sha256, AddressChecksum: groestlHash,
	})
	Register(&Algorithm{Name: "neoscrypt", Multiplier: 65536, Hash: neoscryptHash})
	jane, err := NewScryptJane(Params{})
	if err != nil {
		panic(err) // the defaults are constants
	}
	Register(jane, "scryptjane", "scrypt_jane")
	n, err := NewScryptN(Params{})
	if err != nil {
		panic(err)
	}
	Register(n, "scryptn", "scrypt_n")
}
