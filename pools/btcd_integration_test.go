package pools_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multipool/multipool/cmd/multipool/miner"
	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/daemon/daemontest"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/payout/ledger/ledgertest"
	"github.com/multipool/multipool/pools"
	"github.com/multipool/multipool/pools/stratum"
)

// btcdRig is a real sha256d pool on a real btcd regtest chain: one btcd
// (no wallet, no peers; its generate pays the node's MiningKey, whose
// coinbases the witness test spends), Redis, the ledger, a Pool paying a
// legacy address and its stratum server on a loopback port.
type btcdRig struct {
	node     *daemontest.Node
	ledger   *ledger.Ledger
	pool     *pools.Pool
	coin     *coins.Coin
	submits  *submitLog
	poolAddr string
	addr     string // stratum host:port
}

// submitLog is the real daemon client that keeps every submitblock
// verdict, so a failing test can show btcd's rejection reasons.
type submitLog struct {
	*daemon.Client
	mu       sync.Mutex
	accepted int
	rejected []string
}

func (s *submitLog) SubmitBlock(ctx context.Context, blockHex string) daemon.SubmitResult {
	r := s.Client.SubmitBlock(ctx, blockHex)
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Accepted {
		s.accepted++
	} else {
		s.rejected = append(s.rejected, r.Reason)
	}
	return r
}

func (s *submitLog) rejections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.rejected)
}

