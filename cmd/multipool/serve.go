package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/multipool/multipool/cmd/multipool/config"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/p2p"
	"github.com/multipool/multipool/payout"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/pools"
	"github.com/multipool/multipool/pools/stratum"
)

// configFlag declares the -config flag every command that reads the
// configuration directory takes.
func configFlag(fs *flag.FlagSet) *string {
	return fs.String("config", ".", "configuration directory (config.json, pool_configs/, coins/)")
}

// loadConfigArgs parses a command line that has only -config and loads
// that directory.
func loadConfigArgs(name string, args []string, stderr io.Writer) (*config.Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := configFlag(fs)
	if err := fs.Parse(args); err != nil {
		return nil, usageError{err}
	}
	return config.Load(*dir)
}

// checkConfigCmd is `multipool check-config -config DIR`.
func checkConfigCmd(_ context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfigArgs("check-config", args, stderr)
	if err != nil {
		return err
	}
	for _, w := range cfg.Warnings {
		fmt.Fprintln(stdout, "warning:", w)
	}
	for _, i := range cfg.Ignored {
		fmt.Fprintln(stdout, "ignored:", i)
	}
	fmt.Fprint(stdout, cfg.Summary())
	fmt.Fprintln(stdout, "configuration OK")
	return nil
}

// runCmd is `multipool run -config DIR`.
func runCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := loadConfigArgs("run", args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: cfg.Main.SlogLevel()}))
	for _, l := range strings.Split(strings.TrimSpace(cfg.Summary()), "\n") {
		log.Info(l)
	}
	for _, w := range cfg.Warnings {
		log.Warn("config: " + w)
	}
	for _, i := range cfg.Ignored {
		log.Info("config: accepted but not used here: " + i)
	}
	if err := followDaemonNetworks(ctx, cfg, log); err != nil {
		return err
	}
	app, err := newApp(cfg, log)
	if err != nil {
		return err
	}
	return app.Run(ctx)
}

// followDaemonNetworks asks each pool's daemons which chain they are on
// and switches the pool to that network's definition of its coin (a
// "litecoin" pool whose daemon runs testnet mines litecoin-testnet, with
// testnet addresses). A daemon that does not answer leaves the pool as
// configured; the pool retries its daemons when it runs.
func followDaemonNetworks(ctx context.Context, cfg *config.Config, log *slog.Logger) error {
	for _, pc := range cfg.Pools {
		dc, err := daemon.New(daemon.Config{Endpoints: daemonEndpoints(pc), Timeout: 3 * time.Second}, log)
		if err != nil {
			return fmt.Errorf("%s: %w", pc.File, err)
		}
		var info struct {
			Chain string `json:"chain"`
		}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		err = dc.Call(cctx, "getblockchaininfo", nil, &info)
		cancel()
		dc.CloseIdleConnections()
		if err != nil {
			log.Warn("cannot ask the daemon for its network; using the configured coin", "coin", pc.Coin.Key, "err", err)
			continue
		}
		c, err := cfg.Coins.ForNetwork(pc.Coin, info.Chain)
		if err != nil {
			return fmt.Errorf("%s: the daemon runs chain %q: %w", pc.File, info.Chain, err)
		}
		if c != pc.Coin {
			log.Info("daemon network differs from the configured coin; following the daemon", "configured", pc.Coin.Key, "chain", info.Chain, "coin", c.Key)
			if strings.EqualFold(pc.P2P.Magic, pc.Coin.PeerMagic) {
				pc.P2P.Magic = c.PeerMagic // the default magic follows the network too
			}
			pc.Coin = c
		}
	}
	return nil
}

func daemonEndpoints(pc *config.PoolConfig) []daemon.Endpoint {
	eps := make([]daemon.Endpoint, len(pc.Daemons))
	for i, d := range pc.Daemons {
		eps[i] = daemon.Endpoint{Host: d.Host, Port: d.Port, User: d.User, Password: d.Password}
	}
	return eps
}

// app is every component of a running multipool, wired.
type app struct {
	cfg    *config.Config
	log    *slog.Logger
	ledger *ledger.Ledger
	coins  []*coinPool
	notify *notifyListener
	// payouts are the payout processors of the pools whose
	// paymentProcessing is enabled.
	payouts []*payout.Processor
	// switching holds the auto-switch ports and the profit module.
	switching *switching
	// web serves website.* (admin API, health); nil when disabled.
	web *httpServer
}

