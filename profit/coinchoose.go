package profit

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// CoinChooseURL is where the service used to be; it is gone, so expect
// this source to fail (the module carries on without it).
const CoinChooseURL = "https://www.coinchoose.com"

// CoinChooseConfig configures the CoinChoose source.
type CoinChooseConfig struct {
	// URL is the base; default CoinChooseURL.
	URL string
	// Quote is the module's quote currency; prices are BTC and used only
	// when it is BTC.
	Quote string
	// IDs maps coins to CoinChoose symbols; default the symbol.
	IDs     IDs
	Timeout time.Duration
	Client  *http.Client
}

// CoinChoose reads /api.php?base=BTC: difficulty, reward and BTC price of
// every coin, numbers as strings.
type CoinChoose struct {
	cfg CoinChooseConfig
	get httpGetter
}

// NewCoinChoose checks cfg and returns the source.
func NewCoinChoose(cfg CoinChooseConfig) (*CoinChoose, error) {
	if cfg.Quote == "" {
		cfg.Quote = "BTC"
	}
	var err error
	if cfg.URL, err = sourceURL("coinchoose", cfg.URL, CoinChooseURL); err != nil {
		return nil, err
	}
	return &CoinChoose{cfg: cfg, get: newGetter(cfg.Client, cfg.Timeout)}, nil
}

// Name returns "coinchoose".
func (s *CoinChoose) Name() string { return "coinchoose" }

// Fetch reads the whole list and picks the coins.
func (s *CoinChoose) Fetch(ctx context.Context, coins []Coin) (map[string]Quote, error) {
	body, err := s.get.get(ctx, strings.TrimRight(s.cfg.URL, "/")+"/api.php?base=BTC")
	if err != nil {
		return nil, fmt.Errorf("coinchoose: %w", err)
	}
	all, err := parseCoinChoose(body, s.cfg.Quote)
	if err != nil {
		return nil, fmt.Errorf("coinchoose: %w", err)
	}
	out := map[string]Quote{}
	for _, c := range coins {
		if q, ok := all[strings.ToUpper(s.cfg.IDs.idOr(c, c.Symbol))]; ok {
			out[c.Key] = q
		}
	}
	return out, nil
}

// parseCoinChoose reads the bare array [{"symbol", "difficulty", "reward",
// "price", ...}] (numbers as strings, each field also under a numeric key)
// into quotes by upper-case symbol.
func parseCoinChoose(body []byte, quote string) (map[string]Quote, error) {
	var list []struct {
		Symbol     string `json:"symbol"`
		Difficulty number `json:"difficulty"`
		Reward     number `json:"reward"`
		Price      number `json:"price"`
	}
	if err := decodeStrict(body, &list); err != nil {
		return nil, err
	}
	btc := strings.EqualFold(quote, "BTC")
	out := make(map[string]Quote, len(list))
	for _, e := range list {
		sym := strings.ToUpper(strings.TrimSpace(e.Symbol))
		if sym == "" {
			continue
		}
		q := Quote{Difficulty: clean(float64(e.Difficulty)), Reward: clean(float64(e.Reward))}
		if btc && sym != "BTC" {
			q.Price = clean(float64(e.Price))
		}
		if !q.empty() {
			out[sym] = q
		}
	}
	return out, nil
}
