package pools

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/pools/stratum"
)

// fullRecorder refuses every record, like a ledger whose buffer is full.
type fullRecorder struct{}

func (fullRecorder) RecordShare(ledger.Share) error { return ledger.ErrBufferFull }
func (fullRecorder) RecordBlock(ledger.Block) error { return ledger.ErrBufferFull }

func testPool(t *testing.T, rec Recorder, recipients map[string]float64) (*Pool, *job, *coins.Coin) {
	t.Helper()
	reg, err := coins.Load("")
	if err != nil {
		t.Fatal(err)
	}
	coin, _ := reg.Get("litecoin-regtest")
	tmpl := loadTemplate(t, "ltc-getblocktemplate-post-mweb-with-tx.json")
	tmpl.Bits = "1d00ffff" // no share is a block
	addr, _ := coin.EncodeAddress(coins.Address{Kind: coins.WitnessV0KeyHash, Hash: make([]byte, 20)})
	now := time.Unix(tmpl.CurTime+10, 0)
	p := startPool(t, Config{Coin: coin, Address: addr, RewardRecipients: recipients, Now: func() time.Time { return now }},
		StaticDaemon{tmpl}, rec)
	return p, p.current.Load(), coin
}

func TestSubmitVerdicts(t *testing.T) {
	rec := &countRecorder{}
	p, j, _ := testPool(t, rec, nil)
	w := &stratum.Worker{Name: "a.b", Address: "a"}
	base := stratum.Share{Worker: w, JobID: j.notify.ID, Extranonce1: []byte{0, 0, 0, 1},
		Extranonce2: []byte{0, 0, 0, 1}, NTime: j.curTime, Difficulty: 1e-12}
	ctx := context.Background()
	code := func(s stratum.Share) int {
		r := p.Submit(ctx, &s)
		if r.Err == nil {
			return 0
		}
		return r.Err.Code
	}
	if c := code(base); c != 0 {
		t.Fatalf("first share: code %d", c)
	}
	if c := code(base); c != stratum.CodeDuplicate {
		t.Fatalf("same share again: code %d, want 22", c)
	}
	s := base
	s.Nonce = 7
	s.VersionRolled, s.VersionBits = true, 0x00002000
	if c := code(s); c != 0 {
		t.Fatalf("rolled version share: code %d", c)
	}
	s = base
	s.JobID = "nosuchjob"
	if c := code(s); c != stratum.CodeJobNotFound {
		t.Fatalf("unknown job: code %d, want 21", c)
	}
	s = base
	s.Nonce, s.NTime = 1, j.curTime-1
	if c := code(s); c != stratum.CodeOther {
		t.Fatalf("ntime before the template: code %d, want 20", c)
	}
	s.NTime = j.curTime + 10 + maxFutureTime + 1
	if c := code(s); c != stratum.CodeOther {
		t.Fatalf("ntime too far ahead: code %d, want 20", c)
	}
	s = base
	s.Nonce, s.Difficulty = 2, 1e12
	if c := code(s); c != stratum.CodeLowDifficulty {
		t.Fatalf("share above its target: code %d, want 23", c)
	}
	s = base
	s.Extranonce2 = []byte{1, 2}
	if c := code(s); c != stratum.CodeOther {
		t.Fatalf("short extranonce2: code %d, want 20", c)
	}
	if rec.shares != 8 || rec.blocks != 0 {
		t.Fatalf("recorded %d shares and %d blocks, want every verdict counted and no block", rec.shares, rec.blocks)
	}
}

func TestShareNotAcceptedWhenLedgerIsFull(t *testing.T) {
	p, j, _ := testPool(t, fullRecorder{}, nil)
	s := &stratum.Share{Worker: &stratum.Worker{Name: "a"}, JobID: j.notify.ID, Extranonce1: make([]byte, 4),
		Extranonce2: make([]byte, 4), NTime: j.curTime, Difficulty: 1e-12}
	r := p.Submit(context.Background(), s)
	if r.Err == nil || r.Err.Code != stratum.CodeOther {
		t.Fatalf("got %+v, want the share refused while the ledger cannot take it", r.Err)
	}
}

