package ledger

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Stats are share and block counters, of a coin or of one worker.
type Stats struct {
	Valid, Stale, Duplicate, LowDiff, Invalid int64
	BlocksFound                               int64
}

// RoundShares returns a round's credits: payout address (or worker login,
// for shares recorded without an address) -> summed share difficulty. round
// is CurrentRound ("current") or a RoundID "<height>:<hash>". A round with no
// shares, or one already deleted, reads as an empty map.
func (l *Ledger) RoundShares(ctx context.Context, coin, round string) (map[string]float64, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	key := l.keys.roundCurrent(coin)
	if round != CurrentRound {
		if _, _, ok := parseRoundID(round); !ok {
			return nil, fmt.Errorf("%w: round %q", ErrInvalidRecord, round)
		}
		key = l.keys.round(coin, round)
	}
	raw, err := l.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s round %s: %w", coin, round, err)
	}
	out := make(map[string]float64, len(raw))
	for who, v := range raw {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return nil, fmt.Errorf("read %s round %s: credit of %q: %w", coin, round, who, err)
		}
		out[who] = f
	}
	return out, nil
}

// Stats returns the coin's counters.
func (l *Ledger) Stats(ctx context.Context, coin string) (Stats, error) {
	if !validCoin(coin) {
		return Stats{}, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	return l.readStats(ctx, l.keys.stats(coin))
}

// WorkerStats returns one worker's counters for the coin.
func (l *Ledger) WorkerStats(ctx context.Context, coin, worker string) (Stats, error) {
	if !validCoin(coin) {
		return Stats{}, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	if !validWorker(worker) {
		return Stats{}, fmt.Errorf("%w: worker %q", ErrInvalidRecord, worker)
	}
	return l.readStats(ctx, l.keys.workerStats(coin, worker))
}

func (l *Ledger) readStats(ctx context.Context, key string) (Stats, error) {
	raw, err := l.rdb.HGetAll(ctx, key).Result()
	if err != nil {
		return Stats{}, fmt.Errorf("read stats %s: %w", key, err)
	}
	var s Stats
	for field, dst := range map[string]*int64{
		fieldValid:       &s.Valid,
		fieldStale:       &s.Stale,
		fieldDuplicate:   &s.Duplicate,
		fieldLowDiff:     &s.LowDiff,
		fieldInvalid:     &s.Invalid,
		fieldBlocksFound: &s.BlocksFound,
	} {
		v, ok := raw[field]
		if !ok {
			continue
		}
		if *dst, err = strconv.ParseInt(v, 10, 64); err != nil {
			return Stats{}, fmt.Errorf("read stats %s: field %s: %w", key, field, err)
		}
	}
	return s, nil
}

// Workers returns the logins that have sent a share for the coin.
func (l *Ledger) Workers(ctx context.Context, coin string) ([]string, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	ws, err := l.rdb.SMembers(ctx, l.keys.workers(coin)).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s workers: %w", coin, err)
	}
	return ws, nil
}

// Blocks returns the coin's pending blocks, newest (highest) first.
func (l *Ledger) Blocks(ctx context.Context, coin string) ([]Block, error) {
	if !validCoin(coin) {
		return nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	ids, err := l.rdb.ZRevRange(ctx, l.keys.blocksPending(coin), 0, -1).Result()
	if err != nil {
		return nil, fmt.Errorf("read %s pending blocks: %w", coin, err)
	}
	if len(ids) == 0 {
		return nil, nil
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = l.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, l.keys.block(coin, id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read %s pending blocks: %w", coin, err)
	}
	out := make([]Block, 0, len(ids))
	for i, id := range ids {
		b, err := parseBlock(coin, id, cmds[i].Val())
		if err != nil {
			return nil, fmt.Errorf("read %s block %s: %w", coin, id, err)
		}
		out = append(out, b)
	}
	return out, nil
}

// parseBlock reads a block hash; a block whose hash is missing keeps what
// its round id says.
func parseBlock(coin, id string, f map[string]string) (Block, error) {
	height, hash, ok := parseRoundID(id)
	if !ok {
		return Block{}, fmt.Errorf("bad round id %q", id)
	}
	b := Block{
		Coin:         coin,
		Height:       height,
		Hash:         hash,
		CoinbaseTxID: f[blockFieldCoinbaseTxID],
		Worker:       f[blockFieldWorker],
		Address:      f[blockFieldAddress],
	}
	var err error
	if v, ok := f[blockFieldReward]; ok {
		if b.Reward, err = strconv.ParseInt(v, 10, 64); err != nil {
			return Block{}, fmt.Errorf("reward: %w", err)
		}
	}
	if v, ok := f[blockFieldDifficulty]; ok {
		if b.Difficulty, err = strconv.ParseFloat(v, 64); err != nil {
			return Block{}, fmt.Errorf("difficulty: %w", err)
		}
	}
	if v, ok := f[blockFieldNetworkDiff]; ok {
		if b.NetworkDifficulty, err = strconv.ParseFloat(v, 64); err != nil {
			return Block{}, fmt.Errorf("network difficulty: %w", err)
		}
	}
	if v, ok := f[blockFieldTime]; ok {
		ms, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return Block{}, fmt.Errorf("time: %w", err)
		}
		b.Time = time.UnixMilli(ms)
	}
	return b, nil
}

// Hashrate estimates the coin's hashrate, for the pool and per worker login,
// from the valid shares of the last window:
//
//	H = sum(difficulty) * 2^32 / multiplier / window seconds
//
// multiplier is the algorithm's difficulty-1 factor (65536 for scrypt, 1 for
// sha256d). Samples are kept for HashrateWindow, so a longer window reads
// only that much history while still dividing by the longer window.
func (l *Ledger) Hashrate(ctx context.Context, coin string, window time.Duration, multiplier int64) (pool float64, perWorker map[string]float64, err error) {
	if !validCoin(coin) {
		return 0, nil, fmt.Errorf("%w: coin %q", ErrInvalidRecord, coin)
	}
	if window <= 0 || multiplier <= 0 {
		return 0, nil, fmt.Errorf("hashrate %s: window %v and multiplier %d must be positive", coin, window, multiplier)
	}
	since := l.now().Add(-window)
	members, err := l.rdb.ZRangeByScore(ctx, l.keys.hashrate(coin), &redis.ZRangeBy{
		Min: "(" + formatFloat(float64(since.UnixNano())/1e9),
		Max: "+inf",
	}).Result()
	if err != nil {
		return 0, nil, fmt.Errorf("read %s hashrate: %w", coin, err)
	}
	sums := map[string]float64{}
	var total float64
	for _, m := range members {
		diff, worker, ok := parseSample(m)
		if !ok {
			continue // not ours; never written by this package
		}
		sums[worker] += diff
		total += diff
	}
	scale := math.Exp2(32) / float64(multiplier) / window.Seconds()
	perWorker = make(map[string]float64, len(sums))
	for w, d := range sums {
		perWorker[w] = d * scale
	}
	return total * scale, perWorker, nil
}

// parseSample splits a hashrate sample "<difficulty>:<id>:<worker>".
func parseSample(m string) (diff float64, worker string, ok bool) {
	d, rest, found := strings.Cut(m, ":")
	if !found {
		return 0, "", false
	}
	_, worker, found = strings.Cut(rest, ":")
	if !found || worker == "" {
		return 0, "", false
	}
	diff, err := strconv.ParseFloat(d, 64)
	if err != nil {
		return 0, "", false
	}
	return diff, worker, true
}
