package daemontest

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/multipool/multipool/coins/daemon"
)

var ltcRules = []string{"mweb", "segwit"}

// TestLitecoind runs the daemon client against two connected real nodes (A
// with a wallet, B connected to A), through a pre-MWEB chain, a failover
// with B stopped, and MWEB activation. The subtests share the nodes and run
// in order.
func TestLitecoind(t *testing.T) {
	notifyDir := t.TempDir()
	a := Litecoind(t, Options{MWEB: true, Wallet: true,
		BlockNotify: "touch " + filepath.Join(notifyDir, "%s")})
	b := Litecoind(t, Options{MWEB: true, Peer: a})
	ctx := context.Background()

	t.Run("template needs a block", func(t *testing.T) {
		// A fresh chain is in initial block download: -10 until a block exists.
		waitPeers(t, a, 1)
		_, err := a.Client.GetBlockTemplate(ctx, ltcRules)
		var rpcErr *daemon.RPCError
		if !errors.As(err, &rpcErr) || rpcErr.Code != -10 {
			t.Fatalf("got %v, want rpc error -10", err)
		}
	})

	var premine []string
	t.Run("pre-MWEB template on both nodes", func(t *testing.T) {
		premine = a.Generate(t, 101, "")
		b.WaitHeight(t, 101)
		for _, n := range []*Node{a, b} {
			tpl, err := n.Client.GetBlockTemplate(ctx, ltcRules)
			if err != nil {
				t.Fatalf("node %d: %v", n.RPCPort, err)
			}
			if tpl.Height != 102 || tpl.MWEB != "" || tpl.HasRule("mweb") || tpl.Bits != "207fffff" ||
				tpl.PreviousBlockHash != premine[100] || tpl.CoinbaseValue != 50_0000_0000 {
				t.Fatalf("node %d: template %+v", n.RPCPort, tpl)
			}
		}
	})

	t.Run("blocknotify", func(t *testing.T) {
		last := premine[len(premine)-1]
		if !poll(waitTimeout, func() bool {
			_, err := os.Stat(filepath.Join(notifyDir, last))
			return err == nil
		}) {
			t.Fatalf("no blocknotify for %s", last)
		}
	})

	t.Run("getblock and tip", func(t *testing.T) {
		best, err := b.Client.GetBestBlockHash(ctx)
		if err != nil || best != premine[100] {
			t.Fatalf("GetBestBlockHash = %s, %v", best, err)
		}
		blk, err := b.Client.GetBlock(ctx, best)
		if err != nil {
			t.Fatal(err)
		}
		if blk.Height != 101 || blk.Confirmations != 1 || len(blk.Tx) != 1 || blk.PreviousBlockHash != premine[99] {
			t.Fatalf("block %+v", blk)
		}
		_, err = b.Client.GetBlock(ctx, strings.Repeat("0", 64))
		var rpcErr *daemon.RPCError
		if !errors.As(err, &rpcErr) || rpcErr.Code != -5 {
			t.Fatalf("unknown block: got %v, want rpc error -5", err)
		}
	})

	t.Run("validateaddress", func(t *testing.T) {
		tests := []struct {
			addr string
			want bool
		}{
			{a.NewAddress(t, "bech32"), true},
			{a.NewAddress(t, "legacy"), true},
			{"notanaddress", false},
			{"ltc1qg82r2ngjw2m8p7gz9lqrfmtqm5zxmtc8q7qv0k", false}, // mainnet
		}
		for _, tt := range tests {
			for _, n := range []*Node{a, b} { // b has no wallet
				got, err := n.Client.ValidateAddress(ctx, tt.addr)
				if err != nil || got != tt.want {
					t.Fatalf("node %d: ValidateAddress(%s) = %v, %v; want %v", n.RPCPort, tt.addr, got, err, tt.want)
				}
			}
		}
	})

	t.Run("submitblock", func(t *testing.T) {
		both := client(t, daemon.Config{Endpoints: []daemon.Endpoint{a.Endpoint(), b.Endpoint()}})
		res := both.SubmitBlock(ctx, "deadbeef")
		if res.Accepted || res.Unreachable || res.Reason == "" {
			t.Fatalf("garbage block: %+v", res)
		}
		t.Logf("garbage block rejected: %q", res.Reason)

		// A block both nodes have is a duplicate, and that is not a loss.
		var raw string
		if err := json.Unmarshal(a.RPC(t, "getblock", premine[50], 0), &raw); err != nil {
			t.Fatal(err)
		}
		res = both.SubmitBlock(ctx, raw)
		if !res.Accepted || res.Reason != "duplicate" {
			t.Fatalf("known block: %+v", res)
		}
	})

	t.Run("batch", func(t *testing.T) {
		replies, err := b.Client.Batch(ctx, []daemon.Request{
			{Method: "getblockhash", Params: []any{100}},
			{Method: "nosuch"},
			{Method: "getblockcount"},
		})
		if err != nil {
			t.Fatal(err)
		}
		if string(replies[0].Result) != `"`+premine[99]+`"` || !errors.Is(replies[1].Err, daemon.ErrMethodNotFound) ||
			string(replies[2].Result) != "101" {
			t.Fatalf("replies %+v", replies)
		}
	})

	t.Run("real error shapes", func(t *testing.T) {
		err := b.Client.Call(ctx, "nosuch", nil, nil)
		if !errors.Is(err, daemon.ErrMethodNotFound) {
			t.Fatalf("unknown method: %v", err)
		}
		ep := b.Endpoint()
		ep.Password = "wrong-" + ep.Password
		bad := client(t, daemon.Config{Endpoints: []daemon.Endpoint{ep}})
		err = bad.Call(ctx, "getblockcount", nil, nil)
		if !errors.Is(err, daemon.ErrUnauthorized) || strings.Contains(err.Error(), ep.Password) {
			t.Fatalf("wrong password: %v", err)
		}
		noWallet := client(t, daemon.Config{Endpoints: []daemon.Endpoint{b.Endpoint()}, Wallet: "w"})
		err = noWallet.Call(ctx, "getbalance", nil, nil)
		var rpcErr *daemon.RPCError
		if !errors.As(err, &rpcErr) || rpcErr.Code != -18 {
			t.Fatalf("missing wallet: %v", err)
		}
	})

	t.Run("failover with a node stopped", func(t *testing.T) {
		c := client(t, daemon.Config{Endpoints: []daemon.Endpoint{b.Endpoint(), a.Endpoint()}})
		if _, err := c.GetBlockCount(ctx); err != nil {
			t.Fatal(err)
		}
		b.Stop(t)
		for range 3 {
			h, err := c.GetBlockCount(ctx)
			if err != nil || h != 101 {
				t.Fatalf("with b stopped: %d, %v", h, err)
			}
		}
		onlyB := client(t, daemon.Config{Endpoints: []daemon.Endpoint{b.Endpoint()}})
		if _, err := onlyB.GetBlockCount(ctx); !errors.Is(err, daemon.ErrNoEndpoint) {
			t.Fatalf("stopped node alone: %v", err)
		}
		b.Start(t)
		waitPeers(t, a, 1)
		if _, err := onlyB.GetBlockCount(ctx); err != nil {
			t.Fatalf("after restart: %v", err)
		}
	})

	t.Run("MWEB template on both nodes", func(t *testing.T) {
		ActivateMWEB(t, a)
		h := a.Height(t)
		b.WaitHeight(t, h)
		for _, n := range []*Node{a, b} {
			tpl, err := n.Client.GetBlockTemplate(ctx, ltcRules)
			if err != nil {
				t.Fatalf("node %d: %v", n.RPCPort, err)
			}
			if tpl.Height != h+1 || tpl.MWEB == "" || !tpl.HasRule("mweb") || len(tpl.Transactions) == 0 {
				t.Fatalf("node %d: template height %d mweb %d bytes rules %v txs %d", n.RPCPort,
					tpl.Height, len(tpl.MWEB)/2, tpl.Rules, len(tpl.Transactions))
			}
			// The HogEx comes last and has the MWEB flag.
			hogex := tpl.Transactions[len(tpl.Transactions)-1]
			if !strings.HasPrefix(hogex.Data[8:], "0008") {
				t.Fatalf("node %d: last template tx is not a HogEx: %s", n.RPCPort, hogex.Data[:20])
			}
		}
	})
}

// waitPeers waits until n has at least want peers.
func waitPeers(t *testing.T, n *Node, want int) {
	t.Helper()
	var got int
	if !poll(waitTimeout, func() bool {
		json.Unmarshal(n.RPC(t, "getconnectioncount"), &got)
		return got >= want
	}) {
		t.Fatalf("node %d: %d peers, want %d", n.RPCPort, got, want)
	}
}

func client(t *testing.T, cfg daemon.Config) *daemon.Client {
	t.Helper()
	c, err := daemon.New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFreePortUnique(t *testing.T) {
	seen := map[int]bool{}
	for range 20 {
		p := FreePort(t)
		if seen[p] || p <= 0 || p > 65535 {
			t.Fatalf("port %d repeated or out of range", p)
		}
		seen[p] = true
	}
}
