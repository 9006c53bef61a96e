package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"net"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multipool/multipool/cmd/multipool/miner"
	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
	"github.com/multipool/multipool/pools/stratum/client"
)

// ErrConfig marks an invalid Config.
var ErrConfig = errors.New("bench: bad config")

// ErrNoConnection is returned when not a single connection logged in.
var ErrNoConnection = errors.New("bench: no connection could log in")

// The modes.
const (
	ModeRandom = "random"
	ModeReal   = "real"
	// ModeIdle logs in and submits nothing: for measuring what an idle
	// connection costs the pool and how fast new jobs reach everyone.
	ModeIdle = "idle"
)

// Config describes a load run.
type Config struct {
	// URL is the pool: stratum+tcp://HOST:PORT or HOST:PORT.
	URL string
	// Conns is the number of connections; zero means 1000.
	Conns int
	// Duration is how long submissions are sent once every connection is
	// up; zero means 10s.
	Duration time.Duration
	// Mode is ModeRandom (default) or ModeReal.
	Mode string
	// User and Password are the login of every connection.
	User, Password string
	// InFlight is the number of submissions each connection keeps in
	// flight; zero means 1.
	InFlight int
	// Algorithm is the proof of work ModeReal hashes with; empty means sha256d.
	Algorithm string
	// Out receives a progress line every second; nil prints nothing.
	Out io.Writer
	// Ramp spreads the connection attempts evenly over this time.
	Ramp time.Duration
	// DialConcurrency bounds the logins in progress; zero means 100.
	DialConcurrency int
	// Timeout bounds each login and each reply; zero means 10s.
	Timeout time.Duration
	// Log receives connection errors at debug level; nil discards.
	Log *slog.Logger
	// Rate caps the submissions per second over all connections (paced
	// evenly per connection); zero means as fast as replies come.
	Rate float64
	// Dialer opens connections; nil means a net.Dialer.
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
}

// Report is the outcome of a run.
type Report struct {
	// Conns counts connections that logged in and got a job;
	// ConnectErrors those that did not; Disconnects those the pool closed
	// during the run.
	Conns, ConnectErrors, Disconnects int
	// Duration runs from the start of the submissions to the last reply.
	Duration time.Duration
	// Responses counts replies; Responses == Accepted + sum(Rejected).
	Responses int64
	PerSecond float64
	// P50, P99 and Max are the reply latencies (submit queued to reply read).
	P50, P99, Max time.Duration
	Accepted      int64
	// Rejected counts error replies by reason ("23 low difficulty", ...).
	Rejected map[string]int64
	// NoReply counts submissions that got no reply (timeout, connection lost).
	NoReply int64
	// Jobs counts the clean jobs first received during the run;
	// JobSpreadP50/P99 are quantiles over those jobs of the time between
	// the first and the last connection receiving the job.
	Jobs                       int
	JobSpreadP50, JobSpreadP99 time.Duration
	// Hashes counts headers hashed in ModeReal.
	Hashes uint64
}

// String renders the report as a small table.
func (r Report) String() string {
	var b strings.Builder
	row := func(k, format string, args ...any) {
		fmt.Fprintf(&b, "%-12s %s\n", k, fmt.Sprintf(format, args...))
	}
	row("connections", "%d (%d failed to connect, %d dropped)", r.Conns, r.ConnectErrors, r.Disconnects)
	row("duration", "%s", r.Duration.Round(time.Millisecond))
	row("responses", "%d (%.1f/s)", r.Responses, r.PerSecond)
	row("latency", "p50 %s  p99 %s  max %s", round(r.P50), round(r.P99), round(r.Max))
	row("accepted", "%d", r.Accepted)
	reasons := make([]string, 0, len(r.Rejected))
	for k := range r.Rejected {
		reasons = append(reasons, k)
	}
	sort.Strings(reasons)
	if len(reasons) == 0 {
		row("rejected", "0")
	}
	for _, k := range reasons {
		row("rejected", "%d  %s", r.Rejected[k], k)
	}
	row("no reply", "%d", r.NoReply)
	row("clean jobs", "%d (spread between connections: p50 %s  p99 %s)", r.Jobs, round(r.JobSpreadP50), round(r.JobSpreadP99))
	if r.Hashes > 0 && r.Duration > 0 {
		row("hashes", "%d (%s)", r.Hashes, miner.FormatRate(float64(r.Hashes)/r.Duration.Seconds()))
	}
	return b.String()
}

