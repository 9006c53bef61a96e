package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multipool/multipool/cmd/multipool/miner"
	"github.com/multipool/multipool/coins/daemon/daemontest"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/payout/ledger/ledgertest"
)

// syncBuffer collects the pool's log while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// buildBinary builds multipool into a temp dir, for litecoind's -blocknotify.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "multipool")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestRunEndToEnd runs `multipool run` on a config directory against a
// real litecoind (whose only peer is the pool's p2p client) and Redis,
// mines with two `multipool mine` workers, and checks blocks, shares,
// block notifications and a graceful stop.
func TestRunEndToEnd(t *testing.T) {
	daemontest.Require(t, "litecoind")
	ledgertest.Require(t, "redis-server")
	bin := buildBinary(t)
	notifyPort := daemontest.FreePort(t)
	node := daemontest.Litecoind(t, daemontest.Options{
		Wallet:      true,
		BlockNotify: fmt.Sprintf("%s blocknotify -listener 127.0.0.1:%d -password secret -coin LTC %%s", bin, notifyPort),
	})
	red := ledgertest.Redis(t)
	poolAddr := node.NewAddress(t, "bech32")
	node.Generate(t, 1, poolAddr)
	stratumPort := daemontest.FreePort(t)
	webPort := daemontest.FreePort(t)

	dir := t.TempDir()
	redisHost, redisPort, _ := net.SplitHostPort(red.Addr)
	writeFile(t, filepath.Join(dir, "config.json"), fmt.Sprintf(`{
		// end-to-end test configuration
		"logLevel": "debug",
		"redis": {"host": %q, "port": %s},
		"blockNotifyListener": {"enabled": true, "port": %d, "password": "secret"},
		"website": {"enabled": true, "host": "127.0.0.1", "port": %d, "adminCenter": {"enabled": true, "password": "adminpw"}},
		"switching": {},
		"profitSwitch": {"enabled": false},
		"clustering": {"enabled": false, "forks": "auto"}
	}`, redisHost, redisPort, notifyPort, webPort))
	// The pool says "litecoin" (mainnet) like the seed example; the daemon
	// is on regtest and the pool follows it.
	writeFile(t, filepath.Join(dir, "pool_configs", "litecoin.json"), fmt.Sprintf(`{
		"coin": "litecoin.json",
		"address": %q,
		"blockRefreshInterval": 60000,
		"ports": {"%d": {"diff": 0.002}},
		"daemons": [{"host": "127.0.0.1", "port": %d, "user": %q, "password": %q}],
		"p2p": {"enabled": true, "host": "127.0.0.1", "port": %d, "magic": "fabfb5da"}
	}`, poolAddr, stratumPort, node.RPCPort, node.User, node.Password, node.P2PPort))

	var out syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"run", "-config", dir}, &out, &out) }()
	defer func() {
		if t.Failed() {
			t.Logf("pool log:\n%s", out.String())
		}
	}()
	stratumAddr := fmt.Sprintf("127.0.0.1:%d", stratumPort)
	waitFor(t, 30*time.Second, "the stratum port", func() bool {
		c, err := net.Dial("tcp", stratumAddr)
		if err == nil {
			c.Close()
		}
		return err == nil
	})
	waitFor(t, 30*time.Second, "the first job (the p2p peer satisfies getblocktemplate)", func() bool {
		return strings.Contains(out.String(), "new block template")
	})

	height := func() int64 {
		var h int64
		json.Unmarshal(node.RPC(t, "getblockcount"), &h)
		return h
	}
	h0 := height()

	// The website answers: health, and the admin API only with the password.
	web := fmt.Sprintf("http://127.0.0.1:%d", webPort)
	for _, c := range []struct {
		path, password string
		want           int
	}{{"/healthz", "", 200}, {"/api/admin/switch", "", 401}, {"/api/admin/switch", "adminpw", 200}} {
		req, _ := http.NewRequest("GET", web+c.path, nil)
		if c.password != "" {
			req.Header.Set("Authorization", "Bearer "+c.password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("GET %s: status %d, want %d", c.path, resp.StatusCode, c.want)
		}
	}
	mctx, stopMiners := context.WithCancel(ctx)
	var wg sync.WaitGroup
	users := []string{node.NewAddress(t, "bech32") + ".alice", node.NewAddress(t, "legacy") + ".bob"}
	stats := make([]miner.Stats, len(users))
	for i, u := range users {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := miner.Run(mctx, miner.Config{Algorithm: "scrypt", URL: "stratum+tcp://" + stratumAddr,
				User: u, Password: "x", Threads: 1, Out: io.Discard})
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("miner %s: %v", u, err)
			}
			stats[i] = st
		}()
	}
	// With template polling once a minute, each new block reaches the pool
	// through the p2p announcement or the block notification.
	waitFor(t, 90*time.Second, "4 pool blocks", func() bool { return height() >= h0+4 })
	stopMiners()
	wg.Wait()

	// A block mined elsewhere reaches the pool through -blocknotify.
	node.Generate(t, 1, poolAddr)
	waitFor(t, 20*time.Second, "the block notification", func() bool {
		return strings.Contains(out.String(), "block notification")
	})
	if !strings.Contains(out.String(), "p2p block announcement") {
		t.Error("no p2p block announcement reached the pool")
	}
	if !strings.Contains(out.String(), "coin=litecoin-regtest") || !strings.Contains(out.String(), "following the daemon") {
		t.Error("the pool did not follow the daemon's network")
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
	if !strings.Contains(out.String(), "msg=stopped") {
		t.Error("no orderly stop in the log")
	}

	// Every share the miners were told was accepted is in Redis.
	led, err := ledger.New(ledger.Config{Addr: red.Addr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	for i, u := range users {
		ws, err := led.WorkerStats(context.Background(), "litecoin-regtest", u)
		if err != nil {
			t.Fatal(err)
		}
		if ws.Valid < stats[i].Accepted {
			t.Errorf("%s: Redis has %d valid shares, the miner had %d accepted", u, ws.Valid, stats[i].Accepted)
		}
	}
	blocks, err := led.Blocks(context.Background(), "litecoin-regtest")
	if err != nil {
		t.Fatal(err)
	}
	if len(blocks) < 4 {
		t.Errorf("%d blocks in Redis, want >= 4", len(blocks))
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "config.json"), `{"redis": {"host": "127.0.0.1", "port": 6390}}`)
	writeFile(t, filepath.Join(dir, "pool_configs", "ltc.json"), `{
		"coin": "litecoin-regtest", "address": "rltc1qstjy47fvhfv0d9mphttqdctjr8m87n5al7mlmn",
		"ports": {"3333": {"diff": 8, "varDiff": {"minDif": 1}}},
		"daemons": [{"host": "127.0.0.1", "port": 19443, "user": "u", "password": "p"}]
	}`)
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"check-config", "-config", dir}, &out, &errb)
	if err == nil || !strings.Contains(err.Error(), "pool_configs/ltc.json") || !strings.Contains(err.Error(), "ports.3333.varDiff.minDif") {
		t.Fatalf("check-config error %v, want the file and the field named", err)
	}
	writeFile(t, filepath.Join(dir, "pool_configs", "ltc.json"), `{
		"coin": "litecoin-regtest", "address": "rltc1qstjy47fvhfv0d9mphttqdctjr8m87n5al7mlmn",
		"ports": {"3333": {"diff": 8}},
		"daemons": [{"host": "127.0.0.1", "port": 19443, "user": "u", "password": "secretpw"}]
	}`)
	out.Reset()
	if err := run(context.Background(), []string{"check-config", "-config", dir}, &out, &errb); err != nil {
		t.Fatalf("check-config: %v", err)
	}
	if !strings.Contains(out.String(), "configuration OK") || strings.Contains(out.String(), "secretpw") {
		t.Fatalf("check-config output:\n%s", out.String())
	}
	var u usageError
	if err := run(context.Background(), []string{"nosuchcommand"}, &out, &errb); !errors.As(err, &u) {
		t.Fatalf("unknown command: %v, want a usage error", err)
	}
}
