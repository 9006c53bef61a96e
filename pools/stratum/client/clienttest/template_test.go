package clienttest

import (
	"encoding/hex"
	"testing"

	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
)

// rpcHash reads a hash as the RPC shows it into header byte order.
func rpcHash(t *testing.T, s string) [32]byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		t.Fatalf("bad hash %q", s)
	}
	var h [32]byte
	for i := range b {
		h[i] = b[31-i]
	}
	return h
}

// TestMerkleBranchRealBlock folds the coinbase txid of Litecoin regtest
// block 437 (ltc-getblock-v1-h437.json, 8 transactions) through the branch
// built from the other txids and expects the block's merkle root.
func TestMerkleBranchRealBlock(t *testing.T) {
	txids := []string{
		"3702c7e39771b6d78028017d7b5bf942e17d5f05a7b7a17944cfdec689f35819",
		"b2e239a889b9566e183a9af98c6b817d1b73fce51fdc98aa80f20694fe72ac9a",
		"11aacc68fd5e08324a1dfa24b48b3ce422fe84bdd9c2ee70ef8ab304cadf87f4",
		"7894afe810f01d88946c1edfb09e21b15058d19b5816790494d0c3448b615796",
		"27938c34cefe8791e3655818d4fe087adb4c538fa631120ca70a578138c53a0f",
		"8acada75a518153c515c03ca51755c32ad1f8a3e9a00f5f4c859822af6838a3b",
		"ffead440be5035e7812c298d77d971bf6b37d68c2007fba03fc1854d4184e05a",
		"4d572f1ee41aeb397ce8a83bdf06c75f8288bfc5cc7feb58c8b003ddedb0e7f9",
	}
	const root = "34465e9dc47786db4d09cd3eb667bd8c204d7b209dc5a6853448ffadf4eec757"
	for n := 1; n <= len(txids); n++ {
		branch := MerkleBranch(txids[1:n])
		got := rpcHash(t, txids[0])
		var buf [64]byte
		for _, b := range branch {
			copy(buf[:32], got[:])
			copy(buf[32:], b[:])
			pow.Sha256d(&got, buf[:])
		}
		if n == len(txids) && got != rpcHash(t, root) {
			t.Fatalf("root %s, want %s", pow.ReverseHex(&got), root)
		}
		if n == 1 && len(branch) != 0 {
			t.Fatalf("coinbase alone has branch %d", len(branch))
		}
	}
}

func TestTemplateJobDecodes(t *testing.T) {
	for _, tmpl := range []Template{LitecoinRegtest, BtcdSimnet} {
		j := tmpl.Job("x", 4, 4, true)
		w, err := stratum.DecodeJob(j)
		if err != nil {
			t.Fatal(err)
		}
		if len(w.Branch) != len(MerkleBranch(tmpl.TxIDs)) || w.Version != tmpl.Version || w.NTime != tmpl.CurTime {
			t.Fatalf("work %+v", w)
		}
		// The coinbase's scriptSig length byte covers height push,
		// extranonce and tag.
		cb := w.Coinbase(nil, make([]byte, 4), make([]byte, 4))
		if got, want := int(cb[41]), len(cb)-42-4-1-8-1-22-4; got != want {
			t.Fatalf("scriptSig length %d, want %d", got, want)
		}
	}
}