// coinPool is one coin: its daemons, pool, stratum server (nil when the
// coin has switching ports only) and p2p peer.
type coinPool struct {
	pool   *pools.Pool
	server *stratum.Server
	peer   *p2p.Peer
}

// newApp builds every component; it opens no socket.
func newApp(cfg *config.Config, log *slog.Logger) (*app, error) {
	a := &app{cfg: cfg, log: log}
	var err error
	a.ledger, err = ledger.New(ledger.Config{
		Addr: cfg.Main.Redis.Addr(), Password: cfg.Main.Redis.Password, DB: cfg.Main.Redis.DB,
	}, log)
	if err != nil {
		return nil, err
	}
	en := stratum.NewExtranonceAllocator(byte(cfg.Main.InstanceID))
	for _, pc := range cfg.Pools {
		cp, err := newCoinPool(cfg, pc, a.ledger, en, log)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pc.File, err)
		}
		a.coins = append(a.coins, cp)
		if pc.Payment.Enabled {
			p, _, err := newPayoutProcessor(pc, a.ledger, log, nil)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", pc.File, err)
			}
			a.payouts = append(a.payouts, p)
		}
	}
	if a.switching, err = newSwitching(cfg, a.coins, a.ledger, en, log); err != nil {
		return nil, err
	}
	if cfg.Main.Website.Enabled {
		a.web = newHTTPServer(cfg.Main.Website, a.switching, log)
	}
	if bn := cfg.Main.BlockNotifyListener; bn.Enabled {
		a.notify = &notifyListener{
			addr: bn.Addr(), password: bn.Password, refresh: a.refresh,
			log: log.With("component", "blocknotify"), ready: make(chan struct{}),
		}
	}
	return a, nil
}

func newCoinPool(cfg *config.Config, pc *config.PoolConfig, rec pools.Recorder, en *stratum.ExtranonceAllocator, log *slog.Logger) (*coinPool, error) {
	dc, err := daemon.New(daemon.Config{Endpoints: daemonEndpoints(pc)}, log.With("coin", pc.Coin.Key))
	if err != nil {
		return nil, err
	}
	pool, err := pools.New(pools.Config{
		Coin: pc.Coin, Address: pc.Address, RewardRecipients: pc.RewardRecipients,
		BlockRefreshInterval: pc.BlockRefreshInterval, JobRebroadcastTimeout: pc.JobRebroadcastTimeout,
		ValidateWorkerUsername: pc.ValidateWorkerUsername,
	}, dc, rec, log)
	if err != nil {
		return nil, err
	}
	var tlsCfg *tls.Config
	for _, p := range pc.Ports {
		if p.TLS && tlsCfg == nil {
			if tlsCfg, err = loadTLS(cfg.Dir, pc.TLS); err != nil {
				return nil, err
			}
		}
	}
	ports := make([]stratum.PortConfig, len(pc.Ports))
	for i, p := range pc.Ports {
		ports[i] = stratum.PortConfig{
			Addr: net.JoinHostPort("", strconv.Itoa(p.Port)), Diff: p.Diff,
			ProxyProtocol: pc.TCPProxyProtocol,
		}
		if p.TLS {
			ports[i].TLS = tlsCfg
		}
		if v := p.VarDiff; v != nil {
			ports[i].VarDiff = &stratum.VarDiffConfig{
				MinDiff: v.MinDiff, MaxDiff: v.MaxDiff, TargetTime: v.TargetTime,
				RetargetTime: v.RetargetTime, VariancePercent: v.VariancePercent,
			}
		}
	}
	cp := &coinPool{pool: pool}
	if len(ports) > 0 { // a pool may be reachable through switching ports only
		cp.server, err = stratum.NewServer(stratum.Config{
			Name: pc.Coin.Key, Ports: ports, ConnectionTimeout: pc.ConnectionTimeout,
			Banning: stratum.BanConfig{
				Enabled: pc.Banning.Enabled, Time: pc.Banning.Time, InvalidPercent: pc.Banning.InvalidPercent,
				CheckThreshold: pc.Banning.CheckThreshold, PurgeInterval: pc.Banning.PurgeInterval,
			},
		}, pool, en, log)
		if err != nil {
			return nil, err
		}
	}
	if pc.P2P.Enabled {
		magic, err := p2p.ParseMagic(pc.P2P.Magic)
		if err != nil {
			return nil, fmt.Errorf("p2p.magic: %w", err)
		}
		cp.peer, err = p2p.New(p2p.Config{
			Addr: net.JoinHostPort(pc.P2P.Host, strconv.Itoa(pc.P2P.Port)), Magic: magic,
			ProtocolVersion: pc.P2P.ProtocolVersion,
		}, func(hash string) {
			log.Debug("p2p block announcement", "coin", pc.Coin.Key, "hash", hash)
			pool.Refresh()
		}, log.With("coin", pc.Coin.Key))
		if err != nil {
			return nil, err
		}
	}
	return cp, nil
}

