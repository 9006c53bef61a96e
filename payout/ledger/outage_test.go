package ledger

import (
	"context"
	"log/slog"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/multipool/multipool/payout/ledger/ledgertest"
)

// producer records valid shares from a goroutine, paced by a ticker, and
// keeps the count and difficulty sum of those RecordShare accepted.
// On a request it records a block between two shares and notes the sum so
// far, which is what the round the block closes must hold.
type producer struct {
	accepted atomic.Int64
	refused  atomic.Int64
	blockReq chan Block
	blockErr chan error
	// Valid after stop:
	sum        float64
	sumAtBlock float64
	stopc      chan struct{}
	done       chan struct{}
}

func produce(l *Ledger) *producer {
	p := &producer{
		blockReq: make(chan Block), blockErr: make(chan error, 1),
		stopc: make(chan struct{}), done: make(chan struct{}),
	}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		var i int
		for {
			select {
			case <-p.stopc:
				return
			case b := <-p.blockReq:
				err := l.RecordBlock(b)
				p.sumAtBlock = p.sum
				p.blockErr <- err
				continue
			case <-tick.C:
			}
			for range 5 {
				i++
				// Integer difficulties keep every sum exact in float64.
				diff := float64(1 + i%7)
				err := l.RecordShare(Share{
					Coin: "ltc", Worker: "addr" + strconv.Itoa(i%5) + ".rig", Address: "addr" + strconv.Itoa(i%5),
					Difficulty: diff, Status: StatusValid,
				})
				if err != nil {
					p.refused.Add(1)
					continue
				}
				p.sum += diff
				p.accepted.Add(1)
			}
		}
	}()
	return p
}

func (p *producer) stop() {
	close(p.stopc)
	<-p.done
}

// TestOutage records shares continuously while Redis goes away and comes
// back, with a block in the middle of the outage, and checks that every
// share RecordShare accepted is in Redis exactly once and in the right round.
func TestOutage(t *testing.T) {
	for _, tc := range []struct {
		name string
		kill bool
	}{
		{"sigterm", false},
		{"sigkill", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := ledgertest.RedisWith(t, ledgertest.Options{Persist: true})
			logs := newLogCounter()
			l := newLedger(t, srv.Addr, slog.New(logs), nil)
			r := start(t, l)
			p := produce(l)

			waitFor := func(what string, cond func() bool) {
				t.Helper()
				poll(t, what, cond)
			}
			waitFor("shares written before the outage", func() bool { return l.Written() >= 500 })
			if tc.kill {
				srv.Kill(t)
			} else {
				srv.Stop(t)
			}
			before := p.accepted.Load()
			waitFor("the writer to notice the outage", func() bool { return l.WriteErrors() > 0 })
			waitFor("shares recorded during the outage", func() bool { return p.accepted.Load() >= before+1200 })
			blockHash := strings.Repeat("5a", 32)
			p.blockReq <- Block{Coin: "ltc", Height: 500, Hash: blockHash, Worker: "addr1.rig", Address: "addr1", Reward: 1}
			must(t, <-p.blockErr)
			waitFor("more shares recorded during the outage", func() bool { return p.accepted.Load() >= before+2500 })
			if w := l.WriteErrors(); w < 1 {
				t.Fatalf("WriteErrors %d", w)
			}
			srv.Start(t)
			during := p.accepted.Load()
			waitFor("shares recorded after the outage", func() bool { return p.accepted.Load() >= during+500 })
			p.stop()
			waitWritten(t, l)
			must(t, r.stop(t))

			if n := p.refused.Load(); n != 0 {
				t.Fatalf("%d shares refused", n)
			}
			n := p.accepted.Load()
			st, err := l.Stats(context.Background(), "ltc")
			must(t, err)
			if st.Valid != n {
				t.Fatalf("%d valid shares in Redis, %d recorded", st.Valid, n)
			}
			closed := roundSum(t, l, RoundID(500, blockHash))
			current := roundSum(t, l, CurrentRound)
			if closed != p.sumAtBlock || closed+current != p.sum {
				t.Fatalf("rounds hold %v before the block and %v after it; %v and %v were recorded",
					closed, current, p.sumAtBlock, p.sum-p.sumAtBlock)
			}
			if st.BlocksFound != 1 {
				t.Fatalf("BlocksFound %d, want 1", st.BlocksFound)
			}
			if l.Outages() != 1 || logs.count("redis write failed; keeping records queued and retrying") != 1 ||
				logs.count("redis writes resumed") != 1 {
				t.Fatalf("outages %d, logged %d failures and %d recoveries; want one each (%d failed attempts)",
					l.Outages(), logs.count("redis write failed; keeping records queued and retrying"),
					logs.count("redis writes resumed"), l.WriteErrors())
			}
			t.Logf("%d shares (%d before, %d during the outage), %d failed attempts, %d batches replayed",
				n, before, during-before, l.WriteErrors(), l.Replayed())
		})
	}
}

// roundSum adds up a round's credits.
func roundSum(t *testing.T, l *Ledger, round string) float64 {
	t.Helper()
	credits, err := l.RoundShares(context.Background(), "ltc", round)
	must(t, err)
	var sum float64
	for _, d := range credits {
		sum += d
	}
	return sum
}
