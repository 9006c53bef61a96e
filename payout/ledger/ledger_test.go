package ledger

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestNewConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{Addr: "127.0.0.1:1"}, true},
		{"no addr", Config{}, false},
		{"negative db", Config{Addr: "x:1", DB: -1}, false},
		{"negative buffer", Config{Addr: "x:1", BufferSize: -1}, false},
		{"negative batch", Config{Addr: "x:1", BatchSize: -5}, false},
		{"tiny hashrate window", Config{Addr: "x:1", HashrateWindow: time.Millisecond}, false},
		{"negative flush timeout", Config{Addr: "x:1", FlushTimeout: -time.Second}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := New(tc.cfg, nil)
			if tc.ok != (err == nil) {
				t.Fatalf("New: err %v, want ok=%v", err, tc.ok)
			}
			if err != nil {
				if !errors.Is(err, ErrConfig) {
					t.Fatalf("error %v does not wrap ErrConfig", err)
				}
				return
			}
			defer l.Close()
			c := l.cfg
			if c.BufferSize != DefaultBufferSize || c.BatchSize != DefaultBatchSize ||
				c.HashrateWindow != DefaultHashrateWindow || c.FlushTimeout != DefaultFlushTimeout ||
				c.BatchInterval != DefaultBatchInterval {
				t.Fatalf("defaults not applied: %+v", c)
			}
		})
	}
}

func TestKeyPrefixSeparator(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", ""}, {"pool1", "pool1:"}, {"pool1:", "pool1:"},
	} {
		l, err := New(Config{Addr: "127.0.0.1:1", KeyPrefix: tc.in}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.keys.stats("ltc"); got != tc.want+"ltc:stats" {
			t.Errorf("prefix %q: stats key %q, want %q", tc.in, got, tc.want+"ltc:stats")
		}
		l.Close()
	}
}

