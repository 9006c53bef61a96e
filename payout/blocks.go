package payout

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/payout/ledger"
)

// verdict is what the wallet and the chain say of one pending block.
type verdict struct {
	state         ledger.BlockState
	confirmations int64
	// received is the reward the pool's wallet got (smallest units); 0
	// when unknown.
	received int64
	reason   string
}

// chainView is what classify needs besides the block.
type chainView struct {
	tip         int64  // height of the chain tip
	maturity    int64  // coinbase maturity in blocks
	poolAddress string // the reward address; "" = every generated output
	decimals    int
}

// classify judges a pending block from gettransaction on its coinbase
// (tx or txErr) and getblockheader on its hash (hdr or hdrErr):
//
//   - the block is not in the main chain (confirmations -1), or the
//     coinbase reads category "orphan", negative confirmations, or sits
//     in another block: orphaned;
//   - the coinbase reads "generate": confirmed (mature);
//   - it reads "immature": immature;
//   - the wallet does not know the coinbase (-5) while the block is in the
//     main chain, or the daemon does not know the block at all: kicked
//     once the chain is a maturity past the block (the wallet would know
//     it by then), pending until then;
//   - a transport failure or another error: pending, to be asked again.
func classify(b ledger.Block, tx *walletTx, txErr error, hdr *blockHeader, hdrErr error, v chainView) verdict {
	if txErr != nil {
		if _, ok := rpcCode(txErr); !ok {
			return verdict{state: ledger.BlockPending, reason: "wallet unreachable: " + txErr.Error()}
		}
	}
	if hdrErr != nil {
		if _, ok := rpcCode(hdrErr); !ok {
			return verdict{state: ledger.BlockPending, reason: "daemon unreachable: " + hdrErr.Error()}
		}
	}
	if hdrErr == nil && hdr != nil && hdr.Confirmations < 0 {
		return verdict{state: ledger.BlockOrphaned, confirmations: hdr.Confirmations, reason: "block is not in the main chain"}
	}
	deep := v.tip >= b.Height+v.maturity
	if txErr != nil {
		code, _ := rpcCode(txErr)
		switch {
		case code != codeInvalidAddressOrKey:
			return verdict{state: ledger.BlockPending, reason: "gettransaction: " + txErr.Error()}
		case hdrErr != nil:
			if hc, _ := rpcCode(hdrErr); hc == codeInvalidAddressOrKey && deep {
				return verdict{state: ledger.BlockKicked, reason: "the daemon does not know the block"}
			}
			return verdict{state: ledger.BlockPending, reason: "the daemon does not know the block yet"}
		case deep:
			return verdict{state: ledger.BlockKicked, confirmations: hdr.Confirmations,
				reason: "the wallet does not know the coinbase transaction (it pays no wallet address)"}
		default:
			return verdict{state: ledger.BlockPending, confirmations: hdr.Confirmations,
				reason: "the wallet does not know the coinbase transaction yet"}
		}
	}
	if tx.BlockHash != "" && b.Hash != "" && tx.BlockHash != b.Hash {
		return verdict{state: ledger.BlockOrphaned, reason: "the coinbase transaction is in block " + tx.BlockHash}
	}
	if tx.Confirmations < 0 {
		return verdict{state: ledger.BlockOrphaned, confirmations: tx.Confirmations, reason: "the coinbase transaction conflicts with the main chain"}
	}
	var generate, immature, orphan bool
	var received int64
	for _, d := range tx.Details {
		switch d.Category {
		case "orphan":
			orphan = true
		case "generate", "immature":
			if d.Category == "generate" {
				generate = true
			} else {
				immature = true
			}
			if v.poolAddress == "" || d.Address == v.poolAddress {
				a, err := parseAmount(d.Amount, v.decimals)
				if err == nil && a > 0 {
					received += a
				}
			}
		}
	}
	switch {
	case orphan:
		return verdict{state: ledger.BlockOrphaned, confirmations: tx.Confirmations, reason: "the coinbase transaction is orphaned"}
	case generate:
		return verdict{state: ledger.BlockConfirmed, confirmations: tx.Confirmations, received: received}
	case immature:
		return verdict{state: ledger.BlockImmature, confirmations: tx.Confirmations, received: received}
	case deep:
		return verdict{state: ledger.BlockKicked, confirmations: tx.Confirmations, reason: "the coinbase transaction pays no wallet address"}
	}
	return verdict{state: ledger.BlockPending, confirmations: tx.Confirmations, reason: "the coinbase transaction is not a generated one yet"}
}

