package pools

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/pools/stratum"
)

// Daemon is what a pool needs from its coin daemons.
type Daemon interface {
	GetBlockTemplate(ctx context.Context, rules []string) (*daemon.BlockTemplate, error)
	SubmitBlock(ctx context.Context, blockHex string) daemon.SubmitResult
	ValidateAddress(ctx context.Context, addr string) (bool, error)
}

// Recorder is where shares and blocks go (the ledger).
type Recorder interface {
	RecordShare(s ledger.Share) error
	RecordBlock(b ledger.Block) error
}

// Config describes one coin's pool.
type Config struct {
	Coin *coins.Coin
	// Address receives the block reward (minus RewardRecipients).
	Address string
	// RewardRecipients maps an address to the percent of the block reward
	// it receives (pool fees, donations).
	RewardRecipients map[string]float64
	// BlockRefreshInterval is how often the template is polled; 0 polls
	// only on notifications (blocknotify, p2p) and JobRebroadcastTimeout.
	BlockRefreshInterval time.Duration
	// JobRebroadcastTimeout sends fresh work (new transactions and time)
	// when no block came for this long.
	JobRebroadcastTimeout time.Duration
	// ValidateWorkerUsername checks login addresses with the daemon.
	ValidateWorkerUsername bool
	// Tag goes into every coinbase scriptSig; default "/multipool/".
	Tag string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Pool is one coin's pool: a stratum.WorkSource.
type Pool struct {
	cfg    Config
	coin   *coins.Coin
	alg    *pow.Algorithm
	daemon Daemon
	rec    Recorder
	log    *slog.Logger
	payout []txOut
	tag    []byte

	current     atomic.Pointer[job]
	hashSlots   chan struct{} // bounds concurrent PoW hashing to GOMAXPROCS
	refresh     chan struct{}
	targets     sync.Map // float64 difficulty -> *pow.Target share target
	targetCount atomic.Int64

	mu   sync.Mutex      // guards jobs
	jobs map[string]*job // the jobs shares are accepted for: the current block's

	addrMu    sync.Mutex // guards addrCache
	addrCache map[string]addrVerdict

	blocks atomic.Int64 // blocks found (accepted by a daemon)
}

type addrVerdict struct {
	ok      bool
	expires time.Time
}

// Errors Authorize returns.
var (
	ErrBadAddress = errors.New("pools: invalid address")
)

// New validates the configuration and builds a pool. It starts nothing.
func New(cfg Config, d Daemon, rec Recorder, log *slog.Logger) (*Pool, error) {
	if cfg.Coin == nil {
		return nil, errors.New("pools: no coin")
	}
	if d == nil || rec == nil {
		return nil, errors.New("pools: daemon and recorder are required")
	}
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Tag == "" {
		cfg.Tag = "/multipool/"
	}
	alg := cfg.Coin.PoW()
	if alg == nil {
		return nil, fmt.Errorf("pools: coin %s: unknown algorithm %q", cfg.Coin.Key, cfg.Coin.Algorithm)
	}
	poolScript, err := cfg.Coin.AddressScript(cfg.Address)
	if err != nil {
		return nil, fmt.Errorf("pools: coin %s: address %q: %w", cfg.Coin.Key, cfg.Address, err)
	}
	payout := []txOut{{Script: poolScript}}
	addrs := make([]string, 0, len(cfg.RewardRecipients))
	for a := range cfg.RewardRecipients {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	total := 0.0
	for _, a := range addrs {
		pct := cfg.RewardRecipients[a]
		if pct < 0 || pct >= 100 {
			return nil, fmt.Errorf("pools: coin %s: reward recipient %s: percent %v out of range", cfg.Coin.Key, a, pct)
		}
		total += pct
		s, err := cfg.Coin.AddressScript(a)
		if err != nil {
			return nil, fmt.Errorf("pools: coin %s: reward recipient %q: %w", cfg.Coin.Key, a, err)
		}
		payout = append(payout, txOut{Script: s})
	}
	if total >= 100 {
		return nil, fmt.Errorf("pools: coin %s: reward recipients take %v%%, nothing left for the pool", cfg.Coin.Key, total)
	}
	p := &Pool{
		cfg: cfg, coin: cfg.Coin, alg: alg, daemon: d, rec: rec,
		log:       log.With("component", "pool", "coin", cfg.Coin.Key),
		payout:    payout,
		tag:       []byte(cfg.Tag),
		refresh:   make(chan struct{}, 1),
		hashSlots: make(chan struct{}, runtime.GOMAXPROCS(0)),
		jobs:      make(map[string]*job),
		addrCache: make(map[string]addrVerdict),
	}
	return p, nil
}

// Coin returns the pool's coin.
func (p *Pool) Coin() *coins.Coin { return p.coin }

// Refresh asks for a new template now (a block notification). It never blocks.
func (p *Pool) Refresh() {
	select {
	case p.refresh <- struct{}{}:
	default:
	}
}

// CurrentJob returns the newest job, or nil before the first template.
func (p *Pool) CurrentJob() *stratum.Job {
	if j := p.current.Load(); j != nil {
		return j.notify
	}
	return nil
}

// Height returns the height the pool is working on, 0 before the first template.
func (p *Pool) Height() int64 {
	if j := p.current.Load(); j != nil {
		return j.height
	}
	return 0
}

// BlocksFound returns how many blocks this pool found that a daemon accepted.
func (p *Pool) BlocksFound() int64 { return p.blocks.Load() }

// Run polls templates until ctx ends. It returns an error only when ctx
// is still live and the pool cannot go on; daemon failures are retried.
func (p *Pool) Run(ctx context.Context) error {
	poll := p.cfg.BlockRefreshInterval
	if poll <= 0 {
		poll = time.Hour
	}
	ticker := time.NewTicker(poll)
	defer ticker.Stop()
	failing := false
	lastJob := time.Time{}
	for {
		err := p.update(ctx, &lastJob)
		switch {
		case err != nil && ctx.Err() == nil:
			if !failing {
				p.log.Warn("cannot get block template; retrying", "err", err)
			}
			failing = true
		case err == nil && failing:
			p.log.Info("block templates are back")
			failing = false
		}
		wait := poll
		if failing && wait > 2*time.Second {
			wait = 2 * time.Second
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			if j := p.current.Load(); j != nil {
				j.notify.Replace()
			}
			return nil
		case <-ticker.C:
		case <-timer.C:
		case <-p.refresh:
		}
		timer.Stop()
	}
}

// update fetches a template and publishes a job when the block changed or
// the current job is older than the rebroadcast timeout.
func (p *Pool) update(ctx context.Context, lastJob *time.Time) error {
	rctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	t, err := p.daemon.GetBlockTemplate(rctx, p.coin.GBTRules)
	if err != nil {
		return err
	}
	if max := p.coin.MaxBlockVersion; max > 0 && t.Version > max {
		return fmt.Errorf("the daemon's template is block version %d; this pool builds %s blocks up to version %d (coin file maxBlockVersion), so it mines nothing rather than blocks the daemon would reject",
			t.Version, p.coin.Key, max)
	}
	cur := p.current.Load()
	newBlock := cur == nil || cur.prevHash != t.PreviousBlockHash || cur.height != t.Height
	stale := p.cfg.JobRebroadcastTimeout > 0 && p.cfg.Now().Sub(*lastJob) >= p.cfg.JobRebroadcastTimeout
	if !newBlock && !stale {
		return nil
	}
	required, err := p.requiredOutputs(t)
	if err != nil {
		return fmt.Errorf("template at height %d: %w", t.Height, err)
	}
	j, err := newJob(jobSpec{
		tmpl: t, payout: p.splitReward(t.CoinbaseValue - t.RequiredPayments().Total()), required: required,
		tag: p.tag, pos: p.coin.Reward == "POS", txMessages: p.coin.TxMessages, clean: newBlock,
		txHash: p.coin.TxHasher(),
	})
	if err != nil {
		return fmt.Errorf("build job at height %d: %w", t.Height, err)
	}
	p.mu.Lock()
	if newBlock {
		p.jobs = make(map[string]*job)
	}
	p.jobs[j.notify.ID] = j
	p.mu.Unlock()
	p.current.Store(j)
	*lastJob = p.cfg.Now()
	if cur != nil {
		cur.notify.Replace()
	}
	if newBlock {
		p.log.Info("new block template", "height", t.Height, "prev", t.PreviousBlockHash, "txs", len(t.Transactions), "job", j.notify.ID)
	} else {
		p.log.Debug("rebroadcast job", "height", t.Height, "job", j.notify.ID)
	}
	return nil
}

// requiredOutputs turns the payments a template demands (Dash's
// masternode and superblock payments) into coinbase outputs, taking the
// script from the template or, when it gives only an address, from the
// coin's address format.
func (p *Pool) requiredOutputs(t *daemon.BlockTemplate) ([]txOut, error) {
	pays := t.RequiredPayments()
	if len(pays) == 0 {
		return nil, nil
	}
	outs := make([]txOut, 0, len(pays))
	for i, pay := range pays {
		var script []byte
		var err error
		if pay.Script != "" {
			script, err = hex.DecodeString(pay.Script)
		} else {
			script, err = p.coin.AddressScript(pay.Payee)
		}
		if err != nil {
			return nil, fmt.Errorf("required payment %d to %q: %w", i, pay.Payee, err)
		}
		outs = append(outs, txOut{Value: pay.Amount, Script: script})
	}
	return outs, nil
}

// splitReward fills in output values: each reward recipient gets its
// percent of the reward (rounded down), the pool the rest.
func (p *Pool) splitReward(reward int64) []txOut {
	outs := make([]txOut, len(p.payout))
	copy(outs, p.payout)
	addrs := make([]string, 0, len(p.cfg.RewardRecipients))
	for a := range p.cfg.RewardRecipients {
		addrs = append(addrs, a)
	}
	sort.Strings(addrs)
	rest := reward
	for i, a := range addrs {
		pct, _ := new(big.Rat).SetString(strconv.FormatFloat(p.cfg.RewardRecipients[a], 'f', -1, 64))
		v := new(big.Rat).Mul(new(big.Rat).SetInt64(reward), pct)
		v.Quo(v, big.NewRat(100, 1))
		amount := new(big.Int).Quo(v.Num(), v.Denom()).Int64()
		outs[i+1].Value = amount
		rest -= amount
	}
	outs[0].Value = rest
	return outs
}

// Authorize checks a miner's login address, with the daemon when the pool
// is configured to, caching the verdicts.
func (p *Pool) Authorize(ctx context.Context, w *stratum.Worker) error {
	if !p.cfg.ValidateWorkerUsername {
		return nil
	}
	if w.Address == "" {
		return fmt.Errorf("%w: empty", ErrBadAddress)
	}
	now := p.cfg.Now()
	p.addrMu.Lock()
	v, ok := p.addrCache[w.Address]
	p.addrMu.Unlock()
	if !ok || now.After(v.expires) {
		valid, err := p.daemon.ValidateAddress(ctx, w.Address)
		if err != nil {
			return fmt.Errorf("validate address: %w", err)
		}
		v = addrVerdict{ok: valid, expires: now.Add(time.Hour)}
		if !valid {
			v.expires = now.Add(time.Minute)
		}
		p.addrMu.Lock()
		if len(p.addrCache) > 100_000 {
			p.addrCache = make(map[string]addrVerdict)
		}
		p.addrCache[w.Address] = v
		p.addrMu.Unlock()
	}
	if !v.ok {
		return fmt.Errorf("%w: %q is not a %s address", ErrBadAddress, w.Address, p.coin.Name)
	}
	return nil
}
