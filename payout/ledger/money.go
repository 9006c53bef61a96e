package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The money records: block states, credits, balances, payments. The payout
// writes them through the methods in this file, each one Lua script (atomic
// in Redis) that first checks that the caller still holds the coin's payout
// lock, so a runner whose lock expired cannot write (fencing). See doc.go
// for the keys and PAYOUTS.md for the reasoning.

var (
	// ErrLocked is returned by AcquireLock when another runner holds the
	// coin's payout lock; the error names the holder.
	ErrLocked = errors.New("ledger: payout lock held by another runner")
	// ErrLockLost is returned by the money writes and Lock.Extend when the
	// lock is no longer the caller's (it expired and maybe another runner
	// took it). Nothing was written.
	ErrLockLost = errors.New("ledger: payout lock lost")
	// ErrInsufficientBalance is returned by RecordIntent when a recipient's
	// balance is below the amount to pay. Nothing was written.
	ErrInsufficientBalance = errors.New("ledger: balance below payment")
	// ErrPaymentExists is returned by RecordIntent for an id already used.
	ErrPaymentExists = errors.New("ledger: payment id already used")
)

// BlockState is where a found block stands in the payout.
type BlockState string

// Block states. Pending and immature blocks are in <coin>:blocks:pending;
// each other state has its own set.
const (
	// BlockPending: recorded, not yet looked at (or the wallet could not
	// say).
	BlockPending BlockState = "pending"
	// BlockImmature: in the main chain, coinbase not spendable yet.
	BlockImmature BlockState = "immature"
	// BlockConfirmed: mature and credited to the miners' balances.
	BlockConfirmed BlockState = "confirmed"
	// BlockOrphaned: not in the main chain; its round's shares were moved
	// into the current round.
	BlockOrphaned BlockState = "orphaned"
	// BlockKicked: the wallet never knew its coinbase (or it was recorded
	// twice); its round's shares were moved into the current round.
	BlockKicked BlockState = "kicked"
)

// Credit is an amount in smallest units for one address (or worker login).
type Credit struct {
	Address string
	Amount  int64
}

// BlockCredit is what confirming one block writes: the miners' credits and
// the figures of its split. Credited + Fee + Remainder == Received.
type BlockCredit struct {
	// Round is the block's RoundID; Height its height.
	Round  string
	Height int64
	// Received is the reward the pool's wallet received.
	Received int64
	// Credits are added to the balances: the miners' shares and any fee
	// paid to an address. Addresses must be distinct.
	Credits []Credit
	// Credited is the sum of the miners' credits, Fee the pool fee (the
	// part of it in Credits included), Remainder what the split left over
	// (kept in the wallet).
	Credited, Fee, Remainder int64
}

// PendingUpdate is the state of a block still pending, as the wallet saw it.
type PendingUpdate struct {
	Round         string
	State         BlockState // BlockPending or BlockImmature
	Confirmations int64
	Received      int64 // 0 when unknown
}

// BlockStatus is a block record with what the payout wrote on it.
type BlockStatus struct {
	Block
	Round         string
	State         BlockState
	Confirmations int64
	// RewardReceived, Credited, Fee and Remainder are the split's figures
	// once the block was confirmed (RewardReceived also while immature).
	RewardReceived, Credited, Fee, Remainder int64
	// Settled is when the block was confirmed, orphaned or kicked.
	Settled time.Time
	// Reason says why a block was orphaned or kicked.
	Reason string
}

// PaymentState is where a payment stands.
type PaymentState string

// Payment states.
const (
	// PaymentPending: recorded and debited, the wallet's outcome not yet
	// known.
	PaymentPending PaymentState = "pending"
	// PaymentPaid: the wallet sent it; TxID is set.
	PaymentPaid PaymentState = "paid"
	// PaymentVoided: the wallet did not send it; the amounts were credited
	// back to the balances.
	PaymentVoided PaymentState = "voided"
)

// PaymentIntent is a payment about to be sent.
type PaymentIntent struct {
	// ID is unique per coin: 1-64 of [A-Za-z0-9_-].
	ID string
	// Recipients are distinct addresses with positive amounts.
	Recipients []Credit
	// Tip is the chain tip when the intent was recorded, where a search of
	// the wallet for the payment starts.
	Tip string
	// Comment is the wallet comment the payment is sent with.
	Comment string
}