func round(d time.Duration) time.Duration {
	switch {
	case d > time.Second:
		return d.Round(time.Millisecond)
	case d > time.Millisecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// reason names a stratum error code for the report.
func reason(code int) string {
	names := map[int]string{
		stratum.CodeOther:         "other",
		stratum.CodeJobNotFound:   "job not found",
		stratum.CodeDuplicate:     "duplicate",
		stratum.CodeLowDifficulty: "low difficulty",
		stratum.CodeUnauthorized:  "unauthorized",
		stratum.CodeNotSubscribed: "not subscribed",
	}
	if n, ok := names[code]; ok {
		return fmt.Sprintf("%d %s", code, n)
	}
	return fmt.Sprintf("%d", code)
}

// maxJobs bounds the clean jobs tracked for the spread.
const maxJobs = 10000

type bench struct {
	cfg  Config
	addr string
	alg  *pow.Algorithm
	log  *slog.Logger

	start   chan struct{}   // closed when submissions start
	stopCtx context.Context // cancelled when they end
	stopAll context.CancelFunc
	t0      time.Time // set before start is closed

	hist          histogram
	connected     atomic.Int64
	connectErrors atomic.Int64
	disconnects   atomic.Int64
	responses     atomic.Int64
	accepted      atomic.Int64
	noReply       atomic.Int64
	hashes        atomic.Uint64
	lastReply     atomic.Int64 // unix nanoseconds of the latest reply

	mu sync.Mutex // guards the fields below
	// rejected merges the connections' counts by reason.
	rejected map[string]int64
	jobs     map[string]*jobSeen
	firstErr error
}

type jobSeen struct{ first, last time.Time }

// Run performs one load run: connect, submit for Duration, report. It
// returns the report so far and ctx's error when ctx ends first.
func Run(ctx context.Context, cfg Config) (Report, error) {
	b, err := newBench(cfg)
	if err != nil {
		return Report{}, err
	}
	if lim, err := raiseFileLimit(); err == nil && lim < uint64(b.cfg.Conns)+64 {
		b.log.Warn("file descriptor limit below the connection count", "limit", lim, "conns", b.cfg.Conns)
	}

	var wg sync.WaitGroup
	var ready sync.WaitGroup
	sem := make(chan struct{}, b.cfg.DialConcurrency)
	for i := range b.cfg.Conns {
		wg.Add(1)
		ready.Add(1)
		go func() {
			defer wg.Done()
			b.conn(ctx, i, sem, &ready)
		}()
	}
	allReady := make(chan struct{})
	go func() {
		ready.Wait()
		close(allReady)
	}()
	select {
	case <-allReady:
	case <-ctx.Done():
	}
	if ctx.Err() == nil && b.connected.Load() == 0 {
		b.stopAll()
		wg.Wait()
		b.mu.Lock()
		err := b.firstErr
		b.mu.Unlock()
		return b.report(), fmt.Errorf("%w (%d attempts): %w", ErrNoConnection, b.cfg.Conns, err)
	}

	b.t0 = time.Now()
	close(b.start)
	progressDone := make(chan struct{})
	go func() {
		defer close(progressDone)
		b.progress(ctx)
	}()
	workersDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(workersDone)
	}()
	timer := time.NewTimer(b.cfg.Duration)
	select {
	case <-timer.C:
	case <-ctx.Done():
	case <-workersDone: // every connection was lost
	}
	timer.Stop()
	b.stopAll()
	<-workersDone
	<-progressDone
	r := b.report()
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	return r, nil
}

func newBench(cfg Config) (*bench, error) {
	addr, err := miner.PoolAddr(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if cfg.User == "" {
		return nil, fmt.Errorf("%w: no user", ErrConfig)
	}
	if cfg.Algorithm == "" {
		cfg.Algorithm = "sha256d"
	}
	alg, err := pow.Lookup(cfg.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	switch cfg.Mode {
	case "":
		cfg.Mode = ModeRandom
	case ModeRandom, ModeReal, ModeIdle:
	default:
		return nil, fmt.Errorf("%w: mode %q: want %s, %s or %s", ErrConfig, cfg.Mode, ModeRandom, ModeReal, ModeIdle)
	}
	for _, v := range []struct {
		name string
		val  int
		def  int
		dst  *int
	}{
		{"conns", cfg.Conns, 1000, &cfg.Conns},
		{"inflight", cfg.InFlight, 1, &cfg.InFlight},
		{"dial concurrency", cfg.DialConcurrency, 100, &cfg.DialConcurrency},
	} {
		switch {
		case v.val < 0:
			return nil, fmt.Errorf("%w: %s %d", ErrConfig, v.name, v.val)
		case v.val == 0:
			*v.dst = v.def
		}
	}
	if cfg.InFlight > 1000 {
		return nil, fmt.Errorf("%w: inflight %d above 1000", ErrConfig, cfg.InFlight)
	}
	if cfg.Duration < 0 || cfg.Ramp < 0 || cfg.Timeout < 0 || cfg.Rate < 0 {
		return nil, fmt.Errorf("%w: negative duration", ErrConfig)
	}
	if cfg.Duration == 0 {
		cfg.Duration = 10 * time.Second
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	stopCtx, stopAll := context.WithCancel(context.Background())
	return &bench{
		cfg:      cfg,
		addr:     addr,
		alg:      alg,
		log:      cfg.Log.With("component", "bench"),
		start:    make(chan struct{}),
		stopCtx:  stopCtx,
		stopAll:  stopAll,
		rejected: map[string]int64{},
		jobs:     map[string]*jobSeen{},
	}, nil
}

// result is one submission's outcome, sent by the client's callback.
type result struct {
	err     error
	latency time.Duration
}

// conn runs connection i: login, wait for the start, submit until stop.
func (b *bench) conn(ctx context.Context, i int, sem chan struct{}, ready *sync.WaitGroup) {
	readyDone := sync.OnceFunc(ready.Done)
	defer readyDone()
	if b.cfg.Ramp > 0 && !sleep(ctx, b.cfg.Ramp*time.Duration(i)/time.Duration(b.cfg.Conns)) {
		return
	}
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return
	}
	c, job, err := b.login(ctx)
	<-sem
	if err != nil {
		if ctx.Err() == nil {
			b.connectErrors.Add(1)
			b.log.Debug("connection failed", "conn", i, "err", err)
			b.mu.Lock()
			if b.firstErr == nil {
				b.firstErr = err
			}
			b.mu.Unlock()
		}
		return
	}
	defer c.Close()
	b.connected.Add(1)
	readyDone()
	select {
	case <-b.start:
	case <-b.stopCtx.Done():
		return
	case <-ctx.Done():
		return
	}

	// The submission loop selects on channels of its own: a channel shared
	// by every connection (ctx.Done, the stop signal) would have all of
	// them queue on its lock at every wake-up. Derived contexts have
	// private Done channels.
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	stopCtx, cancelStop := context.WithCancel(b.stopCtx)
	defer cancelStop()
	w := &worker{b: b, c: c, rng: rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano()))),
		results: make(chan result, b.cfg.InFlight), rejected: map[string]int64{}}
	if b.cfg.Rate > 0 {
		w.interval = time.Duration(float64(time.Second) * float64(b.cfg.Conns) / b.cfg.Rate)
		w.nextAt = time.Now().Add(time.Duration(w.rng.Int64N(int64(w.interval) + 1)))
	}
	w.setJob(job)
	w.run(runCtx, stopCtx.Done())
	b.mu.Lock()
	for k, v := range w.rejected {
		b.rejected[k] += v
	}
	for _, s := range w.seen {
		b.sawJob(s.id, s.at)
	}
	b.mu.Unlock()
}

