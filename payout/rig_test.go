package payout_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/big"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/multipool/multipool/cmd/multipool/miner"
	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/daemon/daemontest"
	"github.com/multipool/multipool/payout"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/payout/ledger/ledgertest"
	"github.com/multipool/multipool/pools"
	"github.com/multipool/multipool/pools/stratum"
)

// The rigs here follow pools/integration_test.go: real litecoind regtest
// nodes, a real redis-server, the real ledger, and (for the mining tests)
// a real Pool and stratum server mined by the project's CPU miner.

const (
	coinKey = "litecoin-regtest"
	// burnAddress is a valid regtest address outside every test wallet.
	burnAddress = "rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44"
	// minerWallet is the second wallet the miners' addresses live in.
	minerWallet = "m"
	waitLong    = 90 * time.Second
)

// testLog logs to stderr when MULTIPOOL_TEST_LOG is set.
func testLog() *slog.Logger {
	if os.Getenv("MULTIPOOL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// chain is a litecoind regtest node whose wallet "w" owns the pool
// address, a second wallet "m" for the miners' addresses (on a peer node
// when one is asked for), Redis and a running ledger.
type chain struct {
	node     *daemontest.Node
	peer     *daemontest.Node // nil unless chainOptions.peer
	redis    *ledgertest.Server
	led      *ledger.Ledger
	coin     *coins.Coin
	poolAddr string
	wallet   *daemon.Client // the payout's client: one endpoint, wallet w
	miners   *daemon.Client // wallet m (on the peer when there is one)
}

type chainOptions struct {
	peer bool // a second node, with wallet m, connected to the first
}

func newChain(t *testing.T, o chainOptions) *chain {
	t.Helper()
	daemontest.Require(t, "litecoind")
	ledgertest.Require(t, "redis-server")
	c := &chain{}
	c.node = daemontest.Litecoind(t, daemontest.Options{Wallet: true})
	mnode := c.node
	if o.peer {
		c.peer = daemontest.Litecoind(t, daemontest.Options{Peer: c.node})
		mnode = c.peer
	}
	c.redis = ledgertest.Redis(t)
	reg, err := coins.Load("")
	must(t, err)
	c.coin, err = reg.Get(coinKey)
	must(t, err)
	c.poolAddr = c.node.NewAddress(t, "bech32")
	c.wallet, err = daemon.New(daemon.Config{Endpoints: []daemon.Endpoint{c.node.Endpoint()}, Wallet: "w", Timeout: time.Minute}, nil)
	must(t, err)
	plain, err := daemon.New(daemon.Config{Endpoints: []daemon.Endpoint{mnode.Endpoint()}, Timeout: time.Minute}, nil)
	must(t, err)
	must(t, plain.Call(context.Background(), "createwallet", []any{minerWallet}, nil))
	plain.CloseIdleConnections()
	c.miners, err = daemon.New(daemon.Config{Endpoints: []daemon.Endpoint{mnode.Endpoint()}, Wallet: minerWallet, Timeout: time.Minute}, nil)
	must(t, err)
	t.Cleanup(func() {
		c.wallet.CloseIdleConnections()
		c.miners.CloseIdleConnections()
	})

	c.led, err = ledger.New(ledger.Config{Addr: c.redis.Addr, BatchInterval: 5 * time.Millisecond}, testLog())
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.led.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ledger: %v", err)
		}
		c.led.Close()
	})
	// A mature coinbase in wallet w: the pool's buffer for transaction
	// fees (the split's rewards alone cannot pay them).
	c.node.Generate(t, 1, c.poolAddr)
	c.node.Generate(t, 100, burnAddress)
	return c
}

// minerAddress returns a new address of wallet m.
func (c *chain) minerAddress(t *testing.T, typ string) string {
	t.Helper()
	var a string
	must(t, c.miners.Call(context.Background(), "getnewaddress", []any{"", typ}, &a))
	return a
}

// received returns what wallet m received on addr with at least minconf
// confirmations, in smallest units.
func (c *chain) received(t *testing.T, addr string, minconf int) int64 {
	t.Helper()
	var n json.Number
	must(t, c.miners.Call(context.Background(), "getreceivedbyaddress", []any{addr, minconf}, &n))
	return amount(t, n)
}

