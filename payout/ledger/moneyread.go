package ledger

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Reads of the money records, for the payout and the dashboard. Each reads
// Redis directly; a read of several keys is one MULTI, so it sees every
// money write entirely or not at all.

// readIntHash reads a hash of integer amounts.
func (l *Ledger) readIntHash(ctx context.Context, coin, what, key string) (map[string]int64, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	raw, err := l.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s %s: %w", coin, what, err)
	}
	out := make(map[string]int64, len(raw))
	for a, v := range raw {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("read %s %s: %q: %w", coin, what, a, err)
		}
		out[a] = n
	}
	return out, nil
}

// Balances returns what the coin owes: address -> smallest units. Entries
// can be zero (paid off) and, only after a manual correction, negative.
func (l *Ledger) Balances(ctx context.Context, coin string) (map[string]int64, error) {
	return l.readIntHash(ctx, coin, "balances", l.keys.balances(coin))
}

// ImmatureBalances returns each address's part of the coin's blocks that
// are not mature yet, as of the last payout run.
func (l *Ledger) ImmatureBalances(ctx context.Context, coin string) (map[string]int64, error) {
	return l.readIntHash(ctx, coin, "immature balances", l.keys.immature(coin))
}

// PaidTotals returns what each address has been paid in total.
func (l *Ledger) PaidTotals(ctx context.Context, coin string) (map[string]int64, error) {
	return l.readIntHash(ctx, coin, "paid totals", l.keys.paid(coin))
}

// BlockCredits returns what a confirmed block credited to each address.
func (l *Ledger) BlockCredits(ctx context.Context, coin, round string) (map[string]int64, error) {
	if _, _, ok := parseRoundID(round); !ok {
		return nil, fmt.Errorf("%w: round %q", ErrInvalidRecord, round)
	}
	return l.readIntHash(ctx, coin, "credits of "+round, l.keys.credits(coin, round))
}

// HeldPayees returns the addresses whose balances are set aside, with why.
func (l *Ledger) HeldPayees(ctx context.Context, coin string) (map[string]string, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	m, err := l.rdb.HGetAll(ctx, l.keys.held(coin)).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s held payees: %w", coin, err)
	}
	return m, nil
}

// Account returns one address's balance, immature balance, paid total and
// hold reason on the coin.
func (l *Ledger) Account(ctx context.Context, coin, address string) (Account, error) {
	if !validCoin(coin) || !validWorker(address) {
		return Account{}, fmt.Errorf("%w: coin %q address %q", ErrInvalidRecord, coin, address)
	}
	k := l.keys
	var bal, imm, paid, held *redis.StringCmd
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		bal = p.HGet(ctx, k.balances(coin), address)
		imm = p.HGet(ctx, k.immature(coin), address)
		paid = p.HGet(ctx, k.paid(coin), address)
		held = p.HGet(ctx, k.held(coin), address)
		return nil
	})
	if err != nil && err != redis.Nil {
		return Account{}, fmt.Errorf("read %s account %s: %w", coin, address, err)
	}
	a := Account{Address: address, Held: held.Val()}
	for _, f := range []struct {
		cmd *redis.StringCmd
		dst *int64
	}{{bal, &a.Balance}, {imm, &a.Immature}, {paid, &a.Paid}} {
		if f.cmd.Err() == redis.Nil {
			continue
		}
		if *f.dst, err = f.cmd.Int64(); err != nil {
			return Account{}, fmt.Errorf("read %s account %s: %w", coin, address, err)
		}
	}
	return a, nil
}

// RedisTime returns Redis's clock, which dates payments.
func (l *Ledger) RedisTime(ctx context.Context) (time.Time, error) {
	t, err := l.rdb.Time(ctx).Result()
	if err != nil {
		return time.Time{}, fmt.Errorf("read redis time: %w", err)
	}
	return t, nil
}

// parsePayment reads a payment hash.
func parsePayment(coin, id string, f map[string]string) (Payment, error) {
	p := Payment{
		ID: id, Coin: coin, State: PaymentState(f[payFieldState]), Tip: f[payFieldTip],
		Comment: f[payFieldComment], TxID: f[payFieldTxID], Reason: f[payFieldReason],
	}
	var err error
	if p.Recipients, err = decodeRecipients(f[payFieldRecipients]); err != nil {
		return Payment{}, fmt.Errorf("recipients: %w", err)
	}
	for _, r := range p.Recipients {
		p.Total += r.Amount
	}
	for field, dst := range map[string]*time.Time{payFieldCreated: &p.Created, payFieldDone: &p.Done} {
		if v, ok := f[field]; ok {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return Payment{}, fmt.Errorf("%s: %w", field, err)
			}
			*dst = time.UnixMilli(ms)
		}
	}
	if v, ok := f[payFieldFee]; ok {
		if p.Fee, err = strconv.ParseInt(v, 10, 64); err != nil {
			return Payment{}, fmt.Errorf("fee: %w", err)
		}
	}
	return p, nil
}

