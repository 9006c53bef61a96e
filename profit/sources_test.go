package profit

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func sample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	ltc  = Coin{Key: "litecoin", Symbol: "LTC", Family: "litecoin", Algorithm: "scrypt"}
	doge = Coin{Key: "dogecoin", Symbol: "DOGE", Family: "dogecoin", Algorithm: "scrypt"}
	btc  = Coin{Key: "bitcoin", Symbol: "BTC", Family: "bitcoin", Algorithm: "sha256d"}
	eth  = Coin{Key: "ethereum", Symbol: "ETH", Family: "ethereum", Algorithm: "ethash"}
	etc  = Coin{Key: "ethereum-classic", Symbol: "ETC", Family: "ethereum-classic", Algorithm: "ethash"}
)

// TestParsersOnSamples reads each sample payload.
func TestParsersOnSamples(t *testing.T) {
	t.Run("coingecko", func(t *testing.T) {
		q, err := parseCoinGecko(sample(t, "coingecko-simple-price.json"), "usd")
		if err != nil || !near(q["bitcoin"].Price, 67187.3358936566) {
			t.Fatalf("%v %v", q, err)
		}
		q, err = parseCoinGecko(sample(t, "coingecko-simple-price-multi.reconstructed.json"), "BTC")
		if err != nil || q["litecoin"].Price != 0.00123 || q["dogecoin"].Price != 0.0000021 {
			t.Fatalf("%v %v", q, err)
		}
		// No btc quote in the docs example: nothing usable, no error.
		if q, err := parseCoinGecko(sample(t, "coingecko-simple-price.json"), "btc"); err != nil || len(q) != 0 {
			t.Fatalf("%v %v", q, err)
		}
	})
	t.Run("kraken", func(t *testing.T) {
		p, err := parseKraken(sample(t, "kraken-ticker.json"))
		if err != nil || p != 30303.2 {
			t.Fatalf("%v %v", p, err)
		}
	})
	t.Run("binance", func(t *testing.T) {
		m, err := parseBinance(sample(t, "binance-ticker-price.json"))
		if err != nil || m["LTCBTC"] != 4.000002 {
			t.Fatalf("%v %v", m, err)
		}
		m, err = parseBinance(sample(t, "binance-ticker-price-array.json"))
		if err != nil || m["LTCBTC"] != 4.000002 || m["ETHBTC"] != 0.079466 {
			t.Fatalf("%v %v", m, err)
		}
	})
	t.Run("coinwarz", func(t *testing.T) {
		q, remaining, err := parseCoinWarz(sample(t, "coinwarz-profitability.json"), "BTC")
		if err != nil || remaining != 996 {
			t.Fatalf("%v remaining %d: %v", q, remaining, err)
		}
		if e := q["ETH"]; e.Difficulty != 2.09296931161813e15 || e.Reward != 3 || e.Price != 0.09154385 {
			t.Fatalf("ETH %+v", e)
		}
		// BTC's ExchangeRate is in USD: no price.
		if b := q["BTC"]; b.Price != 0 || b.Reward != 12.5 {
			t.Fatalf("BTC %+v", b)
		}
		// Another quote currency: no prices at all.
		q, _, _ = parseCoinWarz(sample(t, "coinwarz-profitability.json"), "USD")
		if q["ETC"].Price != 0 || q["ETC"].Difficulty == 0 {
			t.Fatalf("ETC in USD %+v", q["ETC"])
		}
		// The envelope of the docs: success with no list.
		if q, _, err := parseCoinWarz(sample(t, "coinwarz-envelope.json"), "BTC"); err == nil || len(q) != 0 {
			t.Fatalf("envelope with Data {}: %v %v, want a shape error", q, err)
		}
	})
	t.Run("coinchoose", func(t *testing.T) {
		q, err := parseCoinChoose(sample(t, "coinchoose-api.json"), "BTC")
		if l := q["LTC"]; err != nil || l.Difficulty != 3206.90479195 || l.Reward != 50 || l.Price != 0.02532 {
			t.Fatalf("%+v %v", q, err)
		}
	})
	t.Run("whattomine", func(t *testing.T) {
		q, err := parseWhatToMineList(sample(t, "whattomine-coins.json"), "BTC")
		if e := q["ETH"]; err != nil || e.Reward != 2.91 || e.Difficulty != 3.25620720085259e15 || e.Price != 0.073289 {
			t.Fatalf("%+v %v", q, err)
		}
		tag, c, err := parseWhatToMineCoin(sample(t, "whattomine-coin-151.json"), "BTC")
		if err != nil || tag != "ETH" || c.Price != 0.07327 || c.Difficulty != 3.23405773003569e15 {
			t.Fatalf("%s %+v %v", tag, c, err)
		}
	})
}

