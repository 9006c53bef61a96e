package pools

import (
	"context"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/pools/stratum"
)

// maxFutureTime is how far ahead of our clock a share's ntime may be.
const maxFutureTime = 7200

// shareScratch holds one share check's buffers.
type shareScratch struct {
	coinbase [256]byte
	header   [80]byte
	root     [32]byte
	hash     [32]byte
}

var scratchPool = sync.Pool{New: func() any { return new(shareScratch) }}

// errBusy is the reply when the ledger cannot take a share: the miner is
// told it was not accepted, so nothing it believes credited is lost.
var errBusy = stratum.Errorf(stratum.CodeOther, "Pool busy, share not recorded")

// Submit validates a share, records it and, when it solves a block,
// submits the block to every daemon.
func (p *Pool) Submit(ctx context.Context, s *stratum.Share) stratum.Result {
	res := p.check(ctx, s)
	if res.Err != nil {
		p.recordRejected(s, res.Err)
	}
	return res
}

func (p *Pool) check(ctx context.Context, s *stratum.Share) stratum.Result {
	p.mu.Lock()
	j := p.jobs[s.JobID]
	p.mu.Unlock()
	if j == nil {
		return stratum.Result{Err: stratum.ErrJobNotFound}
	}
	if len(s.Extranonce1)+len(s.Extranonce2) != ExtranonceSize {
		return stratum.Result{Err: stratum.Errorf(stratum.CodeOther, "Incorrect size of extranonce2")}
	}
	now := p.cfg.Now().Unix()
	if int64(s.NTime) < int64(j.curTime) || int64(s.NTime) > now+maxFutureTime {
		return stratum.Result{Err: stratum.Errorf(stratum.CodeOther, "ntime out of range")}
	}
	if !j.firstSeen(shareKey{le32(s.Extranonce1), le32(s.Extranonce2), s.NTime, s.Nonce, s.VersionBits}) {
		return stratum.Result{Err: stratum.ErrDuplicate}
	}

	version := j.work.Version
	if s.VersionRolled {
		version = (version &^ stratum.VersionRollingMask) | (s.VersionBits & stratum.VersionRollingMask)
	}
	// The hash functions are called through func values, so buffers on
	// the stack would move to the heap on every share: they come from a
	// pool instead.
	sc := scratchPool.Get().(*shareScratch)
	defer scratchPool.Put(sc)
	coinbase := j.work.Coinbase(sc.coinbase[:0], s.Extranonce1, s.Extranonce2)
	j.work.MerkleRootInto(&sc.root, coinbase)
	header, hash := &sc.header, &sc.hash
	j.work.Header(header, sc.root, version, s.NTime, s.Nonce)
	// At most one hash per core at a time: thousands of sessions hashing
	// at once would leave the job broadcaster and the writers a tiny share
	// of the scheduler; queued sessions wait without being runnable.
	// A free slot is taken without asking ctx for its Done channel, which
	// the stratum server makes only when asked.
	select {
	case p.hashSlots <- struct{}{}:
	default:
		select {
		case p.hashSlots <- struct{}{}:
		case <-ctx.Done():
			return stratum.Result{Err: stratum.Errorf(stratum.CodeOther, "pool busy")}
		}
	}
	p.alg.Hash(hash, header[:])
	<-p.hashSlots

	res := stratum.Result{ActualDifficulty: pow.HashDifficulty(hash, p.coin.Multiplier())}
	var found *ledger.Block
	if j.targetBytes.Meets(hash) {
		res.Block = true
		found = p.submitBlock(ctx, j, s, header, hash, coinbase)
		res.BlockAccepted = found != nil
		if found != nil {
			res.BlockHash = found.Hash
		}
	} else {
		target, err := p.shareTarget(s.Difficulty)
		if err != nil {
			return stratum.Result{Err: stratum.Errorf(stratum.CodeOther, "bad share difficulty")}
		}
		if !target.Meets(hash) {
			res.Err = stratum.Errorf(stratum.CodeLowDifficulty, "Low difficulty share (%.6g)", res.ActualDifficulty)
			return res
		}
	}
	err := p.rec.RecordShare(ledger.Share{
		Coin: p.coin.Key, Worker: s.Worker.Name, Address: s.Worker.Address,
		Difficulty: s.Difficulty, Status: ledger.StatusValid, Time: p.cfg.Now(), Height: j.height,
	})
	if err != nil {
		p.log.Error("share not recorded", "worker", s.Worker.Name, "err", err)
		res.Err = errBusy
	}
	if found != nil {
		// After the share, so the winning share belongs to the round it closes.
		if err := p.rec.RecordBlock(*found); err != nil {
			// The block is on chain; losing its record would lose the round.
			p.log.Error("block found but not recorded", "height", found.Height, "hash", found.Hash, "err", err)
		}
	}
	if res.Err != nil {
		return res
	}
	if p.log.Enabled(ctx, slog.LevelDebug) { // the arguments would allocate even when not logged
		p.log.Debug("share accepted", "worker", s.Worker.Name, "diff", s.Difficulty, "actual", res.ActualDifficulty, "height", j.height)
	}
	return res
}

