package profit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// netSource hands out fixed network figures, standing in for the coins'
// daemons (the end-to-end test in cmd/multipool uses real ones).
type netSource struct {
	name   string
	mu     sync.Mutex
	quotes map[string]Quote
	err    error
	// block, when set, makes Fetch wait for it, ignoring ctx.
	block chan struct{}
	panic bool
	calls atomic.Int64
}

func (s *netSource) Name() string { return s.name }

func (s *netSource) Fetch(ctx context.Context, coins []Coin) (map[string]Quote, error) {
	s.calls.Add(1)
	s.mu.Lock()
	block, q, err, p := s.block, s.quotes, s.err, s.panic
	s.mu.Unlock()
	if p {
		panic("parser bug")
	}
	if block != nil {
		<-block
	}
	out := map[string]Quote{}
	for k, v := range q {
		out[k] = v
	}
	return out, err
}

type clock struct{ ns atomic.Int64 }

func (c *clock) now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) add(d time.Duration) { c.ns.Add(int64(d)) }
func newClock(t time.Time) *clock    { c := &clock{}; c.ns.Store(t.UnixNano()); return c }
func geckoBody(ltc, doge float64) string {
	return fmt.Sprintf(`{"litecoin":{"btc":%v},"dogecoin":{"btc":%v}}`, ltc, doge)
}
func binanceBody(ltc, doge float64) string {
	return fmt.Sprintf(`[{"symbol":"LTCBTC","price":"%v"},{"symbol":"DOGEBTC","price":"%v"}]`, ltc, doge)
}

