package pools

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
)

// A real Dash DIP3 coinbase (a special transaction, version 3 type 5, with
// a CbTx payload after the lock time) and its txid, from DashSync's
// DSTransactionTests testCoinbaseTransaction (also in rust-dashcore's
// key-wallet tests). Height 1526 (0x05f6); two outputs of 225 DASH: the
// miner's (pay-to-pubkey) and the masternode's (P2PKH).
const (
	dashCoinbaseHex = "03000500010000000000000000000000000000000000000000000000000000000000000000ffffffff0502f6050105ffffffff" +
		"0200c11a3d050000002321038df098a36af5f1b7271e32ad52947f64c1ad70c16a8a1a987105eaab5daa7ad2ac" +
		"00c11a3d050000001976a914bfb885c89c83cd44992a8ade29b610e6ddf00c5788ac00000000" +
		"260100f6050000aaaec8d6a8535a01bd844817dea1faed66f6c397b1dcaec5fe8c5af025023c35"
	dashCoinbaseTxID = "5b4e5e99e967e01e27627621df00c44525507a31201ceb7b96c6e1a452e82bef"
	// Everything after the miner's output: the masternode output, the
	// lock time and the payload (length 0x26, CbTx version 1, height 1526,
	// merkleRootMNList).
	dashCoinbaseTail = "00c11a3d050000001976a914bfb885c89c83cd44992a8ade29b610e6ddf00c5788ac00000000" +
		"260100f6050000aaaec8d6a8535a01bd844817dea1faed66f6c397b1dcaec5fe8c5af025023c35"
	dashMasternodeScript = "76a914bfb885c89c83cd44992a8ade29b610e6ddf00c5788ac"
	dashPayload          = "0100f6050000aaaec8d6a8535a01bd844817dea1faed66f6c397b1dcaec5fe8c5af025023c35"
)

