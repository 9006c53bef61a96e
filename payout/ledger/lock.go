package ledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lock is a coin's payout lock: while a runner holds it no other runner,
// in this process or another sharing the Redis, can take it, and the money
// writes refuse callers that do not hold it. It expires after its time to
// live unless renewed, so a runner that died frees it.
type Lock struct {
	l     *Ledger
	coin  string
	token string
	ttl   time.Duration
}

// extendScript renews a lock that is still the caller's. KEYS: lock.
// ARGV: token, ttl ms. Returns 1, or 0 when the lock is someone else's.
var extendScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// releaseScript deletes a lock that is still the caller's.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// newLockToken names a lock holder: host, process id and a random part.
func newLockToken() string {
	host, _ := os.Hostname()
	var r [6]byte
	rand.Read(r[:]) // never fails (crypto/rand)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(r[:]))
}

// AcquireLock takes coin's payout lock (<prefix>payout:lock:<coin>) for
// ttl. When another runner holds it the error wraps ErrLocked and names the
// holder and when the lock expires.
func (l *Ledger) AcquireLock(ctx context.Context, coin string, ttl time.Duration) (*Lock, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	if ttl < time.Millisecond {
		return nil, fmt.Errorf("%w: lock ttl %v", ErrInvalidRecord, ttl)
	}
	lk := &Lock{l: l, coin: coin, token: newLockToken(), ttl: ttl}
	ok, err := l.rdb.SetNX(ctx, l.keys.payoutLock(coin), lk.token, ttl).Result()
	if err != nil {
		return nil, fmt.Errorf("acquire %s payout lock: %w", coin, err)
	}
	if !ok {
		holder, left, err := l.LockHolder(ctx, coin)
		if err != nil {
			return nil, fmt.Errorf("%w (%s)", ErrLocked, coin)
		}
		return nil, fmt.Errorf("%w: %s lock held by %s, expires in %v", ErrLocked, coin, holder, left.Round(time.Millisecond))
	}
	return lk, nil
}

// LockHolder returns who holds coin's payout lock and for how long still;
// holder is "" when nobody does.
func (l *Ledger) LockHolder(ctx context.Context, coin string) (holder string, left time.Duration, err error) {
	if !validCoin(coin) {
		return "", 0, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	key := l.keys.payoutLock(coin)
	var get *redis.StringCmd
	var ttl *redis.DurationCmd
	_, err = l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		get = p.Get(ctx, key)
		ttl = p.PTTL(ctx, key)
		return nil
	})
	if errors.Is(err, redis.Nil) {
		return "", 0, nil
	}
	if err != nil {
		return "", 0, fmt.Errorf("read %s payout lock: %w", coin, err)
	}
	return get.Val(), max(ttl.Val(), 0), nil
}

// Coin returns the coin the lock is for.
func (lk *Lock) Coin() string { return lk.coin }

// Token returns the holder's name stored in the lock.
func (lk *Lock) Token() string { return lk.token }

// TTL returns the lock's time to live.
func (lk *Lock) TTL() time.Duration { return lk.ttl }

// Extend renews the lock for its full time to live. It fails with
// ErrLockLost when the lock is no longer the caller's.
func (lk *Lock) Extend(ctx context.Context) error {
	n, err := extendScript.Run(ctx, lk.l.rdb, []string{lk.l.keys.payoutLock(lk.coin)}, lk.token, lk.ttl.Milliseconds()).Int64()
	if err != nil {
		return fmt.Errorf("extend %s payout lock: %w", lk.coin, err)
	}
	if n != 1 {
		return fmt.Errorf("extend %s payout lock: %w", lk.coin, ErrLockLost)
	}
	return nil
}

// Release frees the lock if it is still the caller's.
func (lk *Lock) Release(ctx context.Context) error {
	if err := releaseScript.Run(ctx, lk.l.rdb, []string{lk.l.keys.payoutLock(lk.coin)}, lk.token).Err(); err != nil {
		return fmt.Errorf("release %s payout lock: %w", lk.coin, err)
	}
	return nil
}
