package miner

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/big"
	"net"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
	"github.com/multipool/multipool/pools/stratum/client"
)

// ErrConfig marks an invalid Config.
var ErrConfig = errors.New("miner: bad config")

// Config says what to mine and where.
type Config struct {
	// Algorithm names the proof of work (pow.Lookup), e.g. "sha256d", "scrypt".
	Algorithm string
	// URL is the pool: stratum+tcp://HOST:PORT or HOST:PORT.
	URL string
	// User and Password are the pool login (address[.worker], options).
	User, Password string
	// Threads is the number of hashing threads; zero means one per CPU.
	Threads int
	// Log receives connection events; nil discards.
	Log *slog.Logger
	// Out receives a line per answered share and a hashrate line every
	// ReportInterval; nil prints nothing.
	Out io.Writer
	// MaxShares stops Run once that many shares were accepted; zero mines
	// until ctx ends. Shares already in flight may add a few more.
	MaxShares int
	// ReportInterval is the time between hashrate lines; zero means 10s.
	ReportInterval time.Duration
	// RetryMin and RetryMax bound the wait before reconnecting, which
	// doubles after each failed attempt; zero means 1s and 1m.
	RetryMin, RetryMax time.Duration
	// Timeout bounds dialing and each reply from the pool; zero means the
	// client's default.
	Timeout time.Duration
}

// Stats counts what a Run did.
type Stats struct {
	// Accepted and Rejected count answered shares; RejectReasons splits
	// Rejected by stratum error code.
	Accepted, Rejected int64
	RejectReasons      map[int]int64
	// Stale counts shares found on a job that a clean job had replaced
	// before they could be sent: dropped, never submitted.
	Stale int64
	// Lost counts submitted shares that got no answer (timeout, connection lost).
	Lost int64
	// Blocks counts accepted shares that also met the network target.
	Blocks int64
	// Hashes is the number of headers hashed.
	Hashes uint64
	// Connections counts successful logins to the pool.
	Connections int
	// Elapsed is the duration of the Run.
	Elapsed time.Duration
}

// String summarises the stats on one line.
func (s Stats) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "accepted %d, rejected %d", s.Accepted, s.Rejected)
	if len(s.RejectReasons) > 0 {
		codes := make([]int, 0, len(s.RejectReasons))
		for c := range s.RejectReasons {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		parts := make([]string, len(codes))
		for i, c := range codes {
			parts[i] = fmt.Sprintf("%d: %d", c, s.RejectReasons[c])
		}
		fmt.Fprintf(&b, " (%s)", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, ", stale %d, lost %d, blocks %d, %d hashes in %s",
		s.Stale, s.Lost, s.Blocks, s.Hashes, s.Elapsed.Round(time.Millisecond))
	if s.Elapsed > 0 {
		fmt.Fprintf(&b, " (%s)", FormatRate(float64(s.Hashes)/s.Elapsed.Seconds()))
	}
	return b.String()
}

// FormatRate prints a hash rate with a unit prefix.
func FormatRate(hps float64) string {
	units := []string{"H/s", "kH/s", "MH/s", "GH/s", "TH/s"}
	i := 0
	for hps >= 1000 && i < len(units)-1 {
		hps /= 1000
		i++
	}
	return fmt.Sprintf("%.2f %s", hps, units[i])
}

// PoolAddr turns a pool URL (stratum+tcp://HOST:PORT or HOST:PORT) into
// the host:port to dial.
func PoolAddr(url string) (string, error) {
	s := strings.TrimSpace(url)
	if i := strings.Index(s, "://"); i >= 0 {
		switch scheme := strings.ToLower(s[:i]); scheme {
		case "stratum+tcp", "stratum", "tcp":
		default:
			return "", fmt.Errorf("%w: pool URL %q: unsupported scheme %q", ErrConfig, url, scheme)
		}
		s = s[i+3:]
	}
	s = strings.TrimSuffix(s, "/")
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || port == "" {
		return "", fmt.Errorf("%w: pool URL %q: want stratum+tcp://HOST:PORT", ErrConfig, url)
	}
	return s, nil
}

// Run mines until ctx ends or MaxShares shares were accepted, reconnecting
// with backoff when the pool drops. It returns nil when it stopped for
// either reason, and an error for a bad Config or a login the pool
// refused; the Stats are valid in both cases.
func Run(ctx context.Context, cfg Config) (Stats, error) {
	start := time.Now()
	alg, err := pow.Lookup(cfg.Algorithm)
	if err != nil {
		return Stats{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	addr, err := PoolAddr(cfg.URL)
	if err != nil {
		return Stats{}, err
	}
	if cfg.User == "" {
		return Stats{}, fmt.Errorf("%w: no user", ErrConfig)
	}
	switch {
	case cfg.Threads < 0 || cfg.Threads > 1024:
		return Stats{}, fmt.Errorf("%w: %d threads", ErrConfig, cfg.Threads)
	case cfg.Threads == 0:
		cfg.Threads = runtime.NumCPU()
	}
	if cfg.MaxShares < 0 {
		return Stats{}, fmt.Errorf("%w: max shares %d", ErrConfig, cfg.MaxShares)
	}
	if cfg.ReportInterval <= 0 {
		cfg.ReportInterval = 10 * time.Second
	}
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Second
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(time.Minute, cfg.RetryMin)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	m := &miner{
		cfg:  cfg,
		addr: addr,
		alg:  alg,
		log:  cfg.Log.With("component", "miner", "algorithm", alg.Name),
		stop: cancel,
	}
	m.stats.RejectReasons = map[int]int64{}
	m.cur.Store(idleState())

	var wg sync.WaitGroup
	for range cfg.Threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.thread(ctx)
		}()
	}
	if cfg.Out != nil {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.report(ctx)
		}()
	}
	err = m.connectLoop(ctx)
	cancel()
	m.publish(idleState(), true)
	wg.Wait()

	st := m.snapshot()
	st.Hashes = m.hashes.Load()
	st.Elapsed = time.Since(start)
	return st, err
}

