package profit

import (
	"math"
	"testing"
)

// checkQuotes fails on figures the module could not use safely.
func checkQuotes(t *testing.T, qs map[string]Quote) {
	for k, q := range qs {
		for _, f := range []float64{q.Difficulty, q.Reward, q.Price} {
			if f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
				t.Fatalf("%s: unusable figure %v in %+v", k, f, q)
			}
		}
	}
}

// FuzzParsers feeds every reply parser arbitrary bytes: none may panic or
// let a negative, NaN or infinite figure through.
func FuzzParsers(f *testing.F) {
	for _, name := range []string{
		"coingecko-simple-price.json", "coingecko-simple-price-multi.reconstructed.json", "kraken-ticker.json",
		"binance-ticker-price.json", "binance-ticker-price-array.json", "coinwarz-profitability.json",
		"coinwarz-envelope.json", "coinchoose-api.json", "whattomine-coins.json", "whattomine-coin-151.json",
	} {
		f.Add(sample(f, name))
	}
	f.Add([]byte(`<html>`))
	f.Add([]byte(`{"Success":true,"Message":"1 api calls remaining","Data":[{"CoinTag":"X","Difficulty":"-1"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if q, err := parseCoinGecko(b, "btc"); err == nil {
			checkQuotes(t, q)
		}
		if p, err := parseKraken(b); err == nil && !usable(p) {
			t.Fatalf("kraken price %v", p)
		}
		if m, err := parseBinance(b); err == nil {
			for s, p := range m {
				if !usable(p) {
					t.Fatalf("binance %s %v", s, p)
				}
			}
		}
		if q, _, err := parseCoinWarz(b, "BTC"); err == nil {
			checkQuotes(t, q)
		}
		if q, err := parseCoinChoose(b, "BTC"); err == nil {
			checkQuotes(t, q)
		}
		if q, err := parseWhatToMineList(b, "BTC"); err == nil {
			checkQuotes(t, q)
		}
		if _, q, err := parseWhatToMineCoin(b, "BTC"); err == nil {
			checkQuotes(t, map[string]Quote{"coin": q})
		}
	})
}
