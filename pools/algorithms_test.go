package pools

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/pools/stratum"
)

// algoCase is one algorithm exercised through a pool of a real coin of it.
type algoCase struct {
	algo, coin, tmpl string
	multiplier       int64
	// curTime, when set, replaces the template's time: the memory-hard
	// algorithms are cheap early in their schedules.
	curTime int64
	// ntimeOffset moves the shares' ntime past the template's, across an
	// N-factor boundary for the time-dependent algorithms, so the test
	// sees the pool hash with the share's own time.
	ntimeOffset uint32
	// powBlockID: the coin names blocks by their PoW hash, not SHA-256d.
	powBlockID bool
	// singleSHA256Tx: the coin's txids are single SHA-256 (Groestlcoin).
	singleSHA256Tx bool
	// blockVersion, when set, replaces the template's version (YACoin's
	// coin file takes versions up to 6).
	blockVersion uint32
}

// algoCases covers every registered algorithm: those without a daemon
// here and, for completeness, sha256d (btcd) and scrypt (litecoind).
var algoCases = []algoCase{
	{algo: "sha256d", coin: "bitcoin-regtest", tmpl: "btcd-simnet-getblocktemplate-witness-tx.json", multiplier: 1},
	{algo: "scrypt", coin: "dogecoin-regtest", tmpl: "btcd-simnet-getblocktemplate-with-tx.json", multiplier: 65536},
	{algo: "x11", coin: "dash-regtest", tmpl: "btcd-simnet-getblocktemplate-with-tx.json", multiplier: 1, powBlockID: true},
	{algo: "quark", coin: "quarkcoin", tmpl: "btcd-simnet-getblocktemplate-with-tx.json", multiplier: 1, powBlockID: true},
	// No X13 coin is defined (those still running moved to proof of
	// stake); x13Coin below is Dash regtest on X13.
	{algo: "x13", coin: "x13-regtest", tmpl: "btcd-simnet-getblocktemplate-with-tx.json", multiplier: 1, powBlockID: true},
	{algo: "groestl", coin: "groestlcoin-regtest", tmpl: "btcd-simnet-getblocktemplate-witness-tx.json", multiplier: 256,
		powBlockID: true, singleSHA256Tx: true},
	{algo: "lyra2rev2", coin: "monacoin", tmpl: "btcd-simnet-getblocktemplate-witness-tx.json", multiplier: 256},
	{algo: "neoscrypt", coin: "feathercoin-regtest", tmpl: "btcd-simnet-getblocktemplate-witness-tx.json", multiplier: 65536},
	// YACoin's schedule: N factor 4 (N = 32) until 1368515488, then 5.
	{algo: "scrypt-jane", coin: "yacoin", tmpl: "btcd-simnet-getblocktemplate-with-tx.json", multiplier: 65536,
		curTime: 1368515488 - 5, ntimeOffset: 10, powBlockID: true, blockVersion: 6},
	// Vertcoin's table: N = 2048 from 1389306217, 4096 from 1456415081.
	{algo: "scrypt-n", coin: "vertcoin-scryptn", tmpl: "btcd-simnet-getblocktemplate-with-tx.json", multiplier: 65536,
		curTime: 1456415081 - 5, ntimeOffset: 10},
}

// x13Coin is an operator's definition of a coin the repository does not
// ship: Dash regtest's parameters with the X13 algorithm.
const x13Coin = `{
    "name": "X13 Regtest", "symbol": "XTT", "algorithm": "x13", "reward": "POW",
    "txMessages": false, "network": "regtest", "peerMagic": "fcc1b7dc",
    "protocolVersion": 70233, "pubKeyHashVersion": 140, "scriptHashVersion": 19,
    "coinbaseMaturity": 100, "gbtRules": [], "decimals": 8, "blockTime": 150,
    "p2pPort": 19899, "rpcPort": 19898
}`

// algoNetworkBits is the template's network target in the tests:
// 0x0fffff << 232, about 2^252, so one hash in 16 is a block.
const algoNetworkBits = "200fffff"