type miner struct {
	cfg    Config
	addr   string
	alg    *pow.Algorithm
	log    *slog.Logger
	stop   context.CancelFunc
	cur    atomic.Pointer[jobState] // never nil
	hashes atomic.Uint64

	// pubMu orders publishing a job against submitting a share: once a
	// clean job is published, no share of an older job is sent.
	pubMu sync.Mutex

	statsMu sync.Mutex // guards stats
	stats   Stats

	outMu sync.Mutex // serialises lines on cfg.Out
}

// epoch groups the jobs between two clean jobs; stale is guarded by pubMu.
type epoch struct{ stale bool }

// jobState is one published job, immutable but for the counters.
type jobState struct {
	upd       *client.JobUpdate // nil: nothing to mine
	c         *client.Client
	ep        *epoch
	target    [32]byte // share target, little-endian like a PoW digest
	netTarget [32]byte // network target, little-endian
	hasNet    bool
	en2Limit  uint64 // number of extranonce2 values; 0 means more than 2^64
	nextEn2   atomic.Uint64
	replaced  chan struct{} // closed when a newer state is published
}

func idleState() *jobState {
	return &jobState{ep: &epoch{}, replaced: make(chan struct{})}
}

func (m *miner) newState(u *client.JobUpdate, c *client.Client) (*jobState, error) {
	t, err := pow.ShareTarget(u.Difficulty, m.alg.Multiplier)
	if err != nil {
		return nil, fmt.Errorf("job %s: %w", u.Job.ID, err)
	}
	st := &jobState{upd: u, c: c, replaced: make(chan struct{})}
	st.target = littleEndian(t)
	if nt, err := pow.CompactToTarget(u.Work.NBits); err == nil {
		st.netTarget, st.hasNet = littleEndian(nt), true
	}
	if n := u.Extranonce2Size; n < 8 {
		st.en2Limit = 1 << (8 * n)
	}
	return st, nil
}

// publish makes st the current job. A clean switch makes every job of
// the current epoch stale; otherwise st joins it.
func (m *miner) publish(st *jobState, clean bool) {
	m.pubMu.Lock()
	defer m.pubMu.Unlock()
	old := m.cur.Load()
	if clean {
		old.ep.stale = true
		if st.ep == nil {
			st.ep = &epoch{}
		}
	} else {
		st.ep = old.ep
	}
	m.cur.Store(st)
	close(old.replaced)
}

