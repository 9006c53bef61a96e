package daemontest

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

const (
	// BtcdMiningSeed is the NewKey seed of the key whose P2WPKH address a
	// btcd node's generate pays unless BtcdOptions.MiningAddr says otherwise.
	BtcdMiningSeed = "multipool daemontest btcd mining key"
	// btcdMiningAddr is the bcrt1 P2WPKH address of NewKey(BtcdMiningSeed);
	// TestBtcdMiningAddr checks it against the coins package's encoder.
	btcdMiningAddr = "bcrt1qwk9k762p28y8w3f8x8g9967h7vkf6tj0s65f84"
	// btcdCoinbaseMaturity is how many blocks a coinbase waits on regtest
	// before it may be spent.
	btcdCoinbaseMaturity = 100
	// WitnessTxFee is the fee, in satoshis, of the transactions
	// SendWitnessTx makes.
	WitnessTxFee = 10_000
)

// BtcdOptions choose how a btcd node starts.
type BtcdOptions struct {
	// MiningAddr is the --miningaddr, the address generate pays. Empty
	// means the P2WPKH address of NewKey(BtcdMiningSeed), which the node's
	// MiningKey then holds so SendWitnessTx can spend its coinbases.
	MiningAddr string
	// Args are extra command-line arguments.
	Args []string
}

// Btcd starts a btcd regtest node (no wallet, no TLS) and waits until its
// RPC answers. btcd is looked up on PATH, then in $GOBIN and $GOPATH/bin
// (default ~/go/bin), where `go install` puts it; when it is in neither,
// the test is skipped, or fails under MULTIPOOL_REQUIRE_REAL=1. The node is
// stopped when the test ends. btcd serves getblocktemplate without peers,
// and generate pays n.MiningAddr.
//
// Stop and Start work as for litecoind, on the same ports, but btcd
// deletes its regtest database whenever it starts: a restarted node is
// back at height 0.
func Btcd(t testing.TB, opt BtcdOptions) *Node {
	t.Helper()
	exe := findBtcd()
	if exe == "" {
		Require(t, "btcd")
		exe = "btcd"
	}
	n := &Node{
		Host:       "127.0.0.1",
		User:       "multipool",
		Password:   randomHex(t, 16),
		DataDir:    t.TempDir(),
		MiningAddr: opt.MiningAddr,
		btcd:       true,
		exe:        exe,
	}
	if n.MiningAddr == "" {
		n.MiningKey = NewKey(BtcdMiningSeed)
		n.MiningAddr = btcdMiningAddr
	}
	t.Cleanup(func() {
		if t.Failed() {
			n.logTail(t)
		}
		n.Stop(t)
	})
	var err error
	for attempt := range 3 {
		n.RPCPort, n.P2PPort = FreePort(t), FreePort(t)
		n.args = n.btcdArgs(opt)
		if err = n.start(); err == nil {
			break
		}
		t.Logf("btcd start attempt %d: %v", attempt+1, err)
	}
	if err != nil {
		t.Fatalf("start btcd: %v", err)
	}
	n.Client = n.newClient(t, false)
	return n
}

