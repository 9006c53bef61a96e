package switcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/pools/stratum"
	"github.com/multipool/multipool/profit"
)

// Defaults and bounds.
const (
	// DefaultPollInterval is how often a Port reads the saved override.
	DefaultPollInterval = 2 * time.Second
	// DefaultStartupGrace bounds the wait of the first automatic choice
	// for every pool's first job.
	DefaultStartupGrace = 30 * time.Second
	// jobRingSize is how many published jobs a Port can route shares for;
	// pools keep far fewer valid jobs than that.
	jobRingSize = 64
	// maxLogins bounds the cache of resolved logins.
	maxLogins = 100_000
	// storeTimeout bounds each Store call.
	storeTimeout = 5 * time.Second
	// noJobPoll is how often the mirror looks for a job when the chosen
	// pool has none yet.
	noJobPoll = 100 * time.Millisecond
)

var (
	// ErrUnknownCoin is returned by Override for a coin the port has no
	// pool for.
	ErrUnknownCoin = errors.New("switcher: no such coin on this port")
	// ErrConfig is wrapped by New's errors.
	ErrConfig = errors.New("switcher: bad config")
	// ErrRunning is returned by a second call of Run.
	ErrRunning = errors.New("switcher: Run called twice")
)

// Pool is a coin's pool as a Port uses it (pools.Pool is one).
type Pool interface {
	stratum.WorkSource
	Coin() *coins.Coin
}

// Ranker publishes rankings (profit.Module is one).
type Ranker interface {
	Current() (*profit.Snapshot, <-chan struct{})
}

// Store keeps a Port's choice, override, switch log and unresolved
// payees (ledger.Ledger is one).
type Store interface {
	SwitchState(ctx context.Context, name string) (ledger.SwitchState, error)
	SaveSwitchCoin(ctx context.Context, name, coin string, since time.Time) error
	SetSwitchOverride(ctx context.Context, name, coin string, at time.Time) error
	AppendSwitchEvent(ctx context.Context, name string, e ledger.SwitchEvent) error
	SetUnresolvedPayee(ctx context.Context, coin, login, reason string) error
}

// Config configures a Port.
type Config struct {
	// Name is the switch group's name ("scrypt"): 1-32 of [A-Za-z0-9._-].
	Name string
	// Algorithm is the canonical PoW name every pool must mine.
	Algorithm string
	// Pools are the coins the port may switch between.
	Pools []Pool
	// MinImprovementPercent, MinHold and IncompleteHold are the
	// hysteresis (see profit.Chooser).
	MinImprovementPercent float64
	MinHold               time.Duration
	IncompleteHold        time.Duration
	// PollInterval is how often the saved override is read; default 2s.
	PollInterval time.Duration
	// StartupGrace is how long the first automatic choice waits for every
	// pool's first job; default 30s.
	StartupGrace time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Port is an auto-switch port's WorkSource.
type Port struct {
	cfg     Config
	pools   map[string]Pool
	keys    []string // sorted coin keys
	coins   []*coins.Coin
	ranker  Ranker
	store   Store
	log     *slog.Logger
	running atomic.Bool

	// job is what sessions get; target is the coin chosen, which the
	// mirror follows.
	job    atomic.Pointer[stratum.Job]
	target atomic.Pointer[choice]
	// wake tells the mirror the target changed; overrideSig tells the
	// decider an Override is pending. Both have capacity 1.
	wake        chan struct{}
	overrideSig chan struct{}

	// Owned by the decider goroutine (and restore, before it starts).
	chooser     profit.Chooser
	provisional bool // the target is a fallback, not a decision yet
	lastSeq     uint64
	started     time.Time // when Run began
	refused     string    // the coin last refused for having no work (logged once)

	mu sync.Mutex // guards the fields below
	// coin is the coin whose job the sessions have, since since.
	coin  string
	since time.Time
	// override is the operator's coin, "" when automatic; pending is an
	// Override not yet applied.
	override     string
	pending      *string
	lastDecision string
	switches     uint64
	last         SwitchInfo
	// jobs maps the ids of the last jobRingSize published jobs to their
	// pools; ring holds the ids in publishing order.
	jobs     map[string]Pool
	ring     [jobRingSize]string
	ringNext int
	logins   map[string]*login
	shares   map[string]uint64
}

// choice is a chosen coin; decidedAt is when the decision was made.
type choice struct {
	pool      Pool
	key       string
	reason    string
	decidedAt time.Time
}

// login is a resolved switch-port login.
type login struct {
	name     string
	payouts  []PayoutAddress
	workers  map[string]*stratum.Worker // coin key -> the worker that coin records
	checked  bool                       // pools have authorized its addresses
	lastCoin string
	lastAt   time.Time
}

var validName = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)