func (m *miner) connectLoop(ctx context.Context) error {
	wait := m.cfg.RetryMin
	for {
		c, err := client.Dial(ctx, client.Config{
			Addr:     m.addr,
			User:     m.cfg.User,
			Password: m.cfg.Password,
			Timeout:  m.cfg.Timeout,
			TxHash:   m.alg.TxHash, // the chain convention that goes with the algorithm
		}, m.cfg.Log)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, client.ErrUnauthorized) {
				return fmt.Errorf("miner: %w", err)
			}
			m.log.Warn("cannot reach pool", "pool", m.addr, "err", err, "retry_in", wait)
			if !sleep(ctx, wait) {
				return nil
			}
			wait = min(2*wait, m.cfg.RetryMax)
			continue
		}
		m.statsMu.Lock()
		m.stats.Connections++
		m.statsMu.Unlock()
		m.log.Info("connected", "pool", m.addr, "extranonce1", hex.EncodeToString(c.Extranonce1()))
		wait = m.cfg.RetryMin
		m.feed(ctx, c)
		c.Close()
		m.publish(idleState(), true)
		if ctx.Err() != nil {
			return nil
		}
		m.log.Warn("pool connection lost", "pool", m.addr, "err", c.Err(), "retry_in", wait)
		if !sleep(ctx, wait) {
			return nil
		}
	}
}

// feed publishes the connection's jobs until it ends or ctx does.
func (m *miner) feed(ctx context.Context, c *client.Client) {
	var prev *client.JobUpdate
	for {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-c.Jobs():
			if !ok {
				return
			}
			st, err := m.newState(u, c)
			if err != nil {
				m.log.Warn("job skipped", "err", err)
				continue
			}
			// A first job, or a new extranonce, invalidates the work in
			// hand just as a clean job does.
			clean := u.Job.CleanJobs || prev == nil ||
				!bytes.Equal(prev.Extranonce1, u.Extranonce1) || prev.Extranonce2Size != u.Extranonce2Size
			m.log.Debug("new job", "job", u.Job.ID, "clean", clean, "difficulty", u.Difficulty)
			m.publish(st, clean)
			prev = u
		}
	}
}

// thread hashes the current job until ctx ends.
func (m *miner) thread(ctx context.Context) {
	var (
		header [80]byte
		cb     []byte
	)
	for ctx.Err() == nil {
		st := m.cur.Load()
		if st.upd == nil {
			m.wait(ctx, st)
			continue
		}
		v := st.nextEn2.Add(1) - 1
		if st.en2Limit != 0 && v >= st.en2Limit {
			m.wait(ctx, st) // every extranonce2 is taken: wait for a new job
			continue
		}
		en2 := make([]byte, st.upd.Extranonce2Size)
		putExtranonce2(en2, v)
		w := st.upd.Work
		cb = w.Coinbase(cb[:0], st.upd.Extranonce1, en2)
		w.Header(&header, w.MerkleRoot(cb), w.Version, w.NTime, 0)
		m.scan(st, &header, en2)
	}
}

func (m *miner) wait(ctx context.Context, st *jobState) {
	select {
	case <-st.replaced:
	case <-ctx.Done():
	}
}

// scan tries every nonce of the header until the job is replaced.
func (m *miner) scan(st *jobState, header *[80]byte, en2 []byte) {
	const check = 32 // hashes between looks at the current job
	var hash [32]byte
	hashFn := m.alg.Hash
	for nonce, n := uint32(0), uint64(1); ; nonce, n = nonce+1, n+1 {
		binary.LittleEndian.PutUint32(header[76:], nonce)
		hashFn(&hash, header[:])
		if lessOrEqual(&hash, &st.target) {
			m.found(st, en2, nonce, hash)
		}
		if n%check == 0 {
			m.hashes.Add(check)
			if m.cur.Load() != st {
				return
			}
		}
		if nonce == math.MaxUint32 {
			m.hashes.Add(n % check)
			return
		}
	}
}

