package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multipool/multipool/cmd/multipool/config"
	"github.com/multipool/multipool/cmd/multipool/miner"
	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon/daemontest"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/payout/ledger/ledgertest"
	"github.com/multipool/multipool/profit"
	"github.com/multipool/multipool/switcher"
)

// The coins of the end-to-end switching test: two scrypt chains (two
// independent litecoind regtest nodes; the second is described as coin
// "ltcb-regtest" with prefixes of its own, as a second scrypt coin such as
// Dogecoin has) and a sha256d chain (btcd).
const (
	coinA   = "litecoin-regtest"
	coinB   = "ltcb-regtest"
	coinBTC = "bitcoin-regtest"
)

const ltcbDefinition = `{
    "name": "LitecoinB Regtest", "symbol": "LTB", "algorithm": "scrypt", "network": "regtest",
    "peerMagic": "fabfb5da", "protocolVersion": 70015,
    "pubKeyHashVersion": 65, "scriptHashVersion": 50, "bech32HRP": "rltb",
    "coinbaseMaturity": 100, "gbtRules": ["mweb", "segwit"], "decimals": 8, "blockTime": 150
}`

// priceAPI replays CoinGecko's simple/price and Binance's ticker/price
// formats with prices the test sets, and their failure shapes.
type priceAPI struct {
	srv *httptest.Server
	mu  sync.Mutex
	// prices by CoinGecko id (coingecko) or symbol (binance).
	prices map[string]float64
	fail   string // "", "html", "429", "timeout", "garbage"
}

func newPriceAPI(t *testing.T, prices map[string]float64) *priceAPI {
	p := &priceAPI{prices: prices}
	p.srv = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *priceAPI) set(prices map[string]float64, fail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for k, v := range prices {
		p.prices[k] = v
	}
	p.fail = fail
}

func (p *priceAPI) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	fail := p.fail
	prices := map[string]float64{}
	for k, v := range p.prices {
		prices[k] = v
	}
	p.mu.Unlock()
	switch fail {
	case "html":
		fmt.Fprint(w, "<html><body><h1>502 Bad Gateway</h1></body></html>")
		return
	case "429":
		w.Header().Set("Retry-After", "30")
		w.WriteHeader(http.StatusTooManyRequests)
		return
	case "garbage":
		fmt.Fprint(w, `{"litecoin": {"btc": [`)
		return
	case "timeout":
		<-r.Context().Done()
		return
	}
	switch r.URL.Path {
	case "/api/v3/simple/price":
		out := map[string]map[string]float64{}
		for _, id := range strings.Split(r.URL.Query().Get("ids"), ",") {
			if v, ok := prices[id]; ok {
				out[id] = map[string]float64{r.URL.Query().Get("vs_currencies"): v, "last_updated_at": float64(time.Now().Unix())}
			}
		}
		json.NewEncoder(w).Encode(out)
	case "/api/v3/ticker/price":
		var out []map[string]string
		for sym, v := range prices {
			out = append(out, map[string]string{"symbol": sym, "price": fmt.Sprintf("%.8f", v)})
		}
		json.NewEncoder(w).Encode(out)
	default:
		http.NotFound(w, r)
	}
}

// runningApp is one `multipool run` in this process, with access to its
// parts.
type runningApp struct {
	app    *app
	cancel context.CancelFunc
	done   chan error
}

func startApp(t *testing.T, dir string, out io.Writer) *runningApp {
	t.Helper()
	cfg, err := config.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ctx, cancel := context.WithCancel(context.Background())
	if err := followDaemonNetworks(ctx, cfg, log); err != nil {
		t.Fatal(err)
	}
	a, err := newApp(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	r := &runningApp{app: a, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- a.Run(ctx) }()
	t.Cleanup(r.stop)
	return r
}

func (r *runningApp) stop() {
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			panic(fmt.Sprintf("run returned %v", err))
		}
	case <-time.After(60 * time.Second):
		panic("run did not stop")
	}
}

func (r *runningApp) port(t *testing.T) *switcher.Port {
	t.Helper()
	p := r.app.switching.port("scrypt")
	if p == nil {
		t.Fatal("no switch port scrypt")
	}
	return p
}

