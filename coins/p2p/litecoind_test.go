package p2p_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/daemon/daemontest"
	"github.com/multipool/multipool/coins/p2p"
)

const waitTimeout = 30 * time.Second

// TestLitecoindPeer runs the peer against a real litecoind regtest node that
// has no other peer: the handshake completes, getblocktemplate starts working
// (Core refuses it with -9 while it has no peer), new blocks are announced,
// and the peer reconnects after the node restarts.
func TestLitecoindPeer(t *testing.T) {
	n := daemontest.Litecoind(t, daemontest.Options{})
	ctx := context.Background()
	rules := []string{"mweb", "segwit"}

	n.Generate(t, 1, "") // leave initial block download
	_, err := n.Client.GetBlockTemplate(ctx, rules)
	var rpcErr *daemon.RPCError
	if !errors.As(err, &rpcErr) || rpcErr.Code != -9 {
		t.Fatalf("getblocktemplate without a peer: %v, want rpc error -9", err)
	}

	magic, err := p2p.ParseMagic("fabfb5da")
	if err != nil {
		t.Fatal(err)
	}
	blocks := make(chan string, 100)
	p, err := p2p.New(p2p.Config{Addr: n.P2PAddr(), Magic: magic, StartHeight: 1}, func(h string) {
		select {
		case blocks <- h:
		default:
		}
	}, slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- p.Run(runCtx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run = %v", err)
		}
	})

	waitUntil(t, "peer connected", p.Connected)

	t.Run("getblocktemplate with only the p2p peer", func(t *testing.T) {
		tpl, err := n.Client.GetBlockTemplate(ctx, rules)
		if err != nil {
			t.Fatal(err)
		}
		if tpl.Height != 2 {
			t.Fatalf("template height %d, want 2", tpl.Height)
		}
	})

	t.Run("block announcement", func(t *testing.T) {
		for range 2 {
			hash := n.Generate(t, 1, "")[0]
			waitBlock(t, blocks, hash)
		}
	})

	t.Run("reconnect after node restart", func(t *testing.T) {
		n.Stop(t)
		waitUntil(t, "peer disconnected", func() bool { return !p.Connected() })
		n.Start(t)
		waitUntil(t, "peer reconnected", p.Connected)
		hash := n.Generate(t, 1, "")[0]
		waitBlock(t, blocks, hash)
		if _, err := n.Client.GetBlockTemplate(ctx, rules); err != nil {
			t.Fatalf("getblocktemplate after reconnect: %v", err)
		}
	})
}

// waitBlock waits for hash among the announced blocks.
func waitBlock(t *testing.T, blocks <-chan string, hash string) {
	t.Helper()
	timer := time.NewTimer(waitTimeout)
	defer timer.Stop()
	for {
		select {
		case got := <-blocks:
			if got == hash {
				return
			}
		case <-timer.C:
			t.Fatalf("block %s was not announced within %v", hash, waitTimeout)
		}
	}
}

// waitUntil polls cond with a deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		<-tick.C
	}
}
