package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/multipool/multipool/coins/daemon/daemontest"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/payout/ledger/ledgertest"
)

func TestPayoutFlags(t *testing.T) {
	for _, args := range [][]string{
		{"payout", "--dry-run"},
		{"payout", "-nosuchflag"},
		{"payout", "--once", "extra"},
	} {
		var out, errb bytes.Buffer
		var u usageError
		if err := run(context.Background(), args, &out, &errb); !errors.As(err, &u) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}

// TestPayoutOnce runs `multipool payout --once` on a config directory
// against a real litecoind wallet and Redis: a dry run, a run that meets
// another runner's lock, and a run that pays; then `multipool run` pays a
// new round on the pool's schedule.
func TestPayoutOnce(t *testing.T) {
	daemontest.Require(t, "litecoind")
	ledgertest.Require(t, "redis-server")
	node := daemontest.Litecoind(t, daemontest.Options{Wallet: true})
	red := ledgertest.Redis(t)
	ctx := context.Background()
	// A second wallet: wallet calls now need the wallet's name, which the
	// pool file gives as paymentProcessing.wallet.
	node.RPC(t, "createwallet", "other")
	poolAddr, minerAddr := node.NewAddress(t, "bech32"), node.NewAddress(t, "legacy")
	node.Generate(t, 1, poolAddr) // the wallet's buffer for fees

	// A round of one miner closed by a block that pays the pool address.
	led, err := ledger.New(ledger.Config{Addr: red.Addr, BatchInterval: time.Millisecond}, nil)
	if err != nil {
		t.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- led.Run(lctx) }()
	defer func() { stop(); <-done; led.Close() }()
	reward := mineRound(t, node, led, poolAddr, minerAddr)
	node.Generate(t, 100, "rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44")

	dir := t.TempDir()
	host, port, _ := net.SplitHostPort(red.Addr)
	writeFile(t, filepath.Join(dir, "config.json"), fmt.Sprintf(`{"redis": {"host": %q, "port": %s}}`, host, port))
	writeFile(t, filepath.Join(dir, "pool_configs", "ltc.json"), fmt.Sprintf(`{
		"coin": "litecoin-regtest", "address": %q,
		"ports": {"%d": {"diff": 8}},
		"daemons": [{"host": "127.0.0.1", "port": %d, "user": %q, "password": %q}],
		"paymentProcessing": {"enabled": true, "paymentInterval": 20, "schedule": "@every 1s", "minimumPayment": 0.01, "wallet": "w"}
	}`, poolAddr, daemontest.FreePort(t), node.RPCPort, node.User, node.Password))

	payout := func(args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		if err := run(ctx, append([]string{"payout", "-config", dir}, args...), &out, &errb); err != nil {
			t.Fatalf("payout %v: %v\n%s", args, err, errb.String())
		}
		return out.String()
	}
	if out := payout("--once", "--dry-run"); !strings.Contains(out, "dry run") || !strings.Contains(out, "would pay") {
		t.Fatalf("dry run output:\n%s", out)
	}
	lk, err := led.AcquireLock(ctx, "litecoin-regtest", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if out := payout("--once"); !strings.Contains(out, "another payout run holds the lock") {
		t.Fatalf("run while locked:\n%s", out)
	}
	if err := lk.Release(ctx); err != nil {
		t.Fatal(err)
	}
	out := payout("--once")
	if !strings.Contains(out, "paid ") || !strings.Contains(out, minerAddr) {
		t.Fatalf("payout output:\n%s", out)
	}
	var got json.Number
	if err := node.Client.Call(ctx, "getreceivedbyaddress", []any{minerAddr, 0}, &got); err != nil {
		t.Fatal(err)
	}
	if satoshis(t, got) != reward {
		t.Fatalf("the miner received %s, want the whole reward %d", got, reward)
	}
	if out := payout("--once"); !strings.Contains(out, "nothing to do") {
		t.Fatalf("second run:\n%s", out)
	}

	// `multipool run` pays on the pool's schedule.
	second := node.NewAddress(t, "bech32")
	reward2 := mineRound(t, node, led, poolAddr, second)
	node.Generate(t, 100, "rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44")
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var runOut syncBuffer
	runDone := make(chan error, 1)
	go func() { runDone <- run(rctx, []string{"run", "-config", dir}, &runOut, &runOut) }()
	waitFor(t, 60*time.Second, "the scheduled payment", func() bool {
		var got json.Number
		return node.Client.Call(ctx, "getreceivedbyaddress", []any{second, 0}, &got) == nil && satoshis(t, got) == reward2
	})
	cancel()
	select {
	case err := <-runDone:
		if err != nil {
			t.Fatalf("run: %v\n%s", err, runOut.String())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run did not stop")
	}
	if !strings.Contains(runOut.String(), "payment sent") {
		t.Errorf("no payment in the log:\n%s", runOut.String())
	}
}

// mineRound records a share of addr, mines a block to poolAddr and
// records it, as the pool would; it returns the block's reward.
func mineRound(t *testing.T, node *daemontest.Node, led *ledger.Ledger, poolAddr, addr string) int64 {
	t.Helper()
	if err := led.RecordShare(ledger.Share{Coin: "litecoin-regtest", Worker: addr + ".w", Address: addr,
		Difficulty: 0.5, Status: ledger.StatusValid}); err != nil {
		t.Fatal(err)
	}
	hash := node.Generate(t, 1, poolAddr)[0]
	var blk struct {
		Height int64 `json:"height"`
		Tx     []struct {
			TxID string `json:"txid"`
			Vout []struct {
				Value json.Number `json:"value"`
			} `json:"vout"`
		} `json:"tx"`
	}
	if err := json.Unmarshal(node.RPC(t, "getblock", hash, 2), &blk); err != nil {
		t.Fatal(err)
	}
	reward := satoshis(t, blk.Tx[0].Vout[0].Value)
	if err := led.RecordBlock(ledger.Block{Coin: "litecoin-regtest", Height: blk.Height, Hash: hash,
		CoinbaseTxID: blk.Tx[0].TxID, Reward: reward}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the round in Redis", func() bool { return led.Pending() == 0 })
	return reward
}

func satoshis(t *testing.T, n json.Number) int64 {
	t.Helper()
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		t.Fatalf("amount %q", n)
	}
	r.Mul(r, big.NewRat(100_000_000, 1))
	return r.Num().Int64()
}