// TestAlgorithmsThroughPool builds a pool for a coin of each algorithm on a
// captured template, mines shares the way a miner does (coinbase, merkle
// root and header from the notify, hashed with the coin's algorithm) and
// checks each verdict against targets computed here: below the share
// target is accepted, above it rejected with 23, at or below the network
// target a block candidate. The share difficulty is chosen so that the
// coin's multiplier decides verdicts: with the wrong multiplier some would
// come out differently. The merkle root is computed here with the chain's
// transaction hash (single SHA-256 on Groestlcoin), so a pool hashing the
// coinbase otherwise would judge another header; each block the pool
// submits must carry that header and be recorded under the chain's block
// id (the PoW hash on Dash, Quarkcoin, Groestlcoin, YACoin) and coinbase
// txid.
func TestAlgorithmsThroughPool(t *testing.T) {
	covered := map[string]bool{}
	for _, c := range algoCases {
		covered[c.algo] = true
	}
	for _, name := range pow.Names() {
		if !covered[name] {
			t.Errorf("algorithm %s has no case here", name)
		}
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x13-regtest.json"), []byte(x13Coin), 0o644); err != nil {
		t.Fatal(err)
	}
	reg, err := coins.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range algoCases {
		t.Run(tc.algo, func(t *testing.T) { testAlgorithmThroughPool(t, reg, tc) })
	}
}

