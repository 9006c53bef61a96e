package ledger

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// batchTTL is how long a batch's idempotency marker lives, in seconds: far
// longer than any retry of the batch can be delayed while Redis is up.
const batchTTL = "86400"

// batchScript applies one encoded batch atomically and at most once.
//
// KEYS[1] is the batch marker; KEYS[2..] are the data keys. ARGV[1] is the
// marker's TTL in seconds; ARGV[2] has one letter per data key naming the
// type the batch writes to it (h hash, z zset, s set); ARGV[3..] is a stream
// of ops whose key arguments are indexes into KEYS:
//
//	f key field incr         HINCRBYFLOAT
//	i key field incr         HINCRBY
//	z key score member       ZADD
//	s key member             SADD
//	p key min                ZREMRANGEBYSCORE key -inf (min
//	b info pending cur round stats wstats member score n field value ...
//	                         record a block unless info exists: HSET info
//	                         (n pairs), ZADD pending score member, move cur
//	                         to round, count blocksFound in stats and in
//	                         wstats (0 = no worker)
//
// It returns 1 when it applied the batch and 0 when the marker showed the
// batch was applied before. Everything that could fail (key types, a
// malformed op stream) is checked before the first write, because Redis does
// not roll back a script that fails half-way; on such a failure the marker is
// removed again so that a retry is judged afresh. The "#!lua" line (Redis 7)
// makes Redis refuse the whole script up front when it is out of memory,
// rather than at its first write.
const batchScript = `#!lua
if not redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return 0
end
local function fail(msg)
  redis.call('DEL', KEYS[1])
  return redis.error_reply(msg)
end
local want = {h = 'hash', z = 'zset', s = 'set'}
local types = ARGV[2]
if #types ~= #KEYS - 1 then
  return fail('ERR ledger batch: ' .. #types .. ' key types for ' .. (#KEYS - 1) .. ' keys')
end
for j = 1, #types do
  local w = want[string.sub(types, j, j)]
  if w == nil then
    return fail('ERR ledger batch: unknown key type ' .. string.sub(types, j, j))
  end
  local t = redis.call('TYPE', KEYS[j + 1])['ok']
  if t ~= 'none' and t ~= w then
    return fail('WRONGTYPE ledger batch: key ' .. KEYS[j + 1] .. ' holds a ' .. t .. ', want a ' .. w)
  end
end
local arity = {f = 3, i = 3, z = 3, s = 2, p = 2, b = 9}
local nkeys = {f = 1, i = 1, z = 1, s = 1, p = 1, b = 5}
local n = #ARGV
local i = 3
while i <= n do
  local op = ARGV[i]
  local a = arity[op]
  if a == nil then
    return fail('ERR ledger batch: unknown op at ' .. i)
  end
  if i + a > n then
    return fail('ERR ledger batch: truncated op at ' .. i)
  end
  for j = 1, nkeys[op] do
    local k = tonumber(ARGV[i + j])
    if k == nil or k < 2 or k > #KEYS then
      return fail('ERR ledger batch: bad key index at ' .. (i + j))
    end
  end
  if op == 'b' then
    local w = tonumber(ARGV[i + 6])
    local nf = tonumber(ARGV[i + 9])
    if w == nil or (w ~= 0 and (w < 2 or w > #KEYS)) or nf == nil or nf < 1 then
      return fail('ERR ledger batch: bad block op at ' .. i)
    end
    a = a + 2 * nf
    if i + a > n then
      return fail('ERR ledger batch: truncated block op at ' .. i)
    end
  end
  i = i + 1 + a
end
local function key(s)
  return KEYS[tonumber(s)]
end
i = 3
while i <= n do
  local op = ARGV[i]
  if op == 'f' then
    redis.call('HINCRBYFLOAT', key(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 'i' then
    redis.call('HINCRBY', key(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 'z' then
    redis.call('ZADD', key(ARGV[i + 1]), ARGV[i + 2], ARGV[i + 3])
    i = i + 4
  elseif op == 's' then
    redis.call('SADD', key(ARGV[i + 1]), ARGV[i + 2])
    i = i + 3
  elseif op == 'p' then
    redis.call('ZREMRANGEBYSCORE', key(ARGV[i + 1]), '-inf', '(' .. ARGV[i + 2])
    i = i + 3
  else -- 'b'
    local info, pending, cur, round = key(ARGV[i + 1]), key(ARGV[i + 2]), key(ARGV[i + 3]), key(ARGV[i + 4])
    local nf = tonumber(ARGV[i + 9])
    if redis.call('EXISTS', info) == 0 then
      redis.call('HSET', info, unpack(ARGV, i + 10, i + 9 + 2 * nf))
      redis.call('ZADD', pending, ARGV[i + 8], ARGV[i + 7])
      if redis.call('EXISTS', cur) == 1 then
        if redis.call('EXISTS', round) == 0 then
          redis.call('RENAME', cur, round)
        else
          local kv = redis.call('HGETALL', cur)
          for j = 1, #kv, 2 do
            redis.call('HINCRBYFLOAT', round, kv[j], kv[j + 1])
          end
          redis.call('DEL', cur)
        end
      end
      redis.call('HINCRBY', key(ARGV[i + 5]), 'blocksFound', 1)
      if ARGV[i + 6] ~= '0' then
        redis.call('HINCRBY', key(ARGV[i + 6]), 'blocksFound', 1)
      end
    end
    i = i + 10 + 2 * nf
  end
end
return 1
`

