package config

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/shopspring/decimal"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/pow"
)

// maxSeconds bounds durations given in seconds (about 31 years).
const maxSeconds = 1e9

// section reports whether an optional section is on: off when absent; when
// present, its "enabled" decides and defaults to true.
func section(present bool, enabled *bool) bool {
	if !present {
		return false
	}
	return enabled == nil || *enabled
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

func strOr(p *string, def string) string {
	if p == nil || strings.TrimSpace(*p) == "" {
		return def
	}
	return strings.TrimSpace(*p)
}

// seconds converts a number of seconds (or of unit) into a duration, at
// least min seconds.
func (c *checker) duration(l locator, path string, p *float64, def time.Duration, unit time.Duration, min float64) time.Duration {
	if p == nil {
		return def
	}
	v := *p
	if math.IsNaN(v) || v < min || v > maxSeconds {
		if min > 0 {
			c.errf(l, path, "%v must be > 0", v)
		} else {
			c.errf(l, path, "%v must be >= 0", v)
		}
		return def
	}
	return time.Duration(v * float64(unit))
}

func (c *checker) port(l locator, path string, p *int, def int, required bool) int {
	if p == nil {
		if required && def == 0 {
			c.errf(l, path, "missing")
		}
		return def
	}
	if *p < 1 || *p > 65535 {
		c.errf(l, path, "%d is not a port (1..65535)", *p)
		return def
	}
	return *p
}

func (c *checker) percent(l locator, path string, p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	if !(*p >= 0 && *p <= 100) {
		c.errf(l, path, "%v is not a percentage (0..100)", *p)
		return def
	}
	return *p
}

// portTable finds listening ports used twice anywhere in the configuration.
type portTable struct {
	owner map[int]string
}

func newPortTable() *portTable { return &portTable{owner: map[int]string{}} }

func (t *portTable) claim(c *checker, l locator, path string, port int) {
	if port == 0 {
		return
	}
	file, field, _ := l.locate(path)
	me := file + " (" + field + ")"
	if other, dup := t.owner[port]; dup {
		c.errf(l, path, "port %d is also used by %s", port, other)
		return
	}
	t.owner[port] = me
}

func (c *checker) buildMain(f *mainFile, l fileLoc, ports *portTable) MainConfig {
	m := MainConfig{LogLevel: DefaultLogLevel, CLIPort: DefaultCLIPort}
	if f.LogLevel != nil {
		switch lv := strings.ToLower(strings.TrimSpace(*f.LogLevel)); lv {
		case "debug", "info", "error":
			m.LogLevel = lv
		case "warn", "warning":
			m.LogLevel = "warn"
		case "special":
			m.LogLevel = "error"
		default:
			c.errf(l, "logLevel", "%q is not one of debug, info, warning, error", *f.LogLevel)
		}
	}
	m.LogColors = boolOr(f.LogColors, false)
	m.CLIPort = c.port(l, "cliPort", f.CLIPort, DefaultCLIPort, false)
	ports.claim(c, l, "cliPort", m.CLIPort)
	if f.InstanceID != nil {
		if *f.InstanceID < 0 || *f.InstanceID > 255 {
			c.errf(l, "instanceId", "%d is not in 0..255", *f.InstanceID)
		} else {
			m.InstanceID = *f.InstanceID
		}
	}
	if f.Clustering != nil {
		c.ignoref(l, "clustering", "multipool is one process with goroutines; clustering.enabled and clustering.forks are ignored")
	}
	if f.RedisBlockNotifyListener != nil {
		c.ignoref(l, "redisBlockNotifyListener", "not supported; use blockNotifyListener or p2p")
	}
	if f.CoinSwitchListener != nil {
		c.ignoref(l, "coinSwitchListener", "not supported; the profit module switches coins")
	}
	if f.Proxy != nil {
		c.ignoref(l, "proxy", "the old NOMP proxy section is ignored; use switching")
	}

	m.Redis = c.buildRedis(l, "redis", f.Redis, Redis{Host: DefaultRedisHost, Port: DefaultRedisPort})
	m.Website = c.buildWebsite(l, f.Website, ports)

	if f.BlockNotifyListener != nil {
		b := f.BlockNotifyListener
		bl := l.sub("blockNotifyListener")
		m.BlockNotifyListener = BlockNotifyListener{
			Enabled:  section(true, b.Enabled),
			Host:     strOr(b.Host, DefaultBlockNotifyHost),
			Password: strOr(b.Password, ""),
		}
		if m.BlockNotifyListener.Enabled {
			m.BlockNotifyListener.Port = c.port(bl, "port", b.Port, 0, true)
			ports.claim(c, bl, "port", m.BlockNotifyListener.Port)
			if m.BlockNotifyListener.Password == "" {
				c.warnf(bl, "password", "empty: anyone who reaches the port can announce blocks")
			}
		}
	}

	for _, name := range sortedKeys(f.Switching) {
		s := f.Switching[name]
		sl := l.sub("switching").sub(name)
		if s == nil || !section(true, s.Enabled) {
			continue
		}
		sc := SwitchConfig{Name: name}
		if !switchName.MatchString(name) {
			c.errf(l.sub("switching"), name, "the name %q must be 1-32 of A-Z a-z 0-9 . _ - (it names Redis keys and the switch command's argument)", name)
		}
		if s.Algorithm == nil {
			c.errf(sl, "algorithm", "missing")
		} else if a, err := pow.Lookup(*s.Algorithm); err != nil {
			c.wrap(sl, "algorithm", err)
		} else {
			sc.Algorithm = a.Name
		}
		sc.Ports = c.buildPorts(sl, s.Ports, ports)
		if len(sc.Ports) == 0 {
			c.errf(sl, "ports", "no ports")
		}
		for _, p := range sc.Ports {
			if p.TLS {
				c.errf(sl, "ports."+strconv.Itoa(p.Port)+".tls", "TLS is not supported on switching ports")
			}
		}
		m.Switching = append(m.Switching, sc)
	}

	m.ProfitSwitch = c.buildProfitSwitch(f.ProfitSwitch, l)
	return m
}

func (c *checker) buildRedis(l locator, path string, f *redisFile, def Redis) Redis {
	if f == nil {
		return def
	}
	rl := sub(l, path)
	r := Redis{
		Host:     strOr(f.Host, def.Host),
		Port:     c.port(rl, "port", f.Port, def.Port, false),
		Password: strOr(f.Password, def.Password),
		DB:       def.DB,
	}
	if f.DB != nil {
		if *f.DB < 0 {
			c.errf(rl, "db", "%d is negative", *f.DB)
		} else {
			r.DB = *f.DB
		}
	}
	return r
}

func (c *checker) buildWebsite(l fileLoc, f *websiteFile, ports *portTable) Website {
	w := Website{
		Host: DefaultWebsiteHost,
		Port: DefaultWebsitePort,
		Stats: WebsiteStats{
			UpdateInterval:      DefaultStatsUpdateInterval,
			HistoricalRetention: DefaultHistoricalRetention,
			HashrateWindow:      DefaultHashrateWindow,
		},
	}
	if f == nil {
		return w
	}
	wl := l.sub("website")
	w.Enabled = section(true, f.Enabled)
	w.Host = strOr(f.Host, DefaultWebsiteHost)
	w.Port = c.port(wl, "port", f.Port, DefaultWebsitePort, false)
	w.StratumHost = strOr(f.StratumHost, "")
	w.SiteTitle = strOr(f.SiteTitle, "")
	// Older files put the stats intervals directly in "website".
	w.Stats.UpdateInterval = c.duration(wl, "statUpdateInterval", f.StatUpdateInterval, w.Stats.UpdateInterval, time.Second, 0.001)
	w.Stats.HashrateWindow = c.duration(wl, "hashrateWindow", f.HashrateWindow, w.Stats.HashrateWindow, time.Second, 1)
	if s := f.Stats; s != nil {
		sl := wl.sub("stats")
		w.Stats.UpdateInterval = c.duration(sl, "updateInterval", s.UpdateInterval, w.Stats.UpdateInterval, time.Second, 0.001)
		w.Stats.HistoricalRetention = c.duration(sl, "historicalRetention", s.HistoricalRetention, w.Stats.HistoricalRetention, time.Second, 1)
		w.Stats.HashrateWindow = c.duration(sl, "hashrateWindow", s.HashrateWindow, w.Stats.HashrateWindow, time.Second, 1)
	}
	if f.LiveStats != nil {
		c.ignoref(wl, "liveStats", "ignored: the dashboard always updates live")
	}
	if f.GraphColors != nil {
		c.ignoref(wl, "graphColors", "ignored")
	}
	if a := f.AdminCenter; a != nil {
		w.AdminCenter = AdminCenter{Enabled: section(true, a.Enabled), Password: strOr(a.Password, "")}
		if w.AdminCenter.Enabled {
			switch w.AdminCenter.Password {
			case "":
				c.errf(wl, "adminCenter.password", "missing while adminCenter is enabled")
			case "password":
				c.warnf(wl, "adminCenter.password", "still the example's \"password\"")
			}
		}
	}
	if t := f.TLSOptions; t != nil && section(true, t.Enabled) {
		w.TLS = WebTLS{Enabled: true, CertFile: c.resolve(strOr(t.Cert, "")), KeyFile: c.resolve(strOr(t.Key, ""))}
		c.fileExists(wl, "tlsOptions.cert", w.TLS.CertFile)
		c.fileExists(wl, "tlsOptions.key", w.TLS.KeyFile)
	}
	if w.Enabled {
		ports.claim(c, wl, "port", w.Port)
	}
	return w
}

// buildPorts validates a "ports" object (keys are port numbers) and
// returns the ports sorted.
func (c *checker) buildPorts(l locator, f map[string]*portFile, ports *portTable) []PortConfig {
	var out []PortConfig
	for _, key := range sortedKeys(f) {
		path := "ports." + key
		n, err := strconv.Atoi(key)
		if err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != key {
			c.errf(l, path, "%q is not a port number (1..65535)", key)
			continue
		}
		pf := f[key]
		if pf == nil {
			c.errf(l, path, "want an object, got null")
			continue
		}
		pl := sub(l, path)
		p := PortConfig{Port: n, TLS: boolOr(pf.TLS, false)}
		if pf.Diff == nil {
			c.errf(pl, "diff", "missing")
		} else if !(*pf.Diff > 0) {
			c.errf(pl, "diff", "%v must be > 0", *pf.Diff)
		} else {
			p.Diff = *pf.Diff
		}
		if v := pf.VarDiff; v != nil {
			vl := sub(pl, "varDiff")
			vd := &VarDiff{
				TargetTime:      c.duration(vl, "targetTime", v.TargetTime, DefaultVarDiffTargetTime, time.Second, 0.001),
				RetargetTime:    c.duration(vl, "retargetTime", v.RetargetTime, DefaultVarDiffRetargetTime, time.Second, 0.001),
				VariancePercent: c.percent(vl, "variancePercent", v.VariancePercent, DefaultVarDiffVariancePercent),
			}
			if v.MinDiff != nil {
				if !(*v.MinDiff > 0) {
					c.errf(vl, "minDiff", "%v must be > 0", *v.MinDiff)
				} else {
					vd.MinDiff = *v.MinDiff
				}
			}
			if v.MaxDiff != nil {
				if !(*v.MaxDiff > 0) {
					c.errf(vl, "maxDiff", "%v must be > 0", *v.MaxDiff)
				} else {
					vd.MaxDiff = *v.MaxDiff
				}
			}
			switch {
			case vd.MinDiff > 0 && vd.MaxDiff > 0 && vd.MinDiff > vd.MaxDiff:
				c.errf(vl, "minDiff", "%v is above maxDiff %v", vd.MinDiff, vd.MaxDiff)
			case p.Diff > 0 && vd.MinDiff > 0 && p.Diff < vd.MinDiff:
				c.errf(pl, "diff", "%v is below varDiff.minDiff %v", p.Diff, vd.MinDiff)
			case p.Diff > 0 && vd.MaxDiff > 0 && p.Diff > vd.MaxDiff:
				c.errf(pl, "diff", "%v is above varDiff.maxDiff %v", p.Diff, vd.MaxDiff)
			}
			p.VarDiff = vd
		}
		ports.claim(c, l, path, n)
		out = append(out, p)
	}
	return out
}

// mergeDefaults fills the top-level fields p leaves out from d (NOMP's
// shallow merge of defaultPoolConfigs) and returns the json names filled.
func mergeDefaults(p, d *poolFile) map[string]bool {
	from := map[string]bool{}
	if d == nil {
		return from
	}
	pv, dv := reflect.ValueOf(p).Elem(), reflect.ValueOf(d).Elem()
	t := pv.Type()
	for i := 0; i < t.NumField(); i++ {
		if pv.Field(i).IsNil() && !dv.Field(i).IsNil() {
			pv.Field(i).Set(dv.Field(i))
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			from[name] = true
		}
	}
	return from
}

func sortPools(ps []*PoolConfig) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Coin.Key < ps[j].Coin.Key })
}

