package profit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of Config.
const (
	DefaultQuote          = "BTC"
	DefaultUpdateInterval = 600 * time.Second
	DefaultMaxAge         = 6 * time.Hour
	// maxRoundTimeout caps the default RoundTimeout.
	maxRoundTimeout = 30 * time.Second
	// historyTimeout bounds one history write.
	historyTimeout = 5 * time.Second
)

// ErrRunning is returned by a second call of Run.
var ErrRunning = errors.New("profit: Run called twice")

// Config configures a Module.
type Config struct {
	// Quote is the quote currency of prices and revenue; default BTC.
	Quote string
	// UpdateInterval is the time between rounds; default 600s.
	UpdateInterval time.Duration
	// RoundTimeout bounds every source's fetch in a round; the snapshot
	// is published by then whatever the sources do. Default half the
	// update interval, at most 30s.
	RoundTimeout time.Duration
	// MaxAge drops figures older than this; default 6h.
	MaxAge time.Duration
	// Coins are the coins to rank.
	Coins []Coin
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// History keeps each round's rankings (the ledger implements it).
type History interface {
	AppendProfitHistory(ctx context.Context, algorithm string, doc []byte) error
}

// Module gathers figures from its sources every UpdateInterval and
// publishes a ranking Snapshot.
type Module struct {
	cfg     Config
	sources []*sourceState
	hist    History
	log     *slog.Logger
	trigger chan struct{} // capacity 1: UpdateNow
	running atomic.Bool
	// fetches counts fetch goroutines; Run waits for them.
	fetches sync.WaitGroup

	mu sync.Mutex // guards snap, next, seq and every sourceState's fields
	// snap is the newest snapshot, nil before the first round.
	snap *Snapshot
	// next is closed when a newer snapshot is published.
	next chan struct{}
	seq  uint64
	// histDown is set while history writes fail (logged once).
	histDown bool
}

// sourceState is a source and what the module remembers of it. Its fields
// are guarded by Module.mu.
type sourceState struct {
	src  Source
	name string

	busy        bool
	lastTry     time.Time
	lastOK      time.Time
	lastErr     string
	successes   uint64
	failures    uint64
	consecutive uint64
	skipped     uint64
	// quotes holds each coin's latest usable quote; fresh marks the coins
	// the latest finished attempt returned.
	quotes  map[string]Quote
	fresh   map[string]bool
	missing []string
}

var validSourceName = regexp.MustCompile(`^[a-z0-9._-]{1,32}$`)

// New checks cfg and the sources and returns a module; it starts nothing.
// hist may be nil (no history is kept); log may be nil.
func New(cfg Config, sources []Source, hist History, log *slog.Logger) (*Module, error) {
	if cfg.Quote == "" {
		cfg.Quote = DefaultQuote
	}
	cfg.Quote = strings.ToUpper(cfg.Quote)
	if cfg.UpdateInterval == 0 {
		cfg.UpdateInterval = DefaultUpdateInterval
	}
	if cfg.UpdateInterval < 10*time.Millisecond {
		return nil, fmt.Errorf("%w: updateInterval %v", ErrConfig, cfg.UpdateInterval)
	}
	if cfg.RoundTimeout == 0 {
		cfg.RoundTimeout = min(cfg.UpdateInterval/2, maxRoundTimeout)
	}
	if cfg.RoundTimeout <= 0 {
		return nil, fmt.Errorf("%w: roundTimeout %v", ErrConfig, cfg.RoundTimeout)
	}
	if cfg.MaxAge == 0 {
		cfg.MaxAge = DefaultMaxAge
	}
	if cfg.MaxAge < 0 {
		return nil, fmt.Errorf("%w: maxAge %v", ErrConfig, cfg.MaxAge)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	seen := map[string]bool{}
	for _, c := range cfg.Coins {
		if c.Key == "" || c.Algorithm == "" {
			return nil, fmt.Errorf("%w: coin %q without key or algorithm", ErrConfig, c.Key)
		}
		if seen[c.Key] {
			return nil, fmt.Errorf("%w: coin %s listed twice", ErrConfig, c.Key)
		}
		seen[c.Key] = true
	}
	cfg.Coins = slices.Clone(cfg.Coins)
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Module{cfg: cfg, hist: hist, log: log.With("component", "profit"),
		trigger: make(chan struct{}, 1), next: make(chan struct{})}
	names := map[string]bool{}
	for _, s := range sources {
		if s == nil {
			return nil, fmt.Errorf("%w: nil source", ErrConfig)
		}
		n := s.Name()
		if !validSourceName.MatchString(n) || n == "quote" {
			return nil, fmt.Errorf("%w: source name %q", ErrConfig, n)
		}
		if names[n] {
			return nil, fmt.Errorf("%w: source %s given twice", ErrConfig, n)
		}
		names[n] = true
		m.sources = append(m.sources, &sourceState{src: s, name: n, quotes: map[string]Quote{}, fresh: map[string]bool{}})
	}
	return m, nil
}

// Current returns the newest snapshot (nil before the first round) and a
// channel that is closed when a newer one is published.
func (m *Module) Current() (*Snapshot, <-chan struct{}) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.snap, m.next
}

// Snapshot returns the newest snapshot, nil before the first round.
func (m *Module) Snapshot() *Snapshot {
	s, _ := m.Current()
	return s
}

// Quote returns the quote currency.
func (m *Module) Quote() string { return m.cfg.Quote }

// UpdateNow asks Run for a round as soon as the current one is done. It
// never blocks.
func (m *Module) UpdateNow() {
	select {
	case m.trigger <- struct{}{}:
	default:
	}
}

// Run does a round at once and then every UpdateInterval (or on
// UpdateNow) until ctx ends; it returns after every fetch has returned.
func (m *Module) Run(ctx context.Context) error {
	if !m.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer m.fetches.Wait()
	m.log.Info("profit module started", "quote", m.cfg.Quote, "interval", m.cfg.UpdateInterval,
		"coins", len(m.cfg.Coins), "sources", len(m.sources))
	t := time.NewTicker(m.cfg.UpdateInterval)
	defer t.Stop()
	for {
		snap := m.round(ctx)
		if ctx.Err() != nil {
			return nil
		}
		m.logRanking(snap)
		m.writeHistory(ctx, snap)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-m.trigger:
		}
	}
}

