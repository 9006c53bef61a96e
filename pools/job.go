package pools

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/big"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
)

// jobSeq numbers jobs across every pool in the process, so job ids are
// unique whichever source a session talks to.
var jobSeq atomic.Uint64

// job is one stratum job and everything needed to check its shares and to
// assemble a block from a winning one.
type job struct {
	notify *stratum.Job
	work   *stratum.Work

	height        int64
	prevHash      string // display order
	bits          uint32
	target        *big.Int // network target
	targetBytes   pow.Target
	curTime       uint32
	coinbaseValue int64
	poolReward    int64 // the output to the pool address

	// Block assembly.
	txCount int
	txData  []byte // every template transaction, raw, in template order
	mweb    []byte // 0x01 + the template's mweb bytes, or nil
	witness bool   // the coinbase carries the witness nonce in the block
	pos     bool
	tailLen int // coinbase bytes after the outputs (coinbaseSpec.tailLen)

	mu   sync.Mutex // guards seen
	seen map[shareKey]struct{}
}

// shareKey identifies a share within a job for duplicate detection.
type shareKey struct {
	en1, en2           uint32
	ntime, nonce, vers uint32
}

// jobSpec is what a template becomes a job with.
type jobSpec struct {
	tmpl *daemon.BlockTemplate
	// payout holds the pool's outputs, the pool's own first; required the
	// outputs the template demands (Dash's masternode and superblock
	// payments). The witness commitment comes last, from the template.
	payout, required []txOut
	tag              []byte
	pos              bool
	txMessages       bool
	clean            bool
	// txHash is the chain's transaction hash (nil: SHA-256d).
	txHash pow.HashFunc
}

// newJob builds a job from a block template.
func newJob(s jobSpec) (*job, error) {
	t := s.tmpl
	bits, err := strconv.ParseUint(t.Bits, 16, 32)
	if err != nil {
		return nil, fmt.Errorf("template bits %q: %w", t.Bits, err)
	}
	target, err := pow.CompactToTarget(uint32(bits))
	if err != nil {
		return nil, fmt.Errorf("template bits: %w", err)
	}
	prev, err := reverseHex(t.PreviousBlockHash)
	if err != nil {
		return nil, fmt.Errorf("template previousblockhash: %w", err)
	}
	var aux []byte
	if f := t.CoinbaseAux["flags"]; f != "" {
		if aux, err = hex.DecodeString(f); err != nil {
			return nil, fmt.Errorf("template coinbaseaux.flags: %w", err)
		}
	}

	outs := append(append([]txOut(nil), s.payout...), s.required...)
	witness := false
	if t.DefaultWitnessCommitment != "" {
		script, err := witnessCommitmentScript(t.DefaultWitnessCommitment)
		if err != nil {
			return nil, err
		}
		outs = append(outs, txOut{Value: 0, Script: script})
		witness = true
	}
	spec := coinbaseSpec{
		Height: t.Height, AuxFlags: aux, Tag: s.tag, Outputs: outs,
		POS: s.pos, POSTime: uint32(t.CurTime), TxMessages: s.txMessages,
	}
	if s.txMessages {
		spec.Message = s.tag
	}
	if t.CoinbasePayload != "" {
		if spec.ExtraPayload, err = hex.DecodeString(t.CoinbasePayload); err != nil {
			return nil, fmt.Errorf("template coinbase_payload: %w", err)
		}
	}
	cb, err := buildCoinbase(spec)
	if err != nil {
		return nil, err
	}

	txids := make([][32]byte, 0, len(t.Transactions))
	txidHex := make([]string, 0, len(t.Transactions))
	var txData []byte
	for i, tx := range t.Transactions {
		id, err := reverseHex(tx.TxID)
		if err != nil {
			return nil, fmt.Errorf("template transaction %d txid: %w", i, err)
		}
		raw, err := hex.DecodeString(tx.Data)
		if err != nil {
			return nil, fmt.Errorf("template transaction %d data: %w", i, err)
		}
		txids = append(txids, id)
		txidHex = append(txidHex, tx.TxID)
		txData = append(txData, raw...)
	}
	var mweb []byte
	if t.MWEB != "" {
		m, err := hex.DecodeString(t.MWEB)
		if err != nil {
			return nil, fmt.Errorf("template mweb: %w", err)
		}
		mweb = append([]byte{0x01}, m...)
	}

	branch := merkleBranch(txids)
	work := &stratum.Work{
		PrevHash: prev, Coinb1: cb.Coinb1, Coinb2: cb.Coinb2, Branch: branch,
		Version: t.Version, NBits: uint32(bits), NTime: uint32(t.CurTime),
		TxHash: s.txHash,
	}
	branchHex := make([]string, len(branch))
	for i := range branch {
		branchHex[i] = hex.EncodeToString(branch[i][:])
	}
	id := strconv.FormatUint(jobSeq.Add(1), 16)
	notify := stratum.NewJob(stratum.Job{
		ID:           id,
		PrevHash:     stratum.StratumPrevHash(prev),
		Coinb1:       hex.EncodeToString(cb.Coinb1),
		Coinb2:       hex.EncodeToString(cb.Coinb2),
		MerkleBranch: branchHex,
		Version:      fmt.Sprintf("%08x", t.Version),
		NBits:        fmt.Sprintf("%08x", bits),
		NTime:        fmt.Sprintf("%08x", uint32(t.CurTime)),
		CleanJobs:    s.clean,
		Transactions: txidHex,
	})
	return &job{
		notify: notify, work: work,
		height: t.Height, prevHash: t.PreviousBlockHash, bits: uint32(bits), target: target, targetBytes: pow.NewTarget(target),
		curTime: uint32(t.CurTime), coinbaseValue: t.CoinbaseValue, poolReward: s.payout[0].Value,
		txCount: len(t.Transactions), txData: txData, mweb: mweb, witness: witness,
		pos: s.pos, tailLen: spec.tailLen(),
		seen: make(map[shareKey]struct{}),
	}, nil
}

// firstSeen records a share and reports whether it is new in this job.
func (j *job) firstSeen(k shareKey) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, dup := j.seen[k]; dup {
		return false
	}
	j.seen[k] = struct{}{}
	return true
}

// assembleBlock serializes the block for a solved header and its coinbase
// (the non-witness form the miner hashed).
func (j *job) assembleBlock(header *[80]byte, coinbase []byte) []byte {
	cb := coinbase
	if j.witness {
		cb = witnessCoinbase(coinbase, j.pos, j.tailLen)
	}
	out := make([]byte, 0, 80+9+len(cb)+len(j.txData)+len(j.mweb)+1)
	out = append(out, header[:]...)
	out = appendVarInt(out, uint64(j.txCount+1))
	out = append(out, cb...)
	out = append(out, j.txData...)
	out = append(out, j.mweb...)
	if j.pos {
		// PPCoin-family blocks end with the block signature; a proof-of-work
		// block carries an empty one.
		out = append(out, 0)
	}
	return out
}

// le32 is a small helper for share keys.
func le32(b []byte) uint32 {
	if len(b) != 4 {
		var p [4]byte
		copy(p[:], b)
		return binary.LittleEndian.Uint32(p[:])
	}
	return binary.LittleEndian.Uint32(b)
}
