package payout_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/payout"
	"github.com/multipool/multipool/payout/ledger"
)

// helperEnv carries a helperConfig to the test binary run as a payout
// process.
const helperEnv = "PAYOUT_TEST_HELPER"

// helperConfig is what a helper process needs to run one payout.
type helperConfig struct {
	Redis       string
	Daemon      daemon.Endpoint
	Wallet      string
	PoolAddress string
	LockTTL     time.Duration
	SettleTime  time.Duration
	Minimum     int64
}

func TestMain(m *testing.M) {
	if cfg := os.Getenv(helperEnv); cfg != "" {
		os.Exit(helperMain(cfg))
	}
	os.Exit(m.Run())
}

// helperMain is a separate payout process: one Once, with the fault hook
// of $MULTIPOOL_PAYOUT_FAULT (a real SIGKILL at the fault point), the
// report on stdout. Exit status 0 also when the lock is taken ("locked").
func helperMain(raw string) int {
	var hc helperConfig
	if err := json.Unmarshal([]byte(raw), &hc); err != nil {
		fmt.Fprintln(os.Stderr, "helper config:", err)
		return 2
	}
	reg, err := coins.Load("")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	coin, err := reg.Get(coinKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	led, err := ledger.New(ledger.Config{Addr: hc.Redis}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer led.Close()
	wallet, err := daemon.New(daemon.Config{Endpoints: []daemon.Endpoint{hc.Daemon}, Wallet: hc.Wallet, Timeout: time.Minute}, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	fault, err := payout.FaultFromEnv(os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	p, err := payout.New(payout.Config{
		Coin: coin, PoolAddress: hc.PoolAddress, MinimumPayment: coins.Amount(hc.Minimum),
		LockTTL: hc.LockTTL, SettleTime: hc.SettleTime, Fault: fault,
	}, led, wallet, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	rep, err := p.Once(context.Background())
	if errors.Is(err, payout.ErrLocked) {
		fmt.Println("locked:", err)
		return 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "payout:", err)
		return 1
	}
	fmt.Print(rep.Format(coin.Decimals))
	return 0
}

// runHelper runs one payout in a new process. fault names a fault point
// for $MULTIPOOL_PAYOUT_FAULT ("" for none). It returns the output and
// whether the process was killed by SIGKILL.
func (c *chain) runHelper(t *testing.T, fault string) (string, bool) {
	t.Helper()
	cfg, _ := json.Marshal(helperConfig{
		Redis: c.redis.Addr, Daemon: c.node.Endpoint(), Wallet: "w", PoolAddress: c.poolAddr,
		LockTTL: time.Second, SettleTime: time.Millisecond, Minimum: 1_000_000,
	})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+string(cfg), payout.FaultEnv+"="+fault)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return out.String(), true
		}
	}
	if err != nil {
		t.Fatalf("payout process: %v\n%s", err, out.String())
	}
	return out.String(), false
}

// crashCase is one crash window, simulated in process or by a real kill.
type crashCase struct {
	name  string
	point payout.FaultPoint
	kill  bool // a separate process killed with SIGKILL
}

// TestCrashWindows stops a payout in each of its two crash windows, first
// with the in-process fault hook and then by killing a separate payout
// process with SIGKILL, and checks after restart that every miner was paid
// exactly once and no credit was lost.
func TestCrashWindows(t *testing.T) {
	c := newChain(t, chainOptions{})
	ctx := context.Background()
	cases := []crashCase{
		{"hook after intent", payout.FaultAfterIntent, false},
		{"hook after sendmany", payout.FaultAfterSend, false},
		{"kill after intent", payout.FaultAfterIntent, true},
		{"kill after sendmany", payout.FaultAfterSend, true},
	}
	for i, cc := range cases {
		t.Run(cc.name, func(t *testing.T) {
			a, b := c.minerAddress(t, "bech32"), c.minerAddress(t, "legacy")
			round, _ := c.fakeRound(t, map[string]float64{a: float64(i + 1), b: 3})
			c.mature(t)

			// The run that crashes.
			if cc.kill {
				out, killed := c.runHelper(t, string(cc.point))
				if !killed || !strings.Contains(out, "fault injection") {
					t.Fatalf("payout process was not killed at %s:\n%s", cc.point, out)
				}
			} else {
				p := c.processor(t, func(cfg *payout.Config) {
					cfg.Fault = func(at payout.FaultPoint) error {
						if at == cc.point {
							return errors.New("simulated crash")
						}
						return nil
					}
				})
				if _, err := p.Once(ctx); !errors.Is(err, payout.ErrFault) {
					t.Fatalf("crashing run: %v, want ErrFault", err)
				}
			}
			want := c.expectedCredits(t, []string{round})
			pend, err := c.led.PendingPayments(ctx, coinKey)
			must(t, err)
			if len(pend) != 1 {
				t.Fatalf("%d pending payments after the crash, want 1", len(pend))
			}
			for _, addr := range []string{a, b} {
				if acc := c.account(t, addr); acc.Balance != 0 || acc.Paid != 0 {
					t.Fatalf("%s after the crash: %+v, want debited and not paid yet", addr, acc)
				}
				sent := c.received(t, addr, 0)
				if cc.point == payout.FaultAfterIntent && sent != 0 {
					t.Fatalf("%s received %d before sendmany", addr, sent)
				}
				if cc.point == payout.FaultAfterSend && sent != want[addr] {
					t.Fatalf("%s received %d from the crashed run, want %d", addr, sent, want[addr])
				}
			}

			// A run right away meets the dead runner's lock and says so.
			if cc.kill {
				out, _ := c.runHelper(t, "")
				if !strings.HasPrefix(out, "locked:") {
					t.Fatalf("second process while the lock is held:\n%s", out)
				}
			} else if _, err := c.processor(t, nil).Once(ctx); !errors.Is(err, payout.ErrLocked) {
				t.Fatalf("run while the crashed run's lock is held: %v, want ErrLocked", err)
			}
			c.waitUnlocked(t)

			// The restarted run reconciles, then pays what is owed.
			if cc.kill {
				out, killed := c.runHelper(t, "")
				if killed {
					t.Fatal("restarted process killed")
				}
				t.Logf("restarted process:\n%s", out)
			} else {
				once(t, c.processor(t, nil))
			}
			c.confirmPayments(t)
			for _, addr := range []string{a, b} {
				got := c.received(t, addr, 1)
				acc := c.account(t, addr)
				if got != want[addr] || acc.Paid != want[addr] || acc.Balance != 0 {
					t.Errorf("%s received %d, ledger %+v; want %d exactly once", addr, got, acc, want[addr])
				}
			}
			if pend, _ := c.led.PendingPayments(ctx, coinKey); len(pend) != 0 {
				t.Fatalf("pending payments left: %+v", pend)
			}
			ps, err := c.led.Payments(ctx, coinKey, 2)
			must(t, err)
			switch cc.point {
			case payout.FaultAfterIntent:
				// The intent was voided and a new payment sent.
				if len(ps) != 2 || ps[0].State != ledger.PaymentPaid || ps[1].State != ledger.PaymentVoided {
					t.Fatalf("payments %+v, want the voided intent and a new paid one", ps)
				}
			case payout.FaultAfterSend:
				// The crashed run's payment was found and recorded.
				if ps[0].State != ledger.PaymentPaid || ps[0].TxID == "" || len(ps[0].Recipients) != 2 {
					t.Fatalf("latest payment %+v, want the crashed run's, paid", ps[0])
				}
			}
		})
	}

	// NOMP's #36: Redis loses the record of a payment the wallet sent (here:
	// restored from a snapshot taken between crediting and paying). The
	// balances read as owed again; the wallet audit must stop the payout.
	t.Run("redis rolled back after a payment", func(t *testing.T) {
		a := c.minerAddress(t, "bech32")
		c.fakeRound(t, map[string]float64{a: 1})
		c.mature(t)
		once(t, c.processor(t, func(cfg *payout.Config) { cfg.MinimumPayment = 1 << 60 })) // credit only
		owed := c.account(t, a).Balance
		if owed == 0 {
			t.Fatal("nothing credited")
		}
		raw := redis.NewClient(&redis.Options{Addr: c.redis.Addr, DisableIdentity: true})
		defer raw.Close()
		keys, err := raw.Keys(ctx, "*").Result()
		must(t, err)
		snapshot := map[string]string{}
		for _, k := range keys {
			snapshot[k], err = raw.Dump(ctx, k).Result()
			must(t, err)
		}
		once(t, c.processor(t, nil))
		c.confirmPayments(t)
		if got := c.received(t, a, 1); got != owed {
			t.Fatalf("received %d, want %d", got, owed)
		}
		must(t, raw.FlushDB(ctx).Err())
		for k, v := range snapshot {
			must(t, raw.Restore(ctx, k, 0, v).Err())
		}
		if acc := c.account(t, a); acc.Balance != owed || acc.Paid != 0 {
			t.Fatalf("after the rollback %+v, want owed %d again", acc, owed)
		}
		rep := once(t, c.processor(t, nil))
		if rep.Unresolved != 1 || len(rep.Payments) != 0 || !strings.Contains(rep.Reconciled[0].Reason, "does not know") {
			t.Fatalf("run after the rollback: %+v", rep)
		}
		c.confirmPayments(t)
		if got := c.received(t, a, 1); got != owed {
			t.Fatalf("received %d after the rollback, want %d (once)", got, owed)
		}
	})
}