// found submits a share unless a clean job made its job stale.
func (m *miner) found(st *jobState, en2 []byte, nonce uint32, hash [32]byte) {
	block := st.hasNet && lessOrEqual(&hash, &st.netTarget)
	s := client.Submission{
		JobID:       st.upd.Job.ID,
		Extranonce2: en2,
		NTime:       st.upd.Work.NTime,
		Nonce:       nonce,
	}
	m.pubMu.Lock()
	defer m.pubMu.Unlock()
	if st.ep.stale {
		m.statsMu.Lock()
		m.stats.Stale++
		m.statsMu.Unlock()
		return
	}
	m.log.Debug("share found", "job", s.JobID, "extranonce2", hex.EncodeToString(en2), "nonce", nonce,
		"hash", pow.ReverseHex(&hash))
	diff := st.upd.Difficulty
	st.c.SubmitAsync(s, func(err error) { m.answered(s, diff, block, err) })
}

// answered records a pool's answer to a share; it runs on the client's
// reader and must not block on anything but short locks.
func (m *miner) answered(s client.Submission, diff float64, block bool, err error) {
	var se *stratum.Error
	m.statsMu.Lock()
	st := &m.stats
	var line string
	switch {
	case err == nil:
		st.Accepted++
		if block {
			st.Blocks++
		}
		tag := ""
		if block {
			tag = ", block"
		}
		line = fmt.Sprintf("accepted: %d/%d (%s) job %s diff %g%s", st.Accepted, st.Accepted+st.Rejected,
			percent(st.Accepted, st.Accepted+st.Rejected), s.JobID, diff, tag)
	case errors.As(err, &se):
		st.Rejected++
		st.RejectReasons[se.Code]++
		line = fmt.Sprintf("rejected: %d/%d (%s) job %s: %d %s", st.Rejected, st.Accepted+st.Rejected,
			percent(st.Accepted, st.Accepted+st.Rejected), s.JobID, se.Code, se.Message)
	default:
		st.Lost++
		m.log.Debug("share not answered", "job", s.JobID, "err", err)
	}
	done := m.cfg.MaxShares > 0 && st.Accepted >= int64(m.cfg.MaxShares)
	m.statsMu.Unlock()
	if line != "" {
		m.print(line)
	}
	if done {
		m.stop()
	}
}

func percent(a, n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(n))
}

func (m *miner) snapshot() Stats {
	m.statsMu.Lock()
	defer m.statsMu.Unlock()
	st := m.stats
	st.RejectReasons = make(map[int]int64, len(m.stats.RejectReasons))
	for k, v := range m.stats.RejectReasons {
		st.RejectReasons[k] = v
	}
	return st
}

func (m *miner) print(line string) {
	if m.cfg.Out == nil {
		return
	}
	m.outMu.Lock()
	defer m.outMu.Unlock()
	fmt.Fprintf(m.cfg.Out, "%s %s\n", time.Now().Format("15:04:05"), line)
}

// report prints the hash rate every ReportInterval.
func (m *miner) report(ctx context.Context) {
	t := time.NewTicker(m.cfg.ReportInterval)
	defer t.Stop()
	last, lastAt := m.hashes.Load(), time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			h := m.hashes.Load()
			rate := float64(h-last) / now.Sub(lastAt).Seconds()
			last, lastAt = h, now
			st := m.snapshot()
			m.print(fmt.Sprintf("hashrate: %s (%d threads), accepted %d, rejected %d",
				FormatRate(rate), m.cfg.Threads, st.Accepted, st.Rejected))
		}
	}
}

// sleep waits for d or ctx; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// putExtranonce2 writes v big-endian into the last (up to 8) bytes of b.
func putExtranonce2(b []byte, v uint64) {
	for i := len(b) - 1; i >= 0 && v != 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// littleEndian returns t as 32 little-endian bytes, the layout of a PoW
// digest; t must fit in 256 bits.
func littleEndian(t *big.Int) [32]byte {
	var be, le [32]byte
	t.FillBytes(be[:])
	for i := range be {
		le[i] = be[31-i]
	}
	return le
}

// lessOrEqual compares two little-endian 256-bit numbers.
func lessOrEqual(h, t *[32]byte) bool {
	for i := 31; i >= 0; i-- {
		if h[i] != t[i] {
			return h[i] < t[i]
		}
	}
	return true
}
