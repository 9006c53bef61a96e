package pow

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/scrypt"
)

// maxScryptN is the largest N a scrypt-n time table may name (256 GiB of
// scratch per hash, scrypt-jane's largest N too).
const maxScryptN = 1 << 31

// VertcoinTimeTable returns the default scrypt-n schedule: Vertcoin's N
// by block time before its 2014 switch to Lyra2RE, from its GetNfactor
// (chain start 1389306217, N factor 10..30, N = 2^(Nfactor+1)). NOMP's
// default table has the same first seven entries but puts 262144 and
// 524288 at 1722307603 and 1769642992, earlier than the entries for
// smaller N, which Vertcoin's formula does not give.
func VertcoinTimeTable() map[string]int64 { return maps.Clone(vertcoinTimeTable) }

var vertcoinTimeTable = map[string]int64{
	"2048":    1389306217,
	"4096":    1456415081,
	"8192":    1506746729,
	"16384":   1557078377,
	"32768":   1657741673,
	"65536":   1859068265,
	"131072":  2060394857,
	"262144":  2463048041,
	"524288":  2999918953,
	"1048576": 3536789865,
}

// scryptNStep is one entry of a scrypt-n schedule: N from a time on.
type scryptNStep struct {
	from int64
	n    int
}

// scryptN is scrypt (Salsa20/8, SHA-256, r = 1, p = 1) with N from a
// schedule by block time: old Vertcoin and its clones.
type scryptN struct {
	steps []scryptNStep // by time, then N
	pool  *scratchPool
}

// NewScryptN returns a scrypt-n Algorithm with a coin's time table
// (Params.TimeTable, NOMP's "timeTable": N as a decimal string -> unix
// time from which it applies; default VertcoinTimeTable()) and
// MaxConcurrent. A block uses the N of the latest entry whose time is not
// after the block's time (the larger N if two entries share a time), and
// the N of the earliest entry if it is before them all. Unlike NOMP, which
// picks by the clock and compares the keys as strings, this follows the
// block's own time. Its Hash reads the time from bytes 68..72 of the header.
func NewScryptN(p Params) (*Algorithm, error) {
	s, err := newScryptN(p)
	if err != nil {
		return nil, err
	}
	return &Algorithm{Name: "scrypt-n", Multiplier: 65536, Hash: s.hash, HashAt: s.hashAt}, nil
}

func newScryptN(p Params) (*scryptN, error) {
	switch {
	case p.ChainStartTime != 0 || p.NMin != 0 || p.NMax != 0 || p.LongHeaderNFactor != 0:
		return nil, fmt.Errorf("%w: scrypt-n takes only a time table (chain start and N factors are scrypt-jane's)", ErrBadParams)
	case p.MaxConcurrent < 0:
		return nil, fmt.Errorf("%w: negative MaxConcurrent %d", ErrBadParams, p.MaxConcurrent)
	}
	table := p.TimeTable
	if len(table) == 0 {
		table = vertcoinTimeTable
	}
	s := &scryptN{pool: newScratchPool(p.MaxConcurrent)}
	for _, key := range slices.Sorted(maps.Keys(table)) {
		n, err := strconv.ParseInt(strings.TrimSpace(key), 10, 64)
		if err != nil || n < 2 || n > maxScryptN || n&(n-1) != 0 {
			return nil, fmt.Errorf("%w: scrypt-n time table key %q is not a power of two from 2 to 2^31", ErrBadParams, key)
		}
		s.steps = append(s.steps, scryptNStep{from: table[key], n: int(n)})
	}
	slices.SortFunc(s.steps, func(a, b scryptNStep) int {
		return cmp.Or(cmp.Compare(a.from, b.from), cmp.Compare(a.n, b.n))
	})
	return s, nil
}

// nAt returns the N in force at block time t.
func (s *scryptN) nAt(t int64) int {
	n := s.steps[0].n
	for _, st := range s.steps {
		if st.from > t {
			break
		}
		n = st.n
	}
	return n
}

func (s *scryptN) hash(dst *[32]byte, header []byte) {
	s.hashAt(dst, header, headerTime(header))
}

func (s *scryptN) hashAt(dst *[32]byte, header []byte, t int64) {
	buf := s.pool.get(0) // x/crypto/scrypt has its own scratch: only the cap
	out, err := scrypt.Key(header, header, s.nAt(t), 1, 1, 32)
	s.pool.put(buf)
	if err != nil { // only for parameters NewScryptN has checked
		panic("pow: scrypt-n: " + err.Error())
	}
	copy(dst[:], out)
}