// amount parses an RPC amount exactly.
func amount(t *testing.T, n json.Number) int64 {
	t.Helper()
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		t.Fatalf("amount %q", n)
	}
	r.Mul(r, big.NewRat(100_000_000, 1))
	if !r.IsInt() {
		t.Fatalf("amount %q has more than 8 decimals", n)
	}
	return r.Num().Int64()
}

// sync waits until the peer (if any) has the node's tip.
func (c *chain) sync(t *testing.T) {
	t.Helper()
	if c.peer == nil {
		return
	}
	waitFor(t, 30*time.Second, "the nodes to agree on the tip", func() bool {
		var a, b string
		if c.node.Client.Call(context.Background(), "getbestblockhash", nil, &a) != nil ||
			c.peer.Client.Call(context.Background(), "getbestblockhash", nil, &b) != nil {
			return false
		}
		return a == b
	})
}

// mature advances the chain past coinbase maturity: on the second node
// when there is one (the pool's node follows it), else on the node.
func (c *chain) mature(t *testing.T) {
	t.Helper()
	c.sync(t)
	if c.peer != nil {
		c.peer.Generate(t, c.coin.CoinbaseMaturity, burnAddress)
		c.sync(t)
		return
	}
	c.node.Generate(t, c.coin.CoinbaseMaturity, burnAddress)
}

// confirmPayments mines the mempool (the payments) into a block.
func (c *chain) confirmPayments(t *testing.T) {
	t.Helper()
	c.node.Generate(t, 1, burnAddress)
	c.sync(t)
}

// fakeRound records shares (address -> difficulty) in the ledger, then a
// block the node mines to the pool address, as the pool would: the
// round's weights are exact and known. It returns the round id and the
// block as recorded.
func (c *chain) fakeRound(t *testing.T, shares map[string]float64) (string, ledger.Block) {
	t.Helper()
	for a, d := range shares {
		must(t, c.led.RecordShare(ledger.Share{Coin: coinKey, Worker: a + ".rig", Address: a, Difficulty: d, Status: ledger.StatusValid}))
	}
	hash := c.node.Generate(t, 1, c.poolAddr)[0]
	height, txid, paid := coinbase(t, c, hash)
	reward := paid[c.poolAddr]
	b := ledger.Block{Coin: coinKey, Height: height, Hash: hash, CoinbaseTxID: txid, Reward: reward, Worker: "finder"}
	must(t, c.led.RecordBlock(b))
	waitFor(t, 10*time.Second, "the ledger to write the round", func() bool { return c.led.Pending() == 0 })
	return ledger.RoundID(b.Height, b.Hash), b
}

// coinbase reads a block's height, coinbase txid and what its coinbase
// pays each address, from the chain.
func coinbase(t *testing.T, c *chain, hash string) (int64, string, map[string]int64) {
	t.Helper()
	var blk struct {
		Height int64 `json:"height"`
		Tx     []struct {
			TxID string `json:"txid"`
			Vout []struct {
				Value        json.Number `json:"value"`
				ScriptPubKey struct {
					Address   string   `json:"address"`
					Addresses []string `json:"addresses"`
				} `json:"scriptPubKey"`
			} `json:"vout"`
		} `json:"tx"`
	}
	must(t, json.Unmarshal(c.node.RPC(t, "getblock", hash, 2), &blk))
	paid := map[string]int64{}
	for _, o := range blk.Tx[0].Vout {
		addrs := o.ScriptPubKey.Addresses
		if o.ScriptPubKey.Address != "" {
			addrs = append(addrs, o.ScriptPubKey.Address)
		}
		for _, a := range addrs {
			paid[a] += amount(t, o.Value)
		}
	}
	return blk.Height, blk.Tx[0].TxID, paid
}

