package switcher

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/payout/ledger/ledgertest"
	"github.com/multipool/multipool/pools/stratum"
)

// runPort runs a port and a stratum server on it until the test ends and
// returns the server's address.
func runPort(t *testing.T, p *Port, diff float64) string {
	t.Helper()
	srv, err := stratum.NewServer(stratum.Config{Name: "switch-" + p.Name(),
		Ports: []stratum.PortConfig{{Addr: "127.0.0.1:0", Diff: diff}}}, p, stratum.NewExtranonceAllocator(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	portDone, srvDone := make(chan error, 1), make(chan error, 1)
	go func() { portDone <- p.Run(ctx) }()
	go func() { srvDone <- srv.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		for _, ch := range []chan error{portDone, srvDone} {
			select {
			case err := <-ch:
				if err != nil {
					t.Error(err)
				}
			case <-time.After(waitTimeout):
				t.Error("port or server did not stop")
			}
		}
	})
	<-srv.Ready()
	return srv.Addrs()[0].String()
}

// startPort runs a port without a server; stop ends it and waits.
func startPort(t *testing.T, p *Port) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func TestPortSwitchesSessions(t *testing.T) {
	reg := testCoins(t)
	a, b := newTestPool(coin(t, reg, "litecoin-regtest")), newTestPool(coin(t, reg, "ltcb-regtest"))
	jobA := a.publish(true)
	jobB := b.publish(true)
	ranker := newTestRanker()
	ranker.rank(map[string]float64{"litecoin-regtest": 1, "ltcb-regtest": 0.5})
	p, err := New(Config{Name: "scrypt", Algorithm: "scrypt", Pools: []Pool{a, b}, MinImprovementPercent: 10}, ranker, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	addr := runPort(t, p, 0.5)
	loginAddr := encode(t, a.coin, coins.WitnessV0KeyHash, hash20(7))
	user := loginAddr + ".rig"
	m := dialMiner(t, addr, user, "x")
	waitFor(t, "coin A's job", func() bool { return m.hasJob(jobA.ID) })
	if c, _ := p.Current(); c != "litecoin-regtest" {
		t.Fatalf("current %q", c)
	}
	if ok, e := m.accepted(t, m.submit(t, user, jobA.ID, 1)); !ok {
		t.Fatalf("share on A refused: %v", e)
	}
	if sh := a.accepted(); len(sh) != 1 || sh[0].Worker.Address != loginAddr || sh[0].Worker.Name != user {
		t.Fatalf("A's shares %+v", sh)
	}

	// A wobble within the threshold switches nothing.
	ranker.rank(map[string]float64{"litecoin-regtest": 1, "ltcb-regtest": 1.08})
	waitFor(t, "the wobble to be judged", func() bool { return strings.Contains(p.Status().LastDecision, "within") })
	if c, _ := p.Current(); c != "litecoin-regtest" {
		t.Fatalf("switched on a wobble to %q", c)
	}

	// B beats A by the threshold: every session gets B's job, clean.
	ranker.rank(map[string]float64{"litecoin-regtest": 1, "ltcb-regtest": 2})
	waitFor(t, "coin B's job", func() bool { return m.hasJob(jobB.ID) })
	ids, clean := m.notifies()
	if ids[len(ids)-1] != jobB.ID || !clean[len(clean)-1] {
		t.Fatalf("last notify %v clean %v, want B's job with clean_jobs", ids, clean)
	}
	if n := m.count("mining.set_difficulty"); n != 1 {
		t.Fatalf("%d set_difficulty, want 1: the difficulty did not change", n)
	}
	st := p.Status()
	if st.Coin != "ltcb-regtest" || st.Switches != 1 || st.LastSwitch.From != "litecoin-regtest" {
		t.Fatalf("status %+v", st)
	}

	// A share on A's job, still valid there, goes to A; one on B's job to
	// B, under the address derived from the login's key hash.
	if ok, e := m.accepted(t, m.submit(t, user, jobA.ID, 2)); !ok {
		t.Fatalf("late share on A refused: %v", e)
	}
	if ok, e := m.accepted(t, m.submit(t, user, jobB.ID, 3)); !ok {
		t.Fatalf("share on B refused: %v", e)
	}
	if sh := a.accepted(); len(sh) != 2 || sh[1].Worker.Address != loginAddr {
		t.Fatalf("A's shares %+v", sh)
	}
	derived := encode(t, b.coin, coins.WitnessV0KeyHash, hash20(7))
	if sh := b.accepted(); len(sh) != 1 || sh[0].Worker.Address != derived || sh[0].Worker.Name != user {
		t.Fatalf("B's shares %+v, want address %s", sh, derived)
	}
	if w, ok := p.Worker(user); !ok || w.Coin != "ltcb-regtest" {
		t.Fatalf("worker status %+v", w)
	}

	// New blocks: A's no longer reach the port, B's do.
	a.publish(true)
	jobB2 := b.publish(true)
	waitFor(t, "B's next job", func() bool { return m.hasJob(jobB2.ID) })
	if ok, _ := m.accepted(t, m.submit(t, user, jobA.ID, 4)); ok {
		t.Fatal("a share on A's replaced job was accepted")
	}
	if res := p.Submit(context.Background(), &stratum.Share{JobID: "nope", Worker: &stratum.Worker{Name: user}}); res.Err != stratum.ErrJobNotFound {
		t.Fatalf("unknown job: %+v", res)
	}
}

func TestPortWaitsForWork(t *testing.T) {
	reg := testCoins(t)
	A, B := "litecoin-regtest", "ltcb-regtest"
	t.Run("no switch to a pool without work", func(t *testing.T) {
		a, b := newTestPool(coin(t, reg, A)), newTestPool(coin(t, reg, B))
		a.publish(true)
		ranker := newTestRanker()
		ranker.rank(map[string]float64{A: 1, B: 0.5})
		p, _ := New(Config{Name: "scrypt", Algorithm: "scrypt", Pools: []Pool{a, b}, StartupGrace: time.Nanosecond}, ranker, nil, nil)
		startPort(t, p)
		waitFor(t, "the first choice", func() bool { c, _ := p.Current(); return c == A })
		ranker.rank(map[string]float64{A: 1, B: 5})
		waitFor(t, "the decision", func() bool { return strings.HasPrefix(p.Status().LastDecision, B+" earns") })
		if c, _ := p.Current(); c != A {
			t.Fatalf("switched to a pool without work: %q", c)
		}
		jb := b.publish(true)
		ranker.rank(map[string]float64{A: 1, B: 5})
		waitFor(t, "the switch", func() bool { return p.CurrentJob().ID == jb.ID })
		if st := p.Status(); st.Switches != 1 {
			t.Fatalf("status %+v", st)
		}
	})
	t.Run("an override waits for the pool's work", func(t *testing.T) {
		a, b := newTestPool(coin(t, reg, A)), newTestPool(coin(t, reg, B))
		a.publish(true)
		p, _ := New(Config{Name: "scrypt", Algorithm: "scrypt", Pools: []Pool{a, b}, PollInterval: 5 * time.Millisecond}, nil, nil, nil)
		startPort(t, p)
		waitFor(t, "A", func() bool { c, _ := p.Current(); return c == A })
		if err := p.Override(context.Background(), B); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the override recorded", func() bool { return p.Status().Override == B })
		if c, _ := p.Current(); c != A {
			t.Fatalf("on %s without B's work", c)
		}
		jb := b.publish(true)
		waitFor(t, "B once it has work", func() bool { return p.CurrentJob().ID == jb.ID })
	})
	t.Run("the first choice waits for every pool's first job", func(t *testing.T) {
		a, b := newTestPool(coin(t, reg, A)), newTestPool(coin(t, reg, B))
		b.publish(true)
		ranker := newTestRanker()
		// A looks worst only because its daemon has not answered yet.
		ranker.rank(map[string]float64{A: 0.1, B: 1})
		p, _ := New(Config{Name: "scrypt", Algorithm: "scrypt", Pools: []Pool{a, b}}, ranker, nil, nil)
		startPort(t, p)
		waitFor(t, "work from B meanwhile", func() bool { c, _ := p.Current(); return c == B })
		if d := p.Status().LastDecision; !strings.Contains(d, "waiting for the first job of "+A) {
			t.Fatalf("decision %q", d)
		}
		ja := a.publish(true)
		ranker.rank(map[string]float64{A: 10, B: 1})
		waitFor(t, "A chosen", func() bool { return p.CurrentJob().ID == ja.ID })
		if st := p.Status(); st.Switches != 0 {
			t.Fatalf("the first choice counted as a switch: %+v", st)
		}
	})
}

func TestNewValidates(t *testing.T) {
	reg := testCoins(t)
	ltc := newTestPool(coin(t, reg, "litecoin-regtest"))
	btc := newTestPool(coin(t, reg, "bitcoin-regtest"))
	for name, cfg := range map[string]Config{
		"bad name":       {Name: "a:b", Algorithm: "scrypt", Pools: []Pool{ltc}},
		"no pools":       {Name: "s", Algorithm: "scrypt"},
		"wrong algo":     {Name: "s", Algorithm: "scrypt", Pools: []Pool{ltc, btc}},
		"duplicate":      {Name: "s", Algorithm: "scrypt", Pools: []Pool{ltc, ltc}},
		"negative hold":  {Name: "s", Algorithm: "scrypt", Pools: []Pool{ltc}, MinHold: -1},
		"no algorithm":   {Name: "s", Pools: []Pool{ltc}},
		"negative poll":  {Name: "s", Algorithm: "scrypt", Pools: []Pool{ltc}, PollInterval: -1},
		"negative thres": {Name: "s", Algorithm: "scrypt", Pools: []Pool{ltc}, MinImprovementPercent: -5},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := New(cfg, nil, nil, nil); !errors.Is(err, ErrConfig) {
				t.Fatalf("err %v", err)
			}
		})
	}
}