// TestModuleStaleData: a source that fails is replaced by the next fresh
// one; when all fail the most recent value is used, marked stale with its
// age, until MaxAge.
func TestModuleStaleData(t *testing.T) {
	rp := newReplay(t)
	rp.set("/api/v3/simple/price", geckoBody(0.001, 0.000002))
	bn := newReplay(t)
	bn.set("/api/v3/ticker/price", binanceBody(0.0011, 0.0000021))
	gecko, _ := NewCoinGecko(CoinGeckoConfig{URL: rp.srv.URL})
	binance, _ := NewBinance(BinanceConfig{URL: bn.srv.URL})
	network := &netSource{name: "daemon", quotes: map[string]Quote{
		"litecoin": {Difficulty: 1000, Reward: 6.25}, "dogecoin": {Difficulty: 5000, Reward: 10000},
		"bitcoin": {Difficulty: 8e13, Reward: 3.125},
	}}
	clk := newClock(time.Unix(1_700_000_000, 0))
	m, err := New(Config{UpdateInterval: time.Minute, MaxAge: time.Hour, Coins: []Coin{ltc, doge, btc}, Now: clk.now},
		[]Source{network, gecko, binance}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	s := m.round(ctx)
	l, _ := s.Coin("litecoin")
	if !l.Complete || l.Price.Source != "coingecko" || l.Price.Value != 0.001 || l.Price.Stale || l.Difficulty.Source != "daemon" {
		t.Fatalf("round 1: %+v", l)
	}
	if b, _ := s.Coin("bitcoin"); b.Price.Source != "quote" || b.Price.Value != 1 || !b.Complete {
		t.Fatalf("bitcoin in BTC: %+v", b)
	}
	// ltc: 0.001*6.25/1000 = 6.25e-6 beats doge: 0.000002*10000/5000 = 4e-6.
	if r := s.Ranking("scrypt"); len(r) != 2 || r[0].Coin != "litecoin" || !near(r[0].Score, 6.25e-6) || !near(r[1].Score, 4e-6) {
		t.Fatalf("ranking %+v", r)
	}

	rp.failWith("html")
	clk.add(time.Minute)
	s = m.round(ctx)
	l, _ = s.Coin("litecoin")
	if l.Price.Source != "binance" || l.Price.Value != 0.0011 || l.Price.Stale {
		t.Fatalf("round 2, coingecko failing: %+v", l.Price)
	}
	st, _ := s.Source("coingecko")
	if !st.Stale || st.Consecutive != 1 || st.LastError == "" || st.Failures != 1 {
		t.Fatalf("coingecko status %+v", st)
	}

	bn.failWith("429")
	clk.add(time.Minute)
	s = m.round(ctx)
	l, _ = s.Coin("litecoin")
	if l.Price.Source != "binance" || !l.Price.Stale || l.Price.Age != time.Minute || !l.Complete {
		t.Fatalf("round 3, both failing: %+v", l.Price)
	}

	clk.add(time.Hour)
	s = m.round(ctx)
	l, _ = s.Coin("litecoin")
	if l.Price.Known() || l.Complete || l.Score != 0 {
		t.Fatalf("past MaxAge: %+v", l)
	}
	if l.Difficulty.Source != "daemon" || l.Difficulty.Stale {
		t.Fatalf("the daemon's figures stay fresh: %+v", l.Difficulty)
	}

	rp.failWith("")
	clk.add(time.Minute)
	s = m.round(ctx)
	if l, _ = s.Coin("litecoin"); l.Price.Source != "coingecko" || !l.Complete {
		t.Fatalf("recovered: %+v", l.Price)
	}
	if st, _ := s.Source("coingecko"); st.Stale || st.Consecutive != 0 || st.Successes != 2 {
		t.Fatalf("recovered status %+v", st)
	}
}

// TestModuleMissingCoin: a coin a source leaves out comes from the next.
func TestModuleMissingCoin(t *testing.T) {
	rp := newReplay(t)
	rp.set("/api/v3/simple/price", `{"litecoin":{"btc":0.001}}`)
	bn := newReplay(t)
	bn.set("/api/v3/ticker/price", binanceBody(0.0011, 0.0000021))
	gecko, _ := NewCoinGecko(CoinGeckoConfig{URL: rp.srv.URL})
	binance, _ := NewBinance(BinanceConfig{URL: bn.srv.URL})
	m, _ := New(Config{Coins: []Coin{ltc, doge}}, []Source{gecko, binance}, nil, nil)
	s := m.round(context.Background())
	d, _ := s.Coin("dogecoin")
	if d.Price.Source != "binance" {
		t.Fatalf("doge %+v", d.Price)
	}
	if st, _ := s.Source("coingecko"); len(st.Missing) != 1 || st.Missing[0] != "dogecoin" || st.Stale {
		t.Fatalf("coingecko status %+v", st)
	}
}

// TestModuleNeverStalls: a source that hangs past the round timeout (even
// ignoring its context) or panics delays and breaks nothing.
func TestModuleNeverStalls(t *testing.T) {
	hang := &netSource{name: "hang", block: make(chan struct{}), quotes: map[string]Quote{"litecoin": {Price: 5}}}
	boom := &netSource{name: "boom", panic: true}
	good := &netSource{name: "good", quotes: map[string]Quote{"litecoin": {Difficulty: 1, Reward: 1, Price: 2}}}
	m, _ := New(Config{UpdateInterval: time.Second, RoundTimeout: 50 * time.Millisecond, Coins: []Coin{ltc}},
		[]Source{hang, boom, good}, nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	snap := waitSnapshot(t, m, func(s *Snapshot) bool { return s.Seq >= 1 })
	l, _ := snap.Coin("litecoin")
	if !l.Complete || l.Price.Source != "good" {
		t.Fatalf("first snapshot %+v", l)
	}
	if st, _ := snap.Source("boom"); st.Failures != 1 || st.LastError == "" {
		t.Fatalf("panicking source %+v", st)
	}
	m.UpdateNow()
	snap = waitSnapshot(t, m, func(s *Snapshot) bool { return s.Seq >= 2 })
	if st, _ := snap.Source("hang"); st.Skipped == 0 {
		t.Fatalf("hanging source not skipped: %+v", st)
	}
	// Once it returns, its late answer counts (it comes first).
	close(hang.block)
	m.UpdateNow()
	snap = waitSnapshot(t, m, func(s *Snapshot) bool {
		l, _ := s.Coin("litecoin")
		return l.Price.Source == "hang"
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	if err := m.Run(context.Background()); !errors.Is(err, ErrRunning) {
		t.Fatalf("second Run: %v", err)
	}
}

// waitSnapshot waits (through Current's channel, no sleeping) for a
// snapshot satisfying ok.
func waitSnapshot(t *testing.T, m *Module, ok func(*Snapshot) bool) *Snapshot {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		s, next := m.Current()
		if s != nil && ok(s) {
			return s
		}
		select {
		case <-next:
		case <-deadline:
			t.Fatalf("no matching snapshot; last %+v", s)
		}
	}
}

type memHistory struct {
	mu   sync.Mutex
	docs map[string][]string
	fail bool
}

func (h *memHistory) AppendProfitHistory(_ context.Context, alg string, doc []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fail {
		return errors.New("redis down")
	}
	if h.docs == nil {
		h.docs = map[string][]string{}
	}
	h.docs[alg] = append(h.docs[alg], string(doc))
	return nil
}

func TestModuleHistory(t *testing.T) {
	good := &netSource{name: "daemon", quotes: map[string]Quote{
		"litecoin": {Difficulty: 1, Reward: 1, Price: 2}, "bitcoin": {Difficulty: 1, Reward: 1},
	}}
	h := &memHistory{fail: true}
	m, _ := New(Config{Coins: []Coin{ltc, btc}}, []Source{good}, h, nil)
	ctx := context.Background()
	m.writeHistory(ctx, m.round(ctx)) // fails, logged, nothing else
	h.mu.Lock()
	h.fail = false
	h.mu.Unlock()
	m.writeHistory(ctx, m.round(ctx))
	if len(h.docs["scrypt"]) != 1 || len(h.docs["sha256d"]) != 1 {
		t.Fatalf("history %v", h.docs)
	}
	var doc struct {
		Seq     uint64
		Ranking []CoinFigures
	}
	if err := json.Unmarshal([]byte(h.docs["scrypt"][0]), &doc); err != nil || doc.Seq != 2 || len(doc.Ranking) != 1 || doc.Ranking[0].Coin != "litecoin" {
		t.Fatalf("doc %s: %v", h.docs["scrypt"][0], err)
	}
}

func TestNewValidates(t *testing.T) {
	good := &netSource{name: "daemon"}
	for name, tc := range map[string]struct {
		cfg Config
		src []Source
	}{
		"duplicate coin":   {Config{Coins: []Coin{ltc, ltc}}, []Source{good}},
		"coin without alg": {Config{Coins: []Coin{{Key: "x"}}}, nil},
		"bad source name":  {Config{}, []Source{&netSource{name: "Bad Name"}}},
		"duplicate source": {Config{}, []Source{good, good}},
		"tiny interval":    {Config{UpdateInterval: time.Nanosecond}, nil},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(tc.cfg, tc.src, nil, nil); !errors.Is(err, ErrConfig) {
				t.Fatalf("err %v", err)
			}
		})
	}
}
