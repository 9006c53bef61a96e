package ledger

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// moneyRig is a running ledger with one pending block whose round holds
// shares a:1 b:3, and shares c:5 in the current round.
type moneyRig struct {
	l     *Ledger
	round string
	block Block
}

func newMoneyRig(t *testing.T) *moneyRig {
	t.Helper()
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, func(c *Config) { c.KeyPrefix = "mp" })
	start(t, l)
	b := Block{Coin: "ltc", Height: 200, Hash: strings.Repeat("12", 32), CoinbaseTxID: strings.Repeat("34", 32),
		Reward: 1000, Worker: "a.rig", Address: "a"}
	for _, s := range []Share{
		{Coin: "ltc", Worker: "a.rig", Address: "a", Difficulty: 1, Status: StatusValid},
		{Coin: "ltc", Worker: "b.rig", Address: "b", Difficulty: 3, Status: StatusValid},
	} {
		must(t, l.RecordShare(s))
	}
	must(t, l.RecordBlock(b))
	must(t, l.RecordShare(Share{Coin: "ltc", Worker: "c.rig", Address: "c", Difficulty: 5, Status: StatusValid}))
	waitWritten(t, l)
	return &moneyRig{l: l, round: RoundID(b.Height, b.Hash), block: b}
}

func lock(t *testing.T, l *Ledger) *Lock {
	t.Helper()
	lk, err := l.AcquireLock(context.Background(), "ltc", time.Minute)
	must(t, err)
	t.Cleanup(func() { lk.Release(context.Background()) })
	return lk
}

func TestLockExclusiveAndExpiring(t *testing.T) {
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, nil)
	other := newLedger(t, srv.Addr, nil, nil) // another process
	ctx := context.Background()
	a, err := l.AcquireLock(ctx, "ltc", time.Minute)
	must(t, err)
	_, err = other.AcquireLock(ctx, "ltc", time.Minute)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), a.Token()) {
		t.Fatalf("second acquire: %v, want ErrLocked naming %s", err, a.Token())
	}
	if _, err := other.AcquireLock(ctx, "doge", time.Minute); err != nil {
		t.Fatalf("another coin's lock: %v", err)
	}
	must(t, a.Extend(ctx))
	must(t, a.Release(ctx))
	b, err := other.AcquireLock(ctx, "ltc", 300*time.Millisecond)
	must(t, err)
	// b's holder dies: the lock expires by itself.
	poll(t, "the lock to expire", func() bool {
		h, _, err := l.LockHolder(ctx, "ltc")
		return err == nil && h == ""
	})
	c, err := l.AcquireLock(ctx, "ltc", time.Minute)
	must(t, err)
	if err := b.Extend(ctx); !errors.Is(err, ErrLockLost) {
		t.Fatalf("extend of an expired lock: %v, want ErrLockLost", err)
	}
	// The old holder is fenced off the money writes.
	if _, err := other.VoidPayment(ctx, b, "x1", "r"); !errors.Is(err, ErrLockLost) {
		t.Fatalf("write with a lost lock: %v, want ErrLockLost", err)
	}
	must(t, b.Release(ctx)) // does not free c's lock
	if h, _, _ := l.LockHolder(ctx, "ltc"); h != c.Token() {
		t.Fatalf("holder %q after the old holder's release, want %q", h, c.Token())
	}
}