// round asks every source that is not still busy, waits for them or
// RoundTimeout, and publishes a snapshot.
func (m *Module) round(ctx context.Context) *Snapshot {
	start := m.cfg.Now()
	rctx, cancel := context.WithTimeout(ctx, m.cfg.RoundTimeout)
	defer cancel()
	var pending sync.WaitGroup
	for _, s := range m.sources {
		m.mu.Lock()
		if s.busy {
			s.skipped++
			m.mu.Unlock()
			m.log.Warn("profit source still busy with an earlier fetch; skipped this round", "source", s.name)
			continue
		}
		s.busy = true
		s.lastTry = start
		m.mu.Unlock()
		pending.Add(1)
		m.fetches.Go(func() {
			defer pending.Done()
			quotes, err := safeFetch(rctx, s.src, m.cfg.Coins)
			m.record(s, quotes, err)
		})
	}
	done := make(chan struct{})
	m.fetches.Go(func() {
		pending.Wait()
		close(done)
	})
	select {
	case <-done:
	case <-rctx.Done():
		// Sources that ignore their context are left behind; they record
		// what they get when they return and are skipped until then.
	}
	return m.publish()
}

// safeFetch calls a source, turning a panic into an error.
func safeFetch(ctx context.Context, s Source, coins []Coin) (q map[string]Quote, err error) {
	defer func() {
		if r := recover(); r != nil {
			q, err = nil, fmt.Errorf("%s: panic: %v", s.Name(), r)
		}
	}()
	return s.Fetch(ctx, coins)
}

// record stores a finished fetch.
func (m *Module) record(s *sourceState, quotes map[string]Quote, err error) {
	now := m.cfg.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	s.busy = false
	fresh := map[string]bool{}
	var missing []string
	for _, c := range m.cfg.Coins {
		q, ok := quotes[c.Key]
		if !ok || q.empty() {
			missing = append(missing, c.Key)
			continue
		}
		q.Difficulty, q.Reward, q.Price = clean(q.Difficulty), clean(q.Reward), clean(q.Price)
		if q.At.IsZero() || q.At.After(now) {
			q.At = now
		}
		s.quotes[c.Key] = q
		fresh[c.Key] = true
	}
	s.fresh = fresh
	if err == nil && !slices.Equal(missing, s.missing) && len(missing) > 0 {
		m.log.Info("profit source has no figures for some coins", "source", s.name, "coins", strings.Join(missing, ","))
	}
	s.missing = missing
	if len(fresh) > 0 {
		s.lastOK = now
	}
	if err != nil {
		s.failures++
		s.consecutive++
		s.lastErr = err.Error()
		if s.consecutive == 1 {
			m.log.Warn("profit source failed; using its last good data", "source", s.name, "err", err, "got", len(fresh))
		} else {
			m.log.Debug("profit source failed again", "source", s.name, "err", err, "failures", s.consecutive)
		}
		return
	}
	if s.consecutive > 0 {
		m.log.Info("profit source is back", "source", s.name, "after_failures", s.consecutive)
	}
	s.successes++
	s.consecutive = 0
	s.lastErr = ""
}