// readPayments reads payment hashes by id, in the order given.
func (l *Ledger) readPayments(ctx context.Context, coin string, ids []string) ([]Payment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, l.keys.payment(coin, id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s payments: %w", coin, err)
	}
	out := make([]Payment, 0, len(ids))
	for i, id := range ids {
		f := cmds[i].Val()
		if len(f) == 0 {
			continue
		}
		p, err := parsePayment(coin, id, f)
		if err != nil {
			return nil, fmt.Errorf("read %s payment %s: %w", coin, id, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// PendingPayments returns the coin's payments whose outcome is not
// recorded, oldest first.
func (l *Ledger) PendingPayments(ctx context.Context, coin string) ([]Payment, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	ids, err := l.rdb.HKeys(ctx, l.keys.paymentsPending(coin)).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s pending payments: %w", coin, err)
	}
	ps, err := l.readPayments(ctx, coin, ids)
	if err != nil {
		return nil, err
	}
	if len(ps) != len(ids) {
		return nil, fmt.Errorf("read %s pending payments: %d listed, %d records", coin, len(ids), len(ps))
	}
	sortPayments(ps, false)
	return ps, nil
}

// Payments returns the coin's latest payments, newest first; limit <= 0
// means all.
func (l *Ledger) Payments(ctx context.Context, coin string, limit int) ([]Payment, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	stop := int64(-1)
	if limit > 0 {
		stop = int64(limit) - 1
	}
	ids, err := l.rdb.ZRevRange(ctx, l.keys.payments(coin), 0, stop).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s payments: %w", coin, err)
	}
	return l.readPayments(ctx, coin, ids)
}

// PaymentByID returns one payment; ok is false when there is none.
func (l *Ledger) PaymentByID(ctx context.Context, coin, id string) (p Payment, ok bool, err error) {
	if !validCoin(coin) || !validPaymentID(id) {
		return Payment{}, false, fmt.Errorf("%w: coin %q payment %q", ErrInvalidRecord, coin, id)
	}
	ps, err := l.readPayments(ctx, coin, []string{id})
	if err != nil || len(ps) == 0 {
		return Payment{}, false, err
	}
	return ps[0], true, nil
}

// sortPayments orders by creation time (then id), newest first if desc.
func sortPayments(ps []Payment, desc bool) {
	slices.SortFunc(ps, func(a, b Payment) int {
		c := a.Created.Compare(b.Created)
		if c == 0 {
			c = strings.Compare(a.ID, b.ID)
		}
		if desc {
			c = -c
		}
		return c
	})
}

// BlockStatuses returns the coin's blocks in state (BlockPending lists
// every pending block, immature or not), highest first; limit <= 0 means
// all.
func (l *Ledger) BlockStatuses(ctx context.Context, coin string, state BlockState, limit int) ([]BlockStatus, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	key := l.keys.blockStateKey(coin, state)
	if key == "" {
		return nil, fmt.Errorf("%w: block state %q", ErrInvalidRecord, state)
	}
	stop := int64(-1)
	if limit > 0 {
		stop = int64(limit) - 1
	}
	ids, err := l.rdb.ZRevRange(ctx, key, 0, stop).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s %s blocks: %w", coin, state, err)
	}
	return l.readBlockStatuses(ctx, coin, ids)
}

// BlockStatusOf returns one block by round id; ok is false when there is
// no such block.
func (l *Ledger) BlockStatusOf(ctx context.Context, coin, round string) (b BlockStatus, ok bool, err error) {
	if !validCoin(coin) {
		return BlockStatus{}, false, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	if _, _, ok := parseRoundID(round); !ok {
		return BlockStatus{}, false, fmt.Errorf("%w: round %q", ErrInvalidRecord, round)
	}
	bs, err := l.readBlockStatuses(ctx, coin, []string{round})
	if err != nil || len(bs) == 0 {
		return BlockStatus{}, false, err
	}
	return bs[0], true, nil
}

func (l *Ledger) readBlockStatuses(ctx context.Context, coin string, ids []string) ([]BlockStatus, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, l.keys.block(coin, id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s blocks: %w", coin, err)
	}
	out := make([]BlockStatus, 0, len(ids))
	for i, id := range ids {
		f := cmds[i].Val()
		if len(f) == 0 {
			continue
		}
		b, err := parseBlock(coin, id, f)
		if err != nil {
			return nil, fmt.Errorf("read %s block %s: %w", coin, id, err)
		}
		s := BlockStatus{Block: b, Round: id, State: BlockState(f[blockFieldState]), Reason: f[blockFieldReason]}
		if s.State == "" {
			s.State = BlockPending
		}
		for field, dst := range map[string]*int64{
			blockFieldConfirmations: &s.Confirmations, blockFieldRewardReceived: &s.RewardReceived,
			blockFieldCredited: &s.Credited, blockFieldFee: &s.Fee, blockFieldRemainder: &s.Remainder,
		} {
			if v, ok := f[field]; ok {
				if *dst, err = strconv.ParseInt(v, 10, 64); err != nil {
					return nil, fmt.Errorf("read %s block %s: %s: %w", coin, id, field, err)
				}
			}
		}
		if v, ok := f[blockFieldSettled]; ok {
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("read %s block %s: %s: %w", coin, id, blockFieldSettled, err)
			}
			s.Settled = time.UnixMilli(ms)
		}
		out = append(out, s)
	}
	return out, nil
}
