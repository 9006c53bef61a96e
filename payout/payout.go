package payout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/shopspring/decimal"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/payout/ledger"
)

// Defaults of Config.
const (
	DefaultMaxRecipients = 500
	DefaultLockTTL       = 10 * time.Minute
	DefaultSettleTime    = 10 * time.Minute
	DefaultSendTimeout   = 2 * time.Minute
)

var (
	// ErrConfig is wrapped by New's errors for a bad Config.
	ErrConfig = errors.New("payout: bad config")
	// ErrRunning is returned by a second call of Run.
	ErrRunning = errors.New("payout: Run called twice")
	// ErrLocked is returned by Once when another runner holds the coin's
	// payout lock: the run did nothing. It is ledger.ErrLocked.
	ErrLocked = ledger.ErrLocked
)

// Config configures a Processor for one coin.
type Config struct {
	// Coin is the coin paid; its Key names it in the ledger.
	Coin *coins.Coin
	// PoolAddress is the address the coinbase pays the pool ("address" of
	// the pool config): a block's reward is what the wallet received on
	// it. "" counts every generated output of the wallet in the coinbase.
	PoolAddress string
	// Schedule is when Run pays: a standard cron spec ("*/10 * * * *") or
	// a descriptor ("@every 10m", "@hourly"). Needed by Run only.
	Schedule string
	// MinimumPayment is the smallest balance paid, in smallest units.
	MinimumPayment coins.Amount
	// Fees are cut from each block's reward before the miners' split.
	// Reward recipients that the coinbase pays directly are not fees here:
	// the wallet never receives their part.
	Fees []Fee
	// MaxRecipients bounds the outputs of one sendmany; default 500.
	MaxRecipients int
	// LockTTL is how long the payout lock lives without renewal; default
	// 10m. A runner that dies holds it that long.
	LockTTL time.Duration
	// SettleTime is how old a pending payment the wallet does not show
	// must be before it counts as never sent and is credited back;
	// default 10m. It must exceed the longest a sendmany can take to reach
	// the wallet, far more than SendTimeout.
	SettleTime time.Duration
	// SendTimeout bounds one sendmany and the recording of its outcome;
	// default 2m. The wallet client's own timeout should not be shorter.
	SendTimeout time.Duration
	// Fault, when set, is called at each FaultPoint of a payment; an error
	// stops the run there as a crash would (see FaultPoint). For tests.
	Fault func(FaultPoint) error
}

// withDefaults fills in zero fields.
func (c Config) withDefaults() Config {
	if c.MaxRecipients == 0 {
		c.MaxRecipients = DefaultMaxRecipients
	}
	if c.LockTTL == 0 {
		c.LockTTL = DefaultLockTTL
	}
	if c.SettleTime == 0 {
		c.SettleTime = DefaultSettleTime
	}
	if c.SendTimeout == 0 {
		c.SendTimeout = DefaultSendTimeout
	}
	return c
}

// Processor pays one coin's miners: it settles found blocks, credits
// balances and sends payments. See the package documentation.
type Processor struct {
	cfg     Config
	sched   cron.Schedule // nil without Config.Schedule
	led     *ledger.Ledger
	wallet  Wallet
	log     *slog.Logger
	running atomic.Bool

	mu    sync.Mutex      // guards valid
	valid map[string]bool // addresses validateaddress accepted
}