// batch is a run of records cut from the queue and encoded once for
// batchScript. A retry sends the same id, keys and args, so the marker
// recognises a batch that was applied although its reply was lost.
type batch struct {
	id   string
	n    int // records in the batch
	keys []string
	args []any
}

// Key type letters of batchScript.
const (
	typeHash = 'h'
	typeZSet = 'z'
	typeSet  = 's'
)

// encoder collects the KEYS and ARGV of one batch.
type encoder struct {
	keys  []string
	index map[string]int // key -> position in KEYS (1-based)
	types []byte         // type letter of KEYS[2..]
	args  []any          // ARGV[3..]
}

// key returns the KEYS index of k as the script wants it (a decimal string),
// adding k on first use.
func (e *encoder) key(k string, typ byte) string {
	i, ok := e.index[k]
	if !ok {
		e.keys = append(e.keys, k)
		i = len(e.keys)
		e.index[k] = i
		e.types = append(e.types, typ)
	}
	return strconv.Itoa(i)
}

func (e *encoder) op(args ...string) {
	for _, a := range args {
		e.args = append(e.args, a)
	}
}

// roundSums accumulates one coin's open-round credits in first-seen order.
type roundSums struct {
	order []string
	sum   map[string]float64
}

// counterKey names a stats counter: the coin's or, with perWorker, a
// worker's. Keys are built when the batch is written, once per counter,
// not per share.
type counterKey struct {
	coin, worker, field string
	perWorker           bool
}

type sampleKey struct {
	coin, worker string
	sec          int64
}

type workerKey struct{ coin, worker string }