func TestConfirmBlockOnce(t *testing.T) {
	r := newMoneyRig(t)
	ctx := context.Background()
	lk := lock(t, r.l)
	credit := BlockCredit{Round: r.round, Height: 200, Received: 1000,
		Credits: []Credit{{"a", 250}, {"b", 740}, {"fee", 5}}, Credited: 990, Fee: 10, Remainder: 0}
	ok, err := r.l.ConfirmBlock(ctx, lk, credit)
	must(t, err)
	if !ok {
		t.Fatal("first ConfirmBlock did not apply")
	}
	// Confirming again (a second runner, a retry) changes nothing.
	ok, err = r.l.ConfirmBlock(ctx, lk, credit)
	must(t, err)
	if ok {
		t.Fatal("second ConfirmBlock applied")
	}
	// The block recorded again by the pool does not come back as pending.
	must(t, r.l.RecordBlock(r.block))
	waitWritten(t, r.l)
	if ok, err := r.l.ConfirmBlock(ctx, lk, credit); err != nil || ok {
		t.Fatalf("ConfirmBlock after the block was recorded twice: %v %v", ok, err)
	}
	bals, err := r.l.Balances(ctx, "ltc")
	must(t, err)
	if want := map[string]int64{"a": 250, "b": 740, "fee": 5}; !reflect.DeepEqual(bals, want) {
		t.Fatalf("balances %v, want %v", bals, want)
	}
	cr, err := r.l.BlockCredits(ctx, "ltc", r.round)
	must(t, err)
	if !reflect.DeepEqual(cr, bals) {
		t.Fatalf("block credits %v, want %v", cr, bals)
	}
	bs, err := r.l.BlockStatuses(ctx, "ltc", BlockConfirmed, 0)
	must(t, err)
	if len(bs) != 1 || bs[0].State != BlockConfirmed || bs[0].Credited != 990 || bs[0].Fee != 10 || bs[0].RewardReceived != 1000 || bs[0].Settled.IsZero() {
		t.Fatalf("confirmed blocks %+v", bs)
	}
	if pend, _ := r.l.Blocks(ctx, "ltc"); len(pend) != 0 {
		t.Fatalf("pending blocks %+v after confirmation", pend)
	}
	// A credit that does not add up is refused before Redis.
	bad := credit
	bad.Remainder = 1
	if _, err := r.l.ConfirmBlock(ctx, lk, bad); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("ConfirmBlock with a bad sum: %v", err)
	}
}

func TestOrphanBlockMovesShares(t *testing.T) {
	r := newMoneyRig(t)
	ctx := context.Background()
	lk := lock(t, r.l)
	ok, err := r.l.OrphanBlock(ctx, lk, r.round, BlockOrphaned, "not in the main chain")
	must(t, err)
	if !ok {
		t.Fatal("OrphanBlock did not apply")
	}
	checkRound(t, r.l, "ltc", CurrentRound, map[string]float64{"a": 1, "b": 3, "c": 5})
	// Twice is once.
	ok, err = r.l.OrphanBlock(ctx, lk, r.round, BlockOrphaned, "again")
	must(t, err)
	if ok {
		t.Fatal("second OrphanBlock applied")
	}
	checkRound(t, r.l, "ltc", CurrentRound, map[string]float64{"a": 1, "b": 3, "c": 5})
	b, found, err := r.l.BlockStatusOf(ctx, "ltc", r.round)
	must(t, err)
	if !found || b.State != BlockOrphaned || b.Reason != "not in the main chain" {
		t.Fatalf("orphaned block %+v", b)
	}
	// An orphaned block cannot be credited afterwards.
	if ok, err := r.l.ConfirmBlock(ctx, lk, BlockCredit{Round: r.round, Received: 1, Credited: 1, Credits: []Credit{{"a", 1}}}); err != nil || ok {
		t.Fatalf("ConfirmBlock of an orphaned block: %v %v", ok, err)
	}
}

func TestUpdatePendingAndAccount(t *testing.T) {
	r := newMoneyRig(t)
	ctx := context.Background()
	lk := lock(t, r.l)
	must(t, r.l.UpdatePending(ctx, lk, []PendingUpdate{{Round: r.round, State: BlockImmature, Confirmations: 7, Received: 1000}},
		map[string]int64{"a": 250, "b": 750}))
	must(t, r.l.UpdatePending(ctx, lk, []PendingUpdate{{Round: r.round, State: BlockImmature, Confirmations: 8, Received: 1000}},
		map[string]int64{"b": 750}))
	imm, err := r.l.ImmatureBalances(ctx, "ltc")
	must(t, err)
	if want := map[string]int64{"b": 750}; !reflect.DeepEqual(imm, want) {
		t.Fatalf("immature %v, want %v (replaced, not added)", imm, want)
	}
	bs, err := r.l.BlockStatuses(ctx, "ltc", BlockPending, 0)
	must(t, err)
	if len(bs) != 1 || bs[0].State != BlockImmature || bs[0].Confirmations != 8 {
		t.Fatalf("pending blocks %+v", bs)
	}
	must(t, r.l.SetHeld(ctx, "ltc", map[string]string{"b": "bad address"}, nil))
	acc, err := r.l.Account(ctx, "ltc", "b")
	must(t, err)
	if acc != (Account{Address: "b", Immature: 750, Held: "bad address"}) {
		t.Fatalf("account %+v", acc)
	}
	must(t, r.l.SetHeld(ctx, "ltc", nil, []string{"b"}))
	if h, _ := r.l.HeldPayees(ctx, "ltc"); len(h) != 0 {
		t.Fatalf("held %v after clearing", h)
	}
}