func TestRecordValidation(t *testing.T) {
	l, err := New(Config{Addr: "127.0.0.1:1"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	good := Share{Coin: "ltc", Worker: "addr.w1", Address: "addr", Difficulty: 16, Status: StatusValid}
	goodBlock := Block{Coin: "ltc", Height: 10, Hash: "00ab", Reward: 5000}
	shares := []struct {
		name string
		mod  func(*Share)
	}{
		{"empty coin", func(s *Share) { s.Coin = "" }},
		{"coin with colon", func(s *Share) { s.Coin = "l:tc" }},
		{"coin with brace", func(s *Share) { s.Coin = "{ltc}" }},
		{"empty worker", func(s *Share) { s.Worker = "" }},
		{"worker with newline", func(s *Share) { s.Worker = "a\nb" }},
		{"long worker", func(s *Share) { s.Worker = strings.Repeat("w", maxWorkerLen+1) }},
		{"NaN difficulty", func(s *Share) { s.Difficulty = math.NaN() }},
		{"infinite difficulty", func(s *Share) { s.Difficulty = math.Inf(1) }},
		{"negative difficulty", func(s *Share) { s.Difficulty = -1 }},
		{"huge difficulty", func(s *Share) { s.Difficulty = 1e21 }},
		{"unknown status", func(s *Share) { s.Status = "great" }},
	}
	for _, tc := range shares {
		t.Run("share "+tc.name, func(t *testing.T) {
			s := good
			tc.mod(&s)
			if err := l.RecordShare(s); !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("RecordShare: %v, want ErrInvalidRecord", err)
			}
		})
	}
	blocks := []struct {
		name string
		mod  func(*Block)
	}{
		{"bad coin", func(b *Block) { b.Coin = "a b" }},
		{"negative height", func(b *Block) { b.Height = -1 }},
		{"empty hash", func(b *Block) { b.Hash = "" }},
		{"hash not hex", func(b *Block) { b.Hash = "00:ab" }},
		{"txid not hex", func(b *Block) { b.CoinbaseTxID = "xyz" }},
		{"negative reward", func(b *Block) { b.Reward = -1 }},
		{"NaN network difficulty", func(b *Block) { b.NetworkDifficulty = math.NaN() }},
	}
	for _, tc := range blocks {
		t.Run("block "+tc.name, func(t *testing.T) {
			b := goodBlock
			tc.mod(&b)
			if err := l.RecordBlock(b); !errors.Is(err, ErrInvalidRecord) {
				t.Fatalf("RecordBlock: %v, want ErrInvalidRecord", err)
			}
		})
	}
	if l.Pending() != 0 {
		t.Fatalf("invalid records were queued: Pending %d", l.Pending())
	}
	must(t, l.RecordShare(good))
	must(t, l.RecordBlock(goodBlock))
	if l.Pending() != 2 {
		t.Fatalf("Pending %d, want 2", l.Pending())
	}
}

func TestRoundIDs(t *testing.T) {
	for _, tc := range []struct {
		id     string
		height int64
		hash   string
		ok     bool
	}{
		{"100:00ff", 100, "00ff", true},
		{"0:ab", 0, "ab", true},
		{"100", 0, "", false},
		{"-1:ab", 0, "", false},
		{"+1:ab", 0, "", false},
		{"01:ab", 0, "", false},
		{"1:", 0, "", false},
		{"1:ab:cd", 0, "", false},
		{"x:ab", 0, "", false},
		{"current", 0, "", false},
	} {
		t.Run(tc.id, func(t *testing.T) {
			h, hash, ok := parseRoundID(tc.id)
			if ok != tc.ok || h != tc.height || hash != tc.hash {
				t.Fatalf("parseRoundID(%q) = %d, %q, %v; want %d, %q, %v", tc.id, h, hash, ok, tc.height, tc.hash, tc.ok)
			}
			if ok && RoundID(h, hash) != tc.id {
				t.Fatalf("RoundID(%d, %q) = %q", h, hash, RoundID(h, hash))
			}
		})
	}
}

func TestParseSample(t *testing.T) {
	for _, tc := range []struct {
		m      string
		diff   float64
		worker string
		ok     bool
	}{
		{"16:abc.1:addr.w1", 16, "addr.w1", true},
		{"0.5:abc.2:w:with:colons", 0.5, "w:with:colons", true},
		{"1e-05:x.0:w", 1e-05, "w", true},
		{"16:abc.1:", 0, "", false},
		{"16:abc.1", 0, "", false},
		{"x:abc.1:w", 0, "", false},
	} {
		t.Run(tc.m, func(t *testing.T) {
			d, w, ok := parseSample(tc.m)
			if ok != tc.ok || d != tc.diff || w != tc.worker {
				t.Fatalf("parseSample(%q) = %v, %q, %v; want %v, %q, %v", tc.m, d, w, ok, tc.diff, tc.worker, tc.ok)
			}
		})
	}
}

func TestRoundClose(t *testing.T) {
	srv := redisServer(t)
	hash1 := strings.Repeat("ab", 32)
	hash2 := strings.Repeat("cd", 32)
	now := time.Now()
	block1 := Block{
		Coin: "ltc", Height: 100, Hash: hash1, CoinbaseTxID: strings.Repeat("ef", 32),
		Reward: 1_250_000_000, Worker: "addrC.rig", Address: "addrC",
		Difficulty: 8, NetworkDifficulty: 1234.5, Time: now.Truncate(time.Millisecond),
	}
	block2 := Block{Coin: "ltc", Height: 101, Hash: hash2, Reward: 7, Worker: "addrA.rig", Address: "addrA",
		Difficulty: 16, NetworkDifficulty: 2, Time: now.Truncate(time.Millisecond)}
	share := func(coin, addr string, diff float64, st ShareStatus) Share {
		return Share{Coin: coin, Worker: addr + ".rig", Address: addr, Difficulty: diff, Status: st, Time: now}
	}
	for _, batchSize := range []int{1, 3, 1000} {
		t.Run("batch size "+strconv.Itoa(batchSize), func(t *testing.T) {
			prefix := "rc" + strconv.Itoa(batchSize)
			l := newLedger(t, srv.Addr, nil, func(c *Config) { c.BatchSize = batchSize; c.KeyPrefix = prefix })
			ctx := context.Background()
			for _, s := range []Share{
				share("ltc", "addrA", 1, StatusValid),
				share("ltc", "addrB", 2, StatusValid),
				share("ltc", "addrA", 4, StatusStale),
				share("doge", "addrD", 64, StatusValid),
				share("ltc", "addrC", 8, StatusValid),
			} {
				must(t, l.RecordShare(s))
			}
			must(t, l.RecordBlock(block1))
			must(t, l.RecordShare(share("ltc", "addrA", 16, StatusValid)))
			must(t, l.RecordShare(share("ltc", "addrB", 32, StatusValid)))
			must(t, l.RecordShare(share("ltc", "addrB", 32, StatusInvalid)))
			// Shares without an address are credited to the login.
			must(t, l.RecordShare(Share{Coin: "ltc", Worker: "mposuser.1", Difficulty: 0.5, Status: StatusValid}))
			start(t, l)
			waitWritten(t, l)

			checkRound(t, l, "ltc", RoundID(100, hash1), map[string]float64{"addrA": 1, "addrB": 2, "addrC": 8})
			checkRound(t, l, "ltc", CurrentRound, map[string]float64{"addrA": 16, "addrB": 32, "mposuser.1": 0.5})
			checkRound(t, l, "doge", CurrentRound, map[string]float64{"addrD": 64})
			blocks, err := l.Blocks(ctx, "ltc")
			must(t, err)
			if len(blocks) != 1 || !reflect.DeepEqual(blocks[0], block1) {
				t.Fatalf("Blocks = %+v, want [%+v]", blocks, block1)
			}

			// A second block closes the next round and is listed first.
			must(t, l.RecordBlock(block2))
			waitWritten(t, l)
			checkRound(t, l, "ltc", RoundID(101, hash2), map[string]float64{"addrA": 16, "addrB": 32, "mposuser.1": 0.5})
			checkRound(t, l, "ltc", CurrentRound, map[string]float64{})
			blocks, err = l.Blocks(ctx, "ltc")
			must(t, err)
			if got := []int64{blocks[0].Height, blocks[1].Height}; len(blocks) != 2 || !slices.Equal(got, []int64{101, 100}) {
				t.Fatalf("Blocks heights = %v, want [101 100]", got)
			}
			st, err := l.Stats(ctx, "ltc")
			must(t, err)
			if want := (Stats{Valid: 6, Stale: 1, Invalid: 1, BlocksFound: 2}); st != want {
				t.Fatalf("ltc Stats = %+v, want %+v", st, want)
			}
			ws, err := l.WorkerStats(ctx, "ltc", "addrC.rig")
			must(t, err)
			if want := (Stats{Valid: 1, BlocksFound: 1}); ws != want {
				t.Fatalf("addrC.rig WorkerStats = %+v, want %+v", ws, want)
			}
			if blocks, err := l.Blocks(ctx, "doge"); err != nil || len(blocks) != 0 {
				t.Fatalf("doge Blocks = %v, %v; want none", blocks, err)
			}
		})
	}
}

func TestDuplicateBlock(t *testing.T) {
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, nil)
	ctx := context.Background()
	hash := strings.Repeat("0f", 32)
	b := Block{Coin: "ltc", Height: 7, Hash: hash, Reward: 100, Worker: "a.1", Address: "a"}
	sh := func(diff float64) Share {
		return Share{Coin: "ltc", Worker: "a.1", Address: "a", Difficulty: diff, Status: StatusValid}
	}
	must(t, l.RecordShare(sh(1)))
	must(t, l.RecordBlock(b))
	must(t, l.RecordShare(sh(2)))
	must(t, l.RecordBlock(b)) // again, in the same batch
	must(t, l.RecordShare(sh(4)))
	r := start(t, l)
	waitWritten(t, l)
	must(t, l.RecordBlock(b)) // and again, in a later batch
	must(t, l.RecordShare(sh(8)))
	waitWritten(t, l)
	must(t, r.stop(t))

	checkRound(t, l, "ltc", RoundID(7, hash), map[string]float64{"a": 1})
	checkRound(t, l, "ltc", CurrentRound, map[string]float64{"a": 2 + 4 + 8})
	blocks, err := l.Blocks(ctx, "ltc")
	must(t, err)
	if len(blocks) != 1 {
		t.Fatalf("%d pending blocks, want 1", len(blocks))
	}
	st, err := l.Stats(ctx, "ltc")
	must(t, err)
	if st.BlocksFound != 1 || st.Valid != 4 {
		t.Fatalf("Stats = %+v, want 1 block and 4 valid shares", st)
	}
}