// TestParsersMalformed feeds each parser the shapes real APIs send when
// things go wrong; none panics and each says ErrBadReply (or leaves the
// bad entry out).
func TestParsersMalformed(t *testing.T) {
	parsers := map[string]func([]byte) error{
		"coingecko":  func(b []byte) error { _, err := parseCoinGecko(b, "btc"); return err },
		"kraken":     func(b []byte) error { _, err := parseKraken(b); return err },
		"binance":    func(b []byte) error { _, err := parseBinance(b); return err },
		"coinwarz":   func(b []byte) error { _, _, err := parseCoinWarz(b, "BTC"); return err },
		"coinchoose": func(b []byte) error { _, err := parseCoinChoose(b, "BTC"); return err },
		"whattomine": func(b []byte) error { _, err := parseWhatToMineList(b, "BTC"); return err },
		"wtm coin":   func(b []byte) error { _, _, err := parseWhatToMineCoin(b, "BTC"); return err },
	}
	bodies := []string{``, `{`, `[1,2`, `<html><body>502 Bad Gateway</body></html>`, `null`, `"x"`, `12`, `{"a":[}`}
	for name, parse := range parsers {
		for _, b := range bodies {
			t.Run(name+"/"+b, func(t *testing.T) {
				err := parse([]byte(b))
				if b == "null" {
					return // decodes to an empty value; some parsers accept it as "nothing"
				}
				if !errors.Is(err, ErrBadReply) {
					t.Fatalf("err %v, want ErrBadReply", err)
				}
			})
		}
	}
	tests := []struct {
		name  string
		parse func() error
	}{
		{"kraken error list", func() error { _, err := parseKraken([]byte(`{"error":["EGeneral:Too many requests"]}`)); return err }},
		{"kraken unknown pair", func() error {
			_, err := parseKraken([]byte(`{"error":["EQuery:Unknown asset pair"]}`))
			if !errors.Is(err, errKrakenUnknownPair) {
				return fmt.Errorf("not the unknown pair error: %w", err)
			}
			return err
		}},
		{"kraken no price", func() error { _, err := parseKraken([]byte(`{"error":[],"result":{"X":{"c":[]}}}`)); return err }},
		{"binance error", func() error { _, err := parseBinance([]byte(`{"code":-1121,"msg":"Invalid symbol."}`)); return err }},
		{"binance garbage prices", func() error { _, err := parseBinance([]byte(`[{"symbol":"LTCBTC","price":"abc"}]`)); return err }},
		{"coinwarz failure", func() error {
			_, _, err := parseCoinWarz([]byte(`{"Success":false,"Message":"Invalid API key"}`), "BTC")
			return err
		}},
		{"coinwarz no success field", func() error { _, _, err := parseCoinWarz([]byte(`{"Data":[]}`), "BTC"); return err }},
		{"whattomine no coins", func() error { _, err := parseWhatToMineList([]byte(`{"error":"x"}`), "BTC"); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.parse(); !errors.Is(err, ErrBadReply) {
				t.Fatalf("err %v, want ErrBadReply", err)
			}
		})
	}
	// A CoinWarz daily limit message is a rate limit, not garbage.
	if _, _, err := parseCoinWarz([]byte(`{"Success":false,"Message":"Daily API call limit reached"}`), "BTC"); !errors.Is(err, ErrRateLimited) {
		t.Fatalf("limit message: %v", err)
	}
	// Garbage numbers inside an otherwise good reply make that figure
	// unknown, nothing else.
	q, err := parseCoinChoose([]byte(`[{"symbol":"LTC","difficulty":"NaN","reward":"50","price":"x"},{"symbol":"DOGE","difficulty":"1e400"}]`), "BTC")
	if err != nil || q["LTC"].Difficulty != 0 || q["LTC"].Reward != 50 || q["LTC"].Price != 0 {
		t.Fatalf("%+v %v", q, err)
	}
	if _, ok := q["DOGE"]; ok {
		t.Fatal("an entry with nothing usable was kept")
	}
	// One malformed WhatToMine entry spoils only itself.
	q, err = parseWhatToMineList([]byte(`{"coins":{"A":{"tag":"AAA","difficulty":5,"block_reward":1},"B":{"tag":7}}}`), "BTC")
	if err != nil || q["AAA"].Difficulty != 5 || len(q) != 1 {
		t.Fatalf("%+v %v", q, err)
	}
}