// processor builds a payout processor for the chain.
func (c *chain) processor(t *testing.T, mod func(*payout.Config)) *payout.Processor {
	t.Helper()
	cfg := payout.Config{
		Coin: c.coin, PoolAddress: c.poolAddr, MinimumPayment: 1_000_000, // 0.01 LTC
		LockTTL: time.Second, SettleTime: time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := payout.New(cfg, c.led, c.wallet, testLog())
	must(t, err)
	return p
}

// once runs a payout and fails the test on an error.
func once(t *testing.T, p *payout.Processor) *payout.Report {
	t.Helper()
	rep, err := p.Once(context.Background())
	if err != nil {
		t.Fatalf("payout run: %v", err)
	}
	t.Logf("%s", rep.Format(8))
	return rep
}

// waitUnlocked waits for the coin's payout lock to be free (a crashed
// holder's lock expires).
func (c *chain) waitUnlocked(t *testing.T) {
	t.Helper()
	waitFor(t, 30*time.Second, "the payout lock to expire", func() bool {
		h, _, err := c.led.LockHolder(context.Background(), coinKey)
		return err == nil && h == ""
	})
}

// account reads one address's ledger account.
func (c *chain) account(t *testing.T, addr string) ledger.Account {
	t.Helper()
	a, err := c.led.Account(context.Background(), coinKey, addr)
	must(t, err)
	return a
}

// expectedCredits computes, independently of the payout, what the split of
// each given confirmed round credits: floor(received * w / W) over the
// round's recorded shares (no fees), summed per address.
func (c *chain) expectedCredits(t *testing.T, rounds []string) map[string]int64 {
	t.Helper()
	ctx := context.Background()
	out := map[string]int64{}
	for _, r := range rounds {
		b, ok, err := c.led.BlockStatusOf(ctx, coinKey, r)
		must(t, err)
		if !ok || b.State != ledger.BlockConfirmed {
			t.Fatalf("round %s: %+v, want a confirmed block", r, b)
		}
		shares, err := c.led.RoundShares(ctx, coinKey, r)
		must(t, err)
		for a, v := range oracle(b.RewardReceived, shares) {
			out[a] += v
		}
		// The invariant, as recorded.
		if b.Credited+b.Fee+b.Remainder != b.RewardReceived {
			t.Fatalf("round %s: credited %d + fee %d + remainder %d != reward %d", r, b.Credited, b.Fee, b.Remainder, b.RewardReceived)
		}
		credits, err := c.led.BlockCredits(ctx, coinKey, r)
		must(t, err)
		var sum int64
		for _, v := range credits {
			sum += v
		}
		if sum != b.Credited {
			t.Fatalf("round %s: credits add up to %d, recorded %d", r, sum, b.Credited)
		}
	}
	return out
}

// poolRig is a chain with a running Pool and stratum server on it.
type poolRig struct {
	*chain
	pool *pools.Pool
	addr string // stratum host:port
}

func newPoolRig(t *testing.T) *poolRig {
	t.Helper()
	c := newChain(t, chainOptions{peer: true})
	log := testLog()
	dc, err := daemon.New(daemon.Config{Endpoints: []daemon.Endpoint{c.node.Endpoint()}, Timeout: 10 * time.Second}, log)
	must(t, err)
	pool, err := pools.New(pools.Config{
		Coin: c.coin, Address: c.poolAddr, BlockRefreshInterval: 200 * time.Millisecond,
		JobRebroadcastTimeout: 2 * time.Second, ValidateWorkerUsername: true,
	}, dc, c.led, log)
	must(t, err)
	server, err := stratum.NewServer(stratum.Config{
		Name: "ltc", Ports: []stratum.PortConfig{{Addr: "127.0.0.1:0", Diff: 0.001}},
	}, pool, stratum.NewExtranonceAllocator(0), log)
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for name, f := range map[string]func(context.Context) error{"pool": pool.Run, "stratum": server.Run} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f(ctx); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	// Registered after the chain's cleanups, so this runs first: the pool
	// stops before the ledger does.
	t.Cleanup(func() {
		cancel()
		wg.Wait()
		dc.CloseIdleConnections()
	})
	select {
	case <-server.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("stratum server did not start listening")
	}
	r := &poolRig{chain: c, pool: pool, addr: server.Addrs()[0].String()}
	waitFor(t, 30*time.Second, "the pool's first job", func() bool { return pool.CurrentJob() != nil })
	return r
}

// mineWith runs CPU miners (user -> password) until cond holds.
func (r *poolRig) mineWith(t *testing.T, users map[string]string, threads map[string]int, what string, cond func() bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	for user, pass := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := miner.Run(ctx, miner.Config{
				Algorithm: "scrypt", URL: "stratum+tcp://" + r.addr, User: user, Password: pass,
				Threads: max(threads[user], 1), Out: io.Discard,
			})
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("miner %s: %v", user, err)
			}
		}()
	}
	waitFor(t, waitLong, what, cond)
	cancel()
	wg.Wait()
	waitFor(t, 10*time.Second, "the ledger to write every share", func() bool { return r.led.Pending() == 0 })
}
