package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Records of the auto-switch ports and the profitability module (doc.go
// lists the keys; this file alone spells them):
//
//	switch:<name>                 hash    coin since override overrideAt:
//	                                      the coin a switch group works on
//	                                      (since: unix ms) and the coin an
//	                                      operator forced ("" = automatic)
//	switch:<name>:log             list    JSON SwitchEvent, newest first,
//	                                      at most SwitchLogLimit
//	profit:history:<algorithm>    list    JSON documents of the profit
//	                                      module's rankings, newest first,
//	                                      at most ProfitHistoryLimit
//	profit:cache:<source>         hash    at body: a rate-limited source's
//	                                      last reply, with a TTL
//	<coin>:payees:unresolved      hash    worker login -> why the coin has no
//	                                      payout address for it (switch-port
//	                                      miners whose balance is held)
//
// <name>, <algorithm> and <source> are 1-32 of [A-Za-z0-9._-], like coins.

// Bounds of the switching lists.
const (
	// SwitchLogLimit is how many events a switch group's log keeps.
	SwitchLogLimit = 1000
	// ProfitHistoryLimit is how many rankings an algorithm's history keeps
	// (two weeks at the default update interval of 600 s).
	ProfitHistoryLimit = 2016
	// maxDocBytes bounds one profit history document and one cached reply.
	maxDocBytes = 1 << 20
)

// Hash fields of switch:<name>.
const (
	switchFieldCoin       = "coin"
	switchFieldSince      = "since"
	switchFieldOverride   = "override"
	switchFieldOverrideAt = "overrideAt"
)

// Hash fields of profit:cache:<source>.
const (
	cacheFieldAt   = "at"
	cacheFieldBody = "body"
)

// switchState is the hash of a switch group's state.
func (k keys) switchState(name string) string { return k.prefix + "switch:" + name }

// switchLog is the list of a switch group's events.
func (k keys) switchLog(name string) string { return k.prefix + "switch:" + name + ":log" }

// profitHistory is the list of an algorithm's rankings.
func (k keys) profitHistory(algorithm string) string {
	return k.prefix + "profit:history:" + algorithm
}

// sourceCache is the hash holding a profit source's last reply.
func (k keys) sourceCache(source string) string { return k.prefix + "profit:cache:" + source }

// unresolvedPayees is the hash login -> reason of switch-port miners without
// an address on the coin.
func (k keys) unresolvedPayees(coin string) string {
	return k.prefix + coin + ":payees:unresolved"
}

// SwitchState is what a switch group keeps across restarts.
type SwitchState struct {
	// Coin is the coin key the group's miners work on; "" before the first
	// choice.
	Coin string
	// Since is when the group moved to Coin.
	Since time.Time
	// Override is the coin an operator forced; "" means automatic.
	Override string
	// OverrideAt is when Override was last set (or cleared).
	OverrideAt time.Time
}

// SwitchEvent is one entry of a switch group's log.
type SwitchEvent struct {
	Time   time.Time `json:"time"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
	// Manual is true for a switch an operator asked for.
	Manual bool `json:"manual,omitempty"`
}

// checkName validates a switch group, algorithm or source name.
func checkName(what, s string) error {
	if !validCoin(s) {
		return fmt.Errorf("%w: %s %q", ErrInvalidRecord, what, s)
	}
	return nil
}

// SwitchState returns the saved state of switch group name; a group never
// saved reads as the zero SwitchState.
func (l *Ledger) SwitchState(ctx context.Context, name string) (SwitchState, error) {
	if err := checkName("switch group", name); err != nil {
		return SwitchState{}, err
	}
	raw, err := l.rdb.HGetAll(ctx, l.keys.switchState(name)).Result()
	if err != nil {
		return SwitchState{}, fmt.Errorf("read switch %s state: %w", name, err)
	}
	st := SwitchState{Coin: raw[switchFieldCoin], Override: raw[switchFieldOverride]}
	for field, dst := range map[string]*time.Time{switchFieldSince: &st.Since, switchFieldOverrideAt: &st.OverrideAt} {
		v, ok := raw[field]
		if !ok || v == "" {
			continue
		}
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return SwitchState{}, fmt.Errorf("read switch %s state: %s %q: %w", name, field, v, err)
		}
		*dst = time.UnixMilli(ms)
	}
	return st, nil
}

// SaveSwitchCoin records that switch group name works on coin since the
// given time. The override is left as it is.
func (l *Ledger) SaveSwitchCoin(ctx context.Context, name, coin string, since time.Time) error {
	if err := checkName("switch group", name); err != nil {
		return err
	}
	if !validCoin(coin) {
		return fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	err := l.rdb.HSet(ctx, l.keys.switchState(name),
		switchFieldCoin, coin, switchFieldSince, strconv.FormatInt(since.UnixMilli(), 10)).Err()
	if err != nil {
		return fmt.Errorf("save switch %s coin: %w", name, err)
	}
	return nil
}

// SetSwitchOverride makes coin the operator's choice for switch group name;
// "" returns the group to automatic switching. A running switcher reads it
// on its next poll.
func (l *Ledger) SetSwitchOverride(ctx context.Context, name, coin string, at time.Time) error {
	if err := checkName("switch group", name); err != nil {
		return err
	}
	if coin != "" && !validCoin(coin) {
		return fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	err := l.rdb.HSet(ctx, l.keys.switchState(name),
		switchFieldOverride, coin, switchFieldOverrideAt, strconv.FormatInt(at.UnixMilli(), 10)).Err()
	if err != nil {
		return fmt.Errorf("save switch %s override: %w", name, err)
	}
	return nil
}

// AppendSwitchEvent adds e to switch group name's log, which keeps the
// newest SwitchLogLimit events.
func (l *Ledger) AppendSwitchEvent(ctx context.Context, name string, e SwitchEvent) error {
	if err := checkName("switch group", name); err != nil {
		return err
	}
	doc, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode switch event: %w", err)
	}
	return l.pushBounded(ctx, l.keys.switchLog(name), doc, SwitchLogLimit, "switch "+name+" log")
}

// SwitchEvents returns up to n of switch group name's newest events, newest
// first (n <= 0: all that are kept).
func (l *Ledger) SwitchEvents(ctx context.Context, name string, n int) ([]SwitchEvent, error) {
	if err := checkName("switch group", name); err != nil {
		return nil, err
	}
	raw, err := l.readList(ctx, l.keys.switchLog(name), n)
	if err != nil {
		return nil, fmt.Errorf("read switch %s log: %w", name, err)
	}
	out := make([]SwitchEvent, 0, len(raw))
	for _, r := range raw {
		var e SwitchEvent
		if err := json.Unmarshal([]byte(r), &e); err != nil {
			return nil, fmt.Errorf("read switch %s log: %w", name, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// AppendProfitHistory adds one ranking document (JSON, at most 1 MiB) to
// the algorithm's history, which keeps the newest ProfitHistoryLimit.
func (l *Ledger) AppendProfitHistory(ctx context.Context, algorithm string, doc []byte) error {
	if err := checkName("algorithm", algorithm); err != nil {
		return err
	}
	if len(doc) > maxDocBytes || !json.Valid(doc) {
		return fmt.Errorf("%w: profit history document of %d bytes is not JSON of at most %d bytes",
			ErrInvalidRecord, len(doc), maxDocBytes)
	}
	return l.pushBounded(ctx, l.keys.profitHistory(algorithm), doc, ProfitHistoryLimit, algorithm+" profit history")
}

// ProfitHistory returns up to n of the algorithm's newest ranking documents,
// newest first (n <= 0: all that are kept).
func (l *Ledger) ProfitHistory(ctx context.Context, algorithm string, n int) ([]json.RawMessage, error) {
	if err := checkName("algorithm", algorithm); err != nil {
		return nil, err
	}
	raw, err := l.readList(ctx, l.keys.profitHistory(algorithm), n)
	if err != nil {
		return nil, fmt.Errorf("read %s profit history: %w", algorithm, err)
	}
	out := make([]json.RawMessage, len(raw))
	for i, r := range raw {
		out[i] = json.RawMessage(r)
	}
	return out, nil
}

// pushBounded prepends doc to a list and trims it to limit entries, in one
// MULTI.
func (l *Ledger) pushBounded(ctx context.Context, key string, doc []byte, limit int, what string) error {
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.LPush(ctx, key, doc)
		p.LTrim(ctx, key, 0, int64(limit-1))
		return nil
	})
	if err != nil {
		return fmt.Errorf("append to %s: %w", what, err)
	}
	return nil
}

func (l *Ledger) readList(ctx context.Context, key string, n int) ([]string, error) {
	stop := int64(-1)
	if n > 0 {
		stop = int64(n - 1)
	}
	return l.rdb.LRange(ctx, key, 0, stop).Result()
}

// SaveSourceCache keeps a profit source's reply body, fetched at the given
// time, for ttl; a restarted process reads it back instead of calling a
// rate-limited API again.
func (l *Ledger) SaveSourceCache(ctx context.Context, source string, at time.Time, body []byte, ttl time.Duration) error {
	if err := checkName("source", source); err != nil {
		return err
	}
	if len(body) > maxDocBytes {
		return fmt.Errorf("%w: %s reply of %d bytes", ErrInvalidRecord, source, len(body))
	}
	if ttl < time.Second {
		return fmt.Errorf("%w: cache ttl %v", ErrInvalidRecord, ttl)
	}
	key := l.keys.sourceCache(source)
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, key, cacheFieldAt, strconv.FormatInt(at.UnixMilli(), 10), cacheFieldBody, body)
		p.PExpire(ctx, key, ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("save %s cache: %w", source, err)
	}
	return nil
}

// SourceCache returns a profit source's cached reply and when it was
// fetched; ok is false when there is none (never saved, or expired).
func (l *Ledger) SourceCache(ctx context.Context, source string) (body []byte, at time.Time, ok bool, err error) {
	if err := checkName("source", source); err != nil {
		return nil, time.Time{}, false, err
	}
	raw, err := l.rdb.HGetAll(ctx, l.keys.sourceCache(source)).Result()
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("read %s cache: %w", source, err)
	}
	b, okBody := raw[cacheFieldBody]
	a, okAt := raw[cacheFieldAt]
	if !okBody || !okAt {
		return nil, time.Time{}, false, nil
	}
	ms, err := strconv.ParseInt(a, 10, 64)
	if err != nil {
		return nil, time.Time{}, false, fmt.Errorf("read %s cache: at %q: %w", source, a, err)
	}
	return []byte(b), time.UnixMilli(ms), true, nil
}

// SetUnresolvedPayee records why a switch-port miner's login has no payout
// address on coin (its shares there are recorded under the login and the
// balance is held); an empty reason clears the entry once an address is
// known.
func (l *Ledger) SetUnresolvedPayee(ctx context.Context, coin, login, reason string) error {
	if !validCoin(coin) {
		return fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	if !validWorker(login) {
		return fmt.Errorf("%w: login %q", ErrInvalidRecord, login)
	}
	key := l.keys.unresolvedPayees(coin)
	var err error
	if reason == "" {
		err = l.rdb.HDel(ctx, key, login).Err()
	} else {
		err = l.rdb.HSet(ctx, key, login, reason).Err()
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("record %s unresolved payee: %w", coin, err)
	}
	return nil
}

// UnresolvedPayees returns the coin's switch-port logins without a payout
// address, with the reason.
func (l *Ledger) UnresolvedPayees(ctx context.Context, coin string) (map[string]string, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	m, err := l.rdb.HGetAll(ctx, l.keys.unresolvedPayees(coin)).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s unresolved payees: %w", coin, err)
	}
	return m, nil
}
