package payout_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/payout"
	"github.com/multipool/multipool/payout/ledger"
)

const (
	mainnetAddress = "LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1"
	mwebAddress    = "tmweb1qqgplppk3cva5dmacz8zgrg56rjkyyrc44c48cjkzllr0m6g47t7jwq7ssja99kvefttmfm9v05xssj70gvmattzgh6zea4vmg0qgy636gvsf5f48"
)

// walletBalance returns wallet w's trusted balance.
func (c *chain) walletBalance(t *testing.T) int64 {
	t.Helper()
	var n json.Number
	must(t, c.wallet.Call(context.Background(), "getbalance", nil, &n))
	return amount(t, n)
}

// TestPaymentRules covers a dry run, a block recorded twice, invalid
// addresses among the recipients, a balance under the minimum, and a
// wallet without the funds for everyone.
func TestPaymentRules(t *testing.T) {
	c := newChain(t, chainOptions{})
	ctx := context.Background()
	good1, good2, small := c.minerAddress(t, "bech32"), c.minerAddress(t, "legacy"), c.minerAddress(t, "bech32")
	round, blk := c.fakeRound(t, map[string]float64{
		good1: 10, good2: 30, small: 0.0001,
		"notanaddress": 5, mainnetAddress: 5, mwebAddress: 5,
	})
	// The pool records the same block again (a retry, a second process):
	// the ledger keeps one, the payout credits it once.
	must(t, c.led.RecordBlock(blk))
	c.mature(t)
	p := c.processor(t, nil)

	t.Run("dry run writes nothing", func(t *testing.T) {
		rep, err := p.Plan(ctx)
		must(t, err)
		t.Logf("%s", rep.Format(8))
		if len(rep.Blocks) != 1 || rep.Blocks[0].State != ledger.BlockConfirmed || len(rep.Payments) != 1 ||
			len(rep.Payments[0].Recipients) != 2 || len(rep.Held) != 3 {
			t.Fatalf("plan %+v", rep)
		}
		if b, _, _ := c.led.BlockStatusOf(ctx, coinKey, round); b.State != ledger.BlockPending {
			t.Fatalf("block %s after a dry run", b.State)
		}
		bals, _ := c.led.Balances(ctx, coinKey)
		held, _ := c.led.HeldPayees(ctx, coinKey)
		ps, _ := c.led.Payments(ctx, coinKey, 0)
		if len(bals) != 0 || len(held) != 0 || len(ps) != 0 || c.received(t, good1, 0) != 0 {
			t.Fatalf("a dry run wrote: balances %v held %v payments %v", bals, held, ps)
		}
	})

	t.Run("invalid addresses set aside, the rest paid, the minimum kept", func(t *testing.T) {
		rep := once(t, p)
		want := c.expectedCredits(t, []string{round})
		c.confirmPayments(t)
		for _, a := range []string{good1, good2} {
			if got := c.received(t, a, 1); got != want[a] || got == 0 {
				t.Errorf("%s received %d, want %d", a, got, want[a])
			}
		}
		if acc := c.account(t, small); acc.Balance != want[small] || acc.Balance == 0 || acc.Balance >= 1_000_000 || acc.Paid != 0 {
			t.Errorf("balance under the minimum: %+v, want %d kept", acc, want[small])
		}
		held, err := c.led.HeldPayees(ctx, coinKey)
		must(t, err)
		for a, reason := range map[string]string{"notanaddress": "not a litecoin-regtest address",
			mainnetAddress: "another network", mwebAddress: "MWEB"} {
			acc := c.account(t, a)
			if !strings.Contains(held[a], reason) || acc.Held != held[a] || acc.Balance != want[a] || acc.Balance == 0 {
				t.Errorf("%s: held %q, account %+v; want set aside (%q) with its balance %d", a, held[a], acc, reason, want[a])
			}
		}
		if len(rep.Held) != 3 {
			t.Errorf("report holds %v", rep.Held)
		}
		// Credited once although recorded twice.
		bs, err := c.led.BlockStatuses(ctx, coinKey, ledger.BlockConfirmed, 0)
		must(t, err)
		if len(bs) != 1 {
			t.Fatalf("%d confirmed blocks, want 1", len(bs))
		}
	})

	t.Run("insufficient funds pays what it can", func(t *testing.T) {
		d, e := c.minerAddress(t, "bech32"), c.minerAddress(t, "bech32")
		round, blk := c.fakeRound(t, map[string]float64{d: 1, e: 3})
		c.mature(t)
		shares, err := c.led.RoundShares(ctx, coinKey, round)
		must(t, err)
		want := oracle(blk.Reward, shares)
		// Leave the wallet exactly what the two are owed: the wallet's fee
		// does not fit, so the smaller payment must wait.
		keep := want[d] + want[e]
		drain := c.walletBalance(t) - keep
		c.node.RPC(t, "sendtoaddress", burnAddress, json.Number(coins.Amount(drain).Format(8)), "", "", true)
		if got := c.walletBalance(t); got != keep {
			t.Fatalf("wallet balance %d after draining, want %d", got, keep)
		}
		rep := once(t, p)
		if len(rep.Payments) != 1 || len(rep.Payments[0].Recipients) != 1 || rep.Payments[0].Recipients[0].Address != e {
			t.Fatalf("payments %+v, want e alone", rep.Payments)
		}
		if len(rep.Deferred) != 1 || rep.Deferred[0].Address != d {
			t.Fatalf("deferred %+v, want d", rep.Deferred)
		}
		if len(rep.Failed) != 1 || !strings.Contains(rep.Failed[0].Reason, "Insufficient funds") {
			t.Fatalf("refused attempts %+v, want the first one", rep.Failed)
		}
		ps, err := c.led.Payments(ctx, coinKey, 2)
		must(t, err)
		if ps[1].State != ledger.PaymentVoided || !strings.Contains(ps[1].Reason, "Insufficient funds") || len(ps[1].Recipients) != 2 {
			t.Fatalf("the refused attempt: %+v", ps[1])
		}
		c.confirmPayments(t)
		if got, acc := c.received(t, d, 1), c.account(t, d); got != 0 || acc.Balance != want[d] {
			t.Fatalf("d received %d, account %+v; want nothing paid and %d kept", got, acc, want[d])
		}
		if got := c.received(t, e, 1); got != want[e] {
			t.Fatalf("e received %d, want %d", got, want[e])
		}

		// Still short: d waits without a wallet call.
		rep = once(t, p)
		if len(rep.Payments) != 0 || len(rep.Failed) != 0 || len(rep.Deferred) != 1 {
			t.Fatalf("second run %+v", rep)
		}
		// Funds arrive: d is paid.
		c.node.Generate(t, 1, c.poolAddr)
		c.mature(t)
		once(t, p)
		c.confirmPayments(t)
		if got, acc := c.received(t, d, 1), c.account(t, d); got != want[d] || acc.Balance != 0 || acc.Paid != want[d] {
			t.Fatalf("d received %d, account %+v; want %d", got, acc, want[d])
		}
	})
}

