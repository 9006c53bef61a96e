package main

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/multipool/multipool/cmd/multipool/config"
	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/pools/stratum"
	"github.com/multipool/multipool/profit"
	"github.com/multipool/multipool/switcher"
)

// switching is the auto-switch ports and the profit module of a running
// multipool.
type switching struct {
	log    *slog.Logger
	profit *profit.Module // nil when profitSwitch is off
	ports  []*switchPort
}

// switchPort is one switching group: its Port and its stratum server.
type switchPort struct {
	port   *switcher.Port
	server *stratum.Server
}

// newSwitching builds the profit module (when profitSwitch is on) and a
// switch port per switching group that has pools; it opens no socket.
func newSwitching(cfg *config.Config, cps []*coinPool, led *ledger.Ledger, en *stratum.ExtranonceAllocator, log *slog.Logger) (*switching, error) {
	s := &switching{log: log.With("component", "switching")}
	ps := cfg.Main.ProfitSwitch
	if ps.Enabled {
		m, err := newProfitModule(cfg, cps, led, log)
		if err != nil {
			return nil, fmt.Errorf("config.json: profitSwitch: %w", err)
		}
		s.profit = m
	}
	for _, sc := range cfg.Main.Switching {
		var group []switcher.Pool
		for _, cp := range cps {
			if cp.pool.Coin().Algorithm == sc.Algorithm {
				group = append(group, cp.pool)
			}
		}
		if len(group) == 0 {
			s.log.Warn("switching group has no pool of its algorithm; not opening its ports", "switch", sc.Name, "algorithm", sc.Algorithm)
			continue
		}
		var ranker switcher.Ranker
		if s.profit != nil {
			ranker = s.profit
		}
		port, err := switcher.New(switcher.Config{
			Name: sc.Name, Algorithm: sc.Algorithm, Pools: group,
			MinImprovementPercent: ps.MinImprovementPercent, MinHold: ps.MinHold,
			// Three rounds: enough for a daemon that is still connecting.
			IncompleteHold: 3 * ps.UpdateInterval,
		}, ranker, led, log)
		if err != nil {
			return nil, fmt.Errorf("config.json: switching.%s: %w", sc.Name, err)
		}
		ports := make([]stratum.PortConfig, len(sc.Ports))
		for i, p := range sc.Ports {
			ports[i] = stratum.PortConfig{Addr: net.JoinHostPort("", strconv.Itoa(p.Port)), Diff: p.Diff}
			if v := p.VarDiff; v != nil {
				ports[i].VarDiff = &stratum.VarDiffConfig{
					MinDiff: v.MinDiff, MaxDiff: v.MaxDiff, TargetTime: v.TargetTime,
					RetargetTime: v.RetargetTime, VariancePercent: v.VariancePercent,
				}
			}
		}
		srv, err := stratum.NewServer(stratum.Config{
			Name: "switch-" + sc.Name, Ports: ports,
			Banning: stratum.BanConfig{
				Enabled: true, Time: config.DefaultBanTime, InvalidPercent: config.DefaultBanInvalidPercent,
				CheckThreshold: config.DefaultBanCheckThreshold, PurgeInterval: config.DefaultBanPurgeInterval,
			},
		}, port, en, log)
		if err != nil {
			return nil, fmt.Errorf("config.json: switching.%s: %w", sc.Name, err)
		}
		s.ports = append(s.ports, &switchPort{port: port, server: srv})
	}
	return s, nil
}

// newProfitModule wires the profit module: every pool's coin, its
// daemons first, then the configured sources in order.
func newProfitModule(cfg *config.Config, cps []*coinPool, led *ledger.Ledger, log *slog.Logger) (*profit.Module, error) {
	ps := cfg.Main.ProfitSwitch
	var (
		pcoins []profit.Coin
		chains []profit.LocalChain
	)
	for _, pc := range cfg.Pools {
		dc, err := daemon.New(daemon.Config{Endpoints: daemonEndpoints(pc), Timeout: 10 * time.Second}, log.With("coin", pc.Coin.Key))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pc.File, err)
		}
		pcoins = append(pcoins, profit.CoinOf(pc.Coin))
		chains = append(chains, profit.LocalChain{Coin: pc.Coin.Key, Rules: pc.Coin.GBTRules, Decimals: pc.Coin.Decimals, Daemon: dc})
	}
	local, err := profit.NewLocal(chains)
	if err != nil {
		return nil, err
	}
	sources := []profit.Source{local}
	for _, sc := range ps.Sources {
		src, err := newProfitSource(sc, ps.QuoteCurrency, led)
		if err != nil {
			return nil, fmt.Errorf("sources.%s: %w", sc.Name, err)
		}
		sources = append(sources, src)
	}
	return profit.New(profit.Config{
		Quote: ps.QuoteCurrency, UpdateInterval: ps.UpdateInterval, RoundTimeout: ps.SourceTimeout,
		MaxAge: ps.MaxDataAge, Coins: pcoins,
	}, sources, led, log)
}