func TestStats(t *testing.T) {
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, nil)
	ctx := context.Background()
	counts := []struct {
		worker string
		status ShareStatus
		n      int
	}{
		{"a.1", StatusValid, 5},
		{"a.1", StatusStale, 2},
		{"a.1", StatusDuplicate, 1},
		{"b.1", StatusValid, 3},
		{"b.1", StatusLowDiff, 4},
		{"b.1", StatusInvalid, 6},
	}
	for _, c := range counts {
		for range c.n {
			must(t, l.RecordShare(Share{Coin: "ltc", Worker: c.worker, Difficulty: 1, Status: c.status, Reason: "x"}))
		}
	}
	start(t, l)
	waitWritten(t, l)
	for _, tc := range []struct {
		name, worker string
		want         Stats
	}{
		{"coin", "", Stats{Valid: 8, Stale: 2, Duplicate: 1, LowDiff: 4, Invalid: 6}},
		{"worker a", "a.1", Stats{Valid: 5, Stale: 2, Duplicate: 1}},
		{"worker b", "b.1", Stats{Valid: 3, LowDiff: 4, Invalid: 6}},
		{"unknown worker", "c.1", Stats{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got Stats
			var err error
			if tc.worker == "" {
				got, err = l.Stats(ctx, "ltc")
			} else {
				got, err = l.WorkerStats(ctx, "ltc", tc.worker)
			}
			must(t, err)
			if got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	ws, err := l.Workers(ctx, "ltc")
	must(t, err)
	slices.Sort(ws)
	if !slices.Equal(ws, []string{"a.1", "b.1"}) {
		t.Fatalf("Workers = %v", ws)
	}
	// Only valid shares are credited to the round.
	checkRound(t, l, "ltc", CurrentRound, map[string]float64{"a.1": 5, "b.1": 3})
}

func TestHashrate(t *testing.T) {
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, nil) // HashrateWindow 10m
	now := time.Now()
	l.now = func() time.Time { return now }
	ctx := context.Background()
	rec := func(worker string, diff float64, age time.Duration, st ShareStatus) {
		t.Helper()
		must(t, l.RecordShare(Share{Coin: "ltc", Worker: worker, Difficulty: diff, Status: st, Time: now.Add(-age)}))
	}
	rec("a.1", 60, 30*time.Second, StatusValid)
	rec("a.1", 40, 30*time.Second, StatusValid) // same second: one sample
	rec("b.1", 300, 2*time.Minute, StatusValid)
	rec("b.1", 999, time.Minute, StatusStale) // not valid: no hashrate
	rec("a.1", 1000, 20*time.Minute, StatusValid)
	start(t, l)
	waitWritten(t, l)

	scale := func(diff float64, window time.Duration, mult int64) float64 {
		return diff * 4294967296 / float64(mult) / window.Seconds()
	}
	for _, tc := range []struct {
		name   string
		window time.Duration
		mult   int64
		pool   float64
		worker map[string]float64
	}{
		{"10m scrypt", 10 * time.Minute, 65536, scale(400, 10*time.Minute, 65536),
			map[string]float64{"a.1": scale(100, 10*time.Minute, 65536), "b.1": scale(300, 10*time.Minute, 65536)}},
		{"90s sha256d", 90 * time.Second, 1, scale(100, 90*time.Second, 1),
			map[string]float64{"a.1": scale(100, 90*time.Second, 1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pool, per, err := l.Hashrate(ctx, "ltc", tc.window, tc.mult)
			must(t, err)
			if !approxEqual(pool, tc.pool) {
				t.Fatalf("pool hashrate %v, want %v", pool, tc.pool)
			}
			if len(per) != len(tc.worker) {
				t.Fatalf("per worker %v, want %v", per, tc.worker)
			}
			for w, want := range tc.worker {
				if !approxEqual(per[w], want) {
					t.Fatalf("worker %s hashrate %v, want %v", w, per[w], want)
				}
			}
		})
	}
	// The 20-minute-old sample was pruned on write.
	n, err := rawClient(t, srv.Addr).ZCard(ctx, l.keys.hashrate("ltc")).Result()
	must(t, err)
	if n != 2 {
		t.Fatalf("%d hashrate samples kept, want 2 (the old one pruned)", n)
	}
	if _, _, err := l.Hashrate(ctx, "ltc", 0, 1); err == nil {
		t.Fatal("Hashrate with a zero window did not fail")
	}
}

func approxEqual(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b)) }

