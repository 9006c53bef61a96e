package profit

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// BinanceURL is Binance's spot API base URL.
const BinanceURL = "https://api.binance.com"

// BinanceConfig configures the Binance price source.
type BinanceConfig struct {
	// URL is the API base; default BinanceURL.
	URL string
	// Quote is the quote currency; default BTC.
	Quote string
	// IDs maps coins to Binance symbols; default symbol+quote ("LTCBTC").
	IDs     IDs
	Timeout time.Duration
	Client  *http.Client
}

// Binance prices coins with /api/v3/ticker/price, every symbol in one
// call (asking for named symbols fails the whole call when one is unknown).
type Binance struct {
	cfg BinanceConfig
	get httpGetter
}

// NewBinance checks cfg and returns the source.
func NewBinance(cfg BinanceConfig) (*Binance, error) {
	if cfg.Quote == "" {
		cfg.Quote = "BTC"
	}
	var err error
	if cfg.URL, err = sourceURL("binance", cfg.URL, BinanceURL); err != nil {
		return nil, err
	}
	return &Binance{cfg: cfg, get: newGetter(cfg.Client, cfg.Timeout)}, nil
}

// Name returns "binance".
func (s *Binance) Name() string { return "binance" }

// Fetch reads every ticker price and picks the coins' symbols.
func (s *Binance) Fetch(ctx context.Context, coins []Coin) (map[string]Quote, error) {
	body, err := s.get.get(ctx, strings.TrimRight(s.cfg.URL, "/")+"/api/v3/ticker/price")
	if err != nil {
		return nil, fmt.Errorf("binance: %w", err)
	}
	prices, err := parseBinance(body)
	if err != nil {
		return nil, fmt.Errorf("binance: %w", err)
	}
	out := map[string]Quote{}
	for _, c := range coins {
		sym := strings.ToUpper(s.cfg.IDs.idOr(c, c.Symbol+s.cfg.Quote))
		if p, ok := prices[sym]; ok {
			out[c.Key] = Quote{Price: p}
		}
	}
	return out, nil
}

// parseBinance reads a ticker/price reply, an array of {"symbol",
// "price"} or one such object, prices being strings; it returns symbol ->
// price for the usable ones. Binance's errors ({"code": -1121, "msg":
// ...}) are ErrBadReply.
func parseBinance(body []byte) (map[string]float64, error) {
	type ticker struct {
		Symbol *string `json:"symbol"`
		Price  number  `json:"price"`
		Code   *int    `json:"code"`
		Msg    string  `json:"msg"`
	}
	var list []ticker
	if t := bytes.TrimSpace(body); len(t) > 0 && t[0] == '{' {
		var one ticker
		if err := decodeStrict(t, &one); err != nil {
			return nil, err
		}
		if one.Code != nil {
			return nil, fmt.Errorf("%w: error %d: %s", ErrBadReply, *one.Code, one.Msg)
		}
		list = []ticker{one}
	} else if err := decodeStrict(body, &list); err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(list))
	for _, t := range list {
		if t.Symbol == nil || clean(float64(t.Price)) == 0 {
			continue
		}
		out[strings.ToUpper(*t.Symbol)] = float64(t.Price)
	}
	if len(list) > 0 && len(out) == 0 {
		return nil, fmt.Errorf("%w: no usable symbol and price", ErrBadReply)
	}
	return out, nil
}
