package stratum

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/multipool/multipool/coins/pow"
)

// Work is a job in binary form: what a miner needs to build block headers
// and what a pool needs to rebuild the header a share claims. Pools build it
// directly; miners get it from a notify with DecodeJob.
type Work struct {
	// PrevHash holds the previous block hash as the header stores it.
	PrevHash [32]byte
	Coinb1   []byte
	Coinb2   []byte
	// Branch holds the merkle branch hashes as raw bytes, in order.
	Branch  [][32]byte
	Version uint32
	NBits   uint32
	NTime   uint32
	// TxHash hashes the coinbase into the first merkle leaf; nil means
	// SHA-256d. The notify does not carry it: it is the chain's convention
	// (single SHA-256 on Groestlcoin).
	TxHash pow.HashFunc
}

// StratumPrevHash converts header-order previous hash bytes into the
// stratum notify form: the 4-byte words of the header bytes, each swapped.
func StratumPrevHash(header [32]byte) string {
	var b [32]byte
	for i := 0; i < 32; i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = header[i+3], header[i+2], header[i+1], header[i]
	}
	return hex.EncodeToString(b[:])
}

// DecodeJob turns the hex fields of a notify into Work.
func DecodeJob(j *Job) (*Work, error) {
	w := &Work{}
	ph, err := hex.DecodeString(j.PrevHash)
	if err != nil || len(ph) != 32 {
		return nil, fmt.Errorf("job %s: bad prevhash %q", j.ID, j.PrevHash)
	}
	for i := 0; i < 32; i += 4 {
		w.PrevHash[i], w.PrevHash[i+1], w.PrevHash[i+2], w.PrevHash[i+3] = ph[i+3], ph[i+2], ph[i+1], ph[i]
	}
	if w.Coinb1, err = hex.DecodeString(j.Coinb1); err != nil {
		return nil, fmt.Errorf("job %s: bad coinb1: %w", j.ID, err)
	}
	if w.Coinb2, err = hex.DecodeString(j.Coinb2); err != nil {
		return nil, fmt.Errorf("job %s: bad coinb2: %w", j.ID, err)
	}
	for _, b := range j.MerkleBranch {
		h, err := hex.DecodeString(b)
		if err != nil || len(h) != 32 {
			return nil, fmt.Errorf("job %s: bad merkle branch %q", j.ID, b)
		}
		w.Branch = append(w.Branch, [32]byte(h))
	}
	for _, f := range []struct {
		name string
		hex  string
		dst  *uint32
	}{{"version", j.Version, &w.Version}, {"nbits", j.NBits, &w.NBits}, {"ntime", j.NTime, &w.NTime}} {
		v, err := ParseUint32Hex(f.hex)
		if err != nil {
			return nil, fmt.Errorf("job %s: bad %s: %w", j.ID, f.name, err)
		}
		*f.dst = v
	}
	return w, nil
}

// ParseUint32Hex parses exactly 8 hex digits as a big-endian uint32.
func ParseUint32Hex(s string) (uint32, error) {
	if len(s) != 8 {
		return 0, fmt.Errorf("want 8 hex digits, got %q", s)
	}
	var b [4]byte
	if _, err := hex.Decode(b[:], []byte(s)); err != nil {
		return 0, fmt.Errorf("bad hex %q", s)
	}
	return binary.BigEndian.Uint32(b[:]), nil
}

// Coinbase returns coinb1 + extranonce1 + extranonce2 + coinb2 appended to dst.
func (w *Work) Coinbase(dst, en1, en2 []byte) []byte {
	dst = append(dst, w.Coinb1...)
	dst = append(dst, en1...)
	dst = append(dst, en2...)
	return append(dst, w.Coinb2...)
}

// MerkleRoot folds the coinbase hash through the branch.
func (w *Work) MerkleRoot(coinbase []byte) [32]byte {
	var root [32]byte
	w.MerkleRootInto(&root, coinbase)
	return root
}

// MerkleRootInto is MerkleRoot writing into dst: with dst in memory the
// caller reuses it does not allocate (TxHash is called through a func
// value, which would move a local root to the heap).
func (w *Work) MerkleRootInto(dst *[32]byte, coinbase []byte) {
	if w.TxHash != nil {
		w.TxHash(dst, coinbase)
	} else {
		pow.Sha256d(dst, coinbase)
	}
	var buf [64]byte
	for i := range w.Branch {
		copy(buf[:32], dst[:])
		copy(buf[32:], w.Branch[i][:])
		pow.Sha256d(dst, buf[:])
	}
}

// Header writes the 80-byte block header for the given merkle root, time,
// nonce and version into dst.
func (w *Work) Header(dst *[80]byte, root [32]byte, version, ntime, nonce uint32) {
	binary.LittleEndian.PutUint32(dst[0:4], version)
	copy(dst[4:36], w.PrevHash[:])
	copy(dst[36:68], root[:])
	binary.LittleEndian.PutUint32(dst[68:72], ntime)
	binary.LittleEndian.PutUint32(dst[72:76], w.NBits)
	binary.LittleEndian.PutUint32(dst[76:80], nonce)
}