// loadTLS reads a pool's certificate and key (paths relative to the config dir).
func loadTLS(dir string, t config.PoolTLS) (*tls.Config, error) {
	rel := func(p string) string {
		if p == "" || strings.HasPrefix(p, "/") {
			return p
		}
		return dir + "/" + p
	}
	cert, err := tls.LoadX509KeyPair(rel(t.CertFile), rel(t.KeyFile))
	if err != nil {
		return nil, fmt.Errorf("tlsOptions: %w", err)
	}
	c := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if t.CAFile != "" {
		pem, err := os.ReadFile(rel(t.CAFile))
		if err != nil {
			return nil, fmt.Errorf("tlsOptions.ca: %w", err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		c.ClientCAs = pool
	}
	return c, nil
}

// refresh is the block notify listener's hook: it matches a coin by key,
// symbol or name.
func (a *app) refresh(coin string) bool {
	found := false
	for _, cp := range a.coins {
		c := cp.pool.Coin()
		if strings.EqualFold(coin, c.Key) || strings.EqualFold(coin, c.Symbol) || strings.EqualFold(coin, c.Name) {
			cp.pool.Refresh()
			found = true
		}
	}
	return found
}

// Run runs everything until ctx ends, then stops in order: stratum
// servers and pools first (no new shares), then the ledger flushes what
// is buffered, then Redis is closed.
func (a *app) Run(ctx context.Context) error {
	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	ledgerCtx, stopLedger := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLedger()

	var (
		mu       sync.Mutex
		firstErr error
	)
	fail := func(name string, err error) {
		if err == nil || errors.Is(err, context.Canceled) {
			return
		}
		mu.Lock()
		if firstErr == nil {
			firstErr = fmt.Errorf("%s: %w", name, err)
		}
		mu.Unlock()
		stopWork()
	}
	ledgerDone := make(chan struct{})
	go func() {
		defer close(ledgerDone)
		fail("ledger", a.ledger.Run(ledgerCtx))
	}()

	var wg sync.WaitGroup
	start := func(name string, f func(context.Context) error) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail(name, f(workCtx))
		}()
	}
	for _, cp := range a.coins {
		name := cp.pool.Coin().Key
		start(name+" pool", cp.pool.Run)
		if cp.server != nil {
			start(name+" stratum", cp.server.Run)
		}
		if cp.peer != nil {
			start(name+" p2p", cp.peer.Run)
		}
	}
	if a.notify != nil {
		start("blocknotify listener", a.notify.Run)
	}
	a.switching.start(start)
	if a.web != nil {
		start("website", a.web.Run)
	}
	// Payouts stop with the pools; a payment under way finishes first, and
	// Redis closes only after every payout has returned.
	for _, p := range a.payouts {
		start(p.Coin().Key+" payout", p.Run)
	}
	go func() {
		for _, cp := range a.coins {
			if cp.server == nil {
				continue
			}
			select {
			case <-cp.server.Ready():
				for _, addr := range cp.server.Addrs() {
					a.log.Info("stratum listening", "coin", cp.pool.Coin().Key, "addr", addr.String())
				}
			case <-workCtx.Done():
				return
			}
		}
	}()
	<-workCtx.Done()
	a.log.Info("stopping: closing stratum ports and pools")
	wg.Wait()
	a.log.Info("stopping: flushing shares to Redis", "pending", a.ledger.Pending())
	stopLedger()
	<-ledgerDone
	if n := a.ledger.Dropped(); n > 0 {
		a.log.Error("shares could not be written to Redis before exit", "count", n)
	}
	if err := a.ledger.Close(); err != nil {
		a.log.Warn("closing Redis", "err", err)
	}
	a.log.Info("stopped")
	mu.Lock()
	defer mu.Unlock()
	return firstErr
}