func TestBufferFull(t *testing.T) {
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, func(c *Config) { c.BufferSize = 5 })
	sh := Share{Coin: "ltc", Worker: "a.1", Difficulty: 1, Status: StatusValid}
	for range 5 {
		must(t, l.RecordShare(sh))
	}
	if err := l.RecordShare(sh); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("6th RecordShare: %v, want ErrBufferFull", err)
	}
	if err := l.RecordBlock(Block{Coin: "ltc", Height: 1, Hash: "aa"}); !errors.Is(err, ErrBufferFull) {
		t.Fatalf("RecordBlock on a full buffer: %v, want ErrBufferFull", err)
	}
	if l.Pending() != 5 || l.Refused() != 2 {
		t.Fatalf("Pending %d Refused %d, want 5 and 2", l.Pending(), l.Refused())
	}
	start(t, l)
	waitWritten(t, l)
	must(t, l.RecordShare(sh))
	waitWritten(t, l)
	st, err := l.Stats(context.Background(), "ltc")
	must(t, err)
	if st.Valid != 6 {
		t.Fatalf("%d valid shares written, want 6 (the refused one not among them)", st.Valid)
	}
}

func TestShutdownFlush(t *testing.T) {
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, nil)
	const n = 2500 // three batches
	for i := range n {
		must(t, l.RecordShare(Share{Coin: "ltc", Worker: "a." + strconv.Itoa(i%7), Address: "a", Difficulty: 2, Status: StatusValid}))
	}
	// A context that has already ended: Run goes straight to the flush.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.Run(ctx); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if l.Dropped() != 0 || l.Pending() != 0 || l.Written() != n {
		t.Fatalf("Dropped %d Pending %d Written %d, want 0, 0, %d", l.Dropped(), l.Pending(), l.Written(), n)
	}
	checkRound(t, l, "ltc", CurrentRound, map[string]float64{"a": 2 * n})
	if err := l.RecordShare(Share{Coin: "ltc", Worker: "a.1", Status: StatusValid}); !errors.Is(err, ErrClosed) {
		t.Fatalf("RecordShare after Run: %v, want ErrClosed", err)
	}
	if err := l.Run(context.Background()); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Run: %v, want ErrRunning", err)
	}
}

