package profit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// WhatToMineURL is WhatToMine's base URL.
const WhatToMineURL = "https://whattomine.com"

// WhatToMineConfig configures the WhatToMine source.
type WhatToMineConfig struct {
	// URL is the base; default WhatToMineURL.
	URL string
	// List is the path of the coin list; default "/coins.json" (GPU coins;
	// "/asic.json" lists the ASIC algorithms such as scrypt and SHA-256).
	List string
	// Quote is the module's quote currency; exchange rates are used only
	// when their exchange_rate_curr matches it.
	Quote string
	// IDs maps coins to WhatToMine ids ("4" for /coins/4.json); a coin
	// with an id is fetched on its own, the others are matched by tag in
	// the list.
	IDs     IDs
	Timeout time.Duration
	Client  *http.Client
}

// WhatToMine reads difficulty, block reward and exchange rate from the
// coin list, or from /coins/<id>.json for coins with a configured id.
type WhatToMine struct {
	cfg WhatToMineConfig
	get httpGetter
}

// NewWhatToMine checks cfg and returns the source.
func NewWhatToMine(cfg WhatToMineConfig) (*WhatToMine, error) {
	if cfg.List == "" {
		cfg.List = "/coins.json"
	}
	if cfg.Quote == "" {
		cfg.Quote = "BTC"
	}
	var err error
	if cfg.URL, err = sourceURL("whattomine", cfg.URL, WhatToMineURL); err != nil {
		return nil, err
	}
	return &WhatToMine{cfg: cfg, get: newGetter(cfg.Client, cfg.Timeout)}, nil
}

// Name returns "whattomine".
func (s *WhatToMine) Name() string { return "whattomine" }

// Fetch reads the list once (when a coin needs it) and each coin with an
// id on its own.
func (s *WhatToMine) Fetch(ctx context.Context, coins []Coin) (map[string]Quote, error) {
	base := strings.TrimRight(s.cfg.URL, "/")
	out := map[string]Quote{}
	var errs []error
	var list map[string]Quote
	listTried := false
	for _, c := range coins {
		if id, ok := s.cfg.IDs.lookup(c); ok {
			body, err := s.get.get(ctx, base+"/coins/"+url.PathEscape(id)+".json")
			if err == nil {
				var q Quote
				var tag string
				tag, q, err = parseWhatToMineCoin(body, s.cfg.Quote)
				if err == nil && tag != "" {
					out[c.Key] = q
				}
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("coin %s: %w", id, err))
			}
			continue
		}
		if !listTried {
			listTried = true
			body, err := s.get.get(ctx, base+"/"+strings.TrimLeft(s.cfg.List, "/"))
			if err == nil {
				list, err = parseWhatToMineList(body, s.cfg.Quote)
			}
			if err != nil {
				errs = append(errs, err)
			}
		}
		if q, ok := list[strings.ToUpper(c.Symbol)]; ok {
			out[c.Key] = q
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("whattomine: %w", errors.Join(errs...))
	}
	return out, nil
}

// whatToMineCoin is one coin as both the list and /coins/<id>.json give it.
type whatToMineCoin struct {
	Tag              string `json:"tag"`
	BlockReward      number `json:"block_reward"`
	Difficulty       number `json:"difficulty"`
	ExchangeRate     number `json:"exchange_rate"`
	ExchangeRateCurr string `json:"exchange_rate_curr"`
	Lagging          bool   `json:"lagging"`
}

func (c whatToMineCoin) quote(quote string) Quote {
	q := Quote{Difficulty: clean(float64(c.Difficulty)), Reward: clean(float64(c.BlockReward))}
	if c.Lagging {
		// WhatToMine marks coins whose block data it could not update.
		q.Difficulty, q.Reward = 0, 0
	}
	if strings.EqualFold(c.ExchangeRateCurr, quote) && !strings.EqualFold(c.Tag, quote) {
		q.Price = clean(float64(c.ExchangeRate))
	}
	return q
}

// parseWhatToMineList reads {"coins": {"<Name>": {"tag", "difficulty",
// "block_reward", "exchange_rate", "exchange_rate_curr", ...}}} into
// quotes by upper-case tag.
func parseWhatToMineList(body []byte, quote string) (map[string]Quote, error) {
	var r struct {
		Coins map[string]json.RawMessage `json:"coins"`
	}
	if err := decodeStrict(body, &r); err != nil {
		return nil, err
	}
	if r.Coins == nil {
		return nil, fmt.Errorf("%w: no \"coins\" object", ErrBadReply)
	}
	out := make(map[string]Quote, len(r.Coins))
	for _, raw := range r.Coins {
		var c whatToMineCoin
		if json.Unmarshal(raw, &c) != nil {
			continue // one malformed entry spoils only itself
		}
		tag := strings.ToUpper(strings.TrimSpace(c.Tag))
		if tag == "" {
			continue
		}
		if q := c.quote(quote); !q.empty() {
			out[tag] = q
		}
	}
	return out, nil
}

// parseWhatToMineCoin reads /coins/<id>.json and returns its tag and quote.
func parseWhatToMineCoin(body []byte, quote string) (string, Quote, error) {
	var c whatToMineCoin
	if err := decodeStrict(body, &c); err != nil {
		return "", Quote{}, err
	}
	if c.Tag == "" {
		return "", Quote{}, fmt.Errorf("%w: no tag", ErrBadReply)
	}
	return strings.ToUpper(c.Tag), c.quote(quote), nil
}