// New validates cfg and returns a Processor; it starts nothing and makes
// no network call. wallet must reach the wallet that owns the pool's
// address through exactly one endpoint. A nil log discards.
func New(cfg Config, led *ledger.Ledger, wallet Wallet, log *slog.Logger) (*Processor, error) {
	cfg = cfg.withDefaults()
	if cfg.Coin == nil {
		return nil, fmt.Errorf("%w: no coin", ErrConfig)
	}
	if led == nil || wallet == nil {
		return nil, fmt.Errorf("%w: ledger and wallet are required", ErrConfig)
	}
	if e, ok := wallet.(interface{ Endpoints() []string }); ok && len(e.Endpoints()) != 1 {
		return nil, fmt.Errorf("%w: the wallet client has %d endpoints; sendmany needs exactly one (failover could send twice)",
			ErrConfig, len(e.Endpoints()))
	}
	if cfg.PoolAddress != "" {
		if _, err := cfg.Coin.DecodeAddress(cfg.PoolAddress); err != nil {
			return nil, fmt.Errorf("%w: pool address %q: %w", ErrConfig, cfg.PoolAddress, err)
		}
	}
	var sched cron.Schedule
	if cfg.Schedule != "" {
		s, err := cron.ParseStandard(cfg.Schedule)
		if err != nil {
			return nil, fmt.Errorf("%w: schedule %q: %w", ErrConfig, cfg.Schedule, err)
		}
		sched = s
	}
	switch {
	case cfg.MinimumPayment < 0:
		return nil, fmt.Errorf("%w: minimum payment %d is negative", ErrConfig, cfg.MinimumPayment)
	case cfg.MaxRecipients < 1:
		return nil, fmt.Errorf("%w: max recipients %d", ErrConfig, cfg.MaxRecipients)
	case cfg.LockTTL < time.Second:
		return nil, fmt.Errorf("%w: lock ttl %v is under 1s", ErrConfig, cfg.LockTTL)
	case cfg.SettleTime < 0 || cfg.SendTimeout < 0:
		return nil, fmt.Errorf("%w: negative settle time or send timeout", ErrConfig)
	}
	total := decimal.Zero
	for i, f := range cfg.Fees {
		if f.Percent.IsNegative() {
			return nil, fmt.Errorf("%w: fee %d: percent %s is negative", ErrConfig, i, f.Percent)
		}
		if f.Address != "" {
			if _, err := cfg.Coin.DecodeAddress(f.Address); err != nil {
				return nil, fmt.Errorf("%w: fee %d: address %q: %w", ErrConfig, i, f.Address, err)
			}
		}
		total = total.Add(f.Percent)
	}
	if total.GreaterThanOrEqual(decimal.NewFromInt(100)) {
		return nil, fmt.Errorf("%w: fees add up to %s%%", ErrConfig, total)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.SettleTime < cfg.SendTimeout {
		log.Warn("payout settle time is shorter than the send timeout: a sendmany the wallet runs late could be credited back and paid again",
			"coin", cfg.Coin.Key, "settle", cfg.SettleTime, "send_timeout", cfg.SendTimeout)
	}
	return &Processor{
		cfg: cfg, sched: sched, led: led, wallet: wallet,
		log:   log.With("component", "payout", "coin", cfg.Coin.Key),
		valid: map[string]bool{},
	}, nil
}

// Coin returns the coin the processor pays.
func (p *Processor) Coin() *coins.Coin { return p.cfg.Coin }

// Run pays on Config.Schedule until ctx ends, one run at a time (a run
// still going when the next is due makes that one skip), and returns after
// the current run ended. A run that finds the lock taken by another
// process logs so and does nothing.
func (p *Processor) Run(ctx context.Context) error {
	if p.sched == nil {
		return fmt.Errorf("%w: no schedule", ErrConfig)
	}
	if !p.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	logger := cronLogger{p.log}
	c := cron.New(cron.WithLocation(time.UTC), cron.WithLogger(logger),
		cron.WithChain(cron.Recover(logger), cron.SkipIfStillRunning(logger)))
	c.Schedule(p.sched, cron.FuncJob(func() { p.scheduled(ctx) }))
	p.log.Info("payouts scheduled", "schedule", p.cfg.Schedule, "minimum", p.cfg.MinimumPayment)
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	return nil
}

// scheduled is one cron run.
func (p *Processor) scheduled(ctx context.Context) {
	if ctx.Err() != nil {
		return
	}
	rep, err := p.Once(ctx)
	switch {
	case errors.Is(err, ErrLocked):
		p.log.Info("payout run skipped: another runner holds the lock", "err", err)
	case err != nil && ctx.Err() != nil:
		p.log.Info("payout run cut short by shutdown; the next run carries on", "err", err)
	case err != nil:
		p.log.Error("payout run failed", "err", err)
	default:
		p.log.Info("payout run done", "blocks", len(rep.Blocks), "payments", len(rep.Payments),
			"paid", rep.PaidTotal(), "held", len(rep.Held), "deferred", len(rep.Deferred))
	}
}

// Once does one payout run: it takes the coin's payout lock (or returns an
// error wrapping ErrLocked at once), settles the pending blocks, reconciles
// payments left pending by an earlier run, and, when none stays
// unresolved, pays. The report says what happened, also next to an error.
func (p *Processor) Once(ctx context.Context) (*Report, error) {
	lk, err := p.led.AcquireLock(ctx, p.cfg.Coin.Key, p.cfg.LockTTL)
	if err != nil {
		return nil, err
	}
	rep := &Report{Coin: p.cfg.Coin.Key}
	err = p.run(ctx, lk, rep)
	if errors.Is(err, ErrFault) {
		// A simulated crash leaves everything as a crash would: the lock
		// too, until it expires.
		return rep, err
	}
	if rerr := lk.Release(context.WithoutCancel(ctx)); rerr != nil {
		p.log.Warn("cannot release the payout lock; it expires by itself", "err", rerr)
	}
	return rep, err
}

// Plan is a dry run: it reports what Once would do now (block states and
// splits, reconciliations, payments) and writes nothing. It takes no lock.
func (p *Processor) Plan(ctx context.Context) (*Report, error) {
	rep := &Report{Coin: p.cfg.Coin.Key, DryRun: true}
	return rep, p.run(ctx, nil, rep)
}

func (p *Processor) run(ctx context.Context, lk *ledger.Lock, rep *Report) error {
	credited := map[string]int64{}
	if err := p.settleBlocks(ctx, lk, rep, credited); err != nil {
		return fmt.Errorf("settle blocks: %w", err)
	}
	n, err := p.reconcile(ctx, lk, rep)
	if err != nil {
		return fmt.Errorf("reconcile pending payments: %w", err)
	}
	m, err := p.audit(ctx, rep)
	if err != nil {
		return err
	}
	n += m
	rep.Unresolved = n
	if n > 0 {
		return nil
	}
	if lk != nil {
		if err := lk.Extend(ctx); err != nil {
			return err
		}
	}
	if err := p.pay(ctx, lk, rep, credited); err != nil {
		return fmt.Errorf("pay: %w", err)
	}
	return nil
}

// cronLogger hands cron's log lines to slog.
type cronLogger struct{ log *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.log.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.log.Error("cron: "+msg, append(kv, "err", err)...)
}
