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

// KrakenURL is Kraken's REST API base URL.
const KrakenURL = "https://api.kraken.com"

// KrakenConfig configures the Kraken price source.
type KrakenConfig struct {
	// URL is the API base; default KrakenURL.
	URL string
	// Quote is the quote currency; default BTC (Kraken's XBT).
	Quote string
	// IDs maps coins to Kraken pair names; default symbol+quote in
	// Kraken's spelling ("LTCXBT", "XDGXBT").
	IDs     IDs
	Timeout time.Duration
	Client  *http.Client
}

// Kraken prices coins with /0/public/Ticker, one pair per request (the
// reply names pairs by Kraken's internal names, such as XLTCXXBT, which
// cannot be told apart reliably when several are asked for at once).
type Kraken struct {
	cfg KrakenConfig
	get httpGetter
}

// NewKraken checks cfg and returns the source.
func NewKraken(cfg KrakenConfig) (*Kraken, error) {
	if cfg.Quote == "" {
		cfg.Quote = "BTC"
	}
	var err error
	if cfg.URL, err = sourceURL("kraken", cfg.URL, KrakenURL); err != nil {
		return nil, err
	}
	return &Kraken{cfg: cfg, get: newGetter(cfg.Client, cfg.Timeout)}, nil
}

// Name returns "kraken".
func (s *Kraken) Name() string { return "kraken" }

// krakenAsset spells a ticker the way Kraken's pair names do.
func krakenAsset(sym string) string {
	switch s := strings.ToUpper(sym); s {
	case "BTC":
		return "XBT"
	case "DOGE":
		return "XDG"
	default:
		return s
	}
}

// Fetch asks for each coin's pair in turn; a pair Kraken does not know
// leaves that coin out, other failures are joined into the error.
func (s *Kraken) Fetch(ctx context.Context, coins []Coin) (map[string]Quote, error) {
	out := map[string]Quote{}
	var errs []error
	for _, c := range coins {
		if strings.EqualFold(c.Symbol, s.cfg.Quote) {
			continue
		}
		pair := s.cfg.IDs.idOr(c, krakenAsset(c.Symbol)+krakenAsset(s.cfg.Quote))
		if pair == "" {
			continue
		}
		q := url.Values{"pair": {pair}}
		body, err := s.get.get(ctx, strings.TrimRight(s.cfg.URL, "/")+"/0/public/Ticker?"+q.Encode())
		if err == nil {
			var p float64
			p, err = parseKraken(body)
			if err == nil {
				out[c.Key] = Quote{Price: p}
				continue
			}
			if errors.Is(err, errKrakenUnknownPair) {
				continue
			}
		}
		errs = append(errs, fmt.Errorf("%s: %w", pair, err))
		if ctx.Err() != nil || errors.Is(err, ErrRateLimited) {
			break
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("kraken: %w", errors.Join(errs...))
	}
	return out, nil
}

// errKrakenUnknownPair is Kraken's "EQuery:Unknown asset pair".
var errKrakenUnknownPair = fmt.Errorf("%w: unknown asset pair", ErrBadReply)

// parseKraken reads a one-pair Ticker reply: {"error": [], "result":
// {"<pair>": {"c": ["<last price>", "<volume>"], ...}}} and returns the
// last trade's price.
func parseKraken(body []byte) (float64, error) {
	var r struct {
		Error  []string                   `json:"error"`
		Result map[string]json.RawMessage `json:"result"`
	}
	if err := decodeStrict(body, &r); err != nil {
		return 0, err
	}
	if len(r.Error) > 0 {
		for _, e := range r.Error {
			if strings.Contains(e, "Unknown asset pair") {
				return 0, errKrakenUnknownPair
			}
		}
		return 0, fmt.Errorf("%w: %s", ErrBadReply, strings.Join(r.Error, "; "))
	}
	if len(r.Result) != 1 {
		return 0, fmt.Errorf("%w: %d pairs in the result, want 1", ErrBadReply, len(r.Result))
	}
	for _, raw := range r.Result {
		var t struct {
			C []number `json:"c"`
		}
		if err := decodeStrict(raw, &t); err != nil {
			return 0, err
		}
		if len(t.C) == 0 || clean(float64(t.C[0])) == 0 {
			return 0, fmt.Errorf("%w: no last trade price", ErrBadReply)
		}
		return float64(t.C[0]), nil
	}
	return 0, nil // unreachable
}