// dashTemplate returns a captured template turned into the Dash block
// above: its height and value, with the Dash fields given as extra JSON
// members, parsed by the daemon package as a reply would be.
func dashTemplate(t *testing.T, extra map[string]any) *daemon.BlockTemplate {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", "btcd-simnet-getblocktemplate-with-tx.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any // this capture is the bare result, no envelope
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	m["height"], m["coinbasevalue"], m["bits"] = 1526, 45000000000, algoNetworkBits
	delete(m, "default_witness_commitment")
	for k, v := range extra {
		m[k] = v
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := daemon.ParseBlockTemplate(b)
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

// mineBlock submits shares on the pool's current job until one is a
// block, and returns the submitted block's coinbase and the record.
func mineBlock(t *testing.T, p *Pool, d *acceptingDaemon, rec *blockRecorder) (coinbase []byte, header [80]byte) {
	t.Helper()
	notify := p.CurrentJob()
	work, err := stratum.DecodeJob(notify)
	if err != nil {
		t.Fatal(err)
	}
	work.TxHash = p.coin.TxHasher()
	en1 := []byte{1, 2, 3, 4}
	for i := uint32(0); i < 1000; i++ {
		en2 := binary.BigEndian.AppendUint32(nil, i)
		r := p.Submit(context.Background(), &stratum.Share{
			Worker: &stratum.Worker{Name: "w"}, JobID: notify.ID, Extranonce1: en1, Extranonce2: en2,
			NTime: work.NTime, Nonce: i, Difficulty: 1.0 / (1 << 30),
		})
		if !r.Block {
			continue
		}
		if !r.BlockAccepted || d.submitted != 1 {
			t.Fatalf("block not submitted: %+v", r)
		}
		coinbase = work.Coinbase(nil, en1, en2)
		work.Header(&header, work.MerkleRoot(coinbase), work.Version, work.NTime, i)
		block, err := hex.DecodeString(d.last)
		if err != nil {
			t.Fatal(err)
		}
		if len(block) < 81+len(coinbase) || [80]byte(block[:80]) != header || string(block[81:81+len(coinbase)]) != string(coinbase) {
			t.Fatalf("submitted block does not start with the share's header and coinbase")
		}
		return coinbase, header
	}
	t.Fatal("no block in 1000 shares at a 1-in-16 network target")
	return nil, header
}

// TestDashCoinbase: with Dash's template fields the coinbase becomes a
// DIP3 special transaction carrying the CbTx payload, pays the masternode
// what the template says and the pool the rest, and ends exactly as the
// real Dash coinbase does; the block is recorded under its X11 hash.
func TestDashCoinbase(t *testing.T) {
	coin := testCoin(t, "dash-regtest")
	real, _ := hex.DecodeString(dashCoinbaseHex)
	var id [32]byte
	coin.HashTx(&id, real)
	if pow.ReverseHex(&id) != dashCoinbaseTxID {
		t.Fatalf("txid of the real coinbase %s, want %s", pow.ReverseHex(&id), dashCoinbaseTxID)
	}

	const payee = "yj949n1UH6fDhw6HtVE5VMj2iSTaSWBMcW" // a dash-regtest address
	payeeScript, err := coin.AddressScript(payee)
	if err != nil {
		t.Fatal(err)
	}
	nineDash := hex.EncodeToString(binary.LittleEndian.AppendUint64(nil, 9000000000))
	tests := []struct {
		name  string
		extra map[string]any
		// wantTail is the hex the coinbase must end with.
		wantTail string
		mnValue  int64
	}{
		{"array with scripts", map[string]any{
			"masternode":       []any{map[string]any{"payee": "", "script": dashMasternodeScript, "amount": 22500000000}},
			"superblock":       []any{},
			"coinbase_payload": dashPayload,
		}, dashCoinbaseTail, 22500000000},
		{"one object, payee only (Dash 0.12.1)", map[string]any{
			"masternode":       map[string]any{"payee": payee, "amount": 9000000000},
			"coinbase_payload": dashPayload,
		}, nineDash + "19" + hex.EncodeToString(payeeScript) + "00000000" + "26" + dashPayload, 9000000000},
		{"payee and payee_amount (Dash 0.12.0), no payload", map[string]any{
			"payee": payee, "payee_amount": 9000000000,
		}, nineDash + "19" + hex.EncodeToString(payeeScript) + "00000000", 9000000000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl := dashTemplate(t, tt.extra)
			addr, _ := coin.EncodeAddress(coins.Address{Kind: coins.P2PKH, Hash: make([]byte, 20)})
			d := &acceptingDaemon{StaticDaemon: StaticDaemon{tmpl}}
			rec := &blockRecorder{}
			now := time.Unix(tmpl.CurTime+10, 0)
			p := startPool(t, Config{Coin: coin, Address: addr, Now: func() time.Time { return now }}, d, rec)
			coinbase, header := mineBlock(t, p, d, rec)
			cb := hex.EncodeToString(coinbase)
			wantVersion := "01000000"
			if tmpl.CoinbasePayload != "" {
				wantVersion = "03000500" // version 3, type 5
			}
			if !strings.HasPrefix(cb, wantVersion) {
				t.Errorf("coinbase version %s, want %s", cb[:8], wantVersion)
			}
			if !strings.HasSuffix(cb, tt.wantTail) {
				t.Errorf("coinbase\n%s\ndoes not end with\n%s", cb, tt.wantTail)
			}
			poolScript, _ := coin.AddressScript(addr)
			poolOut := hex.EncodeToString(binary.LittleEndian.AppendUint64(nil, uint64(45000000000-tt.mnValue))) +
				"19" + hex.EncodeToString(poolScript)
			if !strings.Contains(cb, "02"+poolOut) { // two outputs, the pool's first
				t.Errorf("coinbase %s lacks the pool output %s", cb, poolOut)
			}
			if rec.last.Reward != 45000000000-tt.mnValue {
				t.Errorf("recorded reward %d, want %d", rec.last.Reward, 45000000000-tt.mnValue)
			}
			var x11, txid [32]byte
			coin.PoW().Hash(&x11, header[:])
			pow.Sha256d(&txid, coinbase)
			if rec.last.Hash != pow.ReverseHex(&x11) || rec.last.CoinbaseTxID != pow.ReverseHex(&txid) {
				t.Errorf("recorded block %s coinbase %s; want the X11 hash %s and txid %s",
					rec.last.Hash, rec.last.CoinbaseTxID, pow.ReverseHex(&x11), pow.ReverseHex(&txid))
			}
		})
	}
}
