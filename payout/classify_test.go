package payout

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/payout/ledger"
)

// loadTx reads a real gettransaction reply from testdata.
func loadTx(t *testing.T, name string) *walletTx {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var tx walletTx
	if err := json.Unmarshal(b, &tx); err != nil {
		t.Fatal(err)
	}
	return &tx
}

func TestClassify(t *testing.T) {
	immature := loadTx(t, "ltc-gettransaction-coinbase-immature.json")
	mature := loadTx(t, "ltc-gettransaction-coinbase-mature.json")
	orphan := loadTx(t, "ltc-gettransaction-coinbase-orphan.json")
	const pool = "rltc1qa94mey89pgjmcq9qzm0hru00m8zfzpalrysp5g"
	unknown := &daemon.RPCError{Code: -5, Message: "Invalid or non-wallet transaction id"}
	noBlock := &daemon.RPCError{Code: -5, Message: "Block not found"}
	down := daemon.ErrNoEndpoint
	hdr := func(c int64) *blockHeader { return &blockHeader{Confirmations: c} }
	view := chainView{tip: 437, maturity: 100, poolAddress: pool, decimals: 8}
	tests := []struct {
		name     string
		block    ledger.Block
		tx       *walletTx
		txErr    error
		hdr      *blockHeader
		hdrErr   error
		view     chainView
		state    ledger.BlockState
		received int64
	}{
		{name: "immature", block: ledger.Block{Height: 437, Hash: immature.BlockHash}, tx: immature, hdr: hdr(1),
			view: view, state: ledger.BlockImmature, received: 1_250_027_220},
		{name: "mature", block: ledger.Block{Height: 102, Hash: mature.BlockHash}, tx: mature, hdr: hdr(336),
			view: view, state: ledger.BlockConfirmed, received: 5_000_004_140},
		{name: "mature, reward to another wallet address", block: ledger.Block{Height: 102, Hash: mature.BlockHash}, tx: mature, hdr: hdr(336),
			view: chainView{tip: 437, maturity: 100, poolAddress: "rltc1qother", decimals: 8}, state: ledger.BlockConfirmed},
		{name: "orphan category", block: ledger.Block{Height: 430, Hash: "aa"}, tx: orphan, hdr: hdr(-1),
			view: view, state: ledger.BlockOrphaned},
		{name: "orphan category, header unknown", block: ledger.Block{Height: 430, Hash: "aa"}, tx: orphan, hdrErr: noBlock,
			view: view, state: ledger.BlockOrphaned},
		{name: "header off the main chain", block: ledger.Block{Height: 436, Hash: "aa"}, txErr: unknown, hdr: hdr(-1),
			view: view, state: ledger.BlockOrphaned},
		{name: "coinbase in another block", block: ledger.Block{Height: 437, Hash: "bb"}, tx: immature, hdr: hdr(1),
			view: view, state: ledger.BlockOrphaned},
		{name: "wallet lags a fresh block", block: ledger.Block{Height: 437, Hash: "aa"}, txErr: unknown, hdr: hdr(1),
			view: view, state: ledger.BlockPending},
		{name: "wallet never knew a deep block", block: ledger.Block{Height: 300, Hash: "aa"}, txErr: unknown, hdr: hdr(138),
			view: view, state: ledger.BlockKicked},
		{name: "daemon does not know the block yet", block: ledger.Block{Height: 437, Hash: "aa"}, txErr: unknown, hdrErr: noBlock,
			view: view, state: ledger.BlockPending},
		{name: "daemon never knew a deep block", block: ledger.Block{Height: 300, Hash: "aa"}, txErr: unknown, hdrErr: noBlock,
			view: view, state: ledger.BlockKicked},
		{name: "wallet unreachable", block: ledger.Block{Height: 300, Hash: "aa"}, txErr: down, hdr: hdr(1),
			view: view, state: ledger.BlockPending},
		{name: "daemon unreachable", block: ledger.Block{Height: 300, Hash: "aa"}, tx: mature, hdrErr: down,
			view: view, state: ledger.BlockPending},
		{name: "other rpc error", block: ledger.Block{Height: 300, Hash: "aa"}, txErr: &daemon.RPCError{Code: -18, Message: "wallet not loaded"}, hdr: hdr(1),
			view: view, state: ledger.BlockPending},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := classify(tt.block, tt.tx, tt.txErr, tt.hdr, tt.hdrErr, tt.view)
			if v.state != tt.state || v.received != tt.received {
				t.Fatalf("state %s received %d (%s), want %s %d", v.state, v.received, v.reason, tt.state, tt.received)
			}
		})
	}
}

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in      json.Number
		dec     int
		want    int64
		wantErr bool
	}{
		{"12.50027220", 8, 1_250_027_220, false},
		{"-0.00005480", 8, -5480, false},
		{"50", 8, 5_000_000_000, false},
		{"1e-05", 8, 1000, false},    // btcwallet's float formatting
		{"0.0000029", 8, 290, false}, // btcwallet
		{"", 8, 0, false},
		{"0.000000001", 8, 0, true}, // more decimals than the coin has
		{"100000000000000", 8, 0, true},
		{"abc", 8, 0, true},
		{"1e999999999", 8, 0, true},
	}
	for _, tt := range tests {
		t.Run(string(tt.in), func(t *testing.T) {
			got, err := parseAmount(tt.in, tt.dec)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("parseAmount(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestSinceEntry decodes the real listsinceblock sample into the fields
// the reconciliation reads.
func TestSinceEntry(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "ltc-listsinceblock.json"))
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Transactions []sinceEntry `json:"transactions"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	if len(res.Transactions) != 4 || res.Transactions[0].Category != "orphan" || res.Transactions[1].Confirmations != 3 {
		t.Fatalf("decoded %+v", res.Transactions)
	}
	sm := loadTx(t, "ltc-gettransaction-sendmany-confirmed.json")
	fee, err := walletFee(*sm, 8)
	if err != nil || fee != 5480 || sm.Comment != "pool payout round 7" {
		t.Fatalf("sendmany fee %d (%v) comment %q", fee, err, sm.Comment)
	}
	// btcwallet wraps the reply and reports the fee positive.
	raw, err := os.ReadFile(filepath.Join("testdata", "btcwallet-gettransaction-sendmany.json"))
	if err != nil {
		t.Fatal(err)
	}
	var reply struct {
		Result walletTx `json:"result"`
	}
	if err := json.Unmarshal(raw, &reply); err != nil {
		t.Fatal(err)
	}
	if fee, err := walletFee(reply.Result, 8); err != nil || fee != 290 {
		t.Fatalf("btcwallet fee %d, %v; want 290", fee, err)
	}
}

// FuzzParseAmount feeds RPC amounts (network input) to parseAmount: it
// must not panic, and what it accepts must format back to the same value.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"12.50027220", "-0.00005480", "1e-05", "50", "0", "-0", "1E+3", "9223372036.85477580"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := parseAmount(json.Number(s), 8)
		if err != nil {
			return
		}
		again, err := parseAmount(json.Number(coinsFormat(v)), 8)
		if err != nil || again != v {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, v, coinsFormat(v), again, err)
		}
	})
}

// FuzzClassify decodes arbitrary gettransaction replies (network input)
// and classifies them: no panic, and always one of the known states.
func FuzzClassify(f *testing.F) {
	for _, name := range []string{"ltc-gettransaction-coinbase-immature.json", "ltc-gettransaction-coinbase-mature.json",
		"ltc-gettransaction-coinbase-orphan.json", "ltc-gettransaction-sendmany-confirmed.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, int64(5))
	}
	f.Fuzz(func(t *testing.T, raw []byte, conf int64) {
		var tx walletTx
		if json.Unmarshal(raw, &tx) != nil {
			return
		}
		v := classify(ledger.Block{Height: 300, Hash: "aa"}, &tx, nil, &blockHeader{Confirmations: conf}, nil,
			chainView{tip: 437, maturity: 100, decimals: 8})
		switch v.state {
		case ledger.BlockPending, ledger.BlockImmature, ledger.BlockConfirmed, ledger.BlockOrphaned, ledger.BlockKicked:
		default:
			t.Fatalf("state %q", v.state)
		}
		if v.received < 0 {
			t.Fatalf("received %d", v.received)
		}
	})
}

func coinsFormat(v int64) string { return coins.Amount(v).Format(8) }
