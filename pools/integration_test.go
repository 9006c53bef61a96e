package pools_test

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
	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/payout/ledger/ledgertest"
	"github.com/multipool/multipool/pools"
	"github.com/multipool/multipool/pools/stratum"
	"github.com/multipool/multipool/pools/stratum/client"
)

// testLog logs to the test output when -v is given and MULTIPOOL_TEST_LOG is set.
func testLog(t *testing.T) *slog.Logger {
	if os.Getenv("MULTIPOOL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// rig is a real pool on a real chain: litecoind regtest (two connected
// nodes, the first with a wallet), Redis, the ledger, a Pool and its
// stratum server on a loopback port.
type rig struct {
	node, peer *daemontest.Node
	redis      *ledgertest.Server
	ledger     *ledger.Ledger
	pool       *pools.Pool
	server     *stratum.Server
	daemon     pools.Daemon
	poolAddr   string
	addr       string // stratum host:port
	coin       *coins.Coin
	cancel     context.CancelFunc
	wg         sync.WaitGroup
}

type rigOptions struct {
	mweb      bool
	diff      float64
	daemon    func(*daemon.Client) pools.Daemon // wraps the real client
	twoDaemon bool                              // the pool talks to both nodes
	redis     *ledgertest.Server
}

func newRig(t *testing.T, o rigOptions) *rig {
	t.Helper()
	daemontest.Require(t, "litecoind")
	ledgertest.Require(t, "redis-server")
	r := &rig{}
	r.node = daemontest.Litecoind(t, daemontest.Options{MWEB: o.mweb, Wallet: true})
	r.peer = daemontest.Litecoind(t, daemontest.Options{MWEB: o.mweb, Peer: r.node})
	r.poolAddr = r.node.NewAddress(t, "bech32")
	if o.mweb {
		daemontest.ActivateMWEB(t, r.node)
	} else {
		r.node.Generate(t, 101, r.poolAddr) // mature coins for test transactions
	}
	r.redis = o.redis
	if r.redis == nil {
		r.redis = ledgertest.Redis(t)
	}
	reg, err := coins.Load("")
	if err != nil {
		t.Fatal(err)
	}
	if r.coin, err = reg.Get("litecoin-regtest"); err != nil {
		t.Fatal(err)
	}
	log := testLog(t)
	r.ledger, err = ledger.New(ledger.Config{Addr: r.redis.Addr}, log)
	if err != nil {
		t.Fatal(err)
	}
	eps := []daemon.Endpoint{r.node.Endpoint()}
	if o.twoDaemon {
		eps = append(eps, r.peer.Endpoint())
	}
	dc, err := daemon.New(daemon.Config{Endpoints: eps, Timeout: 5 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	r.daemon = dc
	if o.daemon != nil {
		r.daemon = o.daemon(dc)
	}
	r.pool, err = pools.New(pools.Config{
		Coin: r.coin, Address: r.poolAddr, BlockRefreshInterval: 200 * time.Millisecond,
		JobRebroadcastTimeout: 2 * time.Second, ValidateWorkerUsername: true,
	}, r.daemon, r.ledger, log)
	if err != nil {
		t.Fatal(err)
	}
	diff := o.diff
	if diff == 0 {
		diff = 0.001
	}
	r.server, err = stratum.NewServer(stratum.Config{
		Name: "ltc", Ports: []stratum.PortConfig{{Addr: "127.0.0.1:0", Diff: diff}},
	}, r.pool, stratum.NewExtranonceAllocator(0), log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ledgerCtx, stopLedger := context.WithCancel(context.Background())
	r.cancel = cancel
	run := func(name string, f func(context.Context) error, ctx context.Context) {
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			if err := f(ctx); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}()
	}
	var poolWG sync.WaitGroup
	poolWG.Add(2)
	run("ledger", r.ledger.Run, ledgerCtx)
	run("pool", func(ctx context.Context) error { defer poolWG.Done(); return r.pool.Run(ctx) }, ctx)
	run("stratum", func(ctx context.Context) error { defer poolWG.Done(); return r.server.Run(ctx) }, ctx)
	t.Cleanup(func() {
		cancel()
		poolWG.Wait()
		stopLedger()
		r.wg.Wait()
		r.ledger.Close()
	})
	select {
	case <-r.server.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("stratum server did not start listening")
	}
	r.addr = r.server.Addrs()[0].String()
	waitFor(t, 30*time.Second, "the pool's first job", func() bool { return r.pool.CurrentJob() != nil })
	return r
}

// waitFor polls cond until it holds or the deadline passes.
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

// mineUntil runs the project's CPU miner until cond holds.
func (r *rig) mineUntil(t *testing.T, user, what string, cond func() bool) miner.Stats {
	t.Helper()
	return runMiner(t, "scrypt", r.addr, user, what, 90*time.Second, cond)
}

// runMiner runs `multipool mine -a algo` (miner.Run, one thread) against
// the pool at addr until cond holds, within limit.
func runMiner(t *testing.T, algo, addr, user, what string, limit time.Duration, cond func() bool) miner.Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var st miner.Stats
	var err error
	done := make(chan struct{})
	go func() {
		defer close(done)
		st, err = miner.Run(ctx, miner.Config{
			Algorithm: algo, URL: "stratum+tcp://" + addr, User: user, Password: "x",
			Threads: 1, Out: io.Discard,
		})
	}()
	waitFor(t, limit, what, cond)
	cancel()
	<-done
	if err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("miner: %v", err)
	}
	return st
}

// mineBlocks mines through the pool until it has found n more blocks.
func (r *rig) mineBlocks(t *testing.T, user string, n int64) miner.Stats {
	t.Helper()
	target := r.pool.BlocksFound() + n
	return r.mineUntil(t, user, "blocks found by the pool", func() bool { return r.pool.BlocksFound() >= target })
}

type blockInfo struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
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
	MWEB json.RawMessage `json:"mweb"`
}

func (r *rig) block(t *testing.T, hash string) blockInfo {
	t.Helper()
	var b blockInfo
	if err := json.Unmarshal(r.node.RPC(t, "getblock", hash, 2), &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func paysTo(b blockInfo, addr string) bool {
	for _, o := range b.Tx[0].Vout {
		if o.ScriptPubKey.Address == addr {
			return true
		}
		for _, a := range o.ScriptPubKey.Addresses {
			if a == addr {
				return true
			}
		}
	}
	return false
}

func TestMinesBlocksLitecoinCoreAccepts(t *testing.T) {
	for _, mweb := range []bool{false, true} {
		name := "pre-MWEB"
		if mweb {
			name = "MWEB-active"
		}
		t.Run(name, func(t *testing.T) {
			r := newRig(t, rigOptions{mweb: mweb})
			// A wallet transaction in the mempool, so the block carries more than the coinbase.
			r.node.RPC(t, "sendtoaddress", r.node.NewAddress(t, "bech32"), 1)
			waitFor(t, 30*time.Second, "the transaction in a job", func() bool {
				j := r.pool.CurrentJob()
				return j != nil && len(j.Transactions) > map[bool]int{false: 0, true: 1}[mweb]
			})
			minerAddr := r.node.NewAddress(t, "bech32")
			r.mineBlocks(t, minerAddr+".rig1", 3)

			ctx := context.Background()
			blocks, err := r.ledger.Blocks(ctx, r.coin.Key)
			if err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "blocks in Redis", func() bool {
				blocks, err = r.ledger.Blocks(ctx, r.coin.Key)
				return err == nil && len(blocks) >= 3
			})
			sawTx := false
			for _, lb := range blocks {
				b := r.block(t, lb.Hash)
				if b.Height != lb.Height {
					t.Errorf("block %s: ledger height %d, chain %d", lb.Hash, lb.Height, b.Height)
				}
				if !paysTo(b, r.poolAddr) {
					t.Errorf("block %s: coinbase does not pay the pool address %s", lb.Hash, r.poolAddr)
				}
				if b.Tx[0].TxID != lb.CoinbaseTxID {
					t.Errorf("block %s: ledger coinbase txid %s, chain %s", lb.Hash, lb.CoinbaseTxID, b.Tx[0].TxID)
				}
				if lb.Worker != minerAddr+".rig1" || lb.Reward <= 0 {
					t.Errorf("block %s: worker %q reward %d", lb.Hash, lb.Worker, lb.Reward)
				}
				if len(b.Tx) > 1 {
					sawTx = true
				}
				if mweb && len(b.MWEB) == 0 {
					t.Errorf("block %s has no MWEB extension block", lb.Hash)
				}
			}
			if !sawTx {
				t.Error("no pool block carried a template transaction")
			}
			// The chain tip is one of the pool's blocks.
			var tip string
			json.Unmarshal(r.node.RPC(t, "getbestblockhash"), &tip)
			b := r.block(t, tip)
			if !paysTo(b, r.poolAddr) {
				t.Errorf("chain tip %s is not a pool block", tip)
			}
			st, err := r.ledger.Stats(ctx, r.coin.Key)
			if err != nil {
				t.Fatal(err)
			}
			if st.Valid < 3 || st.BlocksFound < 3 {
				t.Errorf("ledger stats %+v, want >= 3 valid shares and blocks", st)
			}
		})
	}
}

// share finds, by hashing, a submission for the job that meets want.
func share(t *testing.T, c *client.Client, u *client.JobUpdate, en2 uint32, want func(h *big.Int) bool) client.Submission {
	t.Helper()
	alg, _ := pow.Lookup("scrypt")
	en2b := []byte{byte(en2 >> 24), byte(en2 >> 16), byte(en2 >> 8), byte(en2)}
	cb := u.Work.Coinbase(nil, c.Extranonce1(), en2b)
	root := u.Work.MerkleRoot(cb)
	var header [80]byte
	var h [32]byte
	for nonce := uint32(0); nonce < 1<<20; nonce++ {
		u.Work.Header(&header, root, u.Work.Version, u.Work.NTime, nonce)
		alg.Hash(&h, header[:])
		if want(pow.HashToInt(&h)) {
			return client.Submission{JobID: u.Job.ID, Extranonce2: en2b, NTime: u.Work.NTime, Nonce: nonce}
		}
	}
	t.Fatal("no nonce found")
	return client.Submission{}
}

func dial(t *testing.T, r *rig, user string) *client.Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, client.Config{Addr: r.addr, User: user, Password: "x", Timeout: 10 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func nextJob(t *testing.T, c *client.Client) *client.JobUpdate {
	t.Helper()
	select {
	case u := <-c.Jobs():
		return u
	case <-time.After(20 * time.Second):
		t.Fatal("no job from the pool")
		return nil
	}
}

func wantCode(t *testing.T, err error, code int) {
	t.Helper()
	var se *stratum.Error
	if !errors.As(err, &se) || se.Code != code {
		t.Fatalf("got %v, want stratum error %d", err, code)
	}
}

// holdDaemon is the real daemon client with template refreshes that the
// test can hold: while held, the pool keeps getting the last template, so
// a job outlives the block its share found.
type holdDaemon struct {
	*daemon.Client
	mu   sync.Mutex
	held *daemon.BlockTemplate
	hold bool
}

func (h *holdDaemon) GetBlockTemplate(ctx context.Context, rules []string) (*daemon.BlockTemplate, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.hold && h.held != nil {
		return h.held, nil
	}
	t, err := h.Client.GetBlockTemplate(ctx, rules)
	if err == nil {
		h.held = t
	}
	return t, err
}

func (h *holdDaemon) setHold(on bool) {
	h.mu.Lock()
	h.hold = on
	h.mu.Unlock()
}

func TestShareErrorsOnRealChain(t *testing.T) {
	var hd *holdDaemon
	r := newRig(t, rigOptions{daemon: func(c *daemon.Client) pools.Daemon {
		hd = &holdDaemon{Client: c}
		return hd
	}})
	user := r.node.NewAddress(t, "bech32") + ".errs"
	// meets returns a predicate for hashes that make a valid share of the job.
	meets := func(u *client.JobUpdate) func(*big.Int) bool {
		target, err := pow.ShareTarget(u.Difficulty, r.coin.Multiplier())
		if err != nil {
			t.Fatal(err)
		}
		return func(h *big.Int) bool { return h.Cmp(target) <= 0 }
	}

	t.Run("stale share gets 21", func(t *testing.T) {
		c := dial(t, r, user)
		u := nextJob(t, c)
		if err := c.Submit(context.Background(), share(t, c, u, 1, meets(u))); err != nil {
			t.Fatalf("first share: %v", err)
		}
		// That share was a block: a clean job follows and the old job is stale.
		waitFor(t, 20*time.Second, "a new block job", func() bool {
			j := r.pool.CurrentJob()
			return j != nil && j.ID != u.Job.ID && j.CleanJobs
		})
		wantCode(t, c.Submit(context.Background(), share(t, c, u, 2, meets(u))), stratum.CodeJobNotFound)
	})

	t.Run("resubmitted share gets 22", func(t *testing.T) {
		c := dial(t, r, user)
		hd.setHold(true)
		defer hd.setHold(false)
		u := nextJob(t, c)
		for u.Job.ID != r.pool.CurrentJob().ID {
			u = nextJob(t, c)
		}
		s := share(t, c, u, 3, meets(u))
		if err := c.Submit(context.Background(), s); err != nil {
			t.Fatalf("first share: %v", err)
		}
		wantCode(t, c.Submit(context.Background(), s), stratum.CodeDuplicate)
	})

	t.Run("share above target gets 23", func(t *testing.T) {
		c := dial(t, r, user)
		u := nextJob(t, c)
		bits, _ := stratum.ParseUint32Hex(u.Job.NBits)
		network, _ := pow.CompactToTarget(bits)
		shareTarget, _ := pow.ShareTarget(u.Difficulty, 65536)
		// Neither a block nor a share at the session's difficulty.
		s := share(t, c, u, 4, func(h *big.Int) bool { return h.Cmp(network) > 0 && h.Cmp(shareTarget) > 0 })
		wantCode(t, c.Submit(context.Background(), s), stratum.CodeLowDifficulty)
	})

	t.Run("invalid address fails authorize", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, err := client.Dial(ctx, client.Config{Addr: r.addr, User: "notanaddress.w", Password: "x"}, nil)
		if err == nil {
			t.Fatal("authorize with an invalid address succeeded")
		}
		// A mainnet address is not a regtest address either.
		_, err = client.Dial(ctx, client.Config{Addr: r.addr, User: "LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1", Password: "x"}, nil)
		if err == nil {
			t.Fatal("authorize with a mainnet address succeeded on regtest")
		}
	})
}

func TestFailoverToSecondDaemon(t *testing.T) {
	r := newRig(t, rigOptions{twoDaemon: true})
	// The second daemon needs a peer of its own once the first is gone:
	// litecoind serves no template without one.
	daemontest.Litecoind(t, daemontest.Options{Peer: r.peer})
	user := r.node.NewAddress(t, "bech32") + ".failover"
	r.mineBlocks(t, user, 1)
	r.node.Stop(t)
	var h0 int64
	json.Unmarshal(r.peer.RPC(t, "getblockcount"), &h0)
	r.mineBlocks(t, user, 2)
	waitFor(t, 20*time.Second, "the second daemon's chain to grow", func() bool {
		var h int64
		json.Unmarshal(r.peer.RPC(t, "getblockcount"), &h)
		return h >= h0+2
	})
}

func TestRedisOutageLosesNoAcceptedShare(t *testing.T) {
	ledgertest.Require(t, "redis-server")
	red := ledgertest.RedisWith(t, ledgertest.Options{Persist: true})
	r := newRig(t, rigOptions{redis: red, diff: 0.01})
	user := r.node.NewAddress(t, "bech32") + ".outage"

	ctx, cancel := context.WithCancel(context.Background())
	var st miner.Stats
	var minerErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		st, minerErr = miner.Run(ctx, miner.Config{
			Algorithm: "scrypt", URL: "stratum+tcp://" + r.addr, User: user, Password: "x",
			Threads: 1, Out: io.Discard,
		})
	}()
	waitFor(t, 60*time.Second, "shares before the outage", func() bool { return r.pool.BlocksFound() >= 2 })
	red.Stop(t)
	n := r.pool.BlocksFound()
	waitFor(t, 60*time.Second, "shares during the outage", func() bool { return r.pool.BlocksFound() >= n+3 })
	if r.ledger.Pending() == 0 {
		t.Error("no shares were buffered during the outage")
	}
	red.Start(t)
	n = r.pool.BlocksFound()
	waitFor(t, 60*time.Second, "shares after the outage", func() bool { return r.pool.BlocksFound() >= n+2 })
	cancel()
	<-done
	if minerErr != nil && !errors.Is(minerErr, context.Canceled) {
		t.Fatal(minerErr)
	}
	waitFor(t, 30*time.Second, "the buffer to drain", func() bool { return r.ledger.Pending() == 0 })
	var stats ledger.Stats
	waitFor(t, 10*time.Second, "every accepted share in Redis", func() bool {
		var err error
		stats, err = r.ledger.WorkerStats(context.Background(), r.coin.Key, user)
		return err == nil && stats.Valid >= st.Accepted
	})
	// One share may have been accepted while the miner was stopping, its
	// reply unread; more than that would be counting twice.
	if stats.Valid > st.Accepted+1 {
		t.Fatalf("Redis has %d valid shares, the miner was told %d were accepted", stats.Valid, st.Accepted)
	}
}

// lostReplyDaemon submits blocks for real but reports that no daemon
// answered, as when a reply is lost or comes after the pool's timeout.
type lostReplyDaemon struct{ *daemon.Client }

func (d lostReplyDaemon) SubmitBlock(ctx context.Context, blockHex string) daemon.SubmitResult {
	d.Client.SubmitBlock(ctx, blockHex)
	return daemon.SubmitResult{Unreachable: true, Reason: "reply lost (test)"}
}

// TestBlockRecordedWhenSubmitReplyIsLost: a block the daemon took is
// recorded (and its round closed) even though the submit got no answer:
// the pool looks the block up on the chain.
func TestBlockRecordedWhenSubmitReplyIsLost(t *testing.T) {
	r := newRig(t, rigOptions{daemon: func(c *daemon.Client) pools.Daemon { return lostReplyDaemon{c} }})
	r.mineBlocks(t, r.node.NewAddress(t, "bech32")+".lost", 1)
	ctx := context.Background()
	var blocks []ledger.Block
	waitFor(t, 10*time.Second, "the block in Redis", func() bool {
		var err error
		blocks, err = r.ledger.Blocks(ctx, r.coin.Key)
		return err == nil && len(blocks) >= 1
	})
	var tip string
	json.Unmarshal(r.node.RPC(t, "getbestblockhash"), &tip)
	found := false
	for _, b := range blocks {
		found = found || b.Hash == tip
	}
	if !found {
		t.Errorf("chain tip %s is not among the recorded blocks %+v", tip, blocks)
	}
}