// publish builds and publishes a snapshot from what the sources hold.
func (m *Module) publish() *Snapshot {
	now := m.cfg.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seq++
	snap := &Snapshot{Seq: m.seq, Time: now, Quote: m.cfg.Quote}
	for _, c := range m.cfg.Coins {
		d := m.pickLocked(c, now, func(q Quote) float64 { return q.Difficulty })
		r := m.pickLocked(c, now, func(q Quote) float64 { return q.Reward })
		var p Figure
		if strings.EqualFold(c.Symbol, m.cfg.Quote) {
			p = Figure{Value: 1, Source: "quote", At: now}
		} else {
			p = m.pickLocked(c, now, func(q Quote) float64 { return q.Price })
		}
		snap.Coins = append(snap.Coins, figuresOf(c, d, r, p))
	}
	sortCoins(snap.Coins)
	for _, s := range m.sources {
		snap.Sources = append(snap.Sources, SourceStatus{
			Name: s.name, LastTry: s.lastTry, LastOK: s.lastOK, LastError: s.lastErr,
			Successes: s.successes, Failures: s.failures, Consecutive: s.consecutive, Skipped: s.skipped,
			Missing: slices.Clone(s.missing), Stale: s.consecutive > 0,
		})
	}
	m.snap = snap
	close(m.next)
	m.next = make(chan struct{})
	return snap
}

// pickLocked chooses one figure of a coin: the first source (in order)
// whose latest attempt returned the coin with that figure; else the most
// recent older value, marked stale; values older than MaxAge are dropped.
func (m *Module) pickLocked(c Coin, now time.Time, value func(Quote) float64) Figure {
	var stale Figure
	for _, s := range m.sources {
		q, ok := s.quotes[c.Key]
		if !ok {
			continue
		}
		v := value(q)
		if v == 0 || now.Sub(q.At) > m.cfg.MaxAge {
			continue
		}
		f := Figure{Value: v, Source: s.name, At: q.At, Age: max(now.Sub(q.At), 0)}
		if s.fresh[c.Key] {
			return f
		}
		if stale.Source == "" || q.At.After(stale.At) {
			f.Stale = true
			stale = f
		}
	}
	return stale
}

// logRanking logs each algorithm's best coin.
func (m *Module) logRanking(s *Snapshot) {
	for _, alg := range s.Algorithms() {
		r := s.Ranking(alg)
		if len(r) == 0 || !r[0].Complete {
			m.log.Info("profit ranking incomplete", "algorithm", alg, "seq", s.Seq)
			continue
		}
		b := r[0]
		m.log.Info("profit ranking", "algorithm", alg, "seq", s.Seq, "best", b.Coin,
			"revenue", formatAmount(b.Revenue), "per", b.Unit+"/day", "quote", s.Quote,
			"price_source", b.Price.Source, "price_age", b.Price.Age.Round(time.Second))
	}
}

// historyDoc is one algorithm's ranking as the history keeps it.
type historyDoc struct {
	Time    time.Time      `json:"time"`
	Seq     uint64         `json:"seq"`
	Quote   string         `json:"quote"`
	Ranking []CoinFigures  `json:"ranking"`
	Sources []SourceStatus `json:"sources"`
}

// writeHistory appends each algorithm's ranking to the history; failures
// are logged once per run of failures and never stop the module.
func (m *Module) writeHistory(ctx context.Context, s *Snapshot) {
	if m.hist == nil || s == nil {
		return
	}
	hctx, cancel := context.WithTimeout(ctx, min(historyTimeout, m.cfg.UpdateInterval))
	defer cancel()
	var failed error
	for _, alg := range s.Algorithms() {
		doc, err := json.Marshal(historyDoc{Time: s.Time, Seq: s.Seq, Quote: s.Quote, Ranking: s.Ranking(alg), Sources: s.Sources})
		if err == nil {
			err = m.hist.AppendProfitHistory(hctx, alg, doc)
		}
		if err != nil {
			failed = err
			break
		}
	}
	m.mu.Lock()
	was := m.histDown
	m.histDown = failed != nil
	m.mu.Unlock()
	switch {
	case failed != nil && !was:
		m.log.Warn("profit history not written", "err", failed)
	case failed == nil && was:
		m.log.Info("profit history written again")
	}
}
