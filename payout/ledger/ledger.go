package ledger

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// Defaults of Config.
const (
	DefaultBufferSize     = 1_000_000
	DefaultBatchSize      = 1000
	DefaultBatchInterval  = 50 * time.Millisecond
	DefaultHashrateWindow = 10 * time.Minute
	DefaultFlushTimeout   = 10 * time.Second
)

// Retry timing of the writer.
const (
	minBackoff = 100 * time.Millisecond
	maxBackoff = 5 * time.Second
	// attemptTimeout bounds one batch write.
	attemptTimeout = 10 * time.Second
)

var (
	// ErrBufferFull is returned by RecordShare and RecordBlock when
	// BufferSize records are waiting to be written. The pool must reject the
	// share: the ledger has not taken it.
	ErrBufferFull = errors.New("ledger: share buffer full")
	// ErrClosed is returned by RecordShare and RecordBlock after Run has
	// returned.
	ErrClosed = errors.New("ledger: closed")
	// ErrInvalidRecord is wrapped by the errors for malformed shares and
	// blocks, and for malformed coin and round names given to the reads.
	ErrInvalidRecord = errors.New("ledger: invalid record")
	// ErrRunning is returned by a second call of Run.
	ErrRunning = errors.New("ledger: Run called twice")
	// ErrNotFlushed is wrapped by Run's error when records could not be
	// written before FlushTimeout at shutdown.
	ErrNotFlushed = errors.New("ledger: records not written at shutdown")
	// ErrConfig is wrapped by New's errors for a bad Config.
	ErrConfig = errors.New("ledger: bad config")
)

// Config configures a Ledger.
type Config struct {
	// Addr is Redis's "host:port".
	Addr string
	// Password and DB select the Redis login and database.
	Password string
	DB       int
	// KeyPrefix is prepended to every key ("" = none). A ':' is added when
	// a non-empty prefix does not end with one.
	KeyPrefix string
	// BufferSize is the most records waiting to be written, counting a
	// batch being written; default 1,000,000.
	BufferSize int
	// BatchSize is the most records per write; default 1000.
	BatchSize int
	// BatchInterval is how long the writer waits for a batch to fill after
	// its first record arrived; default 50ms.
	BatchInterval time.Duration
	// HashrateWindow is how long hashrate samples are kept; default 10m.
	HashrateWindow time.Duration
	// FlushTimeout bounds the final flush when Run's context ends; default
	// 10s.
	FlushTimeout time.Duration
}

// withDefaults fills in zero fields.
func (c Config) withDefaults() Config {
	if c.BufferSize == 0 {
		c.BufferSize = DefaultBufferSize
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.BatchInterval == 0 {
		c.BatchInterval = DefaultBatchInterval
	}
	if c.HashrateWindow == 0 {
		c.HashrateWindow = DefaultHashrateWindow
	}
	if c.FlushTimeout == 0 {
		c.FlushTimeout = DefaultFlushTimeout
	}
	if c.KeyPrefix != "" && c.KeyPrefix[len(c.KeyPrefix)-1] != ':' {
		c.KeyPrefix += ":"
	}
	return c
}

// Validate reports the first bad field of c; zero fields take their
// defaults first.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.Addr == "":
		return fmt.Errorf("%w: addr is empty", ErrConfig)
	case c.DB < 0:
		return fmt.Errorf("%w: db %d is negative", ErrConfig, c.DB)
	case c.BufferSize < 1:
		return fmt.Errorf("%w: bufferSize %d must be positive", ErrConfig, c.BufferSize)
	case c.BatchSize < 1:
		return fmt.Errorf("%w: batchSize %d must be positive", ErrConfig, c.BatchSize)
	case c.BatchInterval < 0:
		return fmt.Errorf("%w: batchInterval %v is negative", ErrConfig, c.BatchInterval)
	case c.HashrateWindow < time.Second:
		return fmt.Errorf("%w: hashrateWindow %v is under 1s", ErrConfig, c.HashrateWindow)
	case c.FlushTimeout < 0:
		return fmt.Errorf("%w: flushTimeout %v is negative", ErrConfig, c.FlushTimeout)
	}
	return nil
}

