package clienttest

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"

	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
)

// Template holds the fields of a getblocktemplate reply that a job is
// built from.
type Template struct {
	Height        int64
	PrevHash      string // previousblockhash as the RPC shows it
	Version       uint32
	Bits          string
	CurTime       uint32
	CoinbaseValue int64
	TxIDs         []string // template order, RPC byte order
}

// LitecoinRegtest is ltc-getblocktemplate-h102-with-tx.json, a template
// captured from Litecoin Core 0.21.2.1 on regtest.
var LitecoinRegtest = Template{
	Height:        102,
	PrevHash:      "2d0281c45682cffec918d9b7d239c139b6c9a52613049f2de3c671e73f3648fa",
	Version:       536870912,
	Bits:          "207fffff",
	CurTime:       1795460739,
	CoinbaseValue: 5000004140,
	TxIDs:         []string{"74cf98e293c305ebfe01f32f383737121caebce2220771900dfe629e0e86febd"},
}

// BtcdSimnet is btcd-simnet-getblocktemplate-with-tx.json, a template
// captured from btcd v0.26.2 on simnet.
var BtcdSimnet = Template{
	Height:        313,
	PrevHash:      "51bceee53c73ef5b5fd8bbaefcce86d247c95475f228c19aa5f5734e860186d6",
	Version:       541065216,
	Bits:          "207fffff",
	CurTime:       1795461349,
	CoinbaseValue: 5000000514,
	TxIDs: []string{
		"837ba51bd0e81d54d5856bc10250c5373447b04c738bae2b1620c5cf6ed480bb",
		"c7f530425cd6456478b051b7b189d30a2684172dd2ba9cbf7aaf846a1c70b06c",
	},
}

// Job builds a mining.notify job from the template: a coinbase paying
// CoinbaseValue to a P2WPKH script, with the BIP34 height, then room for
// en1Size+en2Size extranonce bytes, then a tag carrying id in its
// scriptSig; and the merkle branch of the template's transactions.
func (t Template) Job(id string, en1Size, en2Size int, clean bool) *stratum.Job {
	height := scriptNum(t.Height)
	tag := []byte("/multipool-test/" + id)
	if len(tag) > 75 {
		tag = tag[:75]
	}
	scriptLen := 1 + len(height) + en1Size + en2Size + 1 + len(tag)

	var cb1 []byte
	cb1 = binary.LittleEndian.AppendUint32(cb1, 1) // tx version
	cb1 = append(cb1, 1)                           // one input
	cb1 = append(cb1, make([]byte, 32)...)         // null prevout hash
	cb1 = binary.LittleEndian.AppendUint32(cb1, 0xffffffff)
	cb1 = append(cb1, byte(scriptLen))
	cb1 = append(cb1, byte(len(height)))
	cb1 = append(cb1, height...)

	var cb2 []byte
	cb2 = append(cb2, byte(len(tag)))
	cb2 = append(cb2, tag...)
	cb2 = binary.LittleEndian.AppendUint32(cb2, 0xffffffff) // sequence
	cb2 = append(cb2, 1)                                    // one output
	cb2 = binary.LittleEndian.AppendUint64(cb2, uint64(t.CoinbaseValue))
	cb2 = append(cb2, 22, 0x00, 20)
	cb2 = append(cb2, make([]byte, 20)...)
	cb2 = binary.LittleEndian.AppendUint32(cb2, 0) // lock time

	prev, err := hex.DecodeString(t.PrevHash)
	if err != nil || len(prev) != 32 {
		panic(fmt.Sprintf("clienttest: bad template prevhash %q", t.PrevHash))
	}
	var header [32]byte
	for i := range prev {
		header[i] = prev[31-i]
	}
	branch := MerkleBranch(t.TxIDs)
	hexBranch := make([]string, len(branch))
	for i := range branch {
		hexBranch[i] = hex.EncodeToString(branch[i][:])
	}
	return stratum.NewJob(stratum.Job{
		ID:           id,
		PrevHash:     stratum.StratumPrevHash(header),
		Coinb1:       hex.EncodeToString(cb1),
		Coinb2:       hex.EncodeToString(cb2),
		MerkleBranch: hexBranch,
		Version:      fmt.Sprintf("%08x", t.Version),
		NBits:        t.Bits,
		NTime:        fmt.Sprintf("%08x", t.CurTime),
		CleanJobs:    clean,
		Transactions: t.TxIDs,
	})
}

// MerkleBranch returns the hashes a coinbase at position 0 is folded with
// to reach the merkle root of [coinbase, txids...]. txids are in RPC byte
// order; the branch is in the raw order the header hashes use.
func MerkleBranch(txids []string) [][32]byte {
	level := make([][32]byte, 1, len(txids)+1) // level[0] stands for the coinbase
	for _, id := range txids {
		b, err := hex.DecodeString(id)
		if err != nil || len(b) != 32 {
			panic(fmt.Sprintf("clienttest: bad txid %q", id))
		}
		var h [32]byte
		for i := range b {
			h[i] = b[31-i]
		}
		level = append(level, h)
	}
	var branch [][32]byte
	var buf [64]byte
	for len(level) > 1 {
		branch = append(branch, level[1])
		if len(level)%2 == 1 {
			level = append(level, level[len(level)-1])
		}
		next := make([][32]byte, 1, len(level)/2+1)
		for i := 2; i < len(level); i += 2 {
			copy(buf[:32], level[i][:])
			copy(buf[32:], level[i+1][:])
			var h [32]byte
			pow.Sha256d(&h, buf[:])
			next = append(next, h)
		}
		level = next
	}
	return branch
}

// scriptNum encodes n as the minimal little-endian script number BIP34 uses.
func scriptNum(n int64) []byte {
	var out []byte
	for n > 0 {
		out = append(out, byte(n))
		n >>= 8
	}
	if len(out) > 0 && out[len(out)-1]&0x80 != 0 {
		out = append(out, 0)
	}
	return out
}
