package ledger

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/multipool/multipool/payout/ledger/ledgertest"
)

// waitTimeout bounds every poll in these tests.
const waitTimeout = 30 * time.Second

// newLedger makes a Ledger on addr (closed when the test ends) with cfg's
// zero fields defaulted; mod may change the config first.
func newLedger(t testing.TB, addr string, log *slog.Logger, mod func(*Config)) *Ledger {
	t.Helper()
	cfg := Config{Addr: addr, BatchInterval: 5 * time.Millisecond}
	if mod != nil {
		mod(&cfg)
	}
	l, err := New(cfg, log)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// runner is a Ledger's Run in a goroutine.
type runner struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error
	once   sync.Once
}

// start runs l until stop (or the end of the test).
func start(t testing.TB, l *Ledger) *runner {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &runner{cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = l.Run(ctx)
		close(r.done)
	}()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels Run and waits for it; it returns Run's error.
func (r *runner) stop(t testing.TB) error {
	t.Helper()
	r.once.Do(r.cancel)
	select {
	case <-r.done:
	case <-time.After(waitTimeout):
		t.Fatalf("Run did not return within %v of its context ending", waitTimeout)
	}
	return r.err
}

// waitWritten polls until l has nothing pending.
func waitWritten(t testing.TB, l *Ledger) {
	t.Helper()
	poll(t, "all records written", func() bool { return l.Pending() == 0 })
}

// poll calls cond every 5ms until it holds, failing the test after
// waitTimeout.
func poll(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for: %s", waitTimeout, what)
		}
		<-tick.C
	}
}

// rawClient is a plain go-redis client for looking at keys directly.
func rawClient(t testing.TB, addr string) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, DisableIdentity: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// logCounter is a slog.Handler that counts records by message.
type logCounter struct {
	mu   sync.Mutex
	msgs map[string]int
}

func newLogCounter() *logCounter { return &logCounter{msgs: map[string]int{}} }

func (c *logCounter) Enabled(context.Context, slog.Level) bool { return true }
func (c *logCounter) Handle(_ context.Context, r slog.Record) error {
	c.mu.Lock()
	c.msgs[r.Message]++
	c.mu.Unlock()
	return nil
}
func (c *logCounter) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c *logCounter) WithGroup(string) slog.Handler      { return c }

func (c *logCounter) count(msg string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.msgs[msg]
}

// redisServer starts a throwaway redis-server.
func redisServer(t testing.TB) *ledgertest.Server {
	t.Helper()
	return ledgertest.Redis(t)
}