// checkAddress decodes addr for coin. An address of one of the coin's
// sibling networks (the seed's testnet address on "litecoin") is a
// warning, since the daemon's network decides at run time; anything else
// that does not decode is an error. It returns the output script (on the
// network the address belongs to) or nil.
func (c *checker) checkAddress(l locator, path string, reg *coins.Registry, coin *coins.Coin, addr string) []byte {
	a, err := coin.DecodeAddress(addr)
	if err == nil {
		script, err := a.Script()
		if err != nil {
			c.wrap(l, path, err)
			return nil
		}
		return script
	}
	if errors.Is(err, coins.ErrWrongNetwork) {
		var fits []string
		var script []byte
		for _, s := range reg.Siblings(coin) {
			if a, e := s.DecodeAddress(addr); e == nil {
				if sc, e := a.Script(); e == nil {
					fits = append(fits, s.Key)
					script = sc
				}
			}
		}
		if len(fits) > 0 {
			c.warnf(l, path, "%q is a %s address, not a %s one: it only works if the daemons run on that network",
				addr, strings.Join(fits, "/"), coin.Key)
			return script
		}
	}
	c.wrap(l, path, err)
	return nil
}

// daemon validates one daemon entry.
func (c *checker) daemon(l locator, path string, f *daemonFile) Daemon {
	dl := sub(l, path)
	if f == nil {
		c.errf(l, path, "want an object, got null")
		return Daemon{}
	}
	d := Daemon{Host: strOr(f.Host, ""), User: strOr(f.User, ""), Password: ""}
	if f.Password != nil {
		d.Password = *f.Password // passwords keep their spaces
	}
	if d.Host == "" {
		c.errf(dl, "host", "missing")
	}
	d.Port = c.port(dl, "port", f.Port, 0, true)
	return d
}