func newProfitSource(sc config.ProfitSource, quote string, led *ledger.Ledger) (profit.Source, error) {
	ids := profit.IDs(sc.IDs)
	switch sc.Name {
	case config.SourceCoinGecko:
		return profit.NewCoinGecko(profit.CoinGeckoConfig{URL: sc.URL, APIKey: sc.APIKey, Pro: sc.Pro, Quote: quote, IDs: ids, Timeout: sc.Timeout})
	case config.SourceKraken:
		return profit.NewKraken(profit.KrakenConfig{URL: sc.URL, Quote: quote, IDs: ids, Timeout: sc.Timeout})
	case config.SourceBinance:
		return profit.NewBinance(profit.BinanceConfig{URL: sc.URL, Quote: quote, IDs: ids, Timeout: sc.Timeout})
	case config.SourceCoinWarz:
		return profit.NewCoinWarz(profit.CoinWarzConfig{URL: sc.URL, APIKey: sc.APIKey, Quote: quote, IDs: ids,
			MinInterval: sc.MinInterval, Timeout: sc.Timeout, Cache: led})
	case config.SourceWhatToMine:
		return profit.NewWhatToMine(profit.WhatToMineConfig{URL: sc.URL, List: sc.List, Quote: quote, IDs: ids, Timeout: sc.Timeout})
	case config.SourceCoinChoose:
		return profit.NewCoinChoose(profit.CoinChooseConfig{URL: sc.URL, Quote: quote, IDs: ids, Timeout: sc.Timeout})
	}
	return nil, fmt.Errorf("unknown source %q", sc.Name)
}

// start runs the module, the ports and their servers with the app's
// start function. It is a no-op on a nil switching.
func (s *switching) start(start func(name string, f func(context.Context) error)) {
	if s == nil {
		return
	}
	if s.profit != nil {
		start("profit module", s.profit.Run)
	}
	for _, sp := range s.ports {
		name := sp.port.Name()
		start("switch "+name, sp.port.Run)
		start("switch "+name+" stratum", sp.server.Run)
		start("switch "+name+" listening", func(ctx context.Context) error {
			select {
			case <-sp.server.Ready():
				for _, addr := range sp.server.Addrs() {
					s.log.Info("switch port listening", "switch", name, "addr", addr.String(), "coins", strings.Join(sp.port.Coins(), ","))
				}
			case <-ctx.Done():
			}
			return nil
		})
	}
}

// port returns the switch port of a group, or nil.
func (s *switching) port(name string) *switcher.Port {
	if s == nil {
		return nil
	}
	for _, sp := range s.ports {
		if sp.port.Name() == name {
			return sp.port
		}
	}
	return nil
}