// blockBatch is how many blocks one JSON-RPC batch asks about.
const blockBatch = 100

// judgeBlocks asks the daemon about each block and classifies it.
func (p *Processor) judgeBlocks(ctx context.Context, blocks []ledger.Block) ([]verdict, error) {
	tip, err := p.tip(ctx)
	if err != nil {
		return nil, err
	}
	v := chainView{tip: tip, maturity: int64(p.cfg.Coin.CoinbaseMaturity), poolAddress: p.cfg.PoolAddress, decimals: p.cfg.Coin.Decimals}
	out := make([]verdict, 0, len(blocks))
	for start := 0; start < len(blocks); start += blockBatch {
		chunk := blocks[start:min(start+blockBatch, len(blocks))]
		reqs := make([]daemon.Request, 0, 2*len(chunk))
		for _, b := range chunk {
			reqs = append(reqs,
				daemon.Request{Method: "gettransaction", Params: []any{b.CoinbaseTxID}},
				daemon.Request{Method: "getblockheader", Params: []any{b.Hash, true}})
		}
		replies, err := p.wallet.Batch(ctx, reqs)
		if err != nil {
			return nil, fmt.Errorf("ask the daemon about %d blocks: %w", len(chunk), err)
		}
		for i, b := range chunk {
			var tx *walletTx
			var hdr *blockHeader
			txErr, hdrErr := replies[2*i].Err, replies[2*i+1].Err
			if b.CoinbaseTxID == "" {
				txErr = &daemon.RPCError{Code: codeInvalidAddressOrKey, Message: "no coinbase txid recorded"}
			}
			if txErr == nil {
				tx = new(walletTx)
				if err := json.Unmarshal(replies[2*i].Result, tx); err != nil {
					txErr = fmt.Errorf("decode gettransaction %s: %w", b.CoinbaseTxID, err)
				}
			}
			if hdrErr == nil {
				hdr = new(blockHeader)
				if err := json.Unmarshal(replies[2*i+1].Result, hdr); err != nil {
					hdrErr = fmt.Errorf("decode getblockheader %s: %w", b.Hash, err)
				}
			}
			out = append(out, classify(b, tx, txErr, hdr, hdrErr, v))
		}
	}
	return out, nil
}

// tip returns the chain height.
func (p *Processor) tip(ctx context.Context) (int64, error) {
	var h int64
	if err := p.wallet.Call(ctx, "getblockcount", nil, &h); err != nil {
		return 0, fmt.Errorf("getblockcount: %w", err)
	}
	return h, nil
}

