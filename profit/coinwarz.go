package profit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// CoinWarz limits.
const (
	// CoinWarzURL is the API's base URL.
	CoinWarzURL = "https://www.coinwarz.com"
	// CoinWarzMinInterval is the default and the least time between two
	// calls: the free tier allows about 25 calls a day.
	CoinWarzMinInterval = time.Hour
)

// Cache keeps a rate-limited source's last reply across restarts (the
// ledger implements it).
type Cache interface {
	SourceCache(ctx context.Context, source string) (body []byte, at time.Time, ok bool, err error)
	SaveSourceCache(ctx context.Context, source string, at time.Time, body []byte, ttl time.Duration) error
}

// CoinWarzConfig configures the CoinWarz source.
type CoinWarzConfig struct {
	// URL is the API base; default CoinWarzURL.
	URL string
	// APIKey is required; it travels in the query string and is kept out
	// of every error.
	APIKey string
	// Algo is CoinWarz's algo parameter; default "all".
	Algo string
	// Quote is the module's quote currency: CoinWarz's exchange rates are
	// used only when it is BTC.
	Quote string
	// MinInterval is the least time between calls; default (and at
	// least) CoinWarzMinInterval unless AllowFaster is set for a paid
	// plan.
	MinInterval time.Duration
	AllowFaster bool
	// IDs maps coins to CoinWarz tags; default the symbol.
	IDs IDs
	// Cache, when set, keeps the last reply across restarts.
	Cache   Cache
	Timeout time.Duration
	Client  *http.Client
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// CoinWarz reads difficulty, block reward and BTC exchange rate of every
// coin from /v1/api/profitability, at most once per MinInterval; between
// calls it answers from its cache.
type CoinWarz struct {
	cfg CoinWarzConfig
	get httpGetter

	mu sync.Mutex // guards the fields below
	// loaded is set once the persistent cache was read.
	loaded bool
	// data is the last good reply's quotes by upper-case tag, at its time.
	data map[string]Quote
	at   time.Time
	// next is the earliest time of the next call; lastErr is the last
	// call's error, repeated until then.
	next    time.Time
	lastErr error
	// remaining is the calls left today as the last reply said; -1 unknown.
	remaining int
}

// NewCoinWarz checks cfg and returns the source.
func NewCoinWarz(cfg CoinWarzConfig) (*CoinWarz, error) {
	if cfg.APIKey == "" {
		return nil, fmt.Errorf("%w: coinwarz needs an apiKey", ErrConfig)
	}
	if cfg.Algo == "" {
		cfg.Algo = "all"
	}
	if cfg.Quote == "" {
		cfg.Quote = "BTC"
	}
	if cfg.MinInterval == 0 {
		cfg.MinInterval = CoinWarzMinInterval
	}
	if cfg.MinInterval < CoinWarzMinInterval && !cfg.AllowFaster {
		return nil, fmt.Errorf("%w: coinwarz minInterval %v is under %v (the free tier's limit)",
			ErrConfig, cfg.MinInterval, CoinWarzMinInterval)
	}
	if cfg.MinInterval < time.Second {
		return nil, fmt.Errorf("%w: coinwarz minInterval %v", ErrConfig, cfg.MinInterval)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var err error
	if cfg.URL, err = sourceURL("coinwarz", cfg.URL, CoinWarzURL); err != nil {
		return nil, err
	}
	return &CoinWarz{cfg: cfg, get: newGetter(cfg.Client, cfg.Timeout, cfg.APIKey), remaining: -1}, nil
}

// Name returns "coinwarz".
func (s *CoinWarz) Name() string { return "coinwarz" }

// Remaining returns the calls left today as the last reply said, -1 when
// unknown.
func (s *CoinWarz) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.remaining
}

// Fetch calls CoinWarz when MinInterval has passed since the last call
// (successful or not) and otherwise answers from the cache, or repeats the
// last call's error.
func (s *CoinWarz) Fetch(ctx context.Context, coins []Coin) (map[string]Quote, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	if !s.loaded {
		s.loaded = true
		s.loadCacheLocked(ctx, now)
	}
	if now.Before(s.next) {
		if s.lastErr != nil {
			return nil, fmt.Errorf("coinwarz: last call failed, next call in %v: %w",
				s.next.Sub(now).Round(time.Second), s.lastErr)
		}
		if s.data != nil {
			return s.pick(coins), nil
		}
		return nil, &RateLimitError{RetryAfter: s.next.Sub(now), Msg: "coinwarz: waiting for the next allowed call"}
	}
	s.next = now.Add(s.cfg.MinInterval)
	q := url.Values{"apikey": {s.cfg.APIKey}, "algo": {s.cfg.Algo}}
	body, err := s.get.get(ctx, strings.TrimRight(s.cfg.URL, "/")+"/v1/api/profitability/?"+q.Encode())
	if err == nil {
		var data map[string]Quote
		var remaining int
		data, remaining, err = parseCoinWarz(body, s.cfg.Quote)
		if err == nil {
			s.data, s.at, s.lastErr, s.remaining = data, now, nil, remaining
			s.stretchLocked(now)
			if s.cfg.Cache != nil {
				// Best effort: without it a restart only costs one call.
				s.cfg.Cache.SaveSourceCache(ctx, s.Name(), now, body, s.cfg.MinInterval)
			}
			return s.pick(coins), nil
		}
	}
	var rl *RateLimitError
	if errors.As(err, &rl) && rl.RetryAfter > s.cfg.MinInterval {
		s.next = now.Add(rl.RetryAfter)
	}
	s.lastErr = s.get.redact(err)
	return nil, fmt.Errorf("coinwarz: %w", s.lastErr)
}

// stretchLocked keeps the source quiet until the next UTC day once the
// reply said no calls remain.
func (s *CoinWarz) stretchLocked(now time.Time) {
	if s.remaining != 0 {
		return
	}
	u := now.UTC()
	midnight := time.Date(u.Year(), u.Month(), u.Day()+1, 0, 0, 0, 0, time.UTC)
	if midnight.After(s.next) {
		s.next = midnight
	}
}

// loadCacheLocked takes a cached reply younger than MinInterval as the
// last call's.
func (s *CoinWarz) loadCacheLocked(ctx context.Context, now time.Time) {
	if s.cfg.Cache == nil {
		return
	}
	body, at, ok, err := s.cfg.Cache.SourceCache(ctx, s.Name())
	if err != nil || !ok || at.After(now) || now.Sub(at) >= s.cfg.MinInterval {
		return
	}
	data, remaining, err := parseCoinWarz(body, s.cfg.Quote)
	if err != nil {
		return
	}
	s.data, s.at, s.remaining = data, at, remaining
	s.next = at.Add(s.cfg.MinInterval)
	s.stretchLocked(at)
}

// pick returns the cached quotes of coins.
func (s *CoinWarz) pick(coins []Coin) map[string]Quote {
	out := map[string]Quote{}
	for _, c := range coins {
		if q, ok := s.data[strings.ToUpper(s.cfg.IDs.idOr(c, c.Symbol))]; ok {
			q.At = s.at
			out[c.Key] = q
		}
	}
	return out
}

var coinWarzRemaining = regexp.MustCompile(`(?i)(\d+)\s+api calls? remaining`)

// parseCoinWarz reads a profitability reply: {"Success": bool, "Message":
// str, "Data": [{CoinTag, Difficulty, BlockReward, ExchangeRate, ...}]}.
// It returns quotes by upper-case tag and the calls remaining (-1 when the
// message does not say). ExchangeRate is BTC per coin, except for BTC
// itself, where it is USD; prices are used only for quote BTC.
func parseCoinWarz(body []byte, quote string) (map[string]Quote, int, error) {
	var r struct {
		Success *bool  `json:"Success"`
		Message string `json:"Message"`
		Data    []struct {
			CoinTag               string `json:"CoinTag"`
			Difficulty            number `json:"Difficulty"`
			BlockReward           number `json:"BlockReward"`
			ExchangeRate          number `json:"ExchangeRate"`
			IsExchangeOnline      *bool  `json:"IsExchangeOnline"`
			IsBlockExplorerOnline *bool  `json:"IsBlockExplorerOnline"`
		} `json:"Data"`
	}
	if err := decodeStrict(body, &r); err != nil {
		return nil, -1, err
	}
	if r.Success == nil {
		return nil, -1, fmt.Errorf("%w: no Success field", ErrBadReply)
	}
	if !*r.Success {
		if strings.Contains(strings.ToLower(r.Message), "limit") {
			return nil, -1, &RateLimitError{Msg: "coinwarz: " + r.Message}
		}
		return nil, -1, fmt.Errorf("%w: coinwarz says: %s", ErrBadReply, r.Message)
	}
	remaining := -1
	if m := coinWarzRemaining.FindStringSubmatch(r.Message); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil {
			remaining = n
		}
	}
	btc := strings.EqualFold(quote, "BTC")
	out := make(map[string]Quote, len(r.Data))
	for _, d := range r.Data {
		tag := strings.ToUpper(strings.TrimSpace(d.CoinTag))
		if tag == "" {
			continue
		}
		q := Quote{Difficulty: clean(float64(d.Difficulty)), Reward: clean(float64(d.BlockReward))}
		if d.IsBlockExplorerOnline != nil && !*d.IsBlockExplorerOnline {
			q.Difficulty, q.Reward = 0, 0
		}
		if btc && tag != "BTC" && (d.IsExchangeOnline == nil || *d.IsExchangeOnline) {
			q.Price = clean(float64(d.ExchangeRate))
		}
		if !q.empty() {
			out[tag] = q
		}
	}
	return out, remaining, nil
}