// shareTarget returns the cached target for a share difficulty.
func (p *Pool) shareTarget(diff float64) (*pow.Target, error) {
	if t, ok := p.targets.Load(diff); ok {
		return t.(*pow.Target), nil
	}
	t, err := pow.ShareTarget(diff, p.coin.Multiplier())
	if err != nil {
		return nil, err
	}
	tb := pow.NewTarget(t)
	// varDiff produces many distinct difficulties over time: keep the
	// cache bounded.
	if p.targetCount.Add(1) > 4096 {
		p.targets.Clear()
		p.targetCount.Store(0)
	}
	p.targets.Store(diff, &tb)
	return &tb, nil
}

// submitBlock assembles and submits a block and asks for the next
// template. It returns the block's record when a daemon accepted it.
func (p *Pool) submitBlock(ctx context.Context, j *job, s *stratum.Share, header *[80]byte, powHash *[32]byte, coinbase []byte) *ledger.Block {
	var id [32]byte
	p.coin.BlockID(&id, header[:], powHash)
	hash := displayHex(id)
	var txid [32]byte
	p.coin.HashTx(&txid, coinbase)
	block := j.assembleBlock(header, coinbase)

	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	r := p.daemon.SubmitBlock(sctx, hex.EncodeToString(block))
	defer p.Refresh()
	if !r.Accepted && (r.Unreachable || r.Inconclusive) {
		// No daemon said yes or no: the reply may have been lost, or the
		// daemon may not have finished. Ask whether the block is on the
		// main chain now, so a block that made it is not left unrecorded.
		r.Accepted = p.onMainChain(sctx, hash)
		if r.Accepted {
			p.log.Info("block found on chain after an unclear submit", "hash", hash, "submit", r.Reason)
		}
	}
	if !r.Accepted {
		p.log.Warn("block rejected", "height", j.height, "hash", hash, "worker", s.Worker.Name, "reason", r.Reason)
		return nil
	}
	p.blocks.Add(1)
	p.log.Info("block found", "height", j.height, "hash", hash, "worker", s.Worker.Name, "reward", j.poolReward)
	return &ledger.Block{
		Coin: p.coin.Key, Height: j.height, Hash: hash, CoinbaseTxID: displayHex(txid),
		Reward: j.poolReward, Worker: s.Worker.Name, Address: s.Worker.Address,
		Difficulty: s.Difficulty, NetworkDifficulty: pow.TargetDifficulty(j.target, 1),
		Time: p.cfg.Now(),
	}
}

// blockLookup finds a block by hash; *daemon.Client has it.
type blockLookup interface {
	GetBlock(ctx context.Context, hash string) (*daemon.BlockInfo, error)
}

// onMainChain reports whether the daemon has the block on its main chain.
// A daemon that cannot look blocks up, or does not answer, counts as no.
func (p *Pool) onMainChain(ctx context.Context, hash string) bool {
	d, ok := p.daemon.(blockLookup)
	if !ok {
		return false
	}
	b, err := d.GetBlock(ctx, hash)
	if err != nil {
		p.log.Warn("cannot tell whether a submitted block reached the chain", "hash", hash, "err", err)
		return false
	}
	return b.Confirmations >= 1
}

// recordRejected counts a rejected share in the ledger's statistics.
func (p *Pool) recordRejected(s *stratum.Share, e *stratum.Error) {
	if e == errBusy {
		return
	}
	status := ledger.StatusInvalid
	switch e.Code {
	case stratum.CodeJobNotFound:
		status = ledger.StatusStale
	case stratum.CodeDuplicate:
		status = ledger.StatusDuplicate
	case stratum.CodeLowDifficulty:
		status = ledger.StatusLowDiff
	}
	worker, addr := "", ""
	if s.Worker != nil {
		worker, addr = s.Worker.Name, s.Worker.Address
	}
	err := p.rec.RecordShare(ledger.Share{
		Coin: p.coin.Key, Worker: worker, Address: addr, Difficulty: s.Difficulty,
		Status: status, Reason: e.Message, Time: p.cfg.Now(),
	})
	if err != nil && !errors.Is(err, ledger.ErrBufferFull) {
		p.log.Debug("rejected share not counted", "err", err)
	}
}
