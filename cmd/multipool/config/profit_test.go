package config

import (
	"strings"
	"testing"
	"time"
)

func TestProfitSwitch(t *testing.T) {
	t.Run("defaults", func(t *testing.T) {
		cfg := mustLoad(t, writeDir(t, with(map[string]string{"config.json": `{"profitSwitch": {}}`})))
		ps := cfg.Main.ProfitSwitch
		if !ps.Enabled || ps.QuoteCurrency != "BTC" || ps.MinImprovementPercent != DefaultMinImprovementPercent ||
			ps.MinHold != DefaultMinHold || ps.MaxDataAge != DefaultMaxDataAge || ps.UpdateInterval != DefaultProfitUpdateInterval {
			t.Fatalf("%+v", ps)
		}
		if len(ps.Sources) != 1 || ps.Sources[0].Name != SourceCoinGecko {
			t.Fatalf("default sources %+v", ps.Sources)
		}
	})
	t.Run("every field", func(t *testing.T) {
		cfg := mustLoad(t, writeDir(t, with(map[string]string{"config.json": `{
			"switching": {"sw": {"algorithm": "scrypt", "ports": {"4444": {"diff": 16}}}},
			"profitSwitch": {
				"enabled": true, "updateInterval": 60, "quoteCurrency": "usd",
				"minImprovementPercent": 12.5, "minHoldSeconds": 0, "maxDataAge": 3600, "sourceTimeout": 2.5,
				"sources": {
					"coinwarz": {"apiKey": "cwkey", "minInterval": 7200},
					"coingecko": {"apiKey": "cg", "pro": true, "ids": {"litecoin": "litecoin"}},
					"binance": {"enabled": false},
					"kraken": {"url": "http://127.0.0.1:9/", "timeout": 3, "ids": {"LTC": "XLTCXXBT"}},
					"whattomine": {"list": "/asic.json"},
					"coinchoose": {}
				},
				"depth": 0.9, "usePoloniex": true
			}}`})))
		ps := cfg.Main.ProfitSwitch
		if ps.QuoteCurrency != "USD" || ps.MinImprovementPercent != 12.5 || ps.MinHold != 0 || ps.MaxDataAge != time.Hour ||
			ps.SourceTimeout != 2500*time.Millisecond || ps.UpdateInterval != time.Minute {
			t.Fatalf("%+v", ps)
		}
		var names []string
		for _, s := range ps.Sources {
			names = append(names, s.Name)
		}
		if strings.Join(names, ",") != "coingecko,kraken,coinwarz,whattomine,coinchoose" {
			t.Fatalf("sources in order %v", names)
		}
		if s := ps.Sources[0]; s.APIKey != "cg" || !s.Pro || s.IDs["litecoin"] != "litecoin" {
			t.Fatalf("coingecko %+v", s)
		}
		if s := ps.Sources[1]; s.URL != "http://127.0.0.1:9/" || s.Timeout != 3*time.Second || s.IDs["LTC"] != "XLTCXXBT" {
			t.Fatalf("kraken %+v", s)
		}
		if s := ps.Sources[2]; s.APIKey != "cwkey" || s.MinInterval != 2*time.Hour {
			t.Fatalf("coinwarz %+v", s)
		}
		if ps.Sources[3].List != "/asic.json" {
			t.Fatalf("whattomine %+v", ps.Sources[3])
		}
		if !hasLine(cfg.Ignored, "config.json: profitSwitch.usePoloniex:") || !hasLine(cfg.Ignored, "config.json: profitSwitch.depth:") {
			t.Fatalf("ignored %q", cfg.Ignored)
		}
	})
	bad := []struct {
		name, json string
		want       string
	}{
		{"quote", `{"quoteCurrency": "bit coin"}`, "profitSwitch.quoteCurrency"},
		{"threshold", `{"minImprovementPercent": -1}`, "profitSwitch.minImprovementPercent"},
		{"hold", `{"minHoldSeconds": -5}`, "profitSwitch.minHoldSeconds"},
		{"coinwarz key", `{"sources": {"coinwarz": {}}}`, "profitSwitch.sources.coinwarz.apiKey: missing"},
		{"coinwarz too fast", `{"sources": {"coinwarz": {"apiKey": "k", "minInterval": 60}}}`, "profitSwitch.sources.coinwarz.minInterval"},
		{"url", `{"sources": {"binance": {"url": "ftp://x"}}}`, "profitSwitch.sources.binance.url"},
		{"key where none", `{"sources": {"kraken": {"apiKey": "k"}}}`, "profitSwitch.sources.kraken.apiKey"},
		{"list elsewhere", `{"sources": {"kraken": {"list": "/x"}}}`, "profitSwitch.sources.kraken.list"},
		{"unknown source", `{"sources": {"poloniex": {}}}`, "profitSwitch.sources.poloniex: unknown field"},
		{"unknown field", `{"sources": {"kraken": {"pair": "x"}}}`, "profitSwitch.sources.kraken.pair: unknown field"},
	}
	for _, tc := range bad {
		t.Run("bad "+tc.name, func(t *testing.T) {
			_, err := Load(writeDir(t, with(map[string]string{"config.json": `{"profitSwitch": ` + tc.json + `}`})))
			if err == nil || !strings.Contains(err.Error(), "config.json: "+tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	t.Run("bad switch name", func(t *testing.T) {
		_, err := Load(writeDir(t, with(map[string]string{"config.json": `{"switching": {"my switch": {"algorithm": "scrypt", "ports": {"4444": {"diff": 1}}}}}`})))
		if err == nil || !strings.Contains(err.Error(), `switching.my switch: the name`) {
			t.Fatalf("err %v", err)
		}
	})
}