// encode turns records into one batch. Records are folded where order does
// not matter (counters, hashrate samples per worker and second), while round
// credits are folded only between the blocks of their coin, so a share
// before a block lands in the round the block closes and a share after it
// in the next. now sets the hashrate pruning horizon.
func (l *Ledger) encode(recs []record, now time.Time) *batch {
	k := l.keys
	id := newBatchID()
	e := &encoder{
		keys:  []string{k.batch(id)},
		index: map[string]int{},
	}
	rounds := map[string]*roundSums{}
	var roundCoins []string
	flushRound := func(coin string) {
		r := rounds[coin]
		if r == nil || len(r.order) == 0 {
			return
		}
		ki := e.key(k.roundCurrent(coin), typeHash)
		for _, who := range r.order {
			e.op("f", ki, who, formatFloat(r.sum[who]))
		}
		r.order = r.order[:0]
		clear(r.sum)
	}
	counters := map[counterKey]int64{}
	var counterOrder []counterKey
	count := func(coin, worker, field string, perWorker bool) {
		ck := counterKey{coin, worker, field, perWorker}
		if _, ok := counters[ck]; !ok {
			counterOrder = append(counterOrder, ck)
		}
		counters[ck]++
	}
	workers := map[workerKey]bool{}
	var workerOrder []workerKey
	samples := map[sampleKey]float64{}
	var sampleOrder []sampleKey
	sampledCoins := map[string]bool{}
	var sampledOrder []string

	for _, r := range recs {
		if b := r.block; b != nil {
			flushRound(b.Coin)
			l.encodeBlock(e, b)
			continue
		}
		s := &r.share
		field, _ := s.Status.statsField()
		count(s.Coin, "", field, false)
		count(s.Coin, s.Worker, field, true)
		if wk := (workerKey{s.Coin, s.Worker}); !workers[wk] {
			workers[wk] = true
			workerOrder = append(workerOrder, wk)
		}
		if s.Status != StatusValid {
			continue
		}
		rs := rounds[s.Coin]
		if rs == nil {
			rs = &roundSums{sum: map[string]float64{}}
			rounds[s.Coin] = rs
			roundCoins = append(roundCoins, s.Coin)
		}
		who := s.Address
		if who == "" {
			who = s.Worker
		}
		if _, ok := rs.sum[who]; !ok {
			rs.order = append(rs.order, who)
		}
		rs.sum[who] += s.Difficulty
		sk := sampleKey{s.Coin, s.Worker, s.Time.Unix()}
		if _, ok := samples[sk]; !ok {
			sampleOrder = append(sampleOrder, sk)
		}
		samples[sk] += s.Difficulty
		if !sampledCoins[s.Coin] {
			sampledCoins[s.Coin] = true
			sampledOrder = append(sampledOrder, s.Coin)
		}
	}
	for _, coin := range roundCoins {
		flushRound(coin)
	}
	for _, ck := range counterOrder {
		key := k.stats(ck.coin)
		if ck.perWorker {
			key = k.workerStats(ck.coin, ck.worker)
		}
		e.op("i", e.key(key, typeHash), ck.field, strconv.FormatInt(counters[ck], 10))
	}
	for _, wk := range workerOrder {
		e.op("s", e.key(k.workers(wk.coin), typeSet), wk.worker)
	}
	// Sample members are "<difficulty>:<sample id>:<worker>"; the id makes
	// members unique, so equal samples do not overwrite each other.
	sid := id[:8] + id[9:13] + id[14:18] // 16 hex digits of the batch id
	for n, sk := range sampleOrder {
		member := formatFloat(samples[sk]) + ":" + sid + "." + strconv.Itoa(n) + ":" + sk.worker
		e.op("z", e.key(k.hashrate(sk.coin), typeZSet), strconv.FormatInt(sk.sec, 10), member)
	}
	horizon := strconv.FormatInt(now.Add(-l.cfg.HashrateWindow).Unix(), 10)
	for _, coin := range sampledOrder {
		e.op("p", e.key(k.hashrate(coin), typeZSet), horizon)
	}

	args := make([]any, 0, 2+len(e.args))
	args = append(args, batchTTL, string(e.types))
	args = append(args, e.args...)
	return &batch{id: id, n: len(recs), keys: e.keys, args: args}
}

// encodeBlock adds the block op for b.
func (l *Ledger) encodeBlock(e *encoder, b *Block) {
	k := l.keys
	rid := RoundID(b.Height, b.Hash)
	wstats := "0"
	if b.Worker != "" {
		wstats = e.key(k.workerStats(b.Coin, b.Worker), typeHash)
	}
	fields := []string{
		blockFieldRound, rid,
		blockFieldHeight, strconv.FormatInt(b.Height, 10),
		blockFieldHash, b.Hash,
		blockFieldCoinbaseTxID, b.CoinbaseTxID,
		blockFieldReward, strconv.FormatInt(b.Reward, 10),
		blockFieldWorker, b.Worker,
		blockFieldAddress, b.Address,
		blockFieldDifficulty, formatFloat(b.Difficulty),
		blockFieldNetworkDiff, formatFloat(b.NetworkDifficulty),
		blockFieldTime, strconv.FormatInt(b.Time.UnixMilli(), 10),
	}
	e.op("b",
		e.key(k.block(b.Coin, rid), typeHash),
		e.key(k.blocksPending(b.Coin), typeZSet),
		e.key(k.roundCurrent(b.Coin), typeHash),
		e.key(k.round(b.Coin, rid), typeHash),
		e.key(k.stats(b.Coin), typeHash),
		wstats,
		rid,
		strconv.FormatInt(b.Height, 10),
		strconv.Itoa(len(fields)/2),
	)
	e.op(fields...)
}

// write runs the batch script once. applied is false when Redis already had
// the batch.
func (l *Ledger) write(ctx context.Context, b *batch) (applied bool, err error) {
	n, err := l.script.Run(ctx, l.rdb, b.keys, b.args...).Int64()
	if err != nil {
		return false, fmt.Errorf("write batch %s (%d records): %w", b.id, b.n, err)
	}
	return n == 1, nil
}

// newBatchID returns a random (version 4) UUID.
func newBatchID() string {
	var u [16]byte
	rand.Read(u[:]) // never fails (crypto/rand)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	h := hex.EncodeToString(u[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