func (c *checker) buildPool(file string, f *poolFile, l poolLoc, cfg *Config, ports *portTable) *PoolConfig {
	nerr := len(c.errs)
	p := &PoolConfig{File: file}
	if f.Coin == nil || strings.TrimSpace(*f.Coin) == "" {
		c.errf(l, "coin", "missing")
		return nil
	}
	coin, err := cfg.Coins.Get(*f.Coin)
	if err != nil {
		c.wrap(l, "coin", err)
		return nil
	}
	p.Coin = coin

	if f.Address == nil || strings.TrimSpace(*f.Address) == "" {
		c.errf(l, "address", "missing: block rewards need an address")
	} else {
		p.Address = strings.TrimSpace(*f.Address)
		c.checkAddress(l, "address", cfg.Coins, coin, p.Address)
	}

	p.RewardRecipients = map[string]float64{}
	sum := 0.0
	for _, addr := range sortedKeys(f.RewardRecipients) {
		pct := f.RewardRecipients[addr]
		path := "rewardRecipients." + addr
		if !(pct >= 0 && pct <= 100) {
			c.errf(l, path, "%v is not a percentage (0..100)", pct)
			continue
		}
		var script []byte
		if h, err := hex.DecodeString(addr); err == nil && len(h) == 20 {
			// A NOMP "mining key": the hash160 of a public key.
			script, _ = coins.Address{Kind: coins.P2PKH, Hash: h}.Script()
		} else {
			script = c.checkAddress(l, path, cfg.Coins, coin, addr)
		}
		p.RewardRecipients[addr] = pct
		p.Recipients = append(p.Recipients, Recipient{Address: addr, Percent: pct, Script: script})
		sum += pct
	}
	if sum >= 100 {
		c.errf(l, "rewardRecipients", "percentages add up to %v; they must stay below 100", sum)
	}

	p.BlockRefreshInterval = c.duration(l, "blockRefreshInterval", f.BlockRefreshInterval, DefaultBlockRefreshInterval, time.Millisecond, 0)
	p.JobRebroadcastTimeout = c.duration(l, "jobRebroadcastTimeout", f.JobRebroadcastTimeout, DefaultJobRebroadcastTimeout, time.Second, 0)
	p.ConnectionTimeout = c.duration(l, "connectionTimeout", f.ConnectionTimeout, DefaultConnectionTimeout, time.Second, 0)
	p.EmitInvalidBlockHashes = boolOr(f.EmitInvalidBlockHashes, false)
	p.TCPProxyProtocol = boolOr(f.TCPProxyProtocol, false)
	p.ValidateWorkerUsername = boolOr(f.ValidateWorkerUsername, true)
	if f.TxRefreshInterval != nil {
		c.ignoref(l, "txRefreshInterval", "ignored: templates refresh every blockRefreshInterval")
	}
	if f.ShareVariancePercent != nil {
		c.ignoref(l, "shareVariancePercent", "ignored")
	}

	p.Banning = Banning{Enabled: true, Time: DefaultBanTime, InvalidPercent: DefaultBanInvalidPercent,
		CheckThreshold: DefaultBanCheckThreshold, PurgeInterval: DefaultBanPurgeInterval}
	if b := f.Banning; b != nil {
		bl := sub(l, "banning")
		p.Banning.Enabled = section(true, b.Enabled)
		p.Banning.Time = c.duration(bl, "time", b.Time, DefaultBanTime, time.Second, 0)
		p.Banning.InvalidPercent = c.percent(bl, "invalidPercent", b.InvalidPercent, DefaultBanInvalidPercent)
		p.Banning.PurgeInterval = c.duration(bl, "purgeInterval", b.PurgeInterval, DefaultBanPurgeInterval, time.Second, 1)
		if b.CheckThreshold != nil {
			if *b.CheckThreshold < 1 {
				c.errf(bl, "checkThreshold", "%d must be >= 1", *b.CheckThreshold)
			} else {
				p.Banning.CheckThreshold = *b.CheckThreshold
			}
		}
	}

	if f.Redis != nil {
		r := c.buildRedis(l, "redis", f.Redis, cfg.Main.Redis)
		if r != cfg.Main.Redis {
			c.warnf(l, "redis", "differs from config.json's redis (%s db %d); all pools use config.json's", cfg.Main.Redis.Addr(), cfg.Main.Redis.DB)
		}
	}

	// Ports: a pool may have none only if a switching port of its algorithm
	// can send miners to it.
	p.Ports = c.buildPorts(l, f.Ports, ports)
	if len(f.Ports) == 0 {
		switched := false
		for _, s := range cfg.Main.Switching {
			switched = switched || s.Algorithm == coin.Algorithm
		}
		if !switched {
			c.errf(l, "ports", "no ports, and no switching port for %s: miners could not reach this pool", coin.Algorithm)
		}
	}

	if f.Daemons == nil || len(f.Daemons) == 0 {
		c.errf(l, "daemons", "at least one daemon is needed")
	}
	for i, d := range f.Daemons {
		p.Daemons = append(p.Daemons, c.daemon(l, fmt.Sprintf("daemons[%d]", i), d))
	}

	c.buildP2P(p, f.P2P, l)
	c.buildTLS(p, f, l)
	c.buildPayments(p, f, l)

	if len(c.errs) > nerr {
		return nil
	}
	return p
}