// Ledger records shares, rounds, blocks, counters and hashrate samples in
// Redis. Writes go through an in-memory queue that Run drains; reads go
// straight to Redis.
type Ledger struct {
	cfg    Config
	log    *slog.Logger
	rdb    *redis.Client
	keys   keys
	script *redis.Script
	notify chan struct{} // wakes the writer; capacity 1
	now    func() time.Time

	running atomic.Bool

	// mu guards the queue: records accepted and not yet moved to the
	// writer, the count the writer holds, and closed.
	mu     sync.Mutex
	queue  []record
	held   int  // records moved to the writer and not yet written
	closed bool // Run has ended: nothing more is accepted

	// Writer state, touched only by Run's goroutine.
	local     []record // records moved out of queue; local[localHead:] not taken yet
	localHead int
	down      bool      // the last write failed
	downSince time.Time // when the current outage began
	downFails int64     // failed attempts in the current outage

	written     atomic.Int64 // records written
	dropped     atomic.Int64 // records abandoned at shutdown
	full        atomic.Int64 // records refused with ErrBufferFull
	writeErrors atomic.Int64 // failed batch writes
	outages     atomic.Int64 // runs of failed writes
	replayed    atomic.Int64 // batches Redis already had
}

// New validates cfg and creates the Redis client, which connects lazily: New
// makes no network call and starts nothing. A nil log discards.
func New(cfg Config, log *slog.Logger) (*Ledger, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rdb := redis.NewClient(&redis.Options{
		Addr:                  cfg.Addr,
		Password:              cfg.Password,
		DB:                    cfg.DB,
		ContextTimeoutEnabled: true,
		DisableIdentity:       true,
		// The writer retries with its own backoff and counts every failed
		// attempt; go-redis's own command and dial retries would hide an
		// outage for seconds inside one attempt.
		MaxRetries:    -1,
		DialerRetries: 1,
		MaintNotificationsConfig: &maintnotifications.Config{
			Mode: maintnotifications.ModeDisabled,
		},
	})
	return &Ledger{
		cfg:    cfg,
		log:    log.With("component", "ledger"),
		rdb:    rdb,
		keys:   keys{prefix: cfg.KeyPrefix},
		script: redis.NewScript(batchScript),
		notify: make(chan struct{}, 1),
		now:    time.Now,
	}, nil
}

// Run writes queued records to Redis until ctx ends, then flushes what it
// can within FlushTimeout and returns. Batches are written in queue order;
// a failed write is retried with backoff (100ms to 5s) for as long as it
// takes, so records wait in the queue during a Redis outage. Run returns
// nil after a complete flush, or an error wrapping ErrNotFlushed naming how
// many records were abandoned (see Dropped). After Run returns, RecordShare
// and RecordBlock fail with ErrClosed.
func (l *Ledger) Run(ctx context.Context) error {
	if !l.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	l.log.Info("ledger writer started", "addr", l.cfg.Addr, "prefix", l.cfg.KeyPrefix,
		"buffer", l.cfg.BufferSize, "batch", l.cfg.BatchSize)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var pending *batch
	for {
		recs := l.nextBatch(ctx, timer)
		if recs == nil {
			break
		}
		b := l.encode(recs, l.now())
		if !l.writeRetrying(ctx, b) {
			pending = b
			break
		}
	}
	return l.flush(pending)
}

// nextBatch waits for records and takes a batch: at once when BatchSize
// records are queued, else once BatchInterval has passed since the writer
// first saw the queue non-empty. It returns nil when ctx ends.
func (l *Ledger) nextBatch(ctx context.Context, timer *time.Timer) []record {
	var deadline time.Time
	for {
		if ctx.Err() != nil {
			timer.Stop()
			return nil
		}
		n := l.queued()
		switch {
		case n >= l.cfg.BatchSize:
			timer.Stop()
			return l.take(l.cfg.BatchSize, false)
		case n > 0:
			now := time.Now()
			if deadline.IsZero() {
				deadline = now.Add(l.cfg.BatchInterval)
				timer.Reset(l.cfg.BatchInterval)
			} else if !now.Before(deadline) {
				timer.Stop()
				return l.take(l.cfg.BatchSize, false)
			}
			select {
			case <-ctx.Done():
			case <-l.notify:
			case <-timer.C:
			}
		default:
			select {
			case <-ctx.Done():
			case <-l.notify:
			}
		}
	}
}