// Payment is one recorded payment.
type Payment struct {
	ID         string
	Coin       string
	State      PaymentState
	Recipients []Credit
	Total      int64
	// Created is when the intent was recorded and Done when its outcome
	// was, both on Redis's clock.
	Created, Done time.Time
	Tip           string
	Comment       string
	TxID          string
	// Fee is the wallet's transaction fee (positive), 0 when unknown.
	Fee    int64
	Reason string
}

// Account is what the ledger knows of one miner address on one coin.
type Account struct {
	Address string
	// Balance is owed and not yet paid (it can be paid once it reaches the
	// minimum payment); Immature is the miner's part of blocks not mature
	// yet; Paid is the total sent.
	Balance, Immature, Paid int64
	// Held says why the balance is set aside ("" when it is not).
	Held string
}

// maxPaymentIDLen bounds PaymentIntent.ID.
const maxPaymentIDLen = 64

func validPaymentID(s string) bool {
	if s == "" || len(s) > maxPaymentIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// lockCheck is the start of every money script: KEYS[1] is the lock and
// ARGV[1] the caller's token. Then helpers shared by the scripts: the type
// check that runs before any write (Redis does not roll a failed script
// back) and the Redis clock in unix milliseconds.
const lockCheck = `#!lua
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return redis.error_reply('LOCKLOST payout lock not held')
end
local function checktypes(spec)
  for k, want in pairs(spec) do
    local t = redis.call('TYPE', k)['ok']
    if t ~= 'none' and t ~= want then
      return redis.error_reply('WRONGTYPE ledger money: key ' .. k .. ' holds a ' .. t .. ', want a ' .. want)
    end
  end
  return nil
end
local function nowms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`

// confirmScript credits a pending block once.
//
// KEYS: lock, pending, confirmed, block, balances, credits.
// ARGV: token, round, height, received, credited, fee, remainder, n,
// then n address/amount pairs. Returns 1, or 0 when the block is not
// pending (already settled): then nothing is written.
var confirmScript = redis.NewScript(lockCheck + `
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  return 0
end
if redis.call('HGET', KEYS[4], 'state') == 'confirmed' then
  return 0
end
local bad = checktypes({[KEYS[3]] = 'zset', [KEYS[4]] = 'hash', [KEYS[5]] = 'hash', [KEYS[6]] = 'hash'})
if bad then return bad end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
redis.call('HSET', KEYS[4], 'state', 'confirmed', 'rewardReceived', ARGV[4], 'credited', ARGV[5],
  'fee', ARGV[6], 'remainder', ARGV[7], 'settledAt', nowms())
local n = tonumber(ARGV[8])
for i = 0, n - 1 do
  local a, v = ARGV[9 + 2 * i], ARGV[10 + 2 * i]
  redis.call('HINCRBY', KEYS[5], a, v)
  redis.call('HINCRBY', KEYS[6], a, v)
end
return 1
`)

// orphanScript settles a pending block that will never pay: its round's
// shares are added to the current round.
//
// KEYS: lock, pending, dest set, block, round shares, current round.
// ARGV: token, round, height, state, reason. Returns the number of credits
// moved plus one, or 0 when the block is not pending.
var orphanScript = redis.NewScript(lockCheck + `
if not redis.call('ZSCORE', KEYS[2], ARGV[2]) then
  return 0
end
local bad = checktypes({[KEYS[3]] = 'zset', [KEYS[4]] = 'hash', [KEYS[5]] = 'hash', [KEYS[6]] = 'hash'})
if bad then return bad end
redis.call('ZREM', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[2])
local kv = redis.call('HGETALL', KEYS[5])
for j = 1, #kv, 2 do
  redis.call('HINCRBYFLOAT', KEYS[6], kv[j], kv[j + 1])
end
redis.call('HSET', KEYS[4], 'state', ARGV[4], 'reason', ARGV[5], 'settledAt', nowms())
return 1 + #kv / 2
`)

// pendingScript writes the states of pending blocks and replaces the
// immature balances.
//
// KEYS: lock, pending, immature, then one block key per block.
// ARGV: token, nblocks, then round/state/confirmations/received per block,
// then address/amount pairs of the immature balances.
var pendingScript = redis.NewScript(lockCheck + `
local nb = tonumber(ARGV[2])
local spec = {[KEYS[3]] = 'hash'}
for i = 1, nb do spec[KEYS[3 + i]] = 'hash' end
local bad = checktypes(spec)
if bad then return bad end
for i = 1, nb do
  local a = 3 + 4 * (i - 1)
  if redis.call('ZSCORE', KEYS[2], ARGV[a]) then
    redis.call('HSET', KEYS[3 + i], 'state', ARGV[a + 1], 'confirmations', ARGV[a + 2])
    if ARGV[a + 3] ~= '0' then
      redis.call('HSET', KEYS[3 + i], 'rewardReceived', ARGV[a + 3])
    end
  end
end
redis.call('DEL', KEYS[3])
for j = 3 + 4 * nb, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[j], ARGV[j + 1])
end
return 1
`)

// intentScript records a payment as pending and debits its recipients.
//
// KEYS: lock, balances, pending payments, payments, payment.
// ARGV: token, lock ttl ms, id, recipients json, total, tip, comment, n,
// then n address/amount pairs. Returns {1, created ms}, or
// {0, address, balance} when a balance is short (nothing written).
var intentScript = redis.NewScript(lockCheck + `
if redis.call('EXISTS', KEYS[5]) == 1 or redis.call('HEXISTS', KEYS[3], ARGV[3]) == 1 then
  return redis.error_reply('EXISTS payment id already used')
end
local bad = checktypes({[KEYS[2]] = 'hash', [KEYS[3]] = 'hash', [KEYS[4]] = 'zset'})
if bad then return bad end
local n = tonumber(ARGV[8])
for i = 0, n - 1 do
  local a, v = ARGV[9 + 2 * i], tonumber(ARGV[10 + 2 * i])
  local b = tonumber(redis.call('HGET', KEYS[2], a) or '0')
  if b < v then
    return {0, a, tostring(b)}
  end
end
for i = 0, n - 1 do
  redis.call('HINCRBY', KEYS[2], ARGV[9 + 2 * i], '-' .. ARGV[10 + 2 * i])
end
local ms = nowms()
redis.call('HSET', KEYS[5], 'id', ARGV[3], 'state', 'pending', 'recipients', ARGV[4], 'total', ARGV[5],
  'created', ms, 'tip', ARGV[6], 'comment', ARGV[7])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
redis.call('ZADD', KEYS[4], ms, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return {1, ms}
`)

// settleScript records the outcome of a pending payment: its amounts are
// added to a per-address hash (the paid totals when it was sent, the
// balances when it is voided) and its record gets its final state.
//
// KEYS: lock, pending payments, payment, the hash to add to.
// ARGV: token, id, state, detail field, detail value.
// Returns 1, or 0 when the payment is not pending.
var settleScript = redis.NewScript(lockCheck + `
local rec = redis.call('HGET', KEYS[2], ARGV[2])
if not rec then
  return 0
end
local bad = checktypes({[KEYS[3]] = 'hash', [KEYS[4]] = 'hash'})
if bad then return bad end
for _, r in ipairs(cjson.decode(rec)) do
  redis.call('HINCRBY', KEYS[4], r[1], r[2])
end
redis.call('HSET', KEYS[3], 'state', ARGV[3], ARGV[4], ARGV[5], 'done', nowms())
redis.call('HDEL', KEYS[2], ARGV[2])
return 1
`)

// lockError turns the scripts' LOCKLOST reply into ErrLockLost.
func lockError(err error) error {
	if err != nil && strings.HasPrefix(err.Error(), "LOCKLOST") {
		return ErrLockLost
	}
	return err
}

func (l *Ledger) checkLock(lk *Lock) error {
	if lk == nil || lk.l != l {
		return fmt.Errorf("%w: no lock of this ledger given", ErrLockLost)
	}
	return nil
}

// ConfirmBlock credits a pending block: the credits are added to the
// balances and kept per block, the block moves to <coin>:blocks:confirmed
// with the split's figures. It is atomic and happens once: a block that is
// not pending any more (already confirmed, or orphaned) changes nothing and
// ConfirmBlock returns false.
func (l *Ledger) ConfirmBlock(ctx context.Context, lk *Lock, c BlockCredit) (bool, error) {
	if err := l.checkLock(lk); err != nil {
		return false, err
	}
	coin := lk.coin
	if _, _, ok := parseRoundID(c.Round); !ok {
		return false, fmt.Errorf("%w: round %q", ErrInvalidRecord, c.Round)
	}
	if c.Credited < 0 || c.Fee < 0 || c.Remainder < 0 || c.Credited+c.Fee+c.Remainder != c.Received {
		return false, fmt.Errorf("%w: block %s: credited %d + fee %d + remainder %d != received %d",
			ErrInvalidRecord, c.Round, c.Credited, c.Fee, c.Remainder, c.Received)
	}
	args := make([]any, 0, 8+2*len(c.Credits))
	args = append(args, lk.token, c.Round, c.Height, c.Received, c.Credited, c.Fee, c.Remainder, len(c.Credits))
	seen := make(map[string]bool, len(c.Credits))
	var sum int64
	for _, cr := range c.Credits {
		if !validWorker(cr.Address) || cr.Amount <= 0 || seen[cr.Address] {
			return false, fmt.Errorf("%w: block %s: credit %q %d", ErrInvalidRecord, c.Round, cr.Address, cr.Amount)
		}
		seen[cr.Address] = true
		sum += cr.Amount
		args = append(args, cr.Address, cr.Amount)
	}
	if sum > c.Credited+c.Fee {
		return false, fmt.Errorf("%w: block %s: credits %d exceed credited %d + fee %d", ErrInvalidRecord, c.Round, sum, c.Credited, c.Fee)
	}
	k := l.keys
	n, err := confirmScript.Run(ctx, l.rdb, []string{
		k.payoutLock(coin), k.blocksPending(coin), k.blocksConfirmed(coin), k.block(coin, c.Round),
		k.balances(coin), k.credits(coin, c.Round),
	}, args...).Int64()
	if err != nil {
		return false, fmt.Errorf("confirm %s block %s: %w", coin, c.Round, lockError(err))
	}
	return n == 1, nil
}

// OrphanBlock settles a pending block that will never pay (state
// BlockOrphaned or BlockKicked): the block moves to that state's set with
// reason, and its round's shares are added to the coin's current round, so
// the work is paid with the next block. It is atomic; a block that is not
// pending changes nothing and OrphanBlock returns false.
func (l *Ledger) OrphanBlock(ctx context.Context, lk *Lock, round string, state BlockState, reason string) (bool, error) {
	if err := l.checkLock(lk); err != nil {
		return false, err
	}
	coin := lk.coin
	height, _, ok := parseRoundID(round)
	if !ok {
		return false, fmt.Errorf("%w: round %q", ErrInvalidRecord, round)
	}
	if state != BlockOrphaned && state != BlockKicked {
		return false, fmt.Errorf("%w: orphan state %q", ErrInvalidRecord, state)
	}
	k := l.keys
	n, err := orphanScript.Run(ctx, l.rdb, []string{
		k.payoutLock(coin), k.blocksPending(coin), k.blockStateKey(coin, state), k.block(coin, round),
		k.round(coin, round), k.roundCurrent(coin),
	}, lk.token, round, height, string(state), reason).Int64()
	if err != nil {
		return false, fmt.Errorf("settle %s block %s as %s: %w", coin, round, state, lockError(err))
	}
	return n > 0, nil
}

// UpdatePending writes the states of blocks still pending and replaces the
// coin's immature balances (address -> smallest units) in one step.
func (l *Ledger) UpdatePending(ctx context.Context, lk *Lock, blocks []PendingUpdate, immature map[string]int64) error {
	if err := l.checkLock(lk); err != nil {
		return err
	}
	coin := lk.coin
	k := l.keys
	keys := []string{k.payoutLock(coin), k.blocksPending(coin), k.immature(coin)}
	args := []any{lk.token, len(blocks)}
	for _, b := range blocks {
		if _, _, ok := parseRoundID(b.Round); !ok {
			return fmt.Errorf("%w: round %q", ErrInvalidRecord, b.Round)
		}
		if b.State != BlockPending && b.State != BlockImmature {
			return fmt.Errorf("%w: pending state %q", ErrInvalidRecord, b.State)
		}
		keys = append(keys, k.block(coin, b.Round))
		args = append(args, b.Round, string(b.State), b.Confirmations, b.Received)
	}
	for a, v := range immature {
		if !validWorker(a) || v < 0 {
			return fmt.Errorf("%w: immature %q %d", ErrInvalidRecord, a, v)
		}
		if v > 0 {
			args = append(args, a, v)
		}
	}
	if err := pendingScript.Run(ctx, l.rdb, keys, args...).Err(); err != nil {
		return fmt.Errorf("update %s pending blocks: %w", coin, lockError(err))
	}
	return nil
}

// encodeRecipients writes recipients as the JSON the scripts read:
// [["address","amount"],...].
func encodeRecipients(rs []Credit) string {
	out := make([][2]string, len(rs))
	for i, r := range rs {
		out[i] = [2]string{r.Address, strconv.FormatInt(r.Amount, 10)}
	}
	b, _ := json.Marshal(out) // strings only: cannot fail
	return string(b)
}

func decodeRecipients(s string) ([]Credit, error) {
	var raw [][2]string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, err
	}
	out := make([]Credit, len(raw))
	for i, r := range raw {
		v, err := strconv.ParseInt(r[1], 10, 64)
		if err != nil {
			return nil, err
		}
		out[i] = Credit{Address: r[0], Amount: v}
	}
	return out, nil
}