// switchCmd is `multipool switch -config DIR <switch-name> <coin|auto>`:
// it saves an operator override in Redis, which a running multipool picks
// up within a few seconds and which survives restarts.
func switchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("switch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := configFlag(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: multipool switch -config DIR <switch-name> <coin|auto>")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return usageError{errors.New("switch wants a switch name and a coin (or auto)")}
	}
	name, want := fs.Arg(0), fs.Arg(1)
	cfg, err := config.Load(*dir)
	if err != nil {
		return err
	}
	var group *config.SwitchConfig
	var names []string
	for i := range cfg.Main.Switching {
		names = append(names, cfg.Main.Switching[i].Name)
		if cfg.Main.Switching[i].Name == name {
			group = &cfg.Main.Switching[i]
		}
	}
	if group == nil {
		return usageError{fmt.Errorf("no enabled switching group %q (groups: %s)", name, strings.Join(names, ", "))}
	}
	// The running process follows its daemons' networks; so does this.
	quiet := slog.New(slog.DiscardHandler)
	if err := followDaemonNetworks(ctx, cfg, quiet); err != nil {
		return err
	}
	coin := ""
	if !strings.EqualFold(want, "auto") {
		var choices []string
		for _, pc := range cfg.Pools {
			c := pc.Coin
			if c.Algorithm != group.Algorithm {
				continue
			}
			choices = append(choices, c.Key)
			if coinMatches(c, want) {
				coin = c.Key
			}
		}
		if coin == "" {
			return usageError{fmt.Errorf("switching group %s (%s) has no coin %q (coins: %s, or auto)",
				name, group.Algorithm, want, strings.Join(choices, ", "))}
		}
	}
	led, err := ledger.New(ledger.Config{
		Addr: cfg.Main.Redis.Addr(), Password: cfg.Main.Redis.Password, DB: cfg.Main.Redis.DB,
	}, quiet)
	if err != nil {
		return err
	}
	defer led.Close()
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := led.SetSwitchOverride(rctx, name, coin, time.Now()); err != nil {
		return err
	}
	st, err := led.SwitchState(rctx, name)
	if err != nil {
		return err
	}
	if coin == "" {
		fmt.Fprintf(stdout, "switch %s: automatic switching (now on %s)\n", name, orNone(st.Coin))
	} else {
		fmt.Fprintf(stdout, "switch %s: held on %s (was on %s)\n", name, coin, orNone(st.Coin))
	}
	fmt.Fprintf(stdout, "a running multipool applies this within %v; it is kept across restarts\n", switcher.DefaultPollInterval)
	return nil
}

// coinMatches tells whether the operator's word names coin c.
func coinMatches(c *coins.Coin, word string) bool {
	for _, s := range []string{c.Key, c.Symbol, c.Name, c.Family} {
		if s != "" && strings.EqualFold(s, word) {
			return true
		}
	}
	return false
}

func orNone(s string) string {
	if s == "" {
		return "no coin yet"
	}
	return s
}

// switchAdmin serves the switch ports' admin API, for the website to
// mount (under /api/admin/): every request needs the admin password, as
// "Authorization: Bearer <password>".
//
//	GET  /api/admin/switch          every port's Status and the ranking
//	POST /api/admin/switch/{name}   {"coin": "<coin>" | "auto"}
type switchAdmin struct {
	sw       *switching
	password string
	mux      *http.ServeMux
}

func newSwitchAdmin(sw *switching, password string) *switchAdmin {
	a := &switchAdmin{sw: sw, password: password, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /api/admin/switch", a.list)
	a.mux.HandleFunc("POST /api/admin/switch/{name}", a.override)
	return a
}

func (a *switchAdmin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if a.password == "" || !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.password)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="multipool admin"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "admin password required"})
		return
	}
	a.mux.ServeHTTP(w, r)
}

func (a *switchAdmin) list(w http.ResponseWriter, r *http.Request) {
	var out struct {
		Ports   []switcher.Status `json:"ports"`
		Ranking *profit.Snapshot  `json:"ranking,omitempty"`
	}
	if a.sw != nil {
		for _, sp := range a.sw.ports {
			out.Ports = append(out.Ports, sp.port.Status())
		}
		if a.sw.profit != nil {
			out.Ranking = a.sw.profit.Snapshot()
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (a *switchAdmin) override(w http.ResponseWriter, r *http.Request) {
	p := a.sw.port(r.PathValue("name"))
	if p == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such switch port"})
		return
	}
	var req struct {
		Coin string `json:"coin"`
	}
	if err := json.NewDecoder(io.LimitReader(r.Body, 4096)).Decode(&req); err != nil || req.Coin == "" {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": `want {"coin": "<coin>" or "auto"}`})
		return
	}
	if err := p.Override(r.Context(), req.Coin); err != nil {
		status := http.StatusInternalServerError
		if errors.Is(err, switcher.ErrUnknownCoin) {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusAccepted, map[string]string{"switch": p.Name(), "coin": req.Coin})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
