package ledger

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// TestIdempotentBatch applies the same batch twice: Redis counts it once.
func TestIdempotentBatch(t *testing.T) {
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, nil)
	ctx := context.Background()
	hash := strings.Repeat("12", 32)
	recs := []record{
		{share: Share{Coin: "ltc", Worker: "a.1", Address: "a", Difficulty: 3, Status: StatusValid, Time: time.Now()}},
		{share: Share{Coin: "ltc", Worker: "a.1", Address: "a", Difficulty: 3, Status: StatusDuplicate, Time: time.Now()}},
		{block: &Block{Coin: "ltc", Height: 9, Hash: hash, Worker: "a.1", Time: time.Now()}},
		{share: Share{Coin: "ltc", Worker: "b.1", Address: "b", Difficulty: 5, Status: StatusValid, Time: time.Now()}},
	}
	b := l.encode(recs, time.Now())
	for i, want := range []bool{true, false, false} {
		applied, err := l.write(ctx, b)
		must(t, err)
		if applied != want {
			t.Fatalf("write %d: applied %v, want %v", i+1, applied, want)
		}
	}
	checkRound(t, l, "ltc", RoundID(9, hash), map[string]float64{"a": 3})
	checkRound(t, l, "ltc", CurrentRound, map[string]float64{"b": 5})
	st, err := l.Stats(ctx, "ltc")
	must(t, err)
	if want := (Stats{Valid: 2, Duplicate: 1, BlocksFound: 1}); st != want {
		t.Fatalf("Stats %+v, want %+v", st, want)
	}
	ttl, err := rawClient(t, srv.Addr).TTL(ctx, l.keys.batch(b.id)).Result()
	must(t, err)
	if ttl <= 23*time.Hour || ttl > 24*time.Hour {
		t.Fatalf("batch marker TTL %v, want 24h", ttl)
	}

	// A new batch of the same records is new work and counts again.
	applied, err := l.write(ctx, l.encode(recs[:1], time.Now()))
	must(t, err)
	if !applied {
		t.Fatal("a fresh batch was not applied")
	}
	if st, _ := l.Stats(ctx, "ltc"); st.Valid != 3 {
		t.Fatalf("Valid %d after a fresh batch, want 3", st.Valid)
	}
}

// TestScriptCacheFlushed checks the EVAL fallback when Redis has forgotten
// the script.
func TestScriptCacheFlushed(t *testing.T) {
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, nil)
	ctx := context.Background()
	rec := []record{{share: Share{Coin: "ltc", Worker: "a.1", Difficulty: 1, Status: StatusValid, Time: time.Now()}}}
	for range 2 {
		must(t, rawClient(t, srv.Addr).ScriptFlush(ctx).Err())
		applied, err := l.write(ctx, l.encode(rec, time.Now()))
		if err != nil || !applied {
			t.Fatalf("write after SCRIPT FLUSH: %v, %v", applied, err)
		}
	}
}

// TestWrongTypeKeepsQueued: a batch Redis refuses (a key of the wrong type)
// changes nothing, stays queued and is retried until the key is fixed; then
// it is written once.
func TestWrongTypeKeepsQueued(t *testing.T) {
	srv := redisServer(t)
	rc := rawClient(t, srv.Addr)
	ctx := context.Background()
	logs := newLogCounter()
	l := newLedger(t, srv.Addr, slog.New(logs), nil)
	must(t, rc.Set(ctx, l.keys.hashrate("ltc"), "not a zset", 0).Err())

	recs := []record{{share: Share{Coin: "ltc", Worker: "a.1", Difficulty: 2, Status: StatusValid, Time: time.Now()}}}
	b := l.encode(recs, time.Now())
	if _, err := l.write(ctx, b); err == nil || !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Fatalf("write over a string key: %v, want WRONGTYPE", err)
	}
	keys, err := rc.Keys(ctx, "*").Result()
	must(t, err)
	if len(keys) != 1 {
		t.Fatalf("a refused batch left keys behind: %q", keys)
	}

	for range 3 {
		must(t, l.RecordShare(recs[0].share))
	}
	r := start(t, l)
	poll(t, "retries", func() bool { return l.WriteErrors() >= 2 })
	if l.Pending() != 3 {
		t.Fatalf("Pending %d, want 3", l.Pending())
	}
	must(t, rc.Del(ctx, l.keys.hashrate("ltc")).Err())
	waitWritten(t, l)
	must(t, r.stop(t))
	checkRound(t, l, "ltc", CurrentRound, map[string]float64{"a.1": 6})
	if l.Outages() != 1 || logs.count("redis write failed; keeping records queued and retrying") != 1 {
		t.Fatalf("outages %d, want 1 logged once", l.Outages())
	}
}
