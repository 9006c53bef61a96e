package profit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// CoinGeckoURL is the public API's base URL.
const CoinGeckoURL = "https://api.coingecko.com"

// CoinGeckoConfig configures the CoinGecko price source.
type CoinGeckoConfig struct {
	// URL is the API base; default CoinGeckoURL.
	URL string
	// APIKey, when set, goes in the x-cg-demo-api-key header (or
	// x-cg-pro-api-key with Pro set).
	APIKey string
	Pro    bool
	// Quote is the quote currency ("BTC"); default BTC.
	Quote string
	// IDs maps coins to CoinGecko ids; default the coin's Family
	// ("litecoin", "dogecoin").
	IDs IDs
	// Timeout bounds the request; default DefaultTimeout.
	Timeout time.Duration
	Client  *http.Client
}

// CoinGecko prices coins with /api/v3/simple/price, all coins in one call.
type CoinGecko struct {
	cfg CoinGeckoConfig
	get httpGetter
}

// NewCoinGecko checks cfg and returns the source.
func NewCoinGecko(cfg CoinGeckoConfig) (*CoinGecko, error) {
	if cfg.Quote == "" {
		cfg.Quote = "BTC"
	}
	var err error
	if cfg.URL, err = sourceURL("coingecko", cfg.URL, CoinGeckoURL); err != nil {
		return nil, err
	}
	g := newGetter(cfg.Client, cfg.Timeout, cfg.APIKey)
	if cfg.APIKey != "" {
		h := "x-cg-demo-api-key"
		if cfg.Pro {
			h = "x-cg-pro-api-key"
		}
		g.header.Set(h, cfg.APIKey)
	}
	return &CoinGecko{cfg: cfg, get: g}, nil
}

// Name returns "coingecko".
func (s *CoinGecko) Name() string { return "coingecko" }

// Fetch asks for every coin's price in one request.
func (s *CoinGecko) Fetch(ctx context.Context, coins []Coin) (map[string]Quote, error) {
	idOf := map[string][]string{} // CoinGecko id -> coin keys
	for _, c := range coins {
		id := strings.ToLower(s.cfg.IDs.idOr(c, c.Family))
		if id == "" {
			continue
		}
		idOf[id] = append(idOf[id], c.Key)
	}
	if len(idOf) == 0 {
		return map[string]Quote{}, nil
	}
	ids := make([]string, 0, len(idOf))
	for id := range idOf {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	q := url.Values{}
	q.Set("ids", strings.Join(ids, ","))
	q.Set("vs_currencies", strings.ToLower(s.cfg.Quote))
	body, err := s.get.get(ctx, strings.TrimRight(s.cfg.URL, "/")+"/api/v3/simple/price?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("coingecko: %w", err)
	}
	prices, err := parseCoinGecko(body, s.cfg.Quote)
	if err != nil {
		return nil, fmt.Errorf("coingecko: %w", err)
	}
	out := map[string]Quote{}
	for id, keys := range idOf {
		p, ok := prices[id]
		if !ok {
			continue
		}
		for _, k := range keys {
			out[k] = p
		}
	}
	return out, nil
}

// parseCoinGecko reads a simple/price reply: {"<id>": {"<quote>": price,
// "last_updated_at": unix}, ...}, keyed by lower-case id. Entries without a usable price are left
// out.
func parseCoinGecko(body []byte, quote string) (map[string]Quote, error) {
	var raw map[string]map[string]json.RawMessage
	if err := decodeStrict(body, &raw); err != nil {
		// CoinGecko's errors come as {"status": {"error_code": ..}} or
		// {"error": "..."}: not the documented shape either way.
		return nil, err
	}
	cur := strings.ToLower(quote)
	out := make(map[string]Quote, len(raw))
	for id, fields := range raw {
		var p number
		if v, ok := fields[cur]; ok {
			p.UnmarshalJSON(v)
		}
		if clean(float64(p)) == 0 {
			continue
		}
		// last_updated_at is the exchange's time; the figure's time is
		// when we asked, like every other source's.
		out[strings.ToLower(id)] = Quote{Price: float64(p)}
	}
	return out, nil
}