func testAlgorithmThroughPool(t *testing.T, reg *coins.Registry, tc algoCase) {
	coin, err := reg.Get(tc.coin)
	if err != nil {
		t.Fatal(err)
	}
	alg := coin.PoW()
	if coin.Algorithm != tc.algo || alg == nil || alg.Name != tc.algo {
		t.Fatalf("coin %s: algorithm %q", tc.coin, coin.Algorithm)
	}
	if coin.Multiplier() != tc.multiplier {
		t.Fatalf("coin %s: multiplier %d, want %d", tc.coin, coin.Multiplier(), tc.multiplier)
	}

	tmpl := loadTemplate(t, tc.tmpl)
	tmpl.Bits = algoNetworkBits
	if tc.curTime != 0 {
		tmpl.CurTime = tc.curTime
	}
	if tc.blockVersion != 0 {
		tmpl.Version = tc.blockVersion
	}
	if coin.Bech32HRP == "" { // no segwit on this coin: no commitment either
		tmpl.DefaultWitnessCommitment = ""
	}
	now := time.Unix(tmpl.CurTime+int64(tc.ntimeOffset)+10, 0)
	addr, err := coin.EncodeAddress(coins.Address{Kind: coins.P2PKH, Hash: make([]byte, 20)})
	if err != nil {
		t.Fatal(err)
	}
	rec := &blockRecorder{}
	d := &acceptingDaemon{StaticDaemon: StaticDaemon{tmpl}}
	p := startPool(t, Config{Coin: coin, Address: addr, Now: func() time.Time { return now }}, d, rec)

	// What the pool must compare with, computed independently.
	bits, err := stratum.ParseUint32Hex(algoNetworkBits)
	if err != nil {
		t.Fatal(err)
	}
	networkTarget, err := pow.CompactToTarget(bits)
	if err != nil {
		t.Fatal(err)
	}
	if j := p.current.Load(); j.target.Cmp(networkTarget) != 0 {
		t.Fatalf("job network target %x, want %x", j.target, networkTarget)
	}
	// diff = multiplier * 2^-30 puts the share target near 2^254: one hash
	// in four is a share, one in sixteen a block.
	diff := float64(tc.multiplier) / (1 << 30)
	shareTarget := new(big.Int).Mul(pow.Diff1, big.NewInt(tc.multiplier))
	shareTarget.Mul(shareTarget, big.NewInt(1<<30))
	shareTarget.Quo(shareTarget, big.NewInt(tc.multiplier))
	otherMultiplier := int64(1)
	if tc.multiplier == 1 {
		otherMultiplier = 65536
	}
	otherTarget, err := pow.ShareTarget(diff, otherMultiplier)
	if err != nil {
		t.Fatal(err)
	}

	txBytes := 0
	for _, tx := range tmpl.Transactions {
		txBytes += len(tx.Data) / 2
	}

	// The miner's side: the notify, decoded as a miner would. It lists
	// the template's txids for mining.get_transactions.
	notify := p.CurrentJob()
	var txids []string
	for _, tx := range tmpl.Transactions {
		txids = append(txids, tx.TxID)
	}
	if !slices.Equal(notify.Transactions, txids) || len(txids) == 0 {
		t.Errorf("job lists transactions %q, want the template's %q", notify.Transactions, txids)
	}
	work, err := stratum.DecodeJob(notify)
	if err != nil {
		t.Fatal(err)
	}
	en1 := []byte{0xde, 0xad, 0xbe, 0xef}
	worker := &stratum.Worker{Name: "miner." + tc.algo, Address: addr}
	ntime := work.NTime + tc.ntimeOffset

	// Search until every verdict was seen a few times.
	const enough = 3
	var accepted, rejected, blocks, multiplierDecided int
	done := func() bool {
		return min(accepted, rejected, blocks, multiplierDecided) >= enough
	}
	ctx := context.Background()
	for i := uint32(0); i < 2000 && !done(); i++ {
		en2 := binary.BigEndian.AppendUint32(nil, i)
		nonce := 0x9e3779b9 * (i + 1)
		coinbase := work.Coinbase(nil, en1, en2)
		var txid [32]byte
		if tc.singleSHA256Tx {
			txid = sha256.Sum256(coinbase)
		} else {
			pow.Sha256d(&txid, coinbase)
		}
		root := txid
		for _, b := range work.Branch {
			pow.Sha256d(&root, append(root[:], b[:]...))
		}
		var header [80]byte
		work.Header(&header, root, work.Version, ntime, nonce)
		var hash [32]byte
		alg.Hash(&hash, header[:])
		if i == 0 && tc.ntimeOffset != 0 {
			var atTemplateTime [32]byte
			alg.HashAt(&atTemplateTime, header[:], int64(work.NTime))
			if atTemplateTime == hash {
				t.Fatalf("hash at ntime %d equals the hash at the template's time %d: the share did not cross an N boundary", ntime, work.NTime)
			}
		}
		h := pow.HashToInt(&hash)
		wantBlock := h.Cmp(networkTarget) <= 0
		wantShare := h.Cmp(shareTarget) <= 0
		if wantShare != (h.Cmp(otherTarget) <= 0) {
			multiplierDecided++
		}

		r := p.Submit(ctx, &stratum.Share{
			Worker: worker, JobID: notify.ID, Extranonce1: en1, Extranonce2: en2,
			NTime: ntime, Nonce: nonce, Difficulty: diff,
		})
		if got, want := r.ActualDifficulty, pow.HashDifficulty(&hash, tc.multiplier); got != want {
			t.Fatalf("share %d: pool's actual difficulty %g, this hash's %g: the pool hashed another header", i, got, want)
		}
		switch {
		case wantBlock:
			blocks++
			if r.Err != nil || !r.Block || !r.BlockAccepted {
				t.Fatalf("share %d (hash %s at or under the network target): err %v block %v accepted %v",
					i, pow.ReverseHex(&hash), r.Err, r.Block, r.BlockAccepted)
			}
			id := pow.ReverseHex(&hash)
			if !tc.powBlockID {
				var h [32]byte
				pow.Sha256d(&h, header[:])
				id = pow.ReverseHex(&h)
			}
			last := rec.last
			if r.BlockHash != id || last.Hash != id || last.CoinbaseTxID != pow.ReverseHex(&txid) {
				t.Fatalf("block %d recorded as %s (result %s), coinbase %s; want id %s, coinbase %s",
					blocks, last.Hash, r.BlockHash, last.CoinbaseTxID, id, pow.ReverseHex(&txid))
			}
			if got := d.last; !strings.HasPrefix(got, hex.EncodeToString(header[:])) {
				t.Fatalf("submitted block starts %.160s, want the share's header %x", got, header)
			}
			// Header, transaction count (one byte here), the coinbase (in
			// witness form when the template commits to witnesses), the
			// template's transactions and, on POS coins, an empty block
			// signature.
			want := 80 + 1 + len(coinbase) + txBytes
			if tmpl.DefaultWitnessCommitment != "" {
				want += 2 + 34
			}
			if coin.Reward == "POS" {
				want++
				if !strings.HasSuffix(d.last, "00") {
					t.Fatalf("POS block does not end with an empty block signature")
				}
			}
			if len(d.last) != 2*want {
				t.Fatalf("submitted block of %d bytes, want %d", len(d.last)/2, want)
			}
		case wantShare:
			accepted++
			if r.Err != nil || r.Block {
				t.Fatalf("share %d (hash %s under the share target): err %v block %v", i, pow.ReverseHex(&hash), r.Err, r.Block)
			}
		default:
			rejected++
			if r.Err == nil || r.Err.Code != stratum.CodeLowDifficulty || r.Block {
				t.Fatalf("share %d (hash %s over the share target): err %v block %v, want code 23",
					i, pow.ReverseHex(&hash), r.Err, r.Block)
			}
		}
	}
	if !done() {
		t.Fatalf("after the search: %d accepted, %d rejected, %d blocks, %d decided by the multiplier; want each >= %d",
			accepted, rejected, blocks, multiplierDecided, enough)
	}
	if rec.shares != accepted+rejected+blocks || rec.blocks != blocks || d.submitted != blocks {
		t.Errorf("recorder: %d shares, %d blocks, %d submitted; want %d shares (every verdict) and %d blocks",
			rec.shares, rec.blocks, d.submitted, accepted+rejected+blocks, blocks)
	}
	t.Logf("%s on %s: %d accepted, %d rejected (low difficulty), %d block candidates; multiplier %d decided %d verdicts",
		tc.algo, tc.coin, accepted, rejected, blocks, tc.multiplier, multiplierDecided)
}

