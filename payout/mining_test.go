package payout_test

import (
	"context"
	"testing"

	"github.com/multipool/multipool/payout/ledger"
)

// settledRounds returns the coin's confirmed and orphaned/kicked rounds.
func settledRounds(t *testing.T, c *chain) (confirmed, lost []string) {
	t.Helper()
	ctx := context.Background()
	for _, st := range []ledger.BlockState{ledger.BlockConfirmed, ledger.BlockOrphaned, ledger.BlockKicked} {
		bs, err := c.led.BlockStatuses(ctx, coinKey, st, 0)
		must(t, err)
		for _, b := range bs {
			if st == ledger.BlockConfirmed {
				confirmed = append(confirmed, b.Round)
			} else {
				lost = append(lost, b.Round)
			}
		}
	}
	return confirmed, lost
}

// poolOutput reads, from the chain, what a block's coinbase paid addr.
func poolOutput(t *testing.T, c *chain, hash, addr string) int64 {
	t.Helper()
	_, _, paid := coinbase(t, c, hash)
	return paid[addr]
}

// TestThreeMinersPaid mines through the pool with three `multipool mine`
// workers of different hashrates (threads) and share difficulties, matures
// the blocks on the second node, runs the payout, and checks that each
// miner's address received exactly its PROP share, block by block.
func TestThreeMinersPaid(t *testing.T) {
	r := newPoolRig(t)
	ctx := context.Background()
	addrs := []string{r.minerAddress(t, "bech32"), r.minerAddress(t, "legacy"), r.minerAddress(t, "p2sh-segwit")}
	users := map[string]string{
		addrs[0] + ".slow": "x,d=0.001",
		addrs[1] + ".mid":  "x,d=0.002",
		addrs[2] + ".fast": "x,d=0.004",
	}
	threads := map[string]int{addrs[0] + ".slow": 1, addrs[1] + ".mid": 2, addrs[2] + ".fast": 3}
	r.mineWith(t, users, threads, "blocks from every miner", func() bool {
		for u := range users {
			ws, err := r.led.WorkerStats(ctx, coinKey, u)
			if err != nil || ws.BlocksFound < 1 {
				return false
			}
		}
		st, err := r.led.Stats(ctx, coinKey)
		return err == nil && st.BlocksFound >= 6
	})
	pending, err := r.led.Blocks(ctx, coinKey)
	must(t, err)
	t.Logf("%d blocks recorded", len(pending))

	p := r.processor(t, nil)
	// Before maturity: nothing is paid, the immature balances show.
	rep := once(t, p)
	if len(rep.Payments) != 0 {
		t.Fatalf("paid before maturity: %+v", rep.Payments)
	}
	var immature int64
	for _, a := range addrs {
		immature += r.account(t, a).Immature
	}
	if immature == 0 {
		t.Fatal("no immature balance shown before maturity")
	}

	r.mature(t)
	rep = once(t, p)
	if len(rep.Payments) == 0 {
		t.Fatal("nothing paid after maturity")
	}
	r.confirmPayments(t)

	confirmed, lost := settledRounds(t, r.chain)
	if len(confirmed)+len(lost) != len(pending) {
		t.Fatalf("%d blocks confirmed and %d orphaned of %d recorded", len(confirmed), len(lost), len(pending))
	}
	for _, round := range confirmed {
		b, _, err := r.led.BlockStatusOf(ctx, coinKey, round)
		must(t, err)
		if got := poolOutput(t, r.chain, b.Hash, r.poolAddr); got != b.RewardReceived || got != b.Reward {
			t.Errorf("block %s: coinbase paid the pool %d, credited reward %d, recorded %d", round, got, b.RewardReceived, b.Reward)
		}
	}
	want := r.expectedCredits(t, confirmed)
	var paidTotal int64
	for _, a := range addrs {
		got := r.received(t, a, 1)
		acc := r.account(t, a)
		if got != want[a] || acc.Paid != want[a] || acc.Balance != 0 || acc.Immature != 0 {
			t.Errorf("%s received %d; expected %d; ledger %+v", a, got, want[a], acc)
		}
		paidTotal += got
	}
	var credited int64
	for _, v := range want {
		credited += v
	}
	if paidTotal != credited || paidTotal != rep.PaidTotal() {
		t.Errorf("paid %d, credited %d, report %d", paidTotal, credited, rep.PaidTotal())
	}

	ps, err := r.led.Payments(ctx, coinKey, 0)
	must(t, err)
	for _, pay := range ps {
		if pay.State != ledger.PaymentPaid || pay.TxID == "" || pay.Fee <= 0 || pay.Done.IsZero() {
			t.Errorf("payment record %+v, want paid with txid and the wallet's fee", pay)
		}
	}

	// A second run finds nothing to credit or pay.
	rep = once(t, p)
	if len(rep.Payments) != 0 || len(rep.Blocks) != 0 {
		t.Fatalf("second run did something: %+v", rep)
	}
}