func TestPaymentLifecycle(t *testing.T) {
	r := newMoneyRig(t)
	ctx := context.Background()
	lk := lock(t, r.l)
	_, err := r.l.ConfirmBlock(ctx, lk, BlockCredit{Round: r.round, Height: 200, Received: 1000,
		Credits: []Credit{{"a", 250}, {"b", 750}}, Credited: 1000})
	must(t, err)
	balances := func() map[string]int64 {
		t.Helper()
		b, err := r.l.Balances(ctx, "ltc")
		must(t, err)
		return b
	}

	// A short balance refuses the whole intent.
	_, err = r.l.RecordIntent(ctx, lk, PaymentIntent{ID: "p0", Recipients: []Credit{{"a", 200}, {"b", 751}}})
	if !errors.Is(err, ErrInsufficientBalance) {
		t.Fatalf("intent above a balance: %v", err)
	}
	if got := balances(); got["a"] != 250 || got["b"] != 750 {
		t.Fatalf("balances %v after a refused intent", got)
	}

	pay, err := r.l.RecordIntent(ctx, lk, PaymentIntent{ID: "p1", Recipients: []Credit{{"a", 200}, {"b", 700}}, Tip: "t", Comment: "c p1"})
	must(t, err)
	if pay.State != PaymentPending || pay.Total != 900 || pay.Created.IsZero() {
		t.Fatalf("intent %+v", pay)
	}
	if got := balances(); got["a"] != 50 || got["b"] != 50 {
		t.Fatalf("balances %v after the intent, want debited", got)
	}
	if _, err := r.l.RecordIntent(ctx, lk, PaymentIntent{ID: "p1", Recipients: []Credit{{"a", 1}}}); !errors.Is(err, ErrPaymentExists) {
		t.Fatalf("reused id: %v", err)
	}
	pend, err := r.l.PendingPayments(ctx, "ltc")
	must(t, err)
	if len(pend) != 1 || pend[0].ID != "p1" || pend[0].Tip != "t" || pend[0].Comment != "c p1" ||
		!reflect.DeepEqual(pend[0].Recipients, []Credit{{"a", 200}, {"b", 700}}) {
		t.Fatalf("pending %+v", pend)
	}
	txid := strings.Repeat("ab", 32)
	ok, err := r.l.RecordSent(ctx, lk, "p1", txid)
	must(t, err)
	if !ok {
		t.Fatal("RecordSent did not apply")
	}
	// Neither a repeated RecordSent nor a late void changes anything.
	if ok, err := r.l.RecordSent(ctx, lk, "p1", txid); err != nil || ok {
		t.Fatalf("second RecordSent %v %v", ok, err)
	}
	if ok, err := r.l.VoidPayment(ctx, lk, "p1", "late"); err != nil || ok {
		t.Fatalf("void after sent %v %v", ok, err)
	}
	must(t, r.l.SetPaymentFee(ctx, "ltc", "p1", 3500))
	paid, err := r.l.PaidTotals(ctx, "ltc")
	must(t, err)
	if want := map[string]int64{"a": 200, "b": 700}; !reflect.DeepEqual(paid, want) {
		t.Fatalf("paid %v, want %v", paid, want)
	}

	// A payment never sent is credited back.
	_, err = r.l.RecordIntent(ctx, lk, PaymentIntent{ID: "p2", Recipients: []Credit{{"b", 50}}})
	must(t, err)
	ok, err = r.l.VoidPayment(ctx, lk, "p2", "not in the wallet")
	must(t, err)
	if !ok {
		t.Fatal("VoidPayment did not apply")
	}
	if got := balances(); got["a"] != 50 || got["b"] != 50 {
		t.Fatalf("balances %v after the void", got)
	}
	if pend, _ := r.l.PendingPayments(ctx, "ltc"); len(pend) != 0 {
		t.Fatalf("pending %+v", pend)
	}
	ps, err := r.l.Payments(ctx, "ltc", 0)
	must(t, err)
	if len(ps) != 2 || ps[1].ID != "p1" || ps[1].State != PaymentPaid || ps[1].TxID != txid || ps[1].Fee != 3500 ||
		ps[0].State != PaymentVoided || ps[0].Reason != "not in the wallet" {
		t.Fatalf("payments %+v", ps)
	}
	acc, err := r.l.Account(ctx, "ltc", "a")
	must(t, err)
	if acc.Balance != 50 || acc.Paid != 200 {
		t.Fatalf("account %+v", acc)
	}
}