// RecordIntent records a payment as pending and debits each recipient's
// balance by its amount, in one atomic step, and renews the lock for its
// full time to live. Call it before asking the wallet to send; the wallet
// must not be asked when it fails. A recipient whose balance is short
// fails it with ErrInsufficientBalance, a used id with ErrPaymentExists;
// then nothing was written.
func (l *Ledger) RecordIntent(ctx context.Context, lk *Lock, p PaymentIntent) (Payment, error) {
	if err := l.checkLock(lk); err != nil {
		return Payment{}, err
	}
	coin := lk.coin
	if !validPaymentID(p.ID) {
		return Payment{}, fmt.Errorf("%w: payment id %q", ErrInvalidRecord, p.ID)
	}
	if len(p.Recipients) == 0 {
		return Payment{}, fmt.Errorf("%w: payment %s has no recipients", ErrInvalidRecord, p.ID)
	}
	args := make([]any, 0, 8+2*len(p.Recipients))
	var total int64
	seen := make(map[string]bool, len(p.Recipients))
	pairs := make([]any, 0, 2*len(p.Recipients))
	for _, r := range p.Recipients {
		if !validWorker(r.Address) || r.Amount <= 0 || seen[r.Address] {
			return Payment{}, fmt.Errorf("%w: payment %s: recipient %q %d", ErrInvalidRecord, p.ID, r.Address, r.Amount)
		}
		seen[r.Address] = true
		total += r.Amount
		pairs = append(pairs, r.Address, r.Amount)
	}
	args = append(args, lk.token, lk.ttl.Milliseconds(), p.ID, encodeRecipients(p.Recipients), total, p.Tip, p.Comment, len(p.Recipients))
	args = append(args, pairs...)
	k := l.keys
	res, err := intentScript.Run(ctx, l.rdb, []string{
		k.payoutLock(coin), k.balances(coin), k.paymentsPending(coin), k.payments(coin), k.payment(coin, p.ID),
	}, args...).Slice()
	if err != nil {
		if strings.HasPrefix(err.Error(), "EXISTS") {
			return Payment{}, fmt.Errorf("record %s payment %s: %w", coin, p.ID, ErrPaymentExists)
		}
		return Payment{}, fmt.Errorf("record %s payment %s: %w", coin, p.ID, lockError(err))
	}
	if len(res) < 2 {
		return Payment{}, fmt.Errorf("record %s payment %s: unexpected reply %v", coin, p.ID, res)
	}
	if ok, _ := res[0].(int64); ok != 1 {
		if len(res) == 3 {
			return Payment{}, fmt.Errorf("record %s payment %s: %w: %v has %v", coin, p.ID, ErrInsufficientBalance, res[1], res[2])
		}
		return Payment{}, fmt.Errorf("record %s payment %s: %w", coin, p.ID, ErrInsufficientBalance)
	}
	ms, _ := res[1].(int64)
	return Payment{
		ID: p.ID, Coin: coin, State: PaymentPending, Recipients: append([]Credit(nil), p.Recipients...),
		Total: total, Created: time.UnixMilli(ms), Tip: p.Tip, Comment: p.Comment,
	}, nil
}