// TestSwitchEndToEnd mines on an auto-switch port with `multipool mine`
// workers against two real litecoind regtest chains (two scrypt coins) and
// a btcd regtest chain (sha256d) with prices from replayed price APIs:
// the workers follow the most profitable scrypt coin without reconnecting,
// their shares and blocks are credited to the coin they mined with the
// right payout address, a worker on A's fixed port stays on A, a wobble
// within the threshold switches nothing, a failing price source does not
// stop switching, the choice and an override survive restarts, and an
// override of a coin that is later disabled falls back to automatic. The
// sha256d coin never appears on the scrypt port.
func TestSwitchEndToEnd(t *testing.T) {
	daemontest.Require(t, "litecoind")
	ledgertest.Require(t, "redis-server")
	nodeA := daemontest.Litecoind(t, daemontest.Options{})
	nodeB := daemontest.Litecoind(t, daemontest.Options{})
	btcd := daemontest.Btcd(t, daemontest.BtcdOptions{})
	red := ledgertest.Redis(t)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "coins", coinB+".json"), ltcbDefinition)
	reg, err := coins.Load(filepath.Join(dir, "coins"))
	if err != nil {
		t.Fatal(err)
	}
	cA, _ := reg.Get(coinA)
	cB, _ := reg.Get(coinB)
	addr := func(c *coins.Coin, seed byte) string {
		s, err := c.EncodeAddress(coins.Address{Kind: coins.WitnessV0KeyHash, Hash: []byte(strings.Repeat(string([]byte{seed}), 20))})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	nodeA.Generate(t, 1, addr(cA, 1))
	nodeB.Generate(t, 1, addr(cA, 2)) // litecoind knows only its own prefixes

	gecko := newPriceAPI(t, map[string]float64{"litecoin": 1, "ltcb": 0.1, "bitcoin": 1})
	binance := newPriceAPI(t, map[string]float64{"LTCBTC": 1, "LTBBTC": 0.1})
	setPrices := func(a, b float64) {
		gecko.set(map[string]float64{"litecoin": a, "ltcb": b}, gecko.fail)
		binance.set(map[string]float64{"LTCBTC": a, "LTBBTC": b}, binance.fail)
	}

	swPort, portA, portBTC := daemontest.FreePort(t), daemontest.FreePort(t), daemontest.FreePort(t)
	redisHost, redisPort := "127.0.0.1", red.Port
	// Every accepted share is a block on regtest: a share difficulty of
	// 0.05 (about 3300 scrypt hashes) keeps the chains short of the first
	// halving at 150 blocks, so the rewards of A and B stay equal.
	const diff = 0.05
	writeFile(t, filepath.Join(dir, "config.json"), fmt.Sprintf(`{
		"logLevel": "info",
		"redis": {"host": %q, "port": %d},
		"switching": {"scrypt": {"algorithm": "scrypt", "ports": {"%d": {"diff": %v}}}},
		"profitSwitch": {
			"enabled": true, "updateInterval": 1, "sourceTimeout": 0.4,
			"minImprovementPercent": 25, "minHoldSeconds": 0,
			"sources": {
				"coingecko": {"url": %q, "ids": {"litecoin": "litecoin", "ltcb": "ltcb", "bitcoin": "bitcoin"}},
				"binance": {"url": %q}
			}
		}
	}`, redisHost, redisPort, swPort, diff, gecko.srv.URL, binance.srv.URL))
	writeFile(t, filepath.Join(dir, "pool_configs", "a.json"), fmt.Sprintf(`{
		"coin": %q, "address": %q, "blockRefreshInterval": 1000,
		"ports": {"%d": {"diff": %v}},
		"daemons": [{"host": "127.0.0.1", "port": %d, "user": %q, "password": %q}],
		"p2p": {"enabled": true, "host": "127.0.0.1", "port": %d}
	}`, coinA, addr(cA, 3), portA, diff, nodeA.RPCPort, nodeA.User, nodeA.Password, nodeA.P2PPort))
	poolB := fmt.Sprintf(`{
		"coin": %q, "address": %q, "blockRefreshInterval": 1000, "validateWorkerUsername": false,
		"daemons": [{"host": "127.0.0.1", "port": %d, "user": %q, "password": %q}],
		"p2p": {"enabled": true, "host": "127.0.0.1", "port": %d}
	`, coinB, addr(cB, 4), nodeB.RPCPort, nodeB.User, nodeB.Password, nodeB.P2PPort)
	writeFile(t, filepath.Join(dir, "pool_configs", "b.json"), poolB+"}")
	writeFile(t, filepath.Join(dir, "pool_configs", "btc.json"), fmt.Sprintf(`{
		"coin": %q, "address": %q, "blockRefreshInterval": 500,
		"ports": {"%d": {"diff": 1}},
		"daemons": [{"host": "127.0.0.1", "port": %d, "user": %q, "password": %q}]
	}`, coinBTC, btcd.MiningAddr, portBTC, btcd.RPCPort, btcd.User, btcd.Password))

	var out syncBuffer
	defer func() {
		if t.Failed() {
			t.Logf("pool log:\n%s", out.String())
		}
	}()
	ctx := context.Background()
	led, err := ledger.New(ledger.Config{Addr: red.Addr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	valid := func(coin, worker string) int64 {
		st, err := led.WorkerStats(ctx, coin, worker)
		if err != nil {
			t.Fatal(err)
		}
		return st.Valid
	}

	r := startApp(t, dir, &out)
	p := r.port(t)
	mod := r.app.switching.profit
	if got := strings.Join(p.Coins(), ","); got != coinA+","+coinB {
		t.Fatalf("scrypt port coins %s: the sha256d coin must not be there", got)
	}
	current := func() string { c, _ := p.Current(); return c }
	waitFor(t, 60*time.Second, "the port on A", func() bool { return current() == coinA })

	// Three workers: two on the switch port (one whose B address is
	// derived from its login, one that names it), one on A's fixed port.
	sw1 := addr(cA, 10) + ".sw1"
	sw2 := addr(cA, 11) + ".sw2"
	sw2B := addr(cB, 12)
	fix := addr(cA, 13) + ".fix"
	mctx, stopMiners := context.WithCancel(ctx)
	var wg sync.WaitGroup
	stats := map[string]*miner.Stats{}
	for _, m := range []struct {
		user, pass string
		port       int
	}{{sw1, "x", swPort}, {sw2, "x,ltb=" + sw2B, swPort}, {fix, "x", portA}} {
		st := &miner.Stats{}
		stats[m.user] = st
		wg.Go(func() {
			s, err := miner.Run(mctx, miner.Config{Algorithm: "scrypt", URL: fmt.Sprintf("stratum+tcp://127.0.0.1:%d", m.port),
				User: m.user, Password: m.pass, Threads: 1, Out: io.Discard})
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("miner %s: %v", m.user, err)
			}
			*st = s
		})
	}
	defer func() {
		stopMiners()
		wg.Wait()
	}()
	waitFor(t, 90*time.Second, "every worker's shares on A", func() bool {
		return valid(coinA, sw1) > 0 && valid(coinA, sw2) > 0 && valid(coinA, fix) > 0
	})

	// Prices that wobble within the 25% threshold switch nothing.
	nextSnapshot := func(after uint64) *profit.Snapshot {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			s, next := mod.Current()
			if s != nil && s.Seq > after {
				return s
			}
			select {
			case <-next:
			case <-deadline:
				t.Fatalf("no snapshot after %d", after)
			}
		}
	}
	switches := p.Status().Switches
	for _, b := range []float64{1.1, 0.9, 1.2} {
		setPrices(1, b)
		s := nextSnapshot(mod.Snapshot().Seq + 1) // one that started after the change
		bf, _ := s.Coin(coinB)
		if bf.Price.Value != b {
			t.Fatalf("snapshot %d prices B at %v, want %v", s.Seq, bf.Price.Value, b)
		}
	}
	waitFor(t, 10*time.Second, "the wobble judged", func() bool { return strings.Contains(p.Status().LastDecision, "within") })
	if st := p.Status(); st.Switches != switches || current() != coinA {
		t.Fatalf("switched on a wobble: %+v", st)
	}

	// B's price rises past the threshold: within the next round every
	// switch-port worker mines B, while the fixed-port worker stays on A.
	hB0 := nodeB.Height(t)
	seq0 := mod.Snapshot().Seq
	setPrices(1, 3)
	waitFor(t, 30*time.Second, "the switch to B", func() bool {
		if s := mod.Snapshot(); s.Seq > seq0+2 && p.Status().Target != coinB {
			t.Fatalf("snapshot %d after the price change and still not switched: %s", s.Seq, p.Status().LastDecision)
		}
		return current() == coinB
	})
	fixOnA := valid(coinA, fix)
	waitFor(t, 120*time.Second, "both switch workers' shares and blocks on B", func() bool {
		return valid(coinB, sw1) > 0 && valid(coinB, sw2) > 0 && nodeB.Height(t) > hB0+1
	})
	waitFor(t, 60*time.Second, "the fixed-port worker still mining A", func() bool { return valid(coinA, fix) > fixOnA })
	if n := valid(coinB, fix); n != 0 {
		t.Fatalf("the fixed-port worker has %d shares on B", n)
	}
	blocks, err := led.Blocks(ctx, coinB)
	if err != nil {
		t.Fatal(err)
	}
	wantAddr := map[string]string{sw1: addr(cB, 10), sw2: sw2B}
	for _, b := range blocks {
		if w := wantAddr[b.Worker]; w != "" && b.Address != w {
			t.Fatalf("block %d on B by %s credited to %s, want %s", b.Height, b.Worker, b.Address, w)
		}
	}
	for _, w := range []string{sw1, sw2} {
		if ws, ok := p.Worker(w); !ok || ws.Coin != coinB {
			t.Fatalf("worker %s: %+v", w, ws)
		}
		if n := valid(coinBTC, w); n != 0 {
			t.Fatalf("switch worker %s has shares on the sha256d coin", w)
		}
	}

	// CoinGecko breaks (HTML, then a hanging connection); Binance alone
	// moves the port back to A. Snapshots keep coming on time.
	gecko.set(nil, "html")
	setPrices(10, 3)
	waitFor(t, 30*time.Second, "the switch back to A on Binance's prices", func() bool { return current() == coinA })
	s := mod.Snapshot()
	if st, _ := s.Source("coingecko"); !st.Stale || st.Consecutive == 0 {
		t.Fatalf("coingecko status %+v", st)
	}
	if af, _ := s.Coin(coinA); af.Price.Source != "binance" || af.Price.Value != 10 {
		t.Fatalf("A's price %+v", af.Price)
	}
	gecko.set(nil, "timeout")
	seq := mod.Snapshot().Seq
	nextSnapshot(seq + 2)
	for _, sc := range mod.Snapshot().Ranking("scrypt") {
		if sc.Coin == coinBTC {
			t.Fatal("the sha256d coin is in the scrypt ranking")
		}
	}
	stopMiners()
	wg.Wait()
	// Every share a miner was told was accepted is credited to A or B.
	for _, w := range []string{sw1, sw2, fix} {
		waitFor(t, 10*time.Second, "the shares of "+w+" in Redis", func() bool {
			return valid(coinA, w)+valid(coinB, w) >= stats[w].Accepted
		})
	}

	// Restart with B ahead by less than the threshold: the port resumes
	// on the saved coin A.
	setPrices(1, 1.15)
	r.stop()
	r = startApp(t, dir, &out)
	p, mod = r.port(t), r.app.switching.profit
	waitFor(t, 60*time.Second, "resumed on A", func() bool {
		return current() == coinA && strings.Contains(p.Status().LastDecision, "within")
	})

	// The operator holds the port on B from the command line.
	var cliOut, cliErr strings.Builder
	if err := run(ctx, []string{"switch", "-config", dir, "scrypt", "LTB"}, &cliOut, &cliErr); err != nil {
		t.Fatalf("multipool switch: %v\n%s", err, cliErr.String())
	}
	waitFor(t, 30*time.Second, "the override", func() bool { return current() == coinB && p.Status().Override == coinB })
	var u usageError
	if err := run(ctx, []string{"switch", "-config", dir, "scrypt", coinBTC}, &cliOut, &cliErr); !errors.As(err, &u) {
		t.Fatalf("switching the scrypt port to the sha256d coin: %v, want a usage error", err)
	}
	if err := run(ctx, []string{"switch", "-config", dir, "nosuch", "auto"}, &cliOut, &cliErr); !errors.As(err, &u) {
		t.Fatalf("unknown group: %v", err)
	}

	// The admin API: the password is required; auto, then B again.
	admin := httptest.NewServer(newSwitchAdmin(r.app.switching, "adminpw"))
	defer admin.Close()
	call := func(method, path, password, body string) (int, string) {
		req, _ := http.NewRequest(method, admin.URL+path, strings.NewReader(body))
		if password != "" {
			req.Header.Set("Authorization", "Bearer "+password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, c := range []struct {
		method, path, password, body string
		status                       int
	}{
		{"POST", "/api/admin/switch/scrypt", "", `{"coin":"auto"}`, http.StatusUnauthorized},
		{"POST", "/api/admin/switch/scrypt", "wrong", `{"coin":"auto"}`, http.StatusUnauthorized},
		{"POST", "/api/admin/switch/nosuch", "adminpw", `{"coin":"auto"}`, http.StatusNotFound},
		{"POST", "/api/admin/switch/scrypt", "adminpw", `{"coin":"bitcoin-regtest"}`, http.StatusBadRequest},
		{"POST", "/api/admin/switch/scrypt", "adminpw", `{}`, http.StatusBadRequest},
		{"POST", "/api/admin/switch/scrypt", "adminpw", `{"coin":"auto"}`, http.StatusAccepted},
	} {
		if got, body := call(c.method, c.path, c.password, c.body); got != c.status {
			t.Fatalf("%s %s %s: %d %s, want %d", c.method, c.path, c.body, got, body, c.status)
		}
	}
	waitFor(t, 10*time.Second, "automatic again", func() bool { return p.Status().Override == "" })
	if code, body := call("POST", "/api/admin/switch/scrypt", "adminpw", `{"coin":"`+coinB+`"}`); code != http.StatusAccepted {
		t.Fatalf("override through the API: %d %s", code, body)
	}
	waitFor(t, 10*time.Second, "the API's override", func() bool { return p.Status().Override == coinB })
	code, body := call("GET", "/api/admin/switch", "adminpw", "")
	if code != http.StatusOK || !strings.Contains(body, `"override":"`+coinB+`"`) || !strings.Contains(body, `"ranking"`) {
		t.Fatalf("GET status: %d %s", code, body)
	}

	// B is disabled while held: the next start falls back to automatic, on A.
	r.stop()
	writeFile(t, filepath.Join(dir, "pool_configs", "b.json"), poolB+`, "enabled": false}`)
	r = startApp(t, dir, &out)
	p = r.port(t)
	waitFor(t, 60*time.Second, "automatic on A, saved", func() bool {
		st, err := led.SwitchState(ctx, "scrypt")
		if err != nil {
			t.Fatal(err)
		}
		return current() == coinA && p.Status().Override == "" && st.Override == "" && st.Coin == coinA
	})
	events, err := led.SwitchEvents(ctx, "scrypt", 0)
	if err != nil {
		t.Fatal(err)
	}
	var log []string
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		log = append(log, fmt.Sprintf("%s->%s (%s)", e.From, e.To, e.Reason))
		if e.To == coinBTC || e.From == coinBTC {
			t.Fatalf("the sha256d coin in the switch log: %+v", e)
		}
	}
	t.Logf("switch log:\n%s", strings.Join(log, "\n"))
	if testing.Verbose() {
		t.Logf("pool log:\n%s", out.String())
	}
	if len(events) < 5 {
		t.Fatalf("switch log too short:\n%s", strings.Join(log, "\n"))
	}
	hist, err := led.ProfitHistory(ctx, "scrypt", 1)
	if err != nil || len(hist) != 1 {
		t.Fatalf("profit history %v, %v", hist, err)
	}
	if hA, hB := nodeA.Height(t), nodeB.Height(t); hA >= 150 || hB >= 150 {
		t.Logf("note: heights %d and %d reached the first halving", hA, hB)
	}
}