// settleBlocks looks at every pending block: confirmed ones are split and
// credited, orphaned and kicked ones have their shares moved into the
// current round, and the immature ones make up the immature balances.
// credited receives the balances a dry run would have added.
func (p *Processor) settleBlocks(ctx context.Context, lk *ledger.Lock, rep *Report, credited map[string]int64) error {
	coin := p.cfg.Coin.Key
	blocks, err := p.led.Blocks(ctx, coin)
	if err != nil {
		return err
	}
	if len(blocks) == 0 {
		if !rep.DryRun {
			return p.led.UpdatePending(ctx, lk, nil, nil)
		}
		return nil
	}
	// Oldest first, so the credits land in the order the blocks matured.
	for i, j := 0, len(blocks)-1; i < j; i, j = i+1, j-1 {
		blocks[i], blocks[j] = blocks[j], blocks[i]
	}
	verdicts, err := p.judgeBlocks(ctx, blocks)
	if err != nil {
		return err
	}
	var updates []ledger.PendingUpdate
	immature := map[string]int64{}
	for i, b := range blocks {
		v := verdicts[i]
		round := ledger.RoundID(b.Height, b.Hash)
		out := BlockOutcome{Round: round, Height: b.Height, Hash: b.Hash, State: v.state,
			Confirmations: v.confirmations, Reason: v.reason}
		if lk != nil {
			if err := lk.Extend(ctx); err != nil {
				return err
			}
		}
		switch v.state {
		case ledger.BlockConfirmed, ledger.BlockImmature:
			s, err := p.splitBlock(ctx, b, round, v, &out)
			if err != nil {
				out.State = ledger.BlockPending
				out.Reason = err.Error()
				p.log.Error("cannot split block; it stays pending", "round", round, "err", err)
				updates = append(updates, ledger.PendingUpdate{Round: round, State: ledger.BlockPending, Confirmations: v.confirmations})
				break
			}
			out.Split = &s
			if v.state == ledger.BlockImmature {
				for _, c := range s.BalanceCredits() {
					immature[c.Address] += c.Amount
				}
				updates = append(updates, ledger.PendingUpdate{Round: round, State: ledger.BlockImmature,
					Confirmations: v.confirmations, Received: s.Reward})
				break
			}
			credits := s.BalanceCredits()
			if rep.DryRun {
				for _, c := range credits {
					credited[c.Address] += c.Amount
				}
				break
			}
			ok, err := p.led.ConfirmBlock(ctx, lk, ledger.BlockCredit{
				Round: round, Height: b.Height, Received: s.Reward, Credits: credits,
				Credited: s.Credited, Fee: s.Fee, Remainder: s.Remainder,
			})
			if err != nil {
				return err
			}
			if !ok {
				out.Reason = "already settled"
			}
			p.log.Info("block confirmed and credited", "round", round, "reward", s.Reward, "credited", s.Credited,
				"fee", s.Fee, "remainder", s.Remainder, "miners", len(s.Credits), "new", ok)
		case ledger.BlockOrphaned, ledger.BlockKicked:
			if rep.DryRun {
				break
			}
			ok, err := p.led.OrphanBlock(ctx, lk, round, v.state, v.reason)
			if err != nil {
				return err
			}
			p.log.Warn("block settled without pay; its shares move to the current round", "round", round,
				"state", v.state, "reason", v.reason, "new", ok)
		default:
			if v.reason != "" {
				p.log.Warn("block stays pending", "round", round, "reason", v.reason)
			}
			updates = append(updates, ledger.PendingUpdate{Round: round, State: ledger.BlockPending, Confirmations: v.confirmations})
		}
		rep.Blocks = append(rep.Blocks, out)
	}
	if rep.DryRun {
		rep.Immature = immature
		return nil
	}
	return p.led.UpdatePending(ctx, lk, updates, immature)
}

// splitBlock splits a block's reward among its round's shares. An empty
// round (its shares lost) credits the block's finder.
func (p *Processor) splitBlock(ctx context.Context, b ledger.Block, round string, v verdict, out *BlockOutcome) (Split, error) {
	reward := v.received
	if reward == 0 {
		reward = b.Reward
		out.Reason = "the wallet shows no reward to the pool address; using the recorded reward"
	} else if reward != b.Reward {
		p.log.Warn("the wallet received another reward than recorded", "round", round, "recorded", b.Reward, "received", reward)
	}
	weights, err := p.led.RoundShares(ctx, p.cfg.Coin.Key, round)
	if err != nil {
		return Split{}, err
	}
	if len(weights) == 0 {
		finder := b.Address
		if finder == "" {
			finder = b.Worker
		}
		if finder != "" {
			weights = map[string]float64{finder: 1}
			out.Reason = "the round has no shares; the finder gets the block"
		}
	}
	return SplitReward(reward, weights, p.cfg.Fees)
}
