package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/multipool/multipool/coins"
)

// Defaults applied when neither a pool file nor config.json's
// defaultPoolConfigs give a value. They are NOMP's example values.
const (
	DefaultLogLevel               = "info"
	DefaultCLIPort                = 17117
	DefaultBlockRefreshInterval   = 1000 * time.Millisecond
	DefaultJobRebroadcastTimeout  = 55 * time.Second
	DefaultConnectionTimeout      = 600 * time.Second
	DefaultBanTime                = 600 * time.Second
	DefaultBanInvalidPercent      = 50
	DefaultBanCheckThreshold      = 500
	DefaultBanPurgeInterval       = 300 * time.Second
	DefaultVarDiffTargetTime      = 15 * time.Second
	DefaultVarDiffRetargetTime    = 90 * time.Second
	DefaultVarDiffVariancePercent = 30
	DefaultPaymentInterval        = 30 * time.Second
	DefaultMinimumPayment         = "0.01" // whole coins
	DefaultRedisHost              = "127.0.0.1"
	DefaultRedisPort              = 6379
	DefaultMPOSHost               = "127.0.0.1"
	DefaultMySQLPort              = 3306
	DefaultWebsiteHost            = "0.0.0.0"
	DefaultWebsitePort            = 80
	DefaultStatsUpdateInterval    = 60 * time.Second
	DefaultHistoricalRetention    = 43200 * time.Second
	DefaultHashrateWindow         = 300 * time.Second
	DefaultBlockNotifyHost        = "127.0.0.1"
	DefaultProfitUpdateInterval   = 600 * time.Second
	DefaultProfitDepth            = 0.9
)

// Config is a loaded, validated configuration directory.
type Config struct {
	// Dir is the configuration directory as given to Load.
	Dir string
	// Main is config.json with defaults applied.
	Main MainConfig
	// Pools are the enabled pools, sorted by coin key.
	Pools []*PoolConfig
	// Disabled lists the pool files that are switched off
	// ("pool_configs/dogecoin.json").
	Disabled []string
	// Coins holds the embedded coin definitions plus DIR/coins/*.json.
	Coins *coins.Registry
	// Ignored lists fields that were accepted but mean nothing here, one
	// sentence each, for the log.
	Ignored []string
	// Warnings lists doubtful but usable settings, for the log.
	Warnings []string
}

// MainConfig is config.json.
type MainConfig struct {
	// LogLevel is "debug", "info", "warn" or "error" (NOMP's "warning" and
	// "special" are read as "warn" and "error").
	LogLevel string
	// LogColors asks for coloured console logs.
	LogColors bool
	// CLIPort is NOMP's command port (default 17117).
	CLIPort int
	// InstanceID (0..255) prefixes extranonce1 so processes sharing one
	// Redis never hand out the same extranonce.
	InstanceID int
	// Website is the dashboard and API.
	Website Website
	// Redis is where shares, blocks, balances and payments live.
	Redis Redis
	// BlockNotifyListener receives `multipool blocknotify` messages.
	BlockNotifyListener BlockNotifyListener
	// Switching are the enabled auto-switching port groups, sorted by name.
	Switching []SwitchConfig
	// ProfitSwitch configures the profitability module.
	ProfitSwitch ProfitSwitch
}