// TestOrphanedRoundPaidWithNextBlock orphans a pool block (invalidateblock
// on the second node and a longer chain there), checks that it is marked
// orphaned and its round's shares join the current round, then pays the
// next pool block to both miners and nobody for the orphan.
func TestOrphanedRoundPaidWithNextBlock(t *testing.T) {
	r := newPoolRig(t)
	ctx := context.Background()
	x, y := r.minerAddress(t, "bech32"), r.minerAddress(t, "bech32")
	r.mineWith(t, map[string]string{x + ".x": "x"}, nil, "a block by x", func() bool {
		bs, err := r.led.Blocks(ctx, coinKey)
		return err == nil && len(bs) >= 1
	})
	orphans, err := r.led.Blocks(ctx, coinKey)
	must(t, err)
	var xWork float64
	lowest := orphans[len(orphans)-1]
	for _, b := range orphans {
		shares, err := r.led.RoundShares(ctx, coinKey, ledger.RoundID(b.Height, b.Hash))
		must(t, err)
		xWork += shares[x]
	}
	if xWork == 0 {
		t.Fatal("x's round has no shares")
	}
	// The second node drops x's blocks and outgrows them.
	r.sync(t)
	r.peer.RPC(t, "invalidateblock", lowest.Hash)
	r.peer.Generate(t, len(orphans)+1, burnAddress)
	r.sync(t)

	// Shares accepted after x's last block (not blocks themselves) are
	// already in the current round.
	before, err := r.led.RoundShares(ctx, coinKey, ledger.CurrentRound)
	must(t, err)
	p := r.processor(t, nil)
	rep := once(t, p)
	for _, bo := range rep.Blocks {
		if bo.State != ledger.BlockOrphaned {
			t.Errorf("block %s: %s (%s), want orphaned", bo.Round, bo.State, bo.Reason)
		}
	}
	cur, err := r.led.RoundShares(ctx, coinKey, ledger.CurrentRound)
	must(t, err)
	if cur[x] != before[x]+xWork {
		t.Fatalf("current round credits x with %v, want %v before plus the orphaned rounds' %v", cur[x], before[x], xWork)
	}

	r.mineWith(t, map[string]string{y + ".y": "x"}, nil, "a block by y", func() bool {
		bs, err := r.led.Blocks(ctx, coinKey)
		return err == nil && len(bs) >= 1
	})
	r.mature(t)
	rep = once(t, p)
	r.confirmPayments(t)

	confirmed, lost := settledRounds(t, r.chain)
	if len(lost) != len(orphans) {
		t.Fatalf("%d blocks lost, want the %d orphans", len(lost), len(orphans))
	}
	for _, o := range orphans {
		b, _, err := r.led.BlockStatusOf(ctx, coinKey, ledger.RoundID(o.Height, o.Hash))
		must(t, err)
		if b.State != ledger.BlockOrphaned || b.Credited != 0 {
			t.Errorf("orphan %d: %+v", o.Height, b)
		}
		cr, err := r.led.BlockCredits(ctx, coinKey, ledger.RoundID(o.Height, o.Hash))
		must(t, err)
		if len(cr) != 0 {
			t.Errorf("orphan %d credited %v", o.Height, cr)
		}
	}
	// The first of y's blocks closed the round holding x's orphaned work.
	first, _, err := r.led.BlockStatusOf(ctx, coinKey, confirmed[len(confirmed)-1])
	must(t, err)
	shares, err := r.led.RoundShares(ctx, coinKey, first.Round)
	must(t, err)
	if shares[x] != before[x]+xWork || shares[y] == 0 {
		t.Fatalf("round of y's first block: %v; want x's orphaned work %v (+%v) and y's", shares, xWork, before[x])
	}
	want := r.expectedCredits(t, confirmed)
	var total int64
	for _, a := range []string{x, y} {
		got := r.received(t, a, 1)
		if got != want[a] || got == 0 {
			t.Errorf("%s received %d, want %d", a, got, want[a])
		}
		total += got
	}
	var rewards int64
	for _, round := range confirmed {
		b, _, _ := r.led.BlockStatusOf(ctx, coinKey, round)
		rewards += b.Credited
	}
	if total != rewards {
		t.Errorf("paid %d in all; the confirmed blocks credited %d (nothing for the orphans)", total, rewards)
	}
}
