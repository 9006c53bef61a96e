package config

import (
	"math"
	"regexp"
	"strings"
	"time"

	"github.com/multipool/multipool/profit"
)

var (
	quoteCurrency = regexp.MustCompile(`^[A-Za-z0-9]{2,10}$`)
	// switchName is what a switching group may be called.
	switchName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)
)

// buildProfitSwitch reads "profitSwitch". Without the section the module
// is off; with it, on unless "enabled" is false. Without "sources" the
// module uses CoinGecko's public API.
func (c *checker) buildProfitSwitch(ps *profitSwitchFile, l fileLoc) ProfitSwitch {
	out := ProfitSwitch{
		UpdateInterval:        DefaultProfitUpdateInterval,
		QuoteCurrency:         DefaultQuoteCurrency,
		MinImprovementPercent: DefaultMinImprovementPercent,
		MinHold:               DefaultMinHold,
		MaxDataAge:            DefaultMaxDataAge,
		Depth:                 DefaultProfitDepth,
		Sources:               []ProfitSource{{Name: SourceCoinGecko}},
	}
	if ps == nil {
		return out
	}
	pl := l.sub("profitSwitch")
	out.Enabled = section(true, ps.Enabled)
	out.UpdateInterval = c.duration(pl, "updateInterval", ps.UpdateInterval, DefaultProfitUpdateInterval, time.Second, 1)
	if ps.QuoteCurrency != nil {
		if q := strings.TrimSpace(*ps.QuoteCurrency); quoteCurrency.MatchString(q) {
			out.QuoteCurrency = strings.ToUpper(q)
		} else {
			c.errf(pl, "quoteCurrency", "%q is not a currency code such as BTC or USD", *ps.QuoteCurrency)
		}
	}
	if v := ps.MinImprovementPercent; v != nil {
		if math.IsNaN(*v) || *v < 0 || *v > 10000 {
			c.errf(pl, "minImprovementPercent", "%v is not in 0..10000", *v)
		} else {
			out.MinImprovementPercent = *v
		}
	}
	out.MinHold = c.duration(pl, "minHoldSeconds", ps.MinHoldSeconds, DefaultMinHold, time.Second, 0)
	out.MaxDataAge = c.duration(pl, "maxDataAge", ps.MaxDataAge, DefaultMaxDataAge, time.Second, 1)
	out.SourceTimeout = c.duration(pl, "sourceTimeout", ps.SourceTimeout, 0, time.Second, 0.001)
	if ps.Depth != nil {
		if !(*ps.Depth > 0 && *ps.Depth <= 1) {
			c.errf(pl, "depth", "%v is not in (0, 1]", *ps.Depth)
		} else {
			out.Depth = *ps.Depth
		}
	}
	out.UsePoloniex = boolOr(ps.UsePoloniex, false)
	out.UseCryptsy = boolOr(ps.UseCryptsy, false)
	out.UseMintpal = boolOr(ps.UseMintpal, false)
	out.UseBittrex = boolOr(ps.UseBittrex, false)
	for name, set := range map[string]bool{"depth": ps.Depth != nil, "usePoloniex": ps.UsePoloniex != nil,
		"useCryptsy": ps.UseCryptsy != nil, "useMintpal": ps.UseMintpal != nil, "useBittrex": ps.UseBittrex != nil} {
		if set {
			c.ignoref(pl, name, "NOMP's exchanges are gone; prices come from profitSwitch.sources")
		}
	}
	if ps.Sources != nil {
		out.Sources = c.buildProfitSources(ps.Sources, pl.sub("sources"))
		if len(out.Sources) == 0 && out.Enabled {
			c.warnf(pl, "sources", "no price source is enabled: coins cannot be ranked and switching groups stay on their coin")
		}
	}
	return out
}

func (c *checker) buildProfitSources(f *profitSourcesFile, l fileLoc) []ProfitSource {
	var out []ProfitSource
	for _, e := range []struct {
		name string
		f    *profitSourceFile
	}{
		{SourceCoinGecko, f.CoinGecko}, {SourceKraken, f.Kraken}, {SourceBinance, f.Binance},
		{SourceCoinWarz, f.CoinWarz}, {SourceWhatToMine, f.WhatToMine}, {SourceCoinChoose, f.CoinChoose},
	} {
		if e.f == nil || !section(true, e.f.Enabled) {
			continue
		}
		sl := l.sub(e.name)
		s := ProfitSource{
			Name:   e.name,
			APIKey: strOr(e.f.APIKey, ""),
			Pro:    boolOr(e.f.Pro, false),
			List:   strOr(e.f.List, ""),
			IDs:    map[string]string{},
		}
		if e.f.URL != nil {
			if u := strings.TrimSpace(*e.f.URL); profit.ValidSourceURL(u) {
				s.URL = u
			} else {
				c.errf(sl, "url", "%q is not an http(s) URL", *e.f.URL)
			}
		}
		s.Timeout = c.duration(sl, "timeout", e.f.Timeout, 0, time.Second, 0.001)
		if e.f.Pro != nil && e.name != SourceCoinGecko {
			c.errf(sl, "pro", "only for coingecko")
		}
		if e.f.List != nil && e.name != SourceWhatToMine {
			c.errf(sl, "list", "only for whattomine")
		}
		if e.f.APIKey != nil && e.name != SourceCoinGecko && e.name != SourceCoinWarz {
			c.errf(sl, "apiKey", "%s takes no key", e.name)
		}
		if e.name == SourceCoinWarz {
			if s.APIKey == "" {
				c.errf(sl, "apiKey", "missing: CoinWarz needs a key")
			}
			s.MinInterval = c.duration(sl, "minInterval", e.f.MinInterval, DefaultCoinWarzMinInterval, time.Second, 1)
			if s.MinInterval < DefaultCoinWarzMinInterval {
				c.errf(sl, "minInterval", "%v is under %v: CoinWarz's free tier allows about 25 calls a day",
					s.MinInterval, DefaultCoinWarzMinInterval)
			}
		} else if e.f.MinInterval != nil {
			c.errf(sl, "minInterval", "only for coinwarz")
		}
		for k, v := range e.f.IDs {
			if strings.TrimSpace(k) == "" || strings.TrimSpace(v) == "" {
				c.errf(sl, "ids", "empty coin or id (%q: %q)", k, v)
				continue
			}
			s.IDs[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
		out = append(out, s)
	}
	return out
}