func TestRewardRecipientsSplit(t *testing.T) {
	reg, _ := coins.Load("")
	coin, _ := reg.Get("litecoin-regtest")
	fee, _ := coin.EncodeAddress(coins.Address{Kind: coins.WitnessV0KeyHash, Hash: []byte("feefeefeefeefeefeefe")})
	don, _ := coin.EncodeAddress(coins.Address{Kind: coins.WitnessV0KeyHash, Hash: []byte("donationdonationdona")})
	p, _, _ := testPool(t, &countRecorder{}, map[string]float64{fee: 1.5, don: 0.1})
	outs := p.splitReward(1250007160)
	if len(outs) != 3 {
		t.Fatalf("%d outputs", len(outs))
	}
	var sum int64
	for _, o := range outs {
		sum += o.Value
	}
	// Recipients are sorted by address: the donation address sorts first.
	if outs[1].Value != 1250007 || outs[2].Value != 18750107 || sum != 1250007160 {
		t.Fatalf("split %d/%d/%d (sum %d)", outs[0].Value, outs[1].Value, outs[2].Value, sum)
	}
	if _, err := New(Config{Coin: coin, Address: fee, RewardRecipients: map[string]float64{don: 100}}, StaticDaemon{}, &countRecorder{}, nil); err == nil {
		t.Fatal("a 100% recipient was accepted")
	}
	if _, err := New(Config{Coin: coin, Address: "notanaddress"}, StaticDaemon{}, &countRecorder{}, nil); err == nil {
		t.Fatal("a bad pool address was accepted")
	}
}

// unclearDaemon answers no submit (Unreachable) and looks blocks up with
// a fixed result.
type unclearDaemon struct {
	StaticDaemon
	inconclusive bool
	conf         int64
	err          error
	lookups      int
}

func (d *unclearDaemon) SubmitBlock(context.Context, string) daemon.SubmitResult {
	if d.inconclusive {
		return daemon.SubmitResult{Inconclusive: true, Reason: "inconclusive"}
	}
	return daemon.SubmitResult{Unreachable: true, Reason: "timeout"}
}

func (d *unclearDaemon) GetBlock(_ context.Context, hash string) (*daemon.BlockInfo, error) {
	d.lookups++
	if d.err != nil {
		return nil, d.err
	}
	return &daemon.BlockInfo{Hash: hash, Confirmations: d.conf}, nil
}

// TestUnclearSubmitLooksUpTheBlock: when no daemon accepts or rejects a
// block, it counts as found only if the daemon has it on its main chain.
func TestUnclearSubmitLooksUpTheBlock(t *testing.T) {
	tests := []struct {
		name string
		d    *unclearDaemon
		want bool
	}{
		{"unanswered, on the main chain", &unclearDaemon{conf: 1}, true},
		{"inconclusive, on the main chain", &unclearDaemon{inconclusive: true, conf: 1}, true},
		{"inconclusive, on a side chain", &unclearDaemon{inconclusive: true, conf: -1}, false},
		{"unanswered, lookup fails too", &unclearDaemon{err: errors.New("connection refused")}, false},
	}
	coin := testCoin(t, "bitcoin-regtest")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := loadTemplate(t, "btcd-regtest-getblocktemplate.json")
			tmpl.Bits = algoNetworkBits // one hash in 16 is a block
			tt.d.Template = tmpl
			rec := &blockRecorder{}
			now := time.Unix(tmpl.CurTime+10, 0)
			addr, _ := coin.EncodeAddress(coins.Address{Kind: coins.P2PKH, Hash: make([]byte, 20)})
			p := startPool(t, Config{Coin: coin, Address: addr, Now: func() time.Time { return now }}, tt.d, rec)
			j := p.CurrentJob()
			for n := uint32(0); n < 1000; n++ {
				r := p.Submit(context.Background(), &stratum.Share{
					Worker: &stratum.Worker{Name: "w"}, JobID: j.ID, Extranonce1: []byte{0, 0, 0, 9},
					Extranonce2: binary.BigEndian.AppendUint32(nil, n), NTime: uint32(tmpl.CurTime), Nonce: n,
					Difficulty: 1.0 / (1 << 30),
				})
				if !r.Block {
					continue
				}
				if r.BlockAccepted != tt.want || (rec.blocks == 1) != tt.want || tt.d.lookups != 1 {
					t.Fatalf("accepted %v, %d blocks recorded, %d lookups; want accepted %v after one lookup",
						r.BlockAccepted, rec.blocks, tt.d.lookups, tt.want)
				}
				return
			}
			t.Fatal("no block candidate in 1000 shares")
		})
	}
}