// findBtcd returns the btcd executable's path, or "" when there is none.
func findBtcd() string {
	if p, err := exec.LookPath("btcd"); err == nil {
		return p
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		for _, d := range filepath.SplitList(gp) {
			dirs = append(dirs, filepath.Join(d, "bin"))
		}
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, "btcd")
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

func (n *Node) btcdArgs(opt BtcdOptions) []string {
	args := []string{
		"--regtest",
		"--notls",
		"--rpclisten=" + n.Host + ":" + strconv.Itoa(n.RPCPort),
		"--listen=" + n.Host + ":" + strconv.Itoa(n.P2PPort),
		"--rpcuser=" + n.User,
		"--rpcpass=" + n.Password,
		"--miningaddr=" + n.MiningAddr,
		"--datadir=" + filepath.Join(n.DataDir, "data"),
		"--logdir=" + filepath.Join(n.DataDir, "logs"),
		"--nodnsseed",
		"--txindex",
		"--nocfilters",
		// The default 250 MiB UTXO cache is allocated up front; a test
		// chain needs a sliver of it.
		"--utxocachemaxsize=16",
	}
	return append(args, opt.Args...)
}

// binary is the executable a node runs.
func (n *Node) binary() string {
	if n.btcd {
		return n.exe
	}
	return "litecoind"
}

// logFile is where the node writes its log.
func (n *Node) logFile() string {
	if n.btcd {
		return filepath.Join(n.DataDir, "logs", "regtest", "btcd.log")
	}
	return filepath.Join(n.DataDir, "regtest", "debug.log")
}

// generateBtcd mines blocks with btcd's generate, which pays --miningaddr.
func (n *Node) generateBtcd(t testing.TB, blocks int, addr string) []string {
	t.Helper()
	if addr != "" && addr != n.MiningAddr {
		t.Fatalf("btcd generate pays only its --miningaddr %s, not %s", n.MiningAddr, addr)
	}
	var hashes []string
	for left := blocks; left > 0; {
		batch := min(left, generateBatch)
		var got []string
		if err := json.Unmarshal(n.RPC(t, "generate", batch), &got); err != nil {
			t.Fatalf("generate: %v", err)
		}
		if len(got) != batch {
			t.Fatalf("generate %d: mined %d blocks", batch, len(got))
		}
		hashes = append(hashes, got...)
		left -= batch
	}
	return hashes
}

// WitnessTx is a signed segwit transaction SendWitnessTx put in the mempool.
type WitnessTx struct {
	// TxID is the id without witness, WTxID the id with it (they differ).
	TxID, WTxID string
	// Hex is the full serialization with the witness.
	Hex string
	// Spent is the coinbase output it spends, "txid:0"; Value what that
	// output held and Fee what the transaction leaves to the miner, in
	// satoshis.
	Spent      string
	Value, Fee int64
}

// SendWitnessTx spends the oldest mature coinbase of n.MiningKey that it
// has not spent yet with a P2WPKH transaction paying the same address
// (less WitnessTxFee), signed here, and sends it with sendrawtransaction.
// The node must have been started without BtcdOptions.MiningAddr and hold
// at least one coinbase 100 blocks deep (Generate(t, 101, "") on a fresh
// chain). btcd puts the transaction in a template once the tip changes or
// after at most 60 s.
func (n *Node) SendWitnessTx(t testing.TB) WitnessTx {
	t.Helper()
	if !n.btcd || n.MiningKey == nil {
		t.Fatal("SendWitnessTx needs a btcd node started without BtcdOptions.MiningAddr")
	}
	ctx := context.Background()
	if n.spentIn != n.proc {
		n.spent, n.spentIn = 0, n.proc // a new run, a new chain
	}
	tip := n.Height(t)
	script := n.MiningKey.WitnessScript()
	for h := n.spent + 1; h <= tip+1-btcdCoinbaseMaturity; h++ {
		n.spent = h
		var hash string
		if err := json.Unmarshal(n.RPC(t, "getblockhash", h), &hash); err != nil {
			t.Fatalf("getblockhash %d: %v", h, err)
		}
		blk, err := n.Client.GetBlock(ctx, hash)
		if err != nil || len(blk.Tx) == 0 {
			t.Fatalf("getblock %s: %+v, %v", hash, blk, err)
		}
		var out *struct {
			Value        json.Number `json:"value"`
			ScriptPubKey struct {
				Hex string `json:"hex"`
			} `json:"scriptPubKey"`
		}
		if err := json.Unmarshal(n.RPC(t, "gettxout", blk.Tx[0], 0, false), &out); err != nil {
			t.Fatalf("gettxout %s:0: %v", blk.Tx[0], err)
		}
		if out == nil || out.ScriptPubKey.Hex != hex.EncodeToString(script) {
			continue // spent, or paid to someone else
		}
		value, err := satoshis(out.Value)
		if err != nil {
			t.Fatalf("gettxout %s:0 value: %v", blk.Tx[0], err)
		}
		wtx, err := n.MiningKey.spendP2WPKH(blk.Tx[0], 0, value, WitnessTxFee, script)
		if err != nil {
			t.Fatal(err)
		}
		var sent string
		if err := json.Unmarshal(n.RPC(t, "sendrawtransaction", wtx.Hex), &sent); err != nil {
			t.Fatalf("sendrawtransaction: %v", err)
		}
		if sent != wtx.TxID {
			t.Fatalf("sendrawtransaction returned %s, we computed txid %s", sent, wtx.TxID)
		}
		return wtx
	}
	t.Fatalf("no unspent coinbase of %s at least %d blocks deep (tip %d)", n.MiningAddr, btcdCoinbaseMaturity, tip)
	return WitnessTx{}
}

// spendP2WPKH builds and signs a one-input one-output transaction that
// spends value satoshis from key's P2WPKH output prevTxID:vout and pays
// value-fee to outScript.
func (k *Key) spendP2WPKH(prevTxID string, vout uint32, value, fee int64, outScript []byte) (WitnessTx, error) {
	prev, err := parseDisplayHash(prevTxID)
	if err != nil {
		return WitnessTx{}, fmt.Errorf("spend: %w", err)
	}
	if value <= fee {
		return WitnessTx{}, fmt.Errorf("spend: output of %d satoshis cannot pay a fee of %d", value, fee)
	}
	t := &tx{
		Version: 2,
		In:      []txIn{{PrevHash: prev, PrevIndex: vout, Sequence: 0xffffffff}},
		Out:     []txOut{{Value: value - fee, Script: outScript}},
	}
	if err := t.signP2WPKH(0, k, value); err != nil {
		return WitnessTx{}, fmt.Errorf("spend: %w", err)
	}
	full := t.serialize(true)
	txid, wtxid := sha256d(t.serialize(false)), sha256d(full)
	return WitnessTx{
		TxID: displayHash(txid), WTxID: displayHash(wtxid), Hex: hex.EncodeToString(full),
		Spent: prevTxID + ":" + strconv.FormatUint(uint64(vout), 10), Value: value, Fee: fee,
	}, nil
}

// satoshis converts an RPC amount in coins (a JSON number) to satoshis.
func satoshis(v json.Number) (int64, error) {
	f, err := strconv.ParseFloat(v.String(), 64)
	if err != nil || f < 0 || f > 21e6 {
		return 0, fmt.Errorf("amount %q out of range", v)
	}
	return int64(math.Round(f * 1e8)), nil
}