// replay is an httptest server that serves one payload per path and can
// be switched to a failure shape.
type replay struct {
	srv  *httptest.Server
	mu   sync.Mutex
	body map[string]string // path -> body
	fail string            // "", "429", "500", "html", "garbage", "timeout"
	hits atomic.Int64
	// last is the last request, for header and query checks.
	last *http.Request
}

func newReplay(t *testing.T) *replay {
	r := &replay{body: map[string]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.hits.Add(1)
		r.mu.Lock()
		fail, body := r.fail, r.body[req.URL.Path]
		r.last = req.Clone(context.Background())
		r.mu.Unlock()
		switch fail {
		case "429":
			w.Header().Set("Retry-After", "7200")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"status":{"error_code":429,"error_message":"You've exceeded the Rate Limit."}}`)
			return
		case "500":
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		case "html":
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<!DOCTYPE html><html><head><title>Just a moment...</title></head></html>")
			return
		case "garbage":
			fmt.Fprint(w, `{"ltc": [1, 2, `)
			return
		case "timeout":
			<-req.Context().Done()
			return
		}
		if body == "" {
			http.NotFound(w, req)
			return
		}
		fmt.Fprint(w, body)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *replay) set(path, body string) {
	r.mu.Lock()
	r.body[path] = body
	r.mu.Unlock()
}

func (r *replay) failWith(shape string) {
	r.mu.Lock()
	r.fail = shape
	r.mu.Unlock()
}

func (r *replay) lastRequest() *http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// TestSourcesOverHTTP fetches every source from a replay of its samples,
// then from each failure shape.
func TestSourcesOverHTTP(t *testing.T) {
	rp := newReplay(t)
	rp.set("/api/v3/simple/price", string(sample(t, "coingecko-simple-price-multi.reconstructed.json")))
	rp.set("/0/public/Ticker", string(sample(t, "kraken-ticker.json")))
	rp.set("/api/v3/ticker/price", string(sample(t, "binance-ticker-price-array.json")))
	rp.set("/v1/api/profitability/", string(sample(t, "coinwarz-profitability.json")))
	rp.set("/api.php", string(sample(t, "coinchoose-api.json")))
	rp.set("/coins.json", string(sample(t, "whattomine-coins.json")))
	rp.set("/coins/151.json", string(sample(t, "whattomine-coin-151.json")))

	const key = "SECRETKEY123"
	gecko, _ := NewCoinGecko(CoinGeckoConfig{URL: rp.srv.URL, APIKey: key, Timeout: 200 * time.Millisecond})
	kraken, _ := NewKraken(KrakenConfig{URL: rp.srv.URL, Timeout: 200 * time.Millisecond})
	binance, _ := NewBinance(BinanceConfig{URL: rp.srv.URL, Timeout: 200 * time.Millisecond})
	cw, err := NewCoinWarz(CoinWarzConfig{URL: rp.srv.URL, APIKey: key, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	cc, _ := NewCoinChoose(CoinChooseConfig{URL: rp.srv.URL, Timeout: 200 * time.Millisecond})
	wtm, _ := NewWhatToMine(WhatToMineConfig{URL: rp.srv.URL, Timeout: 200 * time.Millisecond, IDs: IDs{"ethereum-classic": "151"}})

	type want struct {
		coin  string
		price float64
		diff  float64
	}
	tests := []struct {
		src   Source
		coins []Coin
		want  []want
	}{
		{gecko, []Coin{ltc, doge, btc}, []want{{"litecoin", 0.00123, 0}, {"dogecoin", 0.0000021, 0}}},
		{kraken, []Coin{ltc}, []want{{"litecoin", 30303.2, 0}}},
		{binance, []Coin{ltc, eth, doge}, []want{{"litecoin", 4.000002, 0}, {"ethereum", 0.079466, 0}}},
		{cw, []Coin{eth, etc, btc}, []want{{"ethereum", 0.09154385, 2.09296931161813e15}, {"ethereum-classic", 0.00249528, 101346450673565.98}, {"bitcoin", 0, 1931136454487.72}}},
		{cc, []Coin{ltc}, []want{{"litecoin", 0.02532, 3206.90479195}}},
		{wtm, []Coin{eth, etc}, []want{{"ethereum", 0.073289, 3.25620720085259e15}, {"ethereum-classic", 0.07327, 3.23405773003569e15}}},
	}
	for _, tc := range tests {
		t.Run(tc.src.Name(), func(t *testing.T) {
			got, err := tc.src.Fetch(context.Background(), tc.coins)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %d coins", got, len(tc.want))
			}
			for _, w := range tc.want {
				q := got[w.coin]
				if q.Price != w.price || q.Difficulty != w.diff {
					t.Errorf("%s: %+v, want price %v difficulty %v", w.coin, q, w.price, w.diff)
				}
			}
		})
	}
	if r := rp.lastRequest(); r == nil {
		t.Fatal("no request")
	}
	// The CoinGecko key travels in its header.
	rp.hits.Store(0)
	gecko.Fetch(context.Background(), []Coin{ltc})
	if r := rp.lastRequest(); r.Header.Get("x-cg-demo-api-key") != key || r.URL.Query().Get("ids") != "litecoin" || r.URL.Query().Get("vs_currencies") != "btc" {
		t.Fatalf("coingecko request %v %v", r.URL, r.Header)
	}

	for _, shape := range []string{"429", "500", "html", "garbage", "timeout"} {
		t.Run("failing/"+shape, func(t *testing.T) {
			rp.failWith(shape)
			defer rp.failWith("")
			for _, src := range []Source{gecko, kraken, binance, cc, wtm} {
				start := time.Now()
				got, err := src.Fetch(context.Background(), []Coin{ltc, eth})
				if err == nil || len(got) != 0 {
					t.Fatalf("%s: %v, %v; want an error and nothing", src.Name(), got, err)
				}
				if strings.Contains(err.Error(), key) {
					t.Fatalf("%s: the key leaked into %q", src.Name(), err)
				}
				switch shape {
				case "429":
					var rl *RateLimitError
					if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Hour {
						t.Fatalf("%s: %v, want a RateLimitError with 2h", src.Name(), err)
					}
				case "html", "garbage":
					if !errors.Is(err, ErrBadReply) {
						t.Fatalf("%s: %v, want ErrBadReply", src.Name(), err)
					}
				case "500":
					if !errors.Is(err, ErrHTTP) {
						t.Fatalf("%s: %v, want ErrHTTP", src.Name(), err)
					}
				case "timeout":
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Fatalf("%s: %v, want a deadline", src.Name(), err)
					}
					if time.Since(start) > 10*time.Second {
						t.Fatalf("%s: the timeout did not hold", src.Name())
					}
				}
			}
		})
	}
	// A connection refused names the URL, but never the key.
	dead, _ := NewCoinWarz(CoinWarzConfig{URL: "http://127.0.0.1:1", APIKey: key})
	if _, err := dead.Fetch(context.Background(), []Coin{eth}); err == nil || strings.Contains(err.Error(), key) {
		t.Fatalf("refused connection error %v", err)
	}
}

// memCache is a Cache in memory, standing in for the ledger's.
type memCache struct {
	mu   sync.Mutex
	body []byte
	at   time.Time
	ttl  time.Duration
}

func (c *memCache) SourceCache(_ context.Context, _ string) ([]byte, time.Time, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.body, c.at, c.body != nil, nil
}

func (c *memCache) SaveSourceCache(_ context.Context, _ string, at time.Time, body []byte, ttl time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.body, c.at, c.ttl = body, at, ttl
	return nil
}

// TestCoinWarzRateLimit: no call more often than MinInterval, whether the
// last one worked or not; cached answers in between; a cache that
// survives a restart; silence until the next UTC day at 0 calls left.
func TestCoinWarzRateLimit(t *testing.T) {
	rp := newReplay(t)
	rp.set("/v1/api/profitability/", string(sample(t, "coinwarz-profitability.json")))
	now := time.Date(2024, 3, 25, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cache := &memCache{}
	if _, err := NewCoinWarz(CoinWarzConfig{URL: rp.srv.URL, APIKey: "k", MinInterval: time.Minute}); !errors.Is(err, ErrConfig) {
		t.Fatalf("a minute between calls on the free tier: %v", err)
	}
	cw, _ := NewCoinWarz(CoinWarzConfig{URL: rp.srv.URL, APIKey: "k", Now: clock, Cache: cache})
	fetch := func() (map[string]Quote, error) { return cw.Fetch(context.Background(), []Coin{eth}) }

	if q, err := fetch(); err != nil || q["ethereum"].Price == 0 {
		t.Fatalf("first fetch %v %v", q, err)
	}
	for range 5 {
		now = now.Add(10 * time.Minute)
		if q, err := fetch(); err != nil || q["ethereum"].At != time.Date(2024, 3, 25, 10, 0, 0, 0, time.UTC) {
			t.Fatalf("cached fetch %v %v", q, err)
		}
	}
	if n := rp.hits.Load(); n != 1 {
		t.Fatalf("%d calls in 50 minutes, want 1", n)
	}
	if cache.ttl != time.Hour || cache.body == nil {
		t.Fatalf("cache ttl %v", cache.ttl)
	}
	// A failing call is not retried before the interval either.
	rp.failWith("500")
	now = now.Add(11 * time.Minute)
	if _, err := fetch(); err == nil {
		t.Fatal("500 not reported")
	}
	now = now.Add(30 * time.Minute)
	if _, err := fetch(); !errors.Is(err, ErrHTTP) {
		t.Fatalf("the failure is not repeated while waiting: %v", err)
	}
	if n := rp.hits.Load(); n != 2 {
		t.Fatalf("%d calls, want 2", n)
	}
	// 429 with Retry-After longer than the interval stretches the wait.
	rp.failWith("429")
	now = now.Add(31 * time.Minute)
	fetch()
	now = now.Add(90 * time.Minute)
	fetch()
	if n := rp.hits.Load(); n != 3 {
		t.Fatalf("%d calls, want 3 (Retry-After 2h honoured)", n)
	}
	rp.failWith("")

	// A restart reads the cache and does not call again.
	hits := rp.hits.Load()
	cache.at = now.Add(-20 * time.Minute)
	restarted, _ := NewCoinWarz(CoinWarzConfig{URL: rp.srv.URL, APIKey: "k", Now: clock, Cache: cache})
	if q, err := restarted.Fetch(context.Background(), []Coin{eth}); err != nil || q["ethereum"].Price == 0 {
		t.Fatalf("after restart %v %v", q, err)
	}
	if rp.hits.Load() != hits {
		t.Fatal("a restart called CoinWarz although the cache was 20 minutes old")
	}

	// No calls left: quiet until the next UTC day.
	rp.set("/v1/api/profitability/", `{"Success":true,"Message":"0 api calls remaining.","Data":[]}`)
	quiet, _ := NewCoinWarz(CoinWarzConfig{URL: rp.srv.URL, APIKey: "k", Now: clock})
	quiet.Fetch(context.Background(), nil)
	hits = rp.hits.Load()
	now = now.Add(2 * time.Hour)
	if now.Day() == 25 {
		quiet.Fetch(context.Background(), nil)
		if rp.hits.Load() != hits {
			t.Fatal("called again the same day with 0 calls remaining")
		}
	}
	if quiet.Remaining() != 0 {
		t.Fatalf("remaining %d", quiet.Remaining())
	}
}

// TestSourceURL checks every source's constructor against base URLs an
// operator could mistype: each is a config error naming the source.
func TestSourceURL(t *testing.T) {
	constructors := map[string]func(url string) error{
		"binance":    func(u string) error { _, err := NewBinance(BinanceConfig{URL: u}); return err },
		"coinchoose": func(u string) error { _, err := NewCoinChoose(CoinChooseConfig{URL: u}); return err },
		"coingecko":  func(u string) error { _, err := NewCoinGecko(CoinGeckoConfig{URL: u}); return err },
		"kraken":     func(u string) error { _, err := NewKraken(KrakenConfig{URL: u}); return err },
		"whattomine": func(u string) error { _, err := NewWhatToMine(WhatToMineConfig{URL: u}); return err },
		"coinwarz": func(u string) error {
			_, err := NewCoinWarz(CoinWarzConfig{URL: u, APIKey: "k"})
			return err
		},
	}
	for name, build := range constructors {
		for _, good := range []string{"", "http://127.0.0.1:8080", "https://api.example.com/v2/"} {
			if err := build(good); err != nil {
				t.Errorf("%s %q: %v", name, good, err)
			}
		}
		for _, bad := range []string{"localhost:8080", "ftp://example.com", "https://", "api.example.com/v2", "http://[::1"} {
			err := build(bad)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), name+" url") {
				t.Errorf("%s %q: error %v, want a config error naming %s's url", name, bad, err, name)
			}
		}
	}
}
