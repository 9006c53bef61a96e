package switcher

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/pools/stratum"
	"github.com/multipool/multipool/profit"
)

// waitTimeout bounds every poll in these tests.
const waitTimeout = 20 * time.Second

func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// testCoins loads the embedded definitions plus a Dogecoin (mainnet, no
// segwit) and "ltcb-regtest", a second regtest scrypt coin with prefixes
// of its own.
func testCoins(t testing.TB) *coins.Registry {
	t.Helper()
	reg, err := coins.LoadFS(fstest.MapFS{
		"dogecoin.json": {Data: []byte(`{"name": "Dogecoin", "symbol": "DOGE", "algorithm": "scrypt",
			"peerMagic": "c0c0c0c0", "pubKeyHashVersion": 30, "scriptHashVersion": 22}`)},
		"ltcb-regtest.json": {Data: []byte(`{"name": "LitecoinB Regtest", "symbol": "LTB", "algorithm": "scrypt",
			"network": "regtest", "peerMagic": "fabfb5da", "pubKeyHashVersion": 65, "scriptHashVersion": 50,
			"bech32HRP": "rltb", "gbtRules": ["mweb", "segwit"]}`)},
	}, "testcoins")
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func coin(t testing.TB, reg *coins.Registry, key string) *coins.Coin {
	t.Helper()
	c, err := reg.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// encode writes an address of kind over hash for coin c.
func encode(t testing.TB, c *coins.Coin, kind coins.AddressKind, hash []byte) string {
	t.Helper()
	v := 0
	if kind == coins.WitnessV1Taproot {
		v = 1
	}
	s, err := c.EncodeAddress(coins.Address{Kind: kind, Hash: hash, WitnessVersion: v})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func hash20(b byte) []byte { return []byte(strings.Repeat(string([]byte{b}), 20)) }

// jobSeq makes job ids unique across test pools, as pools' are.
var jobSeq atomic.Uint64

// testPool is a coin's pool for these tests: it publishes jobs on demand,
// accepts a share for any job it still holds and records it. The real
// pools.Pool validates proof of work against a daemon; the end-to-end test
// in cmd/multipool switches between real ones.
type testPool struct {
	coin *coins.Coin

	mu      sync.Mutex
	job     *stratum.Job
	valid   map[string]bool
	shares  []stratum.Share
	authErr error
	authed  []string
}

func newTestPool(c *coins.Coin) *testPool { return &testPool{coin: c, valid: map[string]bool{}} }

func (tp *testPool) Coin() *coins.Coin { return tp.coin }

func (tp *testPool) CurrentJob() *stratum.Job {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return tp.job
}

func (tp *testPool) Authorize(_ context.Context, w *stratum.Worker) error {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	tp.authed = append(tp.authed, w.Address)
	return tp.authErr
}

func (tp *testPool) Submit(_ context.Context, s *stratum.Share) stratum.Result {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	if !tp.valid[s.JobID] {
		return stratum.Result{Err: stratum.ErrJobNotFound}
	}
	tp.shares = append(tp.shares, *s)
	return stratum.Result{ActualDifficulty: s.Difficulty}
}

// publish makes a new job; newBlock drops the earlier ones (as a new block
// does).
func (tp *testPool) publish(newBlock bool) *stratum.Job {
	id := fmt.Sprintf("%x", jobSeq.Add(1))
	j := stratum.NewJob(stratum.Job{
		ID: id, PrevHash: strings.Repeat("ab", 32), Coinb1: "01000000010000", Coinb2: "ffffffff0100",
		Version: "20000000", NBits: "207fffff", NTime: "5f5e1000", CleanJobs: newBlock,
	})
	tp.mu.Lock()
	if newBlock {
		clear(tp.valid)
	}
	tp.valid[id] = true
	old := tp.job
	tp.job = j
	tp.mu.Unlock()
	if old != nil {
		old.Replace()
	}
	return j
}

func (tp *testPool) accepted() []stratum.Share {
	tp.mu.Lock()
	defer tp.mu.Unlock()
	return append([]stratum.Share(nil), tp.shares...)
}

// testRanker publishes snapshots the test builds.
type testRanker struct {
	mu   sync.Mutex
	snap *profit.Snapshot
	next chan struct{}
	seq  uint64
}

func newTestRanker() *testRanker { return &testRanker{next: make(chan struct{})} }

func (r *testRanker) Current() (*profit.Snapshot, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.snap, r.next
}

// rank publishes a scrypt ranking with the given prices (difficulty and
// reward 1 each).
func (r *testRanker) rank(prices map[string]float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.seq++
	s := &profit.Snapshot{Seq: r.seq, Time: time.Now(), Quote: "BTC"}
	for k, p := range prices {
		one := profit.Figure{Value: 1, Source: "daemon"}
		s.Coins = append(s.Coins, profit.CoinFigures{Coin: k, Algorithm: "scrypt", Difficulty: one, Reward: one,
			Price: profit.Figure{Value: p, Source: "test"}, Complete: true, Score: p, Revenue: p, Unit: "MH/s"})
	}
	// Best first, as the module orders them.
	for i := range s.Coins {
		for j := i + 1; j < len(s.Coins); j++ {
			if s.Coins[j].Score > s.Coins[i].Score {
				s.Coins[i], s.Coins[j] = s.Coins[j], s.Coins[i]
			}
		}
	}
	r.snap = s
	close(r.next)
	r.next = make(chan struct{})
}

// miner is a raw stratum connection that records what the server sends.
type miner struct {
	conn  net.Conn
	mu    sync.Mutex
	lines []map[string]any
	en1   string
	id    int
}

func dialMiner(t testing.TB, addr, user, pass string) *miner {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	m := &miner{conn: c}
	t.Cleanup(func() { c.Close() })
	go func() {
		sc := bufio.NewScanner(c)
		for sc.Scan() {
			var msg map[string]any
			if json.Unmarshal(sc.Bytes(), &msg) == nil {
				m.mu.Lock()
				m.lines = append(m.lines, msg)
				m.mu.Unlock()
			}
		}
	}()
	m.send(t, "mining.subscribe", []any{"test/1"})
	m.send(t, "mining.authorize", []any{user, pass})
	waitFor(t, "subscribe and authorize replies", func() bool { return m.reply(1) != nil && m.reply(2) != nil })
	res := m.reply(1)["result"].([]any)
	m.en1 = res[1].(string)
	return m
}

func (m *miner) send(t testing.TB, method string, params []any) int {
	m.mu.Lock()
	m.id++
	id := m.id
	m.mu.Unlock()
	b, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if _, err := m.conn.Write(append(b, '\n')); err != nil {
		t.Fatal(err)
	}
	return id
}

// reply returns the reply to request id, or nil.
func (m *miner) reply(id int) map[string]any {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.lines {
		if v, ok := l["id"].(float64); ok && int(v) == id && l["method"] == nil {
			return l
		}
	}
	return nil
}

// notifies returns the notifies received: job id and clean flag.
func (m *miner) notifies() (ids []string, clean []bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, l := range m.lines {
		if l["method"] == "mining.notify" {
			p := l["params"].([]any)
			ids = append(ids, p[0].(string))
			clean = append(clean, p[8].(bool))
		}
	}
	return ids, clean
}

// count counts messages of a method.
func (m *miner) count(method string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, l := range m.lines {
		if l["method"] == method {
			n++
		}
	}
	return n
}

func (m *miner) hasJob(id string) bool {
	ids, _ := m.notifies()
	for _, j := range ids {
		if j == id {
			return true
		}
	}
	return false
}

// submit sends a share on a job and returns its request id.
func (m *miner) submit(t testing.TB, user, job string, nonce uint32) int {
	return m.send(t, "mining.submit", []any{user, job, "00000000", "5f5e1000", fmt.Sprintf("%08x", nonce)})
}

// accepted waits for the reply to request id and reports whether it was
// true.
func (m *miner) accepted(t testing.TB, id int) (bool, any) {
	t.Helper()
	waitFor(t, fmt.Sprintf("reply %d", id), func() bool { return m.reply(id) != nil })
	r := m.reply(id)
	return r["result"] == true, r["error"]
}