func (c *checker) buildP2P(p *PoolConfig, f *p2pFile, l locator) {
	coin := p.Coin
	p.P2P = P2PConfig{Magic: coin.PeerMagic, ProtocolVersion: coin.ProtocolVersion, DisableTransactions: true, Port: coin.P2PPort}
	if len(p.Daemons) > 0 {
		p.P2P.Host = p.Daemons[0].Host
	}
	if f == nil {
		return
	}
	pl := sub(l, "p2p")
	p.P2P.Enabled = section(true, f.Enabled)
	p.P2P.Host = strOr(f.Host, p.P2P.Host)
	p.P2P.Port = c.port(pl, "port", f.Port, p.P2P.Port, p.P2P.Enabled)
	p.P2P.DisableTransactions = boolOr(f.DisableTransactions, true)
	if f.Magic != nil {
		m := strings.ToLower(strings.TrimSpace(*f.Magic))
		if b, err := hex.DecodeString(m); err != nil || len(b) != 4 {
			c.errf(pl, "magic", "%q is not 8 hex digits", *f.Magic)
		} else {
			p.P2P.Magic = m
			if p.P2P.Enabled && m != coin.PeerMagic {
				c.warnf(pl, "magic", "%s is not %s's %q", m, coin.Key, coin.PeerMagic)
			}
		}
	}
	if f.ProtocolVersion != nil {
		if *f.ProtocolVersion <= 0 {
			c.errf(pl, "protocolVersion", "%d must be > 0", *f.ProtocolVersion)
		} else {
			p.P2P.ProtocolVersion = int32(*f.ProtocolVersion)
		}
	}
	if p.P2P.Enabled {
		if p.P2P.Host == "" {
			c.errf(pl, "host", "missing")
		}
		if p.P2P.Magic == "" {
			c.errf(pl, "magic", "missing, and %s has no peerMagic", coin.Key)
		}
	}
}

