package daemontest

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
)

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestKey(t *testing.T) {
	tests := []struct {
		name, priv, pub, hash160 string
	}{
		// The generator itself; its P2WPKH is BIP173's first example address.
		{"private key 1", "01",
			"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798",
			"751e76e8199196d454941c45d1b3a323f1433bd6"},
		// BIP143's native P2WPKH example, second input.
		{"BIP143 P2WPKH key", "619c335025c7f4012e556c2a58b2506e30b8511b53ade95ea316fd8c3286feb9",
			"025476c2e83188368da1ff3e292e7acafcdb3566bb0ad253f62fc70f07aeee6357",
			"1d0f172a0ecb48aee1be1f2687d2963ae33f71a1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := newKeyFromInt(new(big.Int).SetBytes(mustHex(t, tt.priv)))
			if got := hex.EncodeToString(k.PubKey()); got != tt.pub {
				t.Errorf("PubKey = %s, want %s", got, tt.pub)
			}
			if got := hex.EncodeToString(k.Hash160()); got != tt.hash160 {
				t.Errorf("Hash160 = %s, want %s", got, tt.hash160)
			}
			if got := hex.EncodeToString(k.WitnessScript()); got != "0014"+tt.hash160 {
				t.Errorf("WitnessScript = %s", got)
			}
		})
	}
}

func TestSign(t *testing.T) {
	k := NewKey("sign test")
	other := NewKey("another key")
	for i := range 8 {
		msg := sha256d([]byte{byte(i)})
		sig, err := k.Sign(msg)
		if err != nil {
			t.Fatal(err)
		}
		if !k.verify(msg, sig) {
			t.Fatalf("signature %x does not verify", sig)
		}
		if other.verify(msg, sig) {
			t.Fatal("signature verifies under another key")
		}
		msg[0] ^= 1
		if k.verify(msg, sig) {
			t.Fatal("signature verifies for another message")
		}
		// Low S: the second INTEGER is at most n/2.
		rl := int(sig[3])
		if s := new(big.Int).SetBytes(sig[6+rl:]); s.Cmp(secpHalfN) > 0 {
			t.Fatalf("high S in %x", sig)
		}
	}
}

// TestWitnessSigHash checks the BIP143 digest against the BIP's native
// P2WPKH example (second input).
func TestWitnessSigHash(t *testing.T) {
	var in0, in1 [32]byte
	copy(in0[:], mustHex(t, "fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f"))
	copy(in1[:], mustHex(t, "ef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a"))
	tx := &tx{
		Version: 1,
		In: []txIn{
			{PrevHash: in0, PrevIndex: 0, Sequence: 0xffffffee},
			{PrevHash: in1, PrevIndex: 1, Sequence: 0xffffffff},
		},
		Out: []txOut{
			{Value: 112340000, Script: mustHex(t, "76a9148280b37df378db99f66f85c95a783a76ac7a6d5988ac")},
			{Value: 223450000, Script: mustHex(t, "76a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa815988ac")},
		},
		LockTime: 0x11,
	}
	unsigned := "0100000002fff7f7881a8099afa6940d42d1e7f6362bec38171ea3edf433541db4e4ad969f0000000000eeffffff" +
		"ef51e1b804cc89d182d279655c3aa89e815b1b309fe287d9b2b55d57b90ec68a0100000000ffffffff02202cb206000000001976a914" +
		"8280b37df378db99f66f85c95a783a76ac7a6d5988ac9093510d000000001976a9143bde42dbee7e4dbe6a21b2d50ce2f0167faa8159" +
		"88ac11000000"
	if got := hex.EncodeToString(tx.serialize(true)); got != unsigned {
		t.Fatalf("serialize = %s, want %s", got, unsigned)
	}
	h := tx.witnessSigHash(1, p2wpkhScriptCode(mustHex(t, "1d0f172a0ecb48aee1be1f2687d2963ae33f71a1")), 600000000)
	if got, want := hex.EncodeToString(h[:]), "c37af31116d1b27caf68aae9e3ac82f1477929014d5b917657d0eb49478cb670"; got != want {
		t.Fatalf("sighash = %s, want %s", got, want)
	}
}

func TestSpendP2WPKH(t *testing.T) {
	k := NewKey("spend test")
	prev := strings.Repeat("ab", 32)
	w, err := k.spendP2WPKH(prev, 3, 50_0000_0000, WitnessTxFee, k.WitnessScript())
	if err != nil {
		t.Fatal(err)
	}
	raw := mustHex(t, w.Hex)
	txid, err := daemon.TxID(raw)
	if err != nil || txid != w.TxID {
		t.Fatalf("daemon.TxID = %s, %v; spendP2WPKH says %s", txid, err, w.TxID)
	}
	if w.WTxID == w.TxID || daemon.WitnessHash(raw, w.TxID) != w.WTxID {
		t.Fatalf("wtxid %s, txid %s", w.WTxID, w.TxID)
	}
	if !bytes.HasPrefix(raw, []byte{2, 0, 0, 0, 0, 1, 1}) || w.Spent != prev+":3" || w.Fee != WitnessTxFee {
		t.Fatalf("tx %+v", w)
	}
	if _, err := k.spendP2WPKH(prev, 0, WitnessTxFee, WitnessTxFee, k.WitnessScript()); err == nil {
		t.Fatal("spending an output no larger than the fee succeeded")
	}
}

func bitcoinRegtest(t *testing.T) *coins.Coin {
	t.Helper()
	reg, err := coins.Load("")
	if err != nil {
		t.Fatal(err)
	}
	coin, err := reg.Get("bitcoin-regtest")
	if err != nil {
		t.Fatal(err)
	}
	return coin
}