// RecordSent records that the wallet sent pending payment id as txid: the
// payment becomes paid and its amounts are added to the paid totals. It
// returns false, changing nothing, when the payment is not pending.
func (l *Ledger) RecordSent(ctx context.Context, lk *Lock, id, txid string) (bool, error) {
	if err := l.checkLock(lk); err != nil {
		return false, err
	}
	coin := lk.coin
	if !validPaymentID(id) || !validHash(txid) {
		return false, fmt.Errorf("%w: payment %q txid %q", ErrInvalidRecord, id, txid)
	}
	k := l.keys
	n, err := settleScript.Run(ctx, l.rdb, []string{
		k.payoutLock(coin), k.paymentsPending(coin), k.payment(coin, id), k.paid(coin),
	}, lk.token, id, "paid", "txid", txid).Int64()
	if err != nil {
		return false, fmt.Errorf("record %s payment %s sent: %w", coin, id, lockError(err))
	}
	return n == 1, nil
}

// VoidPayment records that the wallet did not send pending payment id:
// its amounts are credited back to the balances. It returns false,
// changing nothing, when the payment is not pending.
func (l *Ledger) VoidPayment(ctx context.Context, lk *Lock, id, reason string) (bool, error) {
	if err := l.checkLock(lk); err != nil {
		return false, err
	}
	coin := lk.coin
	if !validPaymentID(id) {
		return false, fmt.Errorf("%w: payment %q", ErrInvalidRecord, id)
	}
	k := l.keys
	n, err := settleScript.Run(ctx, l.rdb, []string{
		k.payoutLock(coin), k.paymentsPending(coin), k.payment(coin, id), k.balances(coin),
	}, lk.token, id, "voided", "reason", reason).Int64()
	if err != nil {
		return false, fmt.Errorf("void %s payment %s: %w", coin, id, lockError(err))
	}
	return n == 1, nil
}