// btcdAddress encodes a fixed test key's hash as a bitcoin-regtest address.
func btcdAddress(t *testing.T, coin *coins.Coin, kind coins.AddressKind, seed string) string {
	t.Helper()
	a, err := coin.EncodeAddress(coins.Address{Kind: kind, Hash: daemontest.NewKey(seed).Hash160()})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func newBtcdRig(t *testing.T) *btcdRig {
	t.Helper()
	ledgertest.Require(t, "redis-server")
	r := &btcdRig{}
	r.node = daemontest.Btcd(t, daemontest.BtcdOptions{})
	r.node.Generate(t, 101, "") // a mature coinbase for the witness transaction
	red := ledgertest.Redis(t)
	reg, err := coins.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if r.coin, err = reg.Get("bitcoin-regtest"); err != nil {
		t.Fatal(err)
	}
	// A legacy (m/n) pool address; the miners log in with bech32 ones.
	r.poolAddr = btcdAddress(t, r.coin, coins.P2PKH, "btcd rig pool")
	log := testLog(t)
	r.ledger, err = ledger.New(ledger.Config{Addr: red.Addr}, log)
	if err != nil {
		t.Fatal(err)
	}
	dc, err := daemon.New(daemon.Config{Endpoints: []daemon.Endpoint{r.node.Endpoint()}, Timeout: 5 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	r.submits = &submitLog{Client: dc}
	r.pool, err = pools.New(pools.Config{
		Coin: r.coin, Address: r.poolAddr, BlockRefreshInterval: 200 * time.Millisecond,
		JobRebroadcastTimeout: 2 * time.Second, ValidateWorkerUsername: true,
	}, r.submits, r.ledger, log)
	if err != nil {
		t.Fatal(err)
	}
	// On regtest every sha256d share of difficulty 0.0001 (about 430k
	// hashes) is also a block.
	server, err := stratum.NewServer(stratum.Config{
		Name: "btc", Ports: []stratum.PortConfig{{Addr: "127.0.0.1:0", Diff: 0.0001}},
	}, r.pool, stratum.NewExtranonceAllocator(0), log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ledgerCtx, stopLedger := context.WithCancel(context.Background())
	var wg, poolWG sync.WaitGroup
	run := func(name string, f func(context.Context) error, ctx context.Context, extra *sync.WaitGroup) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if extra != nil {
				defer extra.Done()
			}
			if err := f(ctx); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	poolWG.Add(2)
	run("ledger", r.ledger.Run, ledgerCtx, nil)
	run("pool", r.pool.Run, ctx, &poolWG)
	run("stratum", server.Run, ctx, &poolWG)
	t.Cleanup(func() {
		cancel()
		poolWG.Wait() // the pool records its last shares before the ledger stops
		stopLedger()
		wg.Wait()
		r.ledger.Close()
		dc.CloseIdleConnections()
		if t.Failed() {
			t.Logf("btcd submitblock: %d accepted, rejections: %q", r.submits.accepted, r.submits.rejections())
		}
	})
	select {
	case <-server.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("stratum server did not start listening")
	}
	r.addr = server.Addrs()[0].String()
	waitFor(t, 30*time.Second, "the pool's first job", func() bool { return r.pool.CurrentJob() != nil })
	return r
}

// mine runs `multipool mine -a sha256d` (miner.Run, one thread) against the
// pool until cond holds or btcd rejects a block.
func (r *btcdRig) mine(t *testing.T, user, what string, cond func() bool) miner.Stats {
	t.Helper()
	st := runMiner(t, "sha256d", r.addr, user, what, 100*time.Second,
		func() bool { return cond() || len(r.submits.rejections()) > 0 })
	if rej := r.submits.rejections(); len(rej) > 0 {
		t.Fatalf("btcd rejected %d pool block(s): %q", len(rej), rej)
	}
	return st
}

// btcdBlock is btcd's getblock verbosity 2: it lists the transactions
// under "rawtx" (Bitcoin Core says "tx").
type btcdBlock struct {
	Hash   string   `json:"hash"`
	Height int64    `json:"height"`
	RawTx  []btcdTx `json:"rawtx"`
}

// btcdTx is a transaction in btcdBlock.
type btcdTx struct {
	TxID string    `json:"txid"`
	Hash string    `json:"hash"` // wtxid
	Hex  string    `json:"hex"`
	Vout []btcdOut `json:"vout"`
}

// btcdOut is an output of a btcdTx.
type btcdOut struct {
	ScriptPubKey struct {
		Hex       string   `json:"hex"`
		Addresses []string `json:"addresses"`
	} `json:"scriptPubKey"`
}

func (r *btcdRig) block(t *testing.T, hash string) btcdBlock {
	t.Helper()
	var b btcdBlock
	if err := json.Unmarshal(r.node.RPC(t, "getblock", hash, 2), &b); err != nil {
		t.Fatal(err)
	}
	if len(b.RawTx) == 0 {
		t.Fatalf("getblock %s: no transactions", hash)
	}
	return b
}

// coinbasePays reports whether the block's coinbase has an output to addr.
func (b btcdBlock) coinbasePays(addr string) bool {
	for _, o := range b.RawTx[0].Vout {
		if slices.Contains(o.ScriptPubKey.Addresses, addr) {
			return true
		}
	}
	return false
}

func (r *btcdRig) tip(t *testing.T) string {
	t.Helper()
	var tip string
	if err := json.Unmarshal(r.node.RPC(t, "getbestblockhash"), &tip); err != nil {
		t.Fatal(err)
	}
	return tip
}

// ledgerBlocks waits until the ledger holds at least n blocks and returns them.
func (r *btcdRig) ledgerBlocks(t *testing.T, n int) []ledger.Block {
	t.Helper()
	var blocks []ledger.Block
	var err error
	waitFor(t, 10*time.Second, "blocks in Redis", func() bool {
		blocks, err = r.ledger.Blocks(context.Background(), r.coin.Key)
		return err == nil && len(blocks) >= n
	})
	return blocks
}

// checkLedgerBlock compares a pool block in the ledger with btcd's chain.
func (r *btcdRig) checkLedgerBlock(t *testing.T, lb ledger.Block, worker string) btcdBlock {
	t.Helper()
	b := r.block(t, lb.Hash)
	if b.Height != lb.Height {
		t.Errorf("block %s: ledger height %d, chain %d", lb.Hash, lb.Height, b.Height)
	}
	if !b.coinbasePays(r.poolAddr) {
		t.Errorf("block %s: coinbase does not pay the pool address %s: %+v", lb.Hash, r.poolAddr, b.RawTx[0].Vout)
	}
	if b.RawTx[0].TxID != lb.CoinbaseTxID {
		t.Errorf("block %s: ledger coinbase txid %s, chain %s", lb.Hash, lb.CoinbaseTxID, b.RawTx[0].TxID)
	}
	if lb.Worker != worker || lb.Reward <= 0 {
		t.Errorf("block %s: worker %q reward %d", lb.Hash, lb.Worker, lb.Reward)
	}
	return b
}

// TestMinesBlocksBtcdAccepts mines through the pool with the project's
// sha256d CPU miner until btcd has accepted two pool blocks.
func TestMinesBlocksBtcdAccepts(t *testing.T) {
	r := newBtcdRig(t)
	worker := btcdAddress(t, r.coin, coins.WitnessV0KeyHash, "btcd miner") + ".rig1"
	st := r.mine(t, worker, "two pool blocks on btcd", func() bool { return r.pool.BlocksFound() >= 2 })
	if st.Accepted < 2 {
		t.Errorf("miner stats %+v, want >= 2 accepted shares", st)
	}

	blocks := r.ledgerBlocks(t, 2)
	for _, lb := range blocks {
		r.checkLedgerBlock(t, lb, worker)
	}
	// Every block above the premine is the pool's, and the tip is one of them.
	found := r.pool.BlocksFound()
	if h := r.node.Height(t); h != 101+found {
		t.Errorf("chain height %d, want 101 + %d pool blocks", h, found)
	}
	tip := r.tip(t)
	waitFor(t, 10*time.Second, "the tip in the ledger", func() bool {
		blocks, _ = r.ledger.Blocks(context.Background(), r.coin.Key)
		return slices.ContainsFunc(blocks, func(b ledger.Block) bool { return b.Hash == tip })
	})
	if b := r.block(t, tip); !b.coinbasePays(r.poolAddr) {
		t.Errorf("chain tip %s does not pay the pool", tip)
	}
}

// TestBtcdAcceptsPoolBlockWithWitnessTx puts a signed segwit transaction in
// btcd's mempool and mines through the pool until a pool block carries it:
// btcd's template then has the bare 32-byte default_witness_commitment and
// the block needs the coinbase witness nonce.
func TestBtcdAcceptsPoolBlockWithWitnessTx(t *testing.T) {
	r := newBtcdRig(t)
	w := r.node.SendWitnessTx(t)
	worker := btcdAddress(t, r.coin, coins.WitnessV0KeyHash, "btcd witness miner") + ".segwit"
	// btcd rebuilds its template for a new tip at once, for mempool changes
	// only after 60 s: the transaction is in the pool's job after at most
	// one more block.
	// That the pool's job carried it shows below: the block that confirms
	// it is the pool's, in the ledger. (Polling CurrentJob for it missed
	// jobs that lived less than a poll: simnet blocks take milliseconds.)
	var confirmedIn string
	r.mine(t, worker, "a pool block with the witness transaction", func() bool {
		var tx struct {
			BlockHash string `json:"blockhash"`
		}
		if err := r.node.Client.Call(context.Background(), "getrawtransaction", []any{w.TxID, 1}, &tx); err != nil {
			t.Fatalf("getrawtransaction %s: %v", w.TxID, err)
		}
		confirmedIn = tx.BlockHash
		return confirmedIn != ""
	})

	b := r.block(t, confirmedIn)
	i := slices.IndexFunc(b.RawTx, func(tx btcdTx) bool { return tx.TxID == w.TxID })
	if i < 1 || b.RawTx[i].Hash != w.WTxID || b.RawTx[i].Hex != w.Hex {
		t.Fatalf("block %s: witness transaction at %d: %+v", confirmedIn, i, b.RawTx)
	}
	// The coinbase commits to the witnesses and carries the nonce, so its
	// wtxid differs from its txid.
	cb := b.RawTx[0]
	if !slices.ContainsFunc(cb.Vout, func(o btcdOut) bool {
		return strings.HasPrefix(o.ScriptPubKey.Hex, "6a24aa21a9ed") && len(o.ScriptPubKey.Hex) == 76
	}) {
		t.Errorf("coinbase of %s has no witness commitment output: %+v", confirmedIn, cb.Vout)
	}
	if cb.Hash == cb.TxID {
		t.Errorf("coinbase of %s has no witness (hash = txid %s)", confirmedIn, cb.TxID)
	}

	// The block is the pool's, recorded in the ledger, and the chain is
	// built on it.
	var lb *ledger.Block
	waitFor(t, 10*time.Second, "the witness block in the ledger", func() bool {
		blocks, err := r.ledger.Blocks(context.Background(), r.coin.Key)
		if err != nil {
			return false
		}
		for k := range blocks {
			if blocks[k].Hash == confirmedIn {
				lb = &blocks[k]
				return true
			}
		}
		return false
	})
	r.checkLedgerBlock(t, *lb, worker)
	if lb.Reward != 50_0000_0000+w.Fee {
		t.Errorf("pool reward %d, want subsidy + the witness transaction's fee %d", lb.Reward, w.Fee)
	}
	var blk daemon.BlockInfo
	if err := json.Unmarshal(r.node.RPC(t, "getblock", confirmedIn), &blk); err != nil || blk.Confirmations < 1 {
		t.Fatalf("witness block %s: confirmations %d, %v", confirmedIn, blk.Confirmations, err)
	}
}