func (c *checker) buildTLS(p *PoolConfig, f *poolFile, l locator) {
	needTLS := false
	for _, port := range p.Ports {
		needTLS = needTLS || port.TLS
	}
	t := f.TLSOptions
	if t != nil {
		p.TLS = PoolTLS{
			CertFile: c.resolve(strOr(t.ServerCert, "")),
			KeyFile:  c.resolve(strOr(t.ServerKey, "")),
			CAFile:   c.resolve(strOr(t.CA, "")),
		}
		if t.Enabled != nil && !*t.Enabled && needTLS {
			c.errf(l, "tlsOptions.enabled", "false, but a port has tls set")
		}
	}
	if !needTLS {
		return
	}
	tl := sub(l, "tlsOptions")
	if t == nil {
		c.errf(l, "tlsOptions", "missing: a port has tls set and needs serverCert and serverKey")
		return
	}
	c.fileExists(tl, "serverCert", p.TLS.CertFile)
	c.fileExists(tl, "serverKey", p.TLS.KeyFile)
	if p.TLS.CAFile != "" {
		c.fileExists(tl, "ca", p.TLS.CAFile)
	}
}

func (c *checker) buildPayments(p *PoolConfig, f *poolFile, l locator) {
	pay, payPath := f.PaymentProcessing, "paymentProcessing"
	mpos, mposPath := f.MPOSMode, "mposMode"
	if sp := f.ShareProcessing; sp != nil {
		if in := sp.Internal; in != nil {
			if pay != nil {
				c.errf(l, "shareProcessing.internal", "give paymentProcessing or shareProcessing.internal, not both")
			} else {
				pay, payPath = &paymentFile{Enabled: in.Enabled, PaymentInterval: in.PaymentInterval,
					MinimumPayment: in.MinimumPayment, Daemon: in.Daemon}, "shareProcessing.internal"
			}
			il := sub(l, "shareProcessing.internal")
			if in.ValidateWorkerAddress != nil && f.ValidateWorkerUsername == nil {
				p.ValidateWorkerUsername = *in.ValidateWorkerAddress
			}
			if in.Redis != nil {
				if r := c.buildRedis(il, "redis", in.Redis, c.redis); r != c.redis {
					c.warnf(il, "redis", "differs from config.json's redis; all pools use config.json's")
				}
			}
			for name, set := range map[string]bool{
				"minimumReserve": in.MinimumReserve != nil, "feePercent": in.FeePercent != nil,
				"feeCollectAccount": in.FeeCollectAccount != nil, "feeReceiveAddress": in.FeeReceiveAddress != nil,
				"feeWithdrawalThreshold": in.FeeWithdrawalThreshold != nil,
			} {
				if set {
					c.ignoref(il, name, "ignored: pool fees are rewardRecipients")
				}
			}
		}
		if sp.MPOS != nil {
			if mpos != nil {
				c.errf(l, "shareProcessing.mpos", "give mposMode or shareProcessing.mpos, not both")
			} else {
				mpos, mposPath = sp.MPOS, "shareProcessing.mpos"
			}
		}
	}

	p.Payment = PaymentConfig{Interval: DefaultPaymentInterval}
	if min, err := p.Coin.ParseAmount(DefaultMinimumPayment); err == nil {
		p.Payment.MinimumPayment = min
	}
	if pay != nil {
		pl := sub(l, payPath)
		p.Payment.Enabled = section(true, pay.Enabled)
		p.Payment.Interval = c.duration(pl, "paymentInterval", pay.PaymentInterval, DefaultPaymentInterval, time.Second, 1)
		if pay.MinimumPayment != nil {
			a, err := p.Coin.ParseAmount(pay.MinimumPayment.String())
			if err != nil {
				c.wrap(pl, "minimumPayment", err)
			} else {
				p.Payment.MinimumPayment = a
			}
		}
		if pay.Schedule != nil {
			p.Payment.Schedule = strings.TrimSpace(*pay.Schedule)
			if _, err := cron.ParseStandard(p.Payment.Schedule); err != nil {
				c.errf(pl, "schedule", "%q is not a cron schedule: %v", *pay.Schedule, err)
			}
		}
		if pay.PoolFeePercent != nil {
			d, err := decimal.NewFromString(pay.PoolFeePercent.String())
			switch {
			case err != nil:
				c.errf(pl, "poolFeePercent", "%q is not a number", pay.PoolFeePercent.String())
			case d.IsNegative() || d.GreaterThanOrEqual(decimal.NewFromInt(100)):
				c.errf(pl, "poolFeePercent", "%s is outside 0 to 100", d)
			default:
				p.Payment.FeePercent = d
			}
		}
		if pay.PoolFeeAddress != nil {
			p.Payment.FeeAddress = strings.TrimSpace(*pay.PoolFeeAddress)
			if _, err := p.Coin.DecodeAddress(p.Payment.FeeAddress); err != nil {
				c.wrap(pl, "poolFeeAddress", err)
			}
		}
		if pay.Wallet != nil {
			p.Payment.Wallet = *pay.Wallet
			if strings.TrimSpace(p.Payment.Wallet) != p.Payment.Wallet || strings.ContainsAny(p.Payment.Wallet, "\x00\r\n") {
				c.errf(pl, "wallet", "%q has surrounding spaces or control characters", p.Payment.Wallet)
			}
		}
		switch {
		case pay.Daemon != nil:
			p.Payment.Daemon = c.daemon(pl, "daemon", pay.Daemon)
		case len(p.Daemons) > 0:
			p.Payment.Daemon = p.Daemons[0]
		}
	}
	if p.Payment.Schedule == "" {
		p.Payment.Schedule = "@every " + p.Payment.Interval.String()
	}

	p.MPOS = MPOSConfig{Host: DefaultMPOSHost, Port: DefaultMySQLPort}
	if mpos != nil {
		ml := sub(l, mposPath)
		p.MPOS.Enabled = section(true, mpos.Enabled)
		p.MPOS.Host = strOr(mpos.Host, p.MPOS.Host)
		p.MPOS.Port = c.port(ml, "port", mpos.Port, DefaultMySQLPort, false)
		p.MPOS.User = strOr(mpos.User, "")
		if mpos.Password != nil {
			p.MPOS.Password = *mpos.Password
		}
		p.MPOS.Database = strOr(mpos.Database, "")
		p.MPOS.CheckPassword = boolOr(mpos.CheckPassword, false)
		p.MPOS.AutoCreateWorker = boolOr(mpos.AutoCreateWorker, false)
		if mpos.StratumAuth != nil {
			switch a := strings.ToLower(strings.TrimSpace(*mpos.StratumAuth)); a {
			case "password":
				p.MPOS.CheckPassword = true
			case "worker":
			case "none":
				p.MPOS.AutoCreateWorker = true
			default:
				c.errf(ml, "stratumAuth", "%q is not one of password, worker, none", *mpos.StratumAuth)
			}
		}
		if p.MPOS.Enabled {
			if p.MPOS.User == "" {
				c.errf(ml, "user", "missing")
			}
			if p.MPOS.Database == "" {
				c.errf(ml, "database", "missing")
			}
			if p.Payment.Enabled {
				c.warnf(l, payPath, "payments are on while MPOS is on: MPOS usually pays")
			}
		}
	}
}

// checkSwitching warns about switching groups no pool can serve.
func (c *checker) checkSwitching(cfg *Config, l fileLoc) {
	for _, s := range cfg.Main.Switching {
		if s.Algorithm == "" {
			continue
		}
		served := false
		for _, p := range cfg.Pools {
			served = served || p.Coin.Algorithm == s.Algorithm
		}
		if !served {
			c.warnf(l.sub("switching").sub(s.Name), "algorithm", "no enabled pool mines %s: miners on these ports get no work", s.Algorithm)
		}
	}
}