func TestShutdownRedisDown(t *testing.T) {
	srv := redisServer(t)
	logs := newLogCounter()
	l := newLedger(t, srv.Addr, slog.New(logs), func(c *Config) { c.FlushTimeout = 300 * time.Millisecond })
	srv.Stop(t)
	for range 10 {
		must(t, l.RecordShare(Share{Coin: "ltc", Worker: "a.1", Difficulty: 1, Status: StatusValid}))
	}
	r := start(t, l)
	poll(t, "a failed write", func() bool { return l.WriteErrors() > 0 })
	err := r.stop(t)
	if !errors.Is(err, ErrNotFlushed) {
		t.Fatalf("Run: %v, want ErrNotFlushed", err)
	}
	if l.Dropped() != 10 || l.Pending() != 0 {
		t.Fatalf("Dropped %d Pending %d, want 10 and 0", l.Dropped(), l.Pending())
	}
	if logs.count("ledger stopped with records not written") != 1 {
		t.Fatal("the loss was not logged")
	}
	if err := l.RecordShare(Share{Coin: "ltc", Worker: "a.1", Status: StatusValid}); !errors.Is(err, ErrClosed) {
		t.Fatalf("RecordShare after Run: %v, want ErrClosed", err)
	}
}

func TestKeyPrefixOnEveryKey(t *testing.T) {
	srv := redisServer(t)
	l := newLedger(t, srv.Addr, nil, func(c *Config) { c.KeyPrefix = "pool7" })
	must(t, l.RecordShare(Share{Coin: "ltc", Worker: "a.1", Address: "a", Difficulty: 1, Status: StatusValid}))
	must(t, l.RecordShare(Share{Coin: "ltc", Worker: "a.1", Address: "a", Difficulty: 1, Status: StatusStale}))
	must(t, l.RecordBlock(Block{Coin: "ltc", Height: 3, Hash: "abcd", Worker: "a.1"}))
	must(t, l.RecordShare(Share{Coin: "ltc", Worker: "a.1", Address: "a", Difficulty: 1, Status: StatusValid}))
	start(t, l)
	waitWritten(t, l)
	keys, err := rawClient(t, srv.Addr).Keys(context.Background(), "*").Result()
	must(t, err)
	slices.Sort(keys)
	want := []string{
		"pool7:ltc:block:3:abcd",
		"pool7:ltc:blocks:pending",
		"pool7:ltc:hashrate",
		"pool7:ltc:shares:round3:abcd",
		"pool7:ltc:shares:roundCurrent",
		"pool7:ltc:stats",
		"pool7:ltc:workers",
		"pool7:ltc:workers:a.1:stats",
	}
	var data []string
	for _, k := range keys {
		if !strings.HasPrefix(k, "pool7:") {
			t.Errorf("key %q lacks the prefix", k)
		}
		if !strings.HasPrefix(k, "pool7:batch:") {
			data = append(data, k)
		}
	}
	if !slices.Equal(data, want) {
		t.Fatalf("keys %q, want %q", data, want)
	}
}

// checkRound compares a round's credits with want.
func checkRound(t *testing.T, l *Ledger, coin, round string, want map[string]float64) {
	t.Helper()
	got, err := l.RoundShares(context.Background(), coin, round)
	must(t, err)
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s round %s = %v, want %v", coin, round, got, want)
	}
}