func TestBtcdMiningAddr(t *testing.T) {
	got, err := bitcoinRegtest(t).EncodeAddress(coins.Address{Kind: coins.WitnessV0KeyHash, Hash: NewKey(BtcdMiningSeed).Hash160()})
	if err != nil || got != btcdMiningAddr {
		t.Fatalf("mining address %s, %v; the constant says %s", got, err, btcdMiningAddr)
	}
}

// TestBtcd runs a real btcd: a template on a fresh chain, generate, a
// signed witness transaction in the template and in a block, and a
// restart.
func TestBtcd(t *testing.T) {
	n := Btcd(t, BtcdOptions{})
	ctx := context.Background()

	t.Run("template on a fresh chain", func(t *testing.T) {
		// No peers and only the genesis block: btcd serves a template anyway.
		tpl, err := n.Client.GetBlockTemplate(ctx, []string{"segwit"})
		if err != nil {
			t.Fatal(err)
		}
		if tpl.Height != 1 || tpl.Bits != "207fffff" || len(tpl.Transactions) != 0 ||
			tpl.DefaultWitnessCommitment != "" || tpl.CoinbaseValue != 50_0000_0000 {
			t.Fatalf("template %+v", tpl)
		}
	})

	var hashes []string
	t.Run("generate pays the mining address", func(t *testing.T) {
		hashes = n.Generate(t, 101, "")
		if len(hashes) != 101 || n.Height(t) != 101 {
			t.Fatalf("%d hashes, height %d", len(hashes), n.Height(t))
		}
		var b struct {
			Tx []struct {
				Vout []struct {
					ScriptPubKey struct {
						Hex       string   `json:"hex"`
						Addresses []string `json:"addresses"`
					} `json:"scriptPubKey"`
				} `json:"vout"`
			} `json:"rawtx"` // btcd puts verbose transactions here, not in "tx"
		}
		if err := json.Unmarshal(n.RPC(t, "getblock", hashes[0], 2), &b); err != nil {
			t.Fatal(err)
		}
		out := b.Tx[0].Vout[0].ScriptPubKey
		if !slices.Contains(out.Addresses, n.MiningAddr) || out.Hex != hex.EncodeToString(n.MiningKey.WitnessScript()) {
			t.Fatalf("coinbase output %+v, want %s", out, n.MiningAddr)
		}
	})

	var w WitnessTx
	t.Run("witness transaction in the template", func(t *testing.T) {
		w = n.SendWitnessTx(t)
		// The tip changed since the last template, so btcd builds a new one
		// from the mempool at once.
		tpl, err := n.Client.GetBlockTemplate(ctx, []string{"segwit"})
		if err != nil {
			t.Fatal(err)
		}
		if len(tpl.Transactions) != 1 || tpl.Transactions[0].TxID != w.TxID || tpl.Transactions[0].Hash != w.WTxID ||
			tpl.Transactions[0].Data != w.Hex || tpl.Transactions[0].Fee != WitnessTxFee {
			t.Fatalf("template transactions %+v, want %+v", tpl.Transactions, w)
		}
		if len(tpl.DefaultWitnessCommitment) != 64 || tpl.CoinbaseValue != 50_0000_0000+WitnessTxFee {
			t.Fatalf("default_witness_commitment %q, coinbasevalue %d", tpl.DefaultWitnessCommitment, tpl.CoinbaseValue)
		}
	})

	t.Run("witness transaction mined", func(t *testing.T) {
		h := n.Generate(t, 1, "")[0]
		blk, err := n.Client.GetBlock(ctx, h)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Contains(blk.Tx, w.TxID) {
			t.Fatalf("block %s has %v, not %s", h, blk.Tx, w.TxID)
		}
		// The next coinbase is a different one.
		if w2 := n.SendWitnessTx(t); w2.Spent == w.Spent {
			t.Fatalf("spent %s twice", w.Spent)
		}
	})

	t.Run("restart", func(t *testing.T) {
		n.Stop(t)
		if n.Running() {
			t.Fatal("running after Stop")
		}
		_, err := n.Client.GetBlockCount(ctx)
		var rpcErr *daemon.RPCError
		if err == nil || errors.As(err, &rpcErr) {
			t.Fatalf("stopped node answered: %v", err)
		}
		n.Start(t)
		// btcd wipes its regtest database on start: a new chain.
		if h := n.Height(t); h != 0 {
			t.Fatalf("height %d after restart, want 0", h)
		}
		n.Generate(t, 101, "")
		if w3 := n.SendWitnessTx(t); w3.Value != 50_0000_0000 {
			t.Fatalf("witness tx on the new chain: %+v", w3)
		}
	})
}

func TestBtcdMiningAddrOption(t *testing.T) {
	addr, err := bitcoinRegtest(t).EncodeAddress(coins.Address{Kind: coins.P2PKH, Hash: NewKey("option").Hash160()})
	if err != nil {
		t.Fatal(err)
	}
	n := Btcd(t, BtcdOptions{MiningAddr: addr})
	if n.MiningKey != nil || n.MiningAddr != addr {
		t.Fatalf("MiningKey %v, MiningAddr %s", n.MiningKey, n.MiningAddr)
	}
	h := n.Generate(t, 1, addr)
	var b struct {
		Tx []struct {
			Vout []struct {
				ScriptPubKey struct {
					Addresses []string `json:"addresses"`
				} `json:"scriptPubKey"`
			} `json:"vout"`
		} `json:"rawtx"`
	}
	if err := json.Unmarshal(n.RPC(t, "getblock", h[0], 2), &b); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(b.Tx[0].Vout[0].ScriptPubKey.Addresses, addr) {
		t.Fatalf("coinbase pays %+v, want %s", b.Tx[0].Vout, addr)
	}
}