// login dials and waits for the first job.
func (b *bench) login(ctx context.Context) (*client.Client, *client.JobUpdate, error) {
	c, err := client.Dial(ctx, client.Config{
		Addr: b.addr, User: b.cfg.User, Password: b.cfg.Password,
		Timeout: b.cfg.Timeout, Dialer: b.cfg.Dialer, TxHash: b.alg.TxHash,
	}, b.cfg.Log)
	if err != nil {
		return nil, nil, err
	}
	t := time.NewTimer(b.cfg.Timeout)
	defer t.Stop()
	select {
	case u, ok := <-c.Jobs():
		if ok {
			return c, u, nil
		}
		err = fmt.Errorf("connection ended before the first job: %w", c.Err())
	case <-t.C:
		err = errors.New("no job from the pool in time")
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.Close()
	return nil, nil, err
}

// worker is one connection's submission loop; its fields are its own.
type worker struct {
	b        *bench
	c        *client.Client
	rng      *rand.Rand
	results  chan result
	inflight int
	rejected map[string]int64
	// seen lists the clean jobs this connection received during the run,
	// merged into bench.jobs when it ends (one lock per connection, not
	// one per connection and job while the jobs arrive).
	seen []jobAt

	job *client.JobUpdate
	// For ModeReal: the search position on job (en2 also serves
	// ModeRandom as a buffer).
	target [32]byte
	header [80]byte
	en2    []byte
	nonce  uint32
	left   uint64

	// Pacing under Config.Rate: the next submission is due at nextAt.
	interval time.Duration
	nextAt   time.Time
	pace     *time.Timer
}

// due reports whether pacing allows a submission now; when not, it arms
// w.pace for the moment it will.
func (w *worker) due() bool {
	if w.b.cfg.Mode == ModeIdle {
		return false
	}
	if w.interval == 0 {
		return true
	}
	now := time.Now()
	if now.Before(w.nextAt) {
		if w.pace == nil {
			w.pace = time.NewTimer(w.nextAt.Sub(now))
		} else {
			w.pace.Reset(w.nextAt.Sub(now))
		}
		return false
	}
	w.nextAt = w.nextAt.Add(w.interval)
	if w.nextAt.Before(now) {
		w.nextAt = now.Add(w.interval)
	}
	return true
}

func (w *worker) run(ctx context.Context, stop <-chan struct{}) {
	stopping := false
	// A job newer than the one the login returned may be waiting.
	select {
	case u, ok := <-w.c.Jobs():
		if ok {
			w.setJob(u)
		}
	default:
	}
	for {
		var pace <-chan time.Time
		for !stopping && w.inflight < w.b.cfg.InFlight {
			if !w.due() {
				if w.pace != nil {
					pace = w.pace.C
				}
				break
			}
			s, ok := w.next()
			if !ok {
				break
			}
			w.submit(s)
		}
		if stopping && w.inflight == 0 {
			return
		}
		hungry := !stopping && pace == nil && w.b.cfg.Mode == ModeReal && w.inflight < w.b.cfg.InFlight // still searching
		var poll <-chan time.Time
		if hungry {
			poll = closedTime
		}
		select {
		case r := <-w.results:
			w.record(r)
		case u, ok := <-w.c.Jobs():
			if !ok {
				w.b.disconnects.Add(1)
				w.drainClosed()
				return
			}
			w.setJob(u)
		case <-stop:
			stopping = true
			stop = nil // closed: stop selecting on it
		case <-ctx.Done():
			return
		case <-poll:
		case <-pace:
		}
	}
}

// closedTime is a channel that is always ready, to poll without blocking.
var closedTime = func() <-chan time.Time {
	ch := make(chan time.Time)
	close(ch)
	return ch
}()

// drainClosed collects the results of a connection that ended: the client
// fails every pending submission, so each arrives.
func (w *worker) drainClosed() {
	for w.inflight > 0 {
		w.record(<-w.results)
	}
}

func (w *worker) submit(s client.Submission) {
	w.inflight++
	t0 := time.Now()
	results := w.results
	w.c.SubmitAsync(s, func(err error) {
		results <- result{err: err, latency: time.Since(t0)}
	})
}

func (w *worker) record(r result) {
	w.inflight--
	var se *stratum.Error
	switch {
	case r.err == nil:
		w.b.accepted.Add(1)
	case errors.As(r.err, &se):
		w.rejected[reason(se.Code)]++
	default:
		w.b.noReply.Add(1)
		return
	}
	w.b.responses.Add(1)
	w.b.hist.add(r.latency)
	now := time.Now().UnixNano()
	for {
		last := w.b.lastReply.Load()
		if now <= last || w.b.lastReply.CompareAndSwap(last, now) {
			break
		}
	}
}

func (w *worker) setJob(u *client.JobUpdate) {
	w.job = u
	if u.Job.CleanJobs && u.Received.After(w.b.t0) && len(w.seen) < maxJobs {
		w.seen = append(w.seen, jobAt{u.Job.ID, u.Received})
	}
	w.left = 0 // ModeReal: start a new search
	if w.b.cfg.Mode == ModeReal {
		t, err := pow.ShareTarget(u.Difficulty, w.b.alg.Multiplier)
		if err != nil { // the client only passes positive finite difficulties
			t = new(big.Int)
		}
		var be [32]byte
		t.FillBytes(be[:])
		for i := range be {
			w.target[i] = be[31-i]
		}
	}
}

type jobAt struct {
	id string
	at time.Time
}

// sawJob records that a connection received job id at at; b.mu is held.
func (b *bench) sawJob(id string, at time.Time) {
	j := b.jobs[id]
	if j == nil {
		if len(b.jobs) >= maxJobs {
			return
		}
		b.jobs[id] = &jobSeen{first: at, last: at}
		return
	}
	if at.Before(j.first) {
		j.first = at
	}
	if at.After(j.last) {
		j.last = at
	}
}

// next returns the next submission: random, or in ModeReal the next share
// found within a short slice of hashing (false when none was found yet).
func (w *worker) next() (client.Submission, bool) {
	u := w.job
	if w.b.cfg.Mode == ModeRandom {
		// SubmitAsync encodes the submission before it returns, so one
		// buffer serves every submission of the connection.
		w.en2 = append(w.en2[:0], make([]byte, u.Extranonce2Size)...)
		for i := range w.en2 {
			w.en2[i] = byte(w.rng.Uint32())
		}
		return client.Submission{JobID: u.Job.ID, Extranonce2: w.en2, NTime: u.Work.NTime, Nonce: w.rng.Uint32()}, true
	}
	if w.left == 0 {
		w.en2 = make([]byte, u.Extranonce2Size)
		for i := range w.en2 {
			w.en2[i] = byte(w.rng.Uint32())
		}
		wk := u.Work
		wk.Header(&w.header, wk.MerkleRoot(wk.Coinbase(nil, u.Extranonce1, w.en2)), wk.Version, wk.NTime, 0)
		w.nonce = w.rng.Uint32()
		w.left = 1 << 32
	}
	var h [32]byte
	deadline := time.Now().Add(2 * time.Millisecond)
	n := uint64(0)
	defer func() { w.b.hashes.Add(n) }()
	for w.left > 0 {
		binary.LittleEndian.PutUint32(w.header[76:], w.nonce)
		w.b.alg.Hash(&h, w.header[:])
		n++
		nonce := w.nonce
		w.nonce++
		w.left--
		if lessOrEqual(&h, &w.target) {
			return client.Submission{JobID: u.Job.ID, Extranonce2: w.en2, NTime: u.Work.NTime, Nonce: nonce}, true
		}
		if n%8 == 0 && time.Now().After(deadline) {
			break
		}
	}
	return client.Submission{}, false
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

func (b *bench) progress(ctx context.Context) {
	if b.cfg.Out == nil {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var last int64
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.stopCtx.Done():
			return
		case now := <-t.C:
			n := b.responses.Load()
			fmt.Fprintf(b.cfg.Out, "%6s  conns %d  responses %d (%d/s)  accepted %d  no reply %d\n",
				now.Sub(b.t0).Round(time.Second), b.connected.Load()-b.disconnects.Load(), n, n-last,
				b.accepted.Load(), b.noReply.Load())
			last = n
		}
	}
}

func (b *bench) report() Report {
	r := Report{
		Conns:         int(b.connected.Load()),
		ConnectErrors: int(b.connectErrors.Load()),
		Disconnects:   int(b.disconnects.Load()),
		Responses:     b.responses.Load(),
		Accepted:      b.accepted.Load(),
		NoReply:       b.noReply.Load(),
		P50:           b.hist.quantile(0.50),
		P99:           b.hist.quantile(0.99),
		Max:           time.Duration(b.hist.max.Load()),
		Hashes:        b.hashes.Load(),
		Rejected:      map[string]int64{},
	}
	if !b.t0.IsZero() {
		end := time.Now()
		if last := b.lastReply.Load(); last != 0 {
			end = time.Unix(0, last)
		}
		r.Duration = end.Sub(b.t0)
		if r.Duration > 0 {
			r.PerSecond = float64(r.Responses) / r.Duration.Seconds()
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for k, v := range b.rejected {
		r.Rejected[k] = v
	}
	spreads := make([]time.Duration, 0, len(b.jobs))
	for _, j := range b.jobs {
		spreads = append(spreads, j.last.Sub(j.first))
	}
	sort.Slice(spreads, func(i, j int) bool { return spreads[i] < spreads[j] })
	r.Jobs = len(spreads)
	if len(spreads) > 0 {
		r.JobSpreadP50 = spreads[(len(spreads)-1)/2]
		r.JobSpreadP99 = spreads[(len(spreads)-1)*99/100]
	}
	return r
}

// sleep waits for d or ctx; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