// New checks cfg and builds a port; it starts nothing. ranker may be nil
// (no automatic switching: the port stays on its saved, overridden or
// first coin); store may be nil (nothing is saved); log may be nil.
func New(cfg Config, ranker Ranker, store Store, log *slog.Logger) (*Port, error) {
	if !validName.MatchString(cfg.Name) {
		return nil, fmt.Errorf("%w: name %q: want 1-32 of A-Z a-z 0-9 . _ -", ErrConfig, cfg.Name)
	}
	if cfg.Algorithm == "" {
		return nil, fmt.Errorf("%w: %s: no algorithm", ErrConfig, cfg.Name)
	}
	if len(cfg.Pools) == 0 {
		return nil, fmt.Errorf("%w: %s: no pool mines %s", ErrConfig, cfg.Name, cfg.Algorithm)
	}
	if cfg.MinImprovementPercent < 0 || cfg.MinHold < 0 || cfg.IncompleteHold < 0 {
		return nil, fmt.Errorf("%w: %s: negative hysteresis", ErrConfig, cfg.Name)
	}
	if cfg.PollInterval == 0 {
		cfg.PollInterval = DefaultPollInterval
	}
	if cfg.StartupGrace == 0 {
		cfg.StartupGrace = DefaultStartupGrace
	}
	if cfg.PollInterval < 0 || cfg.StartupGrace < 0 {
		return nil, fmt.Errorf("%w: %s: negative pollInterval or startupGrace", ErrConfig, cfg.Name)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &Port{
		cfg: cfg, pools: map[string]Pool{}, ranker: ranker, store: store,
		log:         log.With("component", "switcher", "switch", cfg.Name),
		wake:        make(chan struct{}, 1),
		overrideSig: make(chan struct{}, 1),
		chooser: profit.Chooser{MinImprovementPercent: cfg.MinImprovementPercent, MinHold: cfg.MinHold,
			IncompleteHold: cfg.IncompleteHold},
		jobs:   map[string]Pool{},
		logins: map[string]*login{},
		shares: map[string]uint64{},
	}
	for _, pl := range cfg.Pools {
		c := pl.Coin()
		if c == nil {
			return nil, fmt.Errorf("%w: %s: a pool without a coin", ErrConfig, cfg.Name)
		}
		if c.Algorithm != cfg.Algorithm {
			return nil, fmt.Errorf("%w: %s: coin %s mines %s, not %s", ErrConfig, cfg.Name, c.Key, c.Algorithm, cfg.Algorithm)
		}
		if _, dup := p.pools[c.Key]; dup {
			return nil, fmt.Errorf("%w: %s: coin %s given twice", ErrConfig, cfg.Name, c.Key)
		}
		p.pools[c.Key] = pl
		p.keys = append(p.keys, c.Key)
	}
	slices.Sort(p.keys)
	for _, k := range p.keys {
		p.coins = append(p.coins, p.pools[k].Coin())
	}
	return p, nil
}

// Name returns the switch group's name.
func (p *Port) Name() string { return p.cfg.Name }

// Algorithm returns the port's algorithm.
func (p *Port) Algorithm() string { return p.cfg.Algorithm }

// Coins returns the keys of the port's coins, sorted.
func (p *Port) Coins() []string { return slices.Clone(p.keys) }

// Current returns the coin whose work the sessions have ("" before the
// first job) and since when.
func (p *Port) Current() (coin string, since time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.coin, p.since
}

// Run restores the saved choice, then follows rankings, overrides and the
// chosen pool's jobs until ctx ends. It returns after its goroutines end.
func (p *Port) Run(ctx context.Context) error {
	if !p.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	p.started = p.cfg.Now()
	p.restore(ctx)
	var wg sync.WaitGroup
	wg.Go(func() { p.mirror(ctx) })
	wg.Go(func() { p.decide(ctx) })
	wg.Wait()
	if j := p.job.Load(); j != nil {
		j.Replace()
	}
	return nil
}

// restore picks the starting coin: the override, else the saved coin,
// else a provisional one (the ranking's best, or the first coin) that the
// first ranking confirms or replaces at once.
func (p *Port) restore(ctx context.Context) {
	var st ledger.SwitchState
	if p.store != nil {
		sctx, cancel := context.WithTimeout(ctx, storeTimeout)
		var err error
		st, err = p.store.SwitchState(sctx, p.cfg.Name)
		cancel()
		if err != nil {
			p.log.Warn("cannot read the saved switch state; choosing automatically", "err", err)
		}
	}
	if st.Override != "" {
		if _, ok := p.pools[st.Override]; ok {
			p.mu.Lock()
			p.override = st.Override
			p.mu.Unlock()
			p.log.Info("resuming on the operator's coin", "coin", st.Override, "set", st.OverrideAt)
			p.setTarget(st.Override, "operator override (saved)")
			return
		}
		p.log.Warn("the saved override names a coin that no longer exists or is disabled; switching automatically",
			"coin", st.Override)
		p.persistOverride(ctx, "")
		p.record(ctx, ledger.SwitchEvent{Time: p.cfg.Now(), From: st.Override, To: "",
			Reason: "override " + st.Override + " is not configured any more; automatic", Manual: true})
	}
	if st.Coin != "" {
		if _, ok := p.pools[st.Coin]; ok {
			p.log.Info("resuming on the saved coin", "coin", st.Coin, "since", st.Since)
			p.setTarget(st.Coin, "saved coin")
			return
		}
		p.log.Warn("the saved coin no longer exists or is disabled; choosing automatically", "coin", st.Coin)
		p.record(ctx, ledger.SwitchEvent{Time: p.cfg.Now(), From: st.Coin, To: "",
			Reason: "saved coin " + st.Coin + " is not configured any more; automatic"})
	}
	start := p.keys[0]
	if p.ranker != nil {
		if snap, _ := p.ranker.Current(); snap != nil {
			for _, cf := range p.eligible(snap) {
				if cf.Complete {
					start = cf.Coin
					break
				}
			}
		}
	}
	p.provisional = p.ranker != nil
	p.setTarget(start, "first coin until a ranking decides")
	if !p.provisional {
		p.persistCoin(ctx, start)
	}
}

// setTarget makes coin the chosen one and wakes the mirror.
func (p *Port) setTarget(coin, reason string) {
	p.target.Store(&choice{pool: p.pools[coin], key: coin, reason: reason, decidedAt: time.Now()})
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// mirror publishes the chosen pool's jobs as the port's own. When the
// chosen pool has no job yet, the sessions keep the previous coin's work.
func (p *Port) mirror(ctx context.Context) {
	var (
		cur *choice
		src *stratum.Job // the pool job last published
	)
	for {
		tgt := p.target.Load()
		eff, j := tgt, tgt.pool.CurrentJob()
		if j == nil && cur != nil {
			eff, j = cur, cur.pool.CurrentJob()
		}
		if j != nil && (eff != cur || j != src) {
			p.publish(eff, j, cur, eff != cur)
			cur, src = eff, j
		}
		var done <-chan struct{}
		var poll <-chan time.Time
		if j != nil {
			select {
			case <-j.Done():
				// Replaced yet still current: a pool that stopped.
				poll = time.After(noJobPoll)
			default:
				done = j.Done()
			}
		}
		if j == nil || eff != tgt {
			poll = time.After(noJobPoll)
		}
		select {
		case <-ctx.Done():
			return
		case <-done:
		case <-poll:
		case <-p.wake:
		}
	}
}

// publish makes a copy of pool job j the port's job and wakes the
// sessions waiting on the previous one. On a switch the copy carries
// clean_jobs.
func (p *Port) publish(c *choice, j *stratum.Job, prev *choice, switched bool) {
	cp := *j
	cp.CleanJobs = j.CleanJobs || switched
	nj := stratum.NewJob(cp)
	now := p.cfg.Now()
	p.mu.Lock()
	if old := p.ring[p.ringNext]; old != "" {
		delete(p.jobs, old)
	}
	p.ring[p.ringNext] = nj.ID
	p.ringNext = (p.ringNext + 1) % jobRingSize
	p.jobs[nj.ID] = c.pool
	if switched {
		p.coin, p.since = c.key, now
	}
	p.mu.Unlock()
	if old := p.job.Swap(nj); old != nil {
		old.Replace()
	}
	if switched {
		from := ""
		if prev != nil {
			from = prev.key
		}
		p.log.Info("sessions switched", "from", from, "to", c.key, "job", nj.ID,
			"after", time.Since(c.decidedAt).Round(time.Microsecond))
	}
}

// poolOf returns the pool that made a published job.
func (p *Port) poolOf(jobID string) Pool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jobs[jobID]
}

// decide evaluates every new ranking and applies overrides.
func (p *Port) decide(ctx context.Context) {
	poll := time.NewTicker(p.cfg.PollInterval)
	defer poll.Stop()
	for {
		var next <-chan struct{}
		if p.ranker != nil {
			snap, n := p.ranker.Current()
			next = n
			if snap != nil && snap.Seq != p.lastSeq {
				p.lastSeq = snap.Seq
				p.evaluate(ctx, snap)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-next:
		case <-poll.C:
			p.pollOverride(ctx)
		case <-p.overrideSig:
			p.mu.Lock()
			pend := p.pending
			p.pending = nil
			p.mu.Unlock()
			if pend != nil {
				p.applyOverride(ctx, *pend)
			}
		}
	}
}

// eligible returns the snapshot's ranking of the port's coins.
func (p *Port) eligible(snap *profit.Snapshot) []profit.CoinFigures {
	var out []profit.CoinFigures
	for _, cf := range snap.Ranking(p.cfg.Algorithm) {
		if _, ok := p.pools[cf.Coin]; ok {
			out = append(out, cf)
		}
	}
	return out
}

// evaluate applies the hysteresis to one ranking.
func (p *Port) evaluate(ctx context.Context, snap *profit.Snapshot) {
	p.mu.Lock()
	manual := p.override != ""
	p.mu.Unlock()
	if manual {
		p.setDecision("operator override in force")
		return
	}
	cur := p.target.Load().key
	if p.provisional {
		if p.waitForPools(snap) {
			return
		}
		cur = ""
	}
	d := p.chooser.Decide(p.cfg.Now(), cur, p.eligible(snap))
	p.setDecision(d.Reason)
	if d.To == "" {
		if d.Pending {
			p.log.Debug("a coin leads; holding", "reason", d.Reason)
		}
		return
	}
	p.switchTo(ctx, d.To, d.Reason, false)
}

// waitForPools holds the first decision while some pool has no job yet
// (its daemon may not have answered, so its figures may be missing), for
// at most StartupGrace; meanwhile the provisional coin is one that has
// work. It reports whether the decision waits.
func (p *Port) waitForPools(snap *profit.Snapshot) bool {
	var missing []string
	for _, k := range p.keys {
		if p.pools[k].CurrentJob() == nil {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 || p.cfg.Now().Sub(p.started) >= p.cfg.StartupGrace {
		return false
	}
	if p.pools[p.target.Load().key].CurrentJob() == nil {
		var order []string
		for _, cf := range p.eligible(snap) {
			order = append(order, cf.Coin)
		}
		for _, k := range append(order, p.keys...) {
			if p.pools[k].CurrentJob() != nil {
				p.setTarget(k, "a coin with work until every pool has its first job")
				break
			}
		}
	}
	p.setDecision("waiting for the first job of " + strings.Join(missing, ", "))
	return true
}

func (p *Port) setDecision(s string) {
	p.mu.Lock()
	p.lastDecision = s
	p.mu.Unlock()
}

// switchTo moves the port to coin, saves the choice and logs it.
func (p *Port) switchTo(ctx context.Context, coin, reason string, manual bool) {
	pool, ok := p.pools[coin]
	if !ok {
		return
	}
	from := p.target.Load().key
	wasProvisional := p.provisional
	if coin == from && !wasProvisional {
		return
	}
	if coin != from && pool.CurrentJob() == nil {
		if p.refused != coin {
			p.log.Warn("not switching: the coin's pool has no work yet", "to", coin, "reason", reason)
		}
		p.refused = coin
		p.chooser.Reset()
		return
	}
	p.refused = ""
	p.provisional = false
	p.chooser.Reset()
	now := p.cfg.Now()
	if coin != from {
		p.setTarget(coin, reason)
	}
	if wasProvisional {
		// The first decision: the provisional coin was no choice.
		p.log.Info("coin chosen", "coin", coin, "reason", reason, "manual", manual)
		from = ""
	} else {
		p.mu.Lock()
		p.switches++
		p.last = SwitchInfo{At: now, From: from, To: coin, Reason: reason, Manual: manual}
		p.mu.Unlock()
		p.log.Info("switching coin", "from", from, "to", coin, "reason", reason, "manual", manual)
	}
	p.persistCoin(ctx, coin)
	p.record(ctx, ledger.SwitchEvent{Time: now, From: from, To: coin, Reason: reason, Manual: manual})
}

// Override forces coin ("" or "auto" for automatic switching), saves it
// and has the port apply it at once.
func (p *Port) Override(ctx context.Context, coin string) error {
	if strings.EqualFold(coin, "auto") {
		coin = ""
	}
	if coin != "" {
		if _, ok := p.pools[coin]; !ok {
			return fmt.Errorf("%w: %q (coins: %s)", ErrUnknownCoin, coin, strings.Join(p.keys, ", "))
		}
	}
	if p.store != nil {
		if err := p.store.SetSwitchOverride(ctx, p.cfg.Name, coin, p.cfg.Now()); err != nil {
			return fmt.Errorf("save override: %w", err)
		}
	}
	p.mu.Lock()
	p.pending = &coin
	p.mu.Unlock()
	select {
	case p.overrideSig <- struct{}{}:
	default:
	}
	return nil
}

// pollOverride reads an override another process may have saved, and
// retries an override whose pool had no work yet.
func (p *Port) pollOverride(ctx context.Context) {
	if p.store != nil {
		sctx, cancel := context.WithTimeout(ctx, storeTimeout)
		st, err := p.store.SwitchState(sctx, p.cfg.Name)
		cancel()
		p.mu.Lock()
		changed := err == nil && st.Override != p.override
		p.mu.Unlock()
		switch {
		case err != nil:
			p.log.Debug("cannot read the saved override", "err", err)
		case changed && st.Override != "" && p.pools[st.Override] == nil:
			p.log.Warn("ignoring a saved override for a coin this port does not have", "coin", st.Override)
			p.persistOverride(ctx, "")
		case changed:
			p.applyOverride(ctx, st.Override)
			return
		}
	}
	p.mu.Lock()
	ov := p.override
	p.mu.Unlock()
	if ov != "" && p.target.Load().key != ov {
		p.switchTo(ctx, ov, "operator override", true)
	}
}

// applyOverride enters or leaves manual mode.
func (p *Port) applyOverride(ctx context.Context, coin string) {
	p.mu.Lock()
	prev := p.override
	p.override = coin
	p.mu.Unlock()
	if coin == prev {
		return
	}
	if coin != "" {
		p.switchTo(ctx, coin, "operator override", true)
		p.setDecision("operator override in force")
		return
	}
	p.log.Info("override cleared: switching automatically again", "was", prev)
	p.chooser.Reset()
	p.lastSeq = 0 // evaluate the newest ranking now
	p.record(ctx, ledger.SwitchEvent{Time: p.cfg.Now(), From: prev, To: p.target.Load().key,
		Reason: "override cleared; automatic", Manual: true})
}

func (p *Port) persistCoin(ctx context.Context, coin string) {
	if p.store == nil {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := p.store.SaveSwitchCoin(sctx, p.cfg.Name, coin, p.cfg.Now()); err != nil {
		p.log.Warn("cannot save the chosen coin", "coin", coin, "err", err)
	}
}

func (p *Port) persistOverride(ctx context.Context, coin string) {
	if p.store == nil {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := p.store.SetSwitchOverride(sctx, p.cfg.Name, coin, p.cfg.Now()); err != nil {
		p.log.Warn("cannot save the override", "err", err)
	}
}

func (p *Port) record(ctx context.Context, e ledger.SwitchEvent) {
	if p.store == nil {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	if err := p.store.AppendSwitchEvent(sctx, p.cfg.Name, e); err != nil {
		p.log.Warn("cannot append to the switch log", "err", err)
	}
}

// CurrentJob returns the port's newest job.
func (p *Port) CurrentJob() *stratum.Job { return p.job.Load() }

// Authorize resolves the login's payout address on every coin and has the
// pools check the addresses that came from the login or the password. A
// login that is no address of any coin, and whose password names none, is
// refused; so is a password naming a bad address.
func (p *Port) Authorize(ctx context.Context, w *stratum.Worker) error {
	l, fresh, err := p.loginFor(w)
	if err != nil {
		return stratum.Errorf(stratum.CodeUnauthorized, "%v", err)
	}
	p.mu.Lock()
	checked := l.checked
	p.mu.Unlock()
	if !checked {
		for _, pa := range l.payouts {
			if pa.How != FromLogin && pa.How != FromPassword {
				continue
			}
			if err := p.pools[pa.Coin].Authorize(ctx, l.workers[pa.Coin]); err != nil {
				return fmt.Errorf("%s: %w", pa.Coin, err)
			}
		}
		p.mu.Lock()
		l.checked = true
		p.mu.Unlock()
	}
	if fresh {
		p.noteUnresolved(ctx, l)
	}
	return nil
}

// loginKey names a login in the cache: the password carries addresses.
func loginKey(w *stratum.Worker) string { return w.Name + "\x00" + w.Password }

// loginFor returns the resolved login (fresh: resolved just now).
func (p *Port) loginFor(w *stratum.Worker) (*login, bool, error) {
	key := loginKey(w)
	p.mu.Lock()
	l, ok := p.logins[key]
	p.mu.Unlock()
	if ok {
		return l, false, nil
	}
	payouts, err := resolve(p.coins, w.Address, w.Password)
	if err != nil {
		return nil, false, err
	}
	l = &login{name: w.Name, payouts: payouts, workers: map[string]*stratum.Worker{}}
	for _, pa := range payouts {
		l.workers[pa.Coin] = &stratum.Worker{Name: w.Name, Address: pa.Address, WorkerName: w.WorkerName, Password: w.Password}
	}
	p.mu.Lock()
	if len(p.logins) >= maxLogins {
		clear(p.logins)
	}
	if prev, ok := p.logins[key]; ok {
		l = prev
	} else {
		p.logins[key] = l
	}
	p.mu.Unlock()
	for _, pa := range payouts {
		if pa.How == FromKeyHash {
			p.log.Debug("payout address derived", "login", w.Name, "coin", pa.Coin, "address", pa.Address)
		}
	}
	return l, true, nil
}

// noteUnresolved records (or clears) the coins a login has no address on.
func (p *Port) noteUnresolved(ctx context.Context, l *login) {
	for _, pa := range l.payouts {
		if pa.How == Held {
			p.log.Info("no payout address for a switch-port login on this coin; its balance is held",
				"login", l.name, "coin", pa.Coin, "reason", pa.Reason)
		}
		if p.store == nil {
			continue
		}
		sctx, cancel := context.WithTimeout(ctx, storeTimeout)
		err := p.store.SetUnresolvedPayee(sctx, pa.Coin, l.name, pa.Reason)
		cancel()
		if err != nil {
			p.log.Debug("cannot record the unresolved payee", "login", l.name, "coin", pa.Coin, "err", err)
		}
	}
}

// Submit sends a share to the pool whose job it names, recorded under the
// login's payout address on that coin.
func (p *Port) Submit(ctx context.Context, s *stratum.Share) stratum.Result {
	pool := p.poolOf(s.JobID)
	if pool == nil {
		return stratum.Result{Err: stratum.ErrJobNotFound}
	}
	coin := pool.Coin().Key
	sc := *s
	var l *login
	if s.Worker != nil {
		var err error
		if l, _, err = p.loginFor(s.Worker); err == nil {
			sc.Worker = l.workers[coin]
		}
	}
	res := pool.Submit(ctx, &sc)
	if res.Err == nil {
		now := p.cfg.Now()
		p.mu.Lock()
		p.shares[coin]++
		if l != nil {
			l.lastCoin, l.lastAt = coin, now
		}
		p.mu.Unlock()
	}
	return res
}