// TestLeaderAndSchedule covers two overlapping runs, a pending payment too
// recent to be judged, and Run's cron schedule.
func TestLeaderAndSchedule(t *testing.T) {
	c := newChain(t, chainOptions{})
	ctx := context.Background()

	t.Run("overlapping runs", func(t *testing.T) {
		f := c.minerAddress(t, "bech32")
		c.fakeRound(t, map[string]float64{f: 1})
		c.mature(t)
		inside, release := make(chan struct{}), make(chan struct{})
		first := c.processor(t, func(cfg *payout.Config) {
			cfg.LockTTL = time.Minute
			cfg.Fault = func(at payout.FaultPoint) error {
				if at == payout.FaultAfterIntent {
					close(inside)
					<-release
				}
				return nil
			}
		})
		second := c.processor(t, nil)
		var wg sync.WaitGroup
		var firstErr error
		wg.Go(func() { _, firstErr = first.Once(ctx) })
		<-inside
		_, err := second.Once(ctx)
		if !errors.Is(err, payout.ErrLocked) || !strings.Contains(err.Error(), "held by") {
			t.Fatalf("overlapping run: %v, want ErrLocked naming the holder", err)
		}
		close(release)
		wg.Wait()
		must(t, firstErr)
		if rep := once(t, second); len(rep.Payments) != 0 {
			t.Fatalf("the second runner paid again: %+v", rep.Payments)
		}
		c.confirmPayments(t)
		if acc := c.account(t, f); acc.Paid == 0 || c.received(t, f, 1) != acc.Paid {
			t.Fatalf("f: %+v, received %d", acc, c.received(t, f, 1))
		}
	})

	t.Run("a recent pending payment blocks payments until settled", func(t *testing.T) {
		g, h := c.minerAddress(t, "bech32"), c.minerAddress(t, "bech32")
		c.fakeRound(t, map[string]float64{g: 1})
		c.mature(t)
		crash := c.processor(t, func(cfg *payout.Config) {
			cfg.Fault = func(at payout.FaultPoint) error {
				if at == payout.FaultAfterIntent {
					return errors.New("simulated crash")
				}
				return nil
			}
		})
		if _, err := crash.Once(ctx); !errors.Is(err, payout.ErrFault) {
			t.Fatalf("crashing run: %v", err)
		}
		c.waitUnlocked(t)
		// Another miner's credit arrives meanwhile.
		c.fakeRound(t, map[string]float64{h: 1})
		c.mature(t)
		patient := c.processor(t, func(cfg *payout.Config) { cfg.SettleTime = time.Hour })
		rep := once(t, patient)
		if rep.Unresolved != 1 || len(rep.Payments) != 0 {
			t.Fatalf("with a recent pending payment: unresolved %d, payments %+v", rep.Unresolved, rep.Payments)
		}
		if acc := c.account(t, h); acc.Balance == 0 || acc.Paid != 0 {
			t.Fatalf("h: %+v, want credited and not paid", acc)
		}
		rep = once(t, c.processor(t, nil))
		if len(rep.Reconciled) != 1 || rep.Reconciled[0].Outcome != payout.OutcomeVoided || len(rep.Payments) != 1 {
			t.Fatalf("settled run %+v", rep)
		}
		c.confirmPayments(t)
		for _, a := range []string{g, h} {
			if acc := c.account(t, a); acc.Paid == 0 || acc.Balance != 0 || c.received(t, a, 1) != acc.Paid {
				t.Fatalf("%s: %+v, received %d", a, acc, c.received(t, a, 1))
			}
		}
	})

	t.Run("Run pays on its schedule", func(t *testing.T) {
		k := c.minerAddress(t, "bech32")
		round, _ := c.fakeRound(t, map[string]float64{k: 1})
		c.mature(t)
		p := c.processor(t, func(cfg *payout.Config) { cfg.Schedule = "@every 1s" })
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- p.Run(rctx) }()
		waitFor(t, 30*time.Second, "a scheduled payment", func() bool { return c.account(t, k).Paid > 0 })
		cancel()
		select {
		case err := <-done:
			must(t, err)
		case <-time.After(30 * time.Second):
			t.Fatal("Run did not return")
		}
		if err := p.Run(ctx); !errors.Is(err, payout.ErrRunning) {
			t.Fatalf("second Run: %v", err)
		}
		want := c.expectedCredits(t, []string{round})
		c.confirmPayments(t)
		if got := c.received(t, k, 1); got != want[k] {
			t.Fatalf("k received %d, want %d", got, want[k])
		}
	})
}