// acceptingDaemon serves a fixed template and accepts every block,
// keeping the last one.
type acceptingDaemon struct {
	StaticDaemon
	submitted int
	last      string
}

func (d *acceptingDaemon) SubmitBlock(_ context.Context, blockHex string) daemon.SubmitResult {
	d.submitted++
	d.last = blockHex
	return daemon.SubmitResult{Accepted: true}
}

// blockRecorder counts shares and keeps the last block record.
type blockRecorder struct {
	countRecorder
	last ledger.Block
}

func (r *blockRecorder) RecordBlock(b ledger.Block) error {
	r.last = b
	return r.countRecorder.RecordBlock(b)
}

// TestShareTargetUsesCoinMultiplier feeds one header to pools of two coins
// that differ only in their multiplier override: the same hash is a share
// for one and low difficulty for the other.
func TestShareTargetUsesCoinMultiplier(t *testing.T) {
	base := testCoin(t, "groestlcoin-regtest")
	tmpl := loadTemplate(t, "btcd-regtest-getblocktemplate.json")
	tmpl.Bits = "1d00ffff" // no share here is a block
	now := time.Unix(tmpl.CurTime+10, 0)
	addr, _ := base.EncodeAddress(coins.Address{Kind: coins.WitnessV0KeyHash, Hash: make([]byte, 20)})
	pool := func(c *coins.Coin) *Pool {
		t.Helper()
		p := startPool(t, Config{Coin: c, Address: addr, Now: func() time.Time { return now }}, StaticDaemon{tmpl}, &countRecorder{})
		return p
	}
	withDefault := pool(base)
	override := *base
	override.ShareMultiplier = 1
	withOne := pool(&override)
	if withDefault.coin.Multiplier() != 256 || withOne.coin.Multiplier() != 1 {
		t.Fatalf("multipliers %d and %d", withDefault.coin.Multiplier(), withOne.coin.Multiplier())
	}

	// Difficulty 2^-27: groestl's 256 puts the target at 2^259 (capped, every
	// hash passes); multiplier 1 at about 2^251, one hash in 32.
	diff := 1.0 / (1 << 27)
	var codes [2][]int
	for i, p := range []*Pool{withDefault, withOne} {
		j := p.CurrentJob()
		for n := uint32(0); n < 64; n++ {
			r := p.Submit(context.Background(), &stratum.Share{
				Worker: &stratum.Worker{Name: "w"}, JobID: j.ID, Extranonce1: []byte{0, 0, 0, 7},
				Extranonce2: binary.BigEndian.AppendUint32(nil, n), NTime: uint32(tmpl.CurTime), Nonce: n, Difficulty: diff,
			})
			code := 0
			if r.Err != nil {
				code = r.Err.Code
			}
			codes[i] = append(codes[i], code)
		}
	}
	if slices.ContainsFunc(codes[0], func(c int) bool { return c != 0 }) {
		t.Errorf("multiplier 256: verdicts %v, want every share accepted", codes[0])
	}
	if !slices.Contains(codes[1], stratum.CodeLowDifficulty) {
		t.Errorf("multiplier 1: verdicts %v, want low-difficulty rejections", codes[1])
	}
}

// TestMaxBlockVersion checks that a template newer than the coin file's
// maxBlockVersion (YACoin 1.0's version 7 blocks) gives an error naming
// the field and no job, while version 6 is mined.
func TestMaxBlockVersion(t *testing.T) {
	coin := testCoin(t, "yacoin")
	if coin.MaxBlockVersion != 6 {
		t.Fatalf("yacoin maxBlockVersion %d, want 6", coin.MaxBlockVersion)
	}
	addr, err := coin.EncodeAddress(coins.Address{Kind: coins.P2PKH, Hash: make([]byte, 20)})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		version uint32
		ok      bool
	}{{6, true}, {7, false}} {
		tmpl := loadTemplate(t, "btcd-simnet-getblocktemplate-with-tx.json")
		tmpl.Version = tc.version
		tmpl.DefaultWitnessCommitment = ""
		p, err := New(Config{Coin: coin, Address: addr}, &StaticDaemon{tmpl}, &blockRecorder{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var last time.Time
		err = p.update(context.Background(), &last)
		if tc.ok != (err == nil) || tc.ok != (p.CurrentJob() != nil) {
			t.Fatalf("version %d: err %v, job %v", tc.version, err, p.CurrentJob())
		}
		if !tc.ok && !strings.Contains(err.Error(), "maxBlockVersion") {
			t.Errorf("version %d: error %q does not name maxBlockVersion", tc.version, err)
		}
	}
}