// writeRetrying writes b, retrying with backoff until it succeeds (true) or
// ctx ends (false; b may or may not have been applied, and a later write of
// the same b finds out).
func (l *Ledger) writeRetrying(ctx context.Context, b *batch) bool {
	backoff := minBackoff
	for {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		applied, err := l.write(actx, b)
		cancel()
		if err == nil {
			l.succeeded(b, applied)
			return true
		}
		if ctx.Err() != nil {
			return false
		}
		l.failed(err)
		// Jitter of +-20% keeps processes sharing one Redis from retrying
		// in step.
		wait := backoff - backoff/5 + rand.N(2*backoff/5+1)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// succeeded accounts for a written batch and ends an outage.
func (l *Ledger) succeeded(b *batch, applied bool) {
	l.done(b.n)
	l.written.Add(int64(b.n))
	if !applied {
		l.replayed.Add(1)
		l.log.Info("batch was already written; not applied again", "batch", b.id, "records", b.n)
	}
	if l.down {
		l.log.Info("redis writes resumed", "outage", time.Since(l.downSince).Round(time.Millisecond),
			"failed_attempts", l.downFails, "pending", l.Pending())
		l.down = false
	}
}

// failed accounts for a failed write; it logs only the first failure of an
// outage.
func (l *Ledger) failed(err error) {
	l.writeErrors.Add(1)
	if l.down {
		l.downFails++
		return
	}
	l.down = true
	l.downSince = time.Now()
	l.downFails = 1
	l.outages.Add(1)
	l.log.Warn("redis write failed; keeping records queued and retrying", "err", err, "pending", l.Pending())
}

// flush writes pending (a batch whose write was interrupted, or nil) and then
// the rest of the queue within FlushTimeout, closes the queue, and reports
// what could not be written.
func (l *Ledger) flush(pending *batch) error {
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.FlushTimeout)
	defer cancel()
	start := time.Now()
	written := l.written.Load()
	b := pending
	for {
		if b == nil {
			recs := l.take(l.cfg.BatchSize, true)
			if recs == nil {
				break // queue empty and closed
			}
			b = l.encode(recs, l.now())
		}
		if !l.writeRetrying(ctx, b) {
			break
		}
		b = nil
	}
	lost := l.abandon()
	flushed := l.written.Load() - written
	if lost > 0 {
		l.dropped.Add(int64(lost))
		l.log.Error("ledger stopped with records not written", "lost", lost, "flushed", flushed,
			"flush_timeout", l.cfg.FlushTimeout)
		return fmt.Errorf("%w: %d records", ErrNotFlushed, lost)
	}
	l.log.Info("ledger writer stopped", "flushed", flushed, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// Close closes the Redis client. Call it after Run has returned.
func (l *Ledger) Close() error {
	if err := l.rdb.Close(); err != nil {
		return fmt.Errorf("close redis client: %w", err)
	}
	return nil
}

// Ping checks that Redis answers.
func (l *Ledger) Ping(ctx context.Context) error {
	if err := l.rdb.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("ping redis %s: %w", l.cfg.Addr, err)
	}
	return nil
}

// Dropped returns the number of records that could not be written when Run
// stopped.
func (l *Ledger) Dropped() int64 { return l.dropped.Load() }

// Written returns the number of records written to Redis.
func (l *Ledger) Written() int64 { return l.written.Load() }

// Refused returns the number of records refused with ErrBufferFull.
func (l *Ledger) Refused() int64 { return l.full.Load() }

// WriteErrors returns the number of failed batch writes (each retry counts).
func (l *Ledger) WriteErrors() int64 { return l.writeErrors.Load() }

// Outages returns the number of runs of failed writes: it grows by one when
// a write fails after a success (or first thing), not on every retry.
func (l *Ledger) Outages() int64 { return l.outages.Load() }

// Replayed returns the number of batches that a retry found already written
// (their reply had been lost) and that were therefore not applied again.
func (l *Ledger) Replayed() int64 { return l.replayed.Load() }