// SlogLevel returns LogLevel as a slog.Level.
func (m *MainConfig) SlogLevel() slog.Level {
	switch m.LogLevel {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Website is config.json's "website".
type Website struct {
	Enabled     bool
	Host        string
	Port        int
	StratumHost string // shown to miners as the host to connect to
	SiteTitle   string
	Stats       WebsiteStats
	AdminCenter AdminCenter
	TLS         WebTLS
}

// Addr returns host:port to listen on.
func (w Website) Addr() string { return net.JoinHostPort(w.Host, strconv.Itoa(w.Port)) }

// WebsiteStats is "website.stats" (seconds in the file).
type WebsiteStats struct {
	UpdateInterval      time.Duration
	HistoricalRetention time.Duration
	HashrateWindow      time.Duration
}

// AdminCenter is "website.adminCenter".
type AdminCenter struct {
	Enabled  bool
	Password string
}

// WebTLS is "website.tlsOptions": PEM files as absolute paths (relative
// ones in the file are relative to Dir).
type WebTLS struct {
	Enabled  bool
	CertFile string
	KeyFile  string
}

// Redis is a Redis server.
type Redis struct {
	Host     string
	Port     int
	Password string
	DB       int
}

// Addr returns host:port.
func (r Redis) Addr() string { return net.JoinHostPort(r.Host, strconv.Itoa(r.Port)) }

// BlockNotifyListener is "blockNotifyListener". Host is our addition
// (default 127.0.0.1).
type BlockNotifyListener struct {
	Enabled  bool
	Host     string
	Port     int
	Password string
}

// Addr returns host:port to listen on.
func (b BlockNotifyListener) Addr() string { return net.JoinHostPort(b.Host, strconv.Itoa(b.Port)) }

// SwitchConfig is one entry of "switching": ports whose miners work on the
// most profitable pool of Algorithm.
type SwitchConfig struct {
	Name      string
	Algorithm string // canonical pow name
	Ports     []PortConfig
}

// ProfitSwitch is "profitSwitch": the profitability module and the
// hysteresis of every switching group.
type ProfitSwitch struct {
	Enabled        bool
	UpdateInterval time.Duration
	// QuoteCurrency prices coins and revenue ("BTC").
	QuoteCurrency string
	// MinImprovementPercent is how much more a coin must earn than the
	// current one, for MinHold, before a switching group moves to it.
	MinImprovementPercent float64
	MinHold               time.Duration
	// MaxDataAge drops figures older than this; SourceTimeout bounds each
	// source's fetch in a round (0: the module's default).
	MaxDataAge    time.Duration
	SourceTimeout time.Duration
	// Sources are the enabled price and profitability sources, in the
	// order they are preferred (each coin's own daemon always comes
	// first). Without a "sources" section: CoinGecko's public API.
	Sources []ProfitSource
	// Depth is NOMP's order-book depth factor, 0 < Depth <= 1; it and
	// the Use* flags are accepted and ignored.
	Depth                                           float64
	UsePoloniex, UseCryptsy, UseMintpal, UseBittrex bool
}

// Profit source names, in their order of preference.
const (
	SourceCoinGecko  = "coingecko"
	SourceKraken     = "kraken"
	SourceBinance    = "binance"
	SourceCoinWarz   = "coinwarz"
	SourceWhatToMine = "whattomine"
	SourceCoinChoose = "coinchoose"
)

// ProfitSource is one entry of "profitSwitch.sources".
type ProfitSource struct {
	// Name is one of the Source* constants.
	Name string
	// URL overrides the API's base URL ("" = the public one).
	URL string
	// APIKey is CoinGecko's (optional) or CoinWarz's (required) key.
	APIKey string
	// Pro selects CoinGecko's Pro key header.
	Pro bool
	// Timeout bounds one request (0 = the source's default).
	Timeout time.Duration
	// MinInterval is the least time between CoinWarz calls (at least and
	// by default one hour).
	MinInterval time.Duration
	// List is WhatToMine's coin list path ("/coins.json", "/asic.json").
	List string
	// IDs maps a coin (key, family or symbol) to the source's name for it.
	IDs map[string]string
}

// Defaults of "profitSwitch".
const (
	DefaultQuoteCurrency         = "BTC"
	DefaultMinImprovementPercent = 5
	DefaultMinHold               = 300 * time.Second
	DefaultMaxDataAge            = 6 * time.Hour
	DefaultCoinWarzMinInterval   = time.Hour
)

// PoolConfig is one enabled pool_configs/*.json with defaults applied.
type PoolConfig struct {
	// File is "pool_configs/litecoin.json".
	File string
	// Coin is the definition the file's "coin" names.
	Coin *coins.Coin
	// Address receives block rewards. It decodes for Coin, or for a
	// sibling network of Coin (then Warnings says so).
	Address string
	// RewardRecipients maps an address (or a 40-hex NOMP mining key) to
	// the percent of each block it gets.
	RewardRecipients map[string]float64
	// Recipients is RewardRecipients with output scripts, sorted by address.
	Recipients []Recipient
	// BlockRefreshInterval is how often to poll getblocktemplate; 0 = never.
	BlockRefreshInterval time.Duration
	// JobRebroadcastTimeout is how long a job may stay unchanged before it
	// is refreshed; 0 = never.
	JobRebroadcastTimeout time.Duration
	// ConnectionTimeout drops miners silent for this long; 0 = never.
	ConnectionTimeout      time.Duration
	Ports                  []PortConfig // sorted by port
	Daemons                []Daemon     // in file order: the first is preferred
	P2P                    P2PConfig
	ValidateWorkerUsername bool
	Banning                Banning
	Payment                PaymentConfig
	MPOS                   MPOSConfig
	EmitInvalidBlockHashes bool
	TCPProxyProtocol       bool
	// TLS holds the certificate for ports with TLS set.
	TLS PoolTLS
}

// Recipient is one reward recipient.
type Recipient struct {
	Address string  // as written in the file
	Percent float64 // of each block reward
	Script  []byte  // the output script paying it, on the pool's coin
}

// PortConfig is one stratum port.
type PortConfig struct {
	Port    int
	Diff    float64
	VarDiff *VarDiff // nil: fixed difficulty
	TLS     bool
}

// VarDiff is a port's variable difficulty. MinDiff or MaxDiff 0 means no
// bound was given.
type VarDiff struct {
	MinDiff, MaxDiff float64
	TargetTime       time.Duration
	RetargetTime     time.Duration
	VariancePercent  float64
}

// Daemon is a coin daemon's JSON-RPC endpoint.
type Daemon struct {
	Host     string
	Port     int
	User     string
	Password string
}

// Addr returns host:port.
func (d Daemon) Addr() string { return net.JoinHostPort(d.Host, strconv.Itoa(d.Port)) }

// String returns host:port, never the credentials.
func (d Daemon) String() string { return d.Addr() }

// P2PConfig is a pool's "p2p": a peer connection to the daemon for block
// announcements.
type P2PConfig struct {
	Enabled             bool
	Host                string
	Port                int
	Magic               string // 8 hex digits, wire order; default the coin's
	ProtocolVersion     int32  // default the coin's
	DisableTransactions bool   // default true
}

// Banning is a pool's "banning" (NOMP's defaults when absent).
type Banning struct {
	Enabled        bool
	Time           time.Duration
	InvalidPercent float64
	CheckThreshold int
	PurgeInterval  time.Duration
}

// PaymentConfig is "paymentProcessing" (or the older
// "shareProcessing.internal").
type PaymentConfig struct {
	Enabled bool
	// Interval is "paymentInterval".
	Interval time.Duration
	// Schedule is a standard cron spec; "@every <Interval>" unless the file
	// gives "schedule".
	Schedule string
	// MinimumPayment is in the coin's smallest units.
	MinimumPayment coins.Amount
	// Daemon owns the wallet that holds Address; default the first daemon.
	Daemon Daemon
	// Wallet names the daemon's wallet when it has several loaded
	// (Bitcoin Core's /wallet/<name> RPC path); "" means the only one.
	Wallet string
	// FeePercent is "poolFeePercent": the pool's cut of each block's
	// reward, taken before the miners' split (rewardRecipients are paid in
	// the coinbase instead). Exact decimal, 0 <= FeePercent < 100.
	FeePercent decimal.Decimal
	// FeeAddress is "poolFeeAddress": where the fee is credited and paid;
	// "" keeps it in the pool's wallet.
	FeeAddress string
}

// MPOSConfig is "mposMode" (or the older "shareProcessing.mpos").
type MPOSConfig struct {
	Enabled          bool
	Host             string
	Port             int
	User             string
	Password         string
	Database         string
	CheckPassword    bool
	AutoCreateWorker bool
}

// PoolTLS is a pool's "tlsOptions": PEM files as absolute paths (relative
// ones in the file are relative to Dir); existence is checked by Load.
type PoolTLS struct {
	CertFile, KeyFile, CAFile string
}

// Load reads DIR/config.json, DIR/pool_configs/*.json and, if present,
// DIR/coins/*.json, applies defaults and validates everything. The error
// joins every problem found; each is a *FieldError naming the file and the
// field.
func Load(dir string) (*Config, error) {
	return load(dir, loadOptions{})
}

type loadOptions struct {
	// validateDisabled treats disabled pool files as enabled (tests of
	// shipped examples).
	validateDisabled bool
}

// locator turns a JSON path into the file, full field path and line to report.
type locator interface {
	locate(path string) (file, field string, line int)
}

// fileLoc reports paths in one file, under a prefix.
type fileLoc struct {
	file   string
	prefix string
	lines  map[string]int
}

func (l fileLoc) locate(path string) (string, string, int) {
	p := joinPath(l.prefix, path)
	return l.file, p, lineOf(l.lines, p)
}

// lineOf returns the line of a path, or of its nearest parent present in
// the file (for fields that are missing).
func lineOf(lines map[string]int, path string) int {
	for {
		if n, ok := lines[path]; ok {
			return n
		}
		i := strings.LastIndexAny(path, ".[")
		if i <= 0 {
			return 0
		}
		path = path[:i]
	}
}

func (l fileLoc) sub(prefix string) fileLoc {
	l.prefix = joinPath(l.prefix, prefix)
	return l
}

// poolLoc reports a pool's paths in the pool file, or in config.json's
// defaultPoolConfigs when the top-level field came from there.
type poolLoc struct {
	own, defaults fileLoc
	fromDefaults  map[string]bool
}

func (l poolLoc) locate(path string) (string, string, int) {
	top := path
	if i := strings.IndexAny(top, ".["); i >= 0 {
		top = top[:i]
	}
	if l.fromDefaults[top] {
		return l.defaults.locate(path)
	}
	return l.own.locate(path)
}

// subLoc prefixes every path given to a locator.
type subLoc struct {
	parent locator
	prefix string
}

func (l subLoc) locate(path string) (string, string, int) {
	return l.parent.locate(joinPath(l.prefix, path))
}

func sub(l locator, prefix string) locator { return subLoc{l, prefix} }

// checker collects errors, warnings and ignored fields.
type checker struct {
	dir      string
	errs     []error
	warnings []string
	ignored  []string
	seen     map[string]bool
	redis    Redis // config.json's, which pools compare theirs with
}

func (c *checker) errf(l locator, path, format string, args ...any) {
	file, field, line := l.locate(path)
	c.errs = append(c.errs, &FieldError{File: file, Field: field, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func (c *checker) wrap(l locator, path string, err error) {
	file, field, line := l.locate(path)
	c.errs = append(c.errs, &FieldError{File: file, Field: field, Line: line, Msg: trimPkg(err.Error()), Err: err})
}

// trimPkg drops the package prefix of a sentinel's message: the field path
// already says where the problem is.
func trimPkg(msg string) string {
	for _, p := range []string{"coins: ", "pow: "} {
		msg = strings.TrimPrefix(msg, p)
	}
	return msg
}

func (c *checker) note(list *[]string, l locator, path, format string, args ...any) {
	file, field, _ := l.locate(path)
	s := file + ": "
	if field != "" {
		s += field + ": "
	}
	s += fmt.Sprintf(format, args...)
	if !c.seen[s] {
		c.seen[s] = true
		*list = append(*list, s)
	}
}

func (c *checker) warnf(l locator, path, format string, args ...any) {
	c.note(&c.warnings, l, path, format, args...)
}

func (c *checker) ignoref(l locator, path, format string, args ...any) {
	c.note(&c.ignored, l, path, format, args...)
}

// resolve makes a file path from the configuration absolute, relative
// paths being relative to the configuration directory.
func (c *checker) resolve(p string) string {
	if p == "" || filepath.IsAbs(p) {
		return p
	}
	if abs, err := filepath.Abs(filepath.Join(c.dir, p)); err == nil {
		return abs
	}
	return filepath.Join(c.dir, p)
}

// fileExists reports a missing file as an error at path.
func (c *checker) fileExists(l locator, path, name string) {
	if name == "" {
		c.errf(l, path, "missing")
		return
	}
	if st, err := os.Stat(name); err != nil {
		c.errf(l, path, "%v", err)
	} else if st.IsDir() {
		c.errf(l, path, "%s is a directory", name)
	}
}

func load(dir string, opts loadOptions) (*Config, error) {
	c := &checker{dir: dir, seen: map[string]bool{}}
	cfg := &Config{Dir: dir}

	mainSrc, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return nil, &FieldError{File: "config.json", Msg: err.Error(), Err: err}
	}
	var mf mainFile
	md := decodeFile("config.json", mainSrc, &mf)
	c.errs = append(c.errs, md.errs...)
	mainLoc := fileLoc{file: "config.json", lines: md.lines}

	cfg.Coins, err = loadCoins(dir)
	if err != nil {
		c.errs = append(c.errs, err)
	}

	type rawPool struct {
		file string
		f    *poolFile
		loc  poolLoc
	}
	var raws []rawPool
	poolDir := filepath.Join(dir, "pool_configs")
	entries, err := os.ReadDir(poolDir)
	if err != nil {
		c.errs = append(c.errs, &FieldError{File: "pool_configs", Msg: err.Error(), Err: err})
	}
	for _, e := range entries { // ReadDir sorts by name
		if e.IsDir() || !strings.EqualFold(filepath.Ext(e.Name()), ".json") {
			continue
		}
		file := "pool_configs/" + e.Name()
		src, err := os.ReadFile(filepath.Join(poolDir, e.Name()))
		if err != nil {
			c.errs = append(c.errs, &FieldError{File: file, Msg: err.Error(), Err: err})
			continue
		}
		pf := &poolFile{}
		pd := decodeFile(file, src, pf)
		c.errs = append(c.errs, pd.errs...)
		if len(pd.errs) > 0 {
			continue
		}
		loc := poolLoc{
			own:          fileLoc{file: file, lines: pd.lines},
			defaults:     mainLoc.sub("defaultPoolConfigs"),
			fromDefaults: mergeDefaults(pf, mf.DefaultPoolConfigs),
		}
		enabled := true
		if pf.Enabled != nil {
			enabled = *pf.Enabled
		}
		if pf.Disabled != nil {
			if pf.Enabled != nil && *pf.Enabled == *pf.Disabled {
				c.errf(loc, "disabled", "contradicts \"enabled\": %v", *pf.Enabled)
			}
			enabled = !*pf.Disabled
		}
		if !enabled && !opts.validateDisabled {
			cfg.Disabled = append(cfg.Disabled, file)
			continue
		}
		raws = append(raws, rawPool{file, pf, loc})
	}

	if len(md.errs) > 0 || cfg.Coins == nil {
		// Without config.json or the coins, checking pools would only add noise.
		return nil, errors.Join(c.errs...)
	}

	ports := newPortTable()
	cfg.Main = c.buildMain(&mf, mainLoc, ports)
	c.redis = cfg.Main.Redis
	byCoin := map[string]string{}
	for _, r := range raws {
		p := c.buildPool(r.file, r.f, r.loc, cfg, ports)
		if p == nil {
			continue
		}
		if other, dup := byCoin[p.Coin.Key]; dup {
			c.errf(r.loc, "coin", "coin %q is already mined by %s", p.Coin.Key, other)
			continue
		}
		byCoin[p.Coin.Key] = r.file
		cfg.Pools = append(cfg.Pools, p)
	}
	sortPools(cfg.Pools)
	c.checkSwitching(cfg, mainLoc)
	if len(cfg.Pools) == 0 && len(c.errs) == 0 {
		c.warnf(fileLoc{file: "pool_configs"}, "", "no enabled pool: nothing to mine")
	}
	if len(c.errs) > 0 {
		return nil, errors.Join(c.errs...)
	}
	cfg.Warnings, cfg.Ignored = c.warnings, c.ignored
	return cfg, nil
}

// loadCoins reads the embedded coins plus DIR/coins/*.json if that exists.
func loadCoins(dir string) (*coins.Registry, error) {
	cdir := filepath.Join(dir, "coins")
	st, err := os.Stat(cdir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return coins.Load("")
	case err != nil:
		return nil, &FieldError{File: "coins", Msg: err.Error(), Err: err}
	case !st.IsDir():
		return nil, &FieldError{File: "coins", Msg: "not a directory"}
	}
	return coins.LoadFS(os.DirFS(cdir), "coins")
}