// TestPortPersistence runs ports against a real Redis: the choice survives
// a restart, an override from another process is picked up, and saved
// coins that are no longer configured fall back to automatic.
func TestPortPersistence(t *testing.T) {
	ledgertest.Require(t, "redis-server")
	srv := ledgertest.Redis(t)
	led, err := ledger.New(ledger.Config{Addr: srv.Addr}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer led.Close()
	ctx := context.Background()
	reg := testCoins(t)
	A, B := "litecoin-regtest", "ltcb-regtest"
	a, b := newTestPool(coin(t, reg, A)), newTestPool(coin(t, reg, B))
	a.publish(true)
	b.publish(true)
	newPort := func(r *testRanker, pools ...Pool) *Port {
		p, err := New(Config{Name: "scrypt", Algorithm: "scrypt", Pools: pools, MinImprovementPercent: 10,
			PollInterval: 10 * time.Millisecond}, r, led, nil)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	saved := func() ledger.SwitchState {
		st, err := led.SwitchState(ctx, "scrypt")
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	current := func(p *Port) string { c, _ := p.Current(); return c }

	// First run: A is best and chosen; then B by far.
	r := newTestRanker()
	r.rank(map[string]float64{A: 1, B: 0.5})
	p1 := newPort(r, a, b)
	stop := startPort(t, p1)
	waitFor(t, "A chosen and saved", func() bool { return saved().Coin == A && current(p1) == A })
	r.rank(map[string]float64{A: 1, B: 3})
	waitFor(t, "B saved", func() bool { return saved().Coin == B && current(p1) == B })
	stop()

	// Restart with A slightly ahead (within the threshold): the port
	// resumes on B and stays there.
	r = newTestRanker()
	r.rank(map[string]float64{A: 1.05, B: 1})
	p2 := newPort(r, a, b)
	stop = startPort(t, p2)
	waitFor(t, "resumed on B", func() bool { return current(p2) == B && strings.Contains(p2.Status().LastDecision, "within") })

	// An override saved by another process (multipool switch) is picked up.
	if err := led.SetSwitchOverride(ctx, "scrypt", A, time.Now()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the override", func() bool { return current(p2) == A && p2.Status().Override == A })
	r.rank(map[string]float64{A: 1, B: 10})
	waitFor(t, "the ranking judged", func() bool { return p2.Status().LastDecision == "operator override in force" })
	if current(p2) != A {
		t.Fatal("an automatic switch during an override")
	}
	if err := p2.Override(ctx, "dogecoin"); !errors.Is(err, ErrUnknownCoin) {
		t.Fatalf("override to a coin not on the port: %v", err)
	}
	stop()

	// Restart: the override holds.
	p3 := newPort(r, a, b)
	stop = startPort(t, p3)
	waitFor(t, "resumed on the override", func() bool { return current(p3) == A && p3.Status().Override == A })
	// Back to automatic: B is far ahead.
	if err := p3.Override(ctx, "auto"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "automatic again", func() bool { return current(p3) == B && p3.Status().Override == "" })
	if saved().Override != "" {
		t.Fatal("auto not saved")
	}
	// Override to A again and stop with it saved.
	if err := p3.Override(ctx, A); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "manual A", func() bool { return current(p3) == A })
	stop()

	// A is no longer configured: the saved override (and coin) fall back
	// to automatic, on the only coin left.
	p4 := newPort(r, b)
	stop = startPort(t, p4)
	waitFor(t, "automatic on B", func() bool { return current(p4) == B })
	if st := saved(); st.Override != "" || st.Coin != B {
		t.Fatalf("saved state %+v, want no override and coin B", st)
	}
	stop()
	events, err := led.SwitchEvents(ctx, "scrypt", 0)
	if err != nil {
		t.Fatal(err)
	}
	var fellBack bool
	for _, e := range events {
		fellBack = fellBack || strings.Contains(e.Reason, "not configured any more")
	}
	if !fellBack || len(events) < 4 {
		t.Fatalf("switch log %+v", events)
	}

	// A saved coin (no override) that is gone: automatic too.
	if err := led.SaveSwitchCoin(ctx, "scrypt", "gonecoin", time.Now()); err != nil {
		t.Fatal(err)
	}
	r5 := newTestRanker()
	r5.rank(map[string]float64{A: 2, B: 1})
	p5 := newPort(r5, a, b)
	startPort(t, p5)
	waitFor(t, "automatic on A", func() bool { return current(p5) == A && saved().Coin == A })
}