// SetPaymentFee notes the wallet's fee (positive smallest units) on a
// payment record that exists.
func (l *Ledger) SetPaymentFee(ctx context.Context, coin, id string, fee int64) error {
	if !validCoin(coin) || !validPaymentID(id) {
		return fmt.Errorf("%w: coin %q payment %q", ErrInvalidRecord, coin, id)
	}
	key := l.keys.payment(coin, id)
	n, err := l.rdb.Exists(ctx, key).Result()
	if err != nil {
		return fmt.Errorf("set %s payment %s fee: %w", coin, id, err)
	}
	if n == 0 {
		return nil
	}
	if err := l.rdb.HSet(ctx, key, payFieldFee, fee).Err(); err != nil {
		return fmt.Errorf("set %s payment %s fee: %w", coin, id, err)
	}
	return nil
}

// SetHeld records why addresses' balances are set aside (address ->
// reason) and clears addresses that are not any more. Held balances stay in
// the balances.
func (l *Ledger) SetHeld(ctx context.Context, coin string, held map[string]string, clear []string) error {
	if !validCoin(coin) {
		return fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	if len(held) == 0 && len(clear) == 0 {
		return nil
	}
	key := l.keys.held(coin)
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if len(clear) > 0 {
			p.HDel(ctx, key, clear...)
		}
		if len(held) > 0 {
			p.HSet(ctx, key, held)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("set %s held payees: %w", coin, err)
	}
	return nil
}
