package coins

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/multipool/multipool/coins/pow"
)

// altcoinWant is what a definition of a coin other than bitcoin and
// litecoin must hold; the values come from each coin's chainparams (the
// sources are in the comments of the files themselves).
type altcoinWant struct {
	algo, network, magic, hrp string
	pkh, sh                   byte
	rules                     []string
	multiplier                int64
	maturity, decimals        int
	blockTime, p2p, rpc       int
	reward                    string
	protocol                  int32
}

// altcoinWants lists every embedded definition TestEmbeddedDefinitions
// does not know; together the two tables cover every embedded file.
var altcoinWants = map[string]altcoinWant{
	"dogecoin":         {"scrypt", "main", "c0c0c0c0", "", 30, 22, nil, 65536, 240, 8, 60, 22556, 22555, "POW", 70015},
	"dogecoin-testnet": {"scrypt", "test", "fcc1b7dc", "", 113, 196, nil, 65536, 240, 8, 60, 44556, 44555, "POW", 70015},
	"dogecoin-regtest": {"scrypt", "regtest", "fabfb5da", "", 111, 196, nil, 65536, 60, 8, 1, 18444, 18332, "POW", 70015},

	"dash":         {"x11", "main", "bf0c6bbd", "", 76, 16, nil, 1, 100, 8, 150, 9999, 9998, "POW", 70233},
	"dash-testnet": {"x11", "test", "cee2caff", "", 140, 19, nil, 1, 100, 8, 150, 19999, 19998, "POW", 70233},
	"dash-regtest": {"x11", "regtest", "fcc1b7dc", "", 140, 19, nil, 1, 100, 8, 150, 19899, 19898, "POW", 70233},

	"quarkcoin":         {"quark", "main", "fea503dd", "", 58, 9, nil, 1, 240, 5, 30, 11973, 11972, "POW", 70015},
	"quarkcoin-testnet": {"quark", "test", "011a39f7", "", 119, 199, nil, 1, 240, 5, 30, 21973, 0, "POW", 70015},

	"yacoin": {"scrypt-jane", "main", "d9e6e7e5", "", 77, 139, nil, 65536, 6, 6, 60, 7688, 7687, "POS", 70015},

	"vertcoin-scryptn": {"scrypt-n", "main", "fabfb5da", "", 71, 5, nil, 65536, 100, 8, 150, 5889, 5888, "POW", 70015},

	"groestlcoin":         {"groestl", "main", "f9beb4d4", "grs", 36, 5, []string{"segwit"}, 256, 120, 8, 60, 1331, 1441, "POW", 70015},
	"groestlcoin-testnet": {"groestl", "test", "0b110907", "tgrs", 111, 196, []string{"segwit"}, 256, 120, 8, 60, 17777, 17766, "POW", 70015},
	"groestlcoin-regtest": {"groestl", "regtest", "fabfb5da", "grsrt", 111, 196, []string{"segwit"}, 256, 120, 8, 1, 18888, 18443, "POW", 70015},

	"monacoin": {"lyra2rev2", "main", "fbc0b6db", "mona", 50, 55, []string{"segwit"}, 256, 100, 8, 90, 9401, 0, "POW", 70015},

	"feathercoin":         {"neoscrypt", "main", "41151a21", "fc", 14, 5, []string{"segwit"}, 65536, 100, 8, 150, 9336, 9337, "POW", 70015},
	"feathercoin-testnet": {"neoscrypt", "test", "91656a71", "tf", 111, 196, []string{"segwit"}, 65536, 100, 8, 60, 19336, 19337, "POW", 70015},
	"feathercoin-regtest": {"neoscrypt", "regtest", "d1a5aab1", "fcrt", 111, 196, []string{"segwit"}, 65536, 100, 8, 600, 18446, 18447, "POW", 70015},
}

// TestAltcoinDefinitions checks every field of the definitions of coins
// other than bitcoin and litecoin, and that each one's algorithm resolves
// to a hasher with the conventional share multiplier.
func TestAltcoinDefinitions(t *testing.T) {
	r := mustLoad(t)
	for key, w := range altcoinWants {
		t.Run(key, func(t *testing.T) {
			c := mustCoin(t, r, key)
			a := c.PoW()
			if a == nil || c.Algorithm != w.algo || a.Name != w.algo || a.Hash == nil {
				t.Fatalf("algorithm %q resolves to %+v", c.Algorithm, a)
			}
			if l, err := pow.Lookup(w.algo); err != nil || l.Multiplier != w.multiplier {
				t.Errorf("registry %s: %+v, %v", w.algo, l, err)
			}
			if c.Network != w.network || c.Testnet != (w.network != NetworkMain) {
				t.Errorf("network %q testnet %v", c.Network, c.Testnet)
			}
			if c.PeerMagic != w.magic || c.Bech32HRP != w.hrp || c.MWEBHRP != "" {
				t.Errorf("magic %q hrp %q mweb %q", c.PeerMagic, c.Bech32HRP, c.MWEBHRP)
			}
			legacy := map[string][]byte{"monacoin": {5}}[key] // Monacoin's old "3..." P2SH
			if c.PubKeyHashVersion != w.pkh || c.ScriptHashVersion != w.sh || !slices.Equal(c.LegacyScriptHashVersions, legacy) {
				t.Errorf("versions %d %d %v", c.PubKeyHashVersion, c.ScriptHashVersion, c.LegacyScriptHashVersions)
			}
			wantRules := w.rules
			if wantRules == nil {
				wantRules = []string{}
			}
			if c.GBTRules == nil || !slices.Equal(c.GBTRules, wantRules) {
				t.Errorf("rules %#v, want %#v", c.GBTRules, wantRules)
			}
			if c.Multiplier() != w.multiplier || c.ShareMultiplier != 0 {
				t.Errorf("multiplier %d (override %d)", c.Multiplier(), c.ShareMultiplier)
			}
			if c.CoinbaseMaturity != w.maturity || c.Decimals != w.decimals || c.Reward != w.reward || c.ProtocolVersion != w.protocol {
				t.Errorf("maturity %d decimals %d reward %s protocol %d", c.CoinbaseMaturity, c.Decimals, c.Reward, c.ProtocolVersion)
			}
			if c.BlockTime != w.blockTime || c.P2PPort != w.p2p || c.RPCPort != w.rpc {
				t.Errorf("block time %d ports %d/%d", c.BlockTime, c.P2PPort, c.RPCPort)
			}
			if c.TxMessages {
				t.Error("txMessages set")
			}
			if want := strings.TrimSuffix(strings.TrimSuffix(key, "-testnet"), "-regtest"); c.Family != want {
				t.Errorf("family %q, want %q", c.Family, want)
			}
			if c.File != "coins/"+key+".json" {
				t.Errorf("file %q", c.File)
			}
		})
	}
}

// TestMainnetsKnowTheirTestnets checks the NOMP-style peerMagicTestnet of
// each mainnet file against its testnet sibling.
func TestMainnetsKnowTheirTestnets(t *testing.T) {
	r := mustLoad(t)
	for _, fam := range []string{"dogecoin", "dash", "quarkcoin", "groestlcoin", "feathercoin"} {
		main, test := mustCoin(t, r, fam), mustCoin(t, r, fam+"-testnet")
		if main.PeerMagicTestnet != test.PeerMagic {
			t.Errorf("%s: peerMagicTestnet %q, testnet magic %q", fam, main.PeerMagicTestnet, test.PeerMagic)
		}
		if tn, err := r.ForNetwork(main, "test"); err != nil || tn.Key != fam+"-testnet" {
			t.Errorf("%s: ForNetwork(test) = %v, %v", fam, tn, err)
		}
	}
}

// TestAltcoinGenesisHashes hashes real genesis headers of the vector file
// with each coin's own algorithm, parameters included (YACoin's N-factor
// schedule): the definition, not just the algorithm name, must reproduce
// the chain's proof of work.
func TestAltcoinGenesisHashes(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("pow", "testdata", "pow-vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vectors []struct {
		Algorithm string `json:"algorithm"`
		Header    string `json:"header_hex"`
		Hash      string `json:"hash_hex"`
		Notes     string `json:"notes"`
	}
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	r := mustLoad(t)
	byTag := map[string]string{ // vector tag -> coin key
		"[dash-genesis]":              "dash",
		"[dash-testnet-genesis]":      "dash-testnet",
		"[dash-block-1]":              "dash",
		"[dash-block-2015]":           "dash",
		"[quarkcoin-genesis]":         "quarkcoin",
		"[quarkcoin-testnet-genesis]": "quarkcoin-testnet",
		"[groestlcoin-genesis]":       "groestlcoin",
		"[yacoin-genesis]":            "yacoin",
		"[monacoin-2500000]":          "monacoin",
	}
	found := 0
	for _, v := range vectors {
		for tag, key := range byTag {
			if !strings.Contains(v.Notes, tag) {
				continue
			}
			found++
			t.Run(key+tag, func(t *testing.T) {
				c := mustCoin(t, r, key)
				if c.Algorithm != v.Algorithm {
					t.Fatalf("coin algorithm %s, vector %s", c.Algorithm, v.Algorithm)
				}
				header, err := hex.DecodeString(v.Header)
				if err != nil {
					t.Fatal(err)
				}
				var h, id [32]byte
				c.PoW().Hash(&h, header)
				c.BlockID(&id, header, &h)
				slices.Reverse(h[:])
				if got := hex.EncodeToString(h[:]); got != v.Hash {
					t.Errorf("hash %s, want %s", got, v.Hash)
				}
				// Where the chain names blocks by their PoW hash, these
				// hashes are the chains' own block ids (genesis asserts).
				slices.Reverse(id[:])
				if got := hex.EncodeToString(id[:]); c.BlockIDIsPoW() && got != v.Hash {
					t.Errorf("block id %s, want %s", got, v.Hash)
				}
			})
		}
	}
	if found != len(byTag) {
		t.Errorf("found %d of the %d tagged vectors", found, len(byTag))
	}
}

// TestAltcoinAddresses decodes real addresses of each coin, taken from the
// coins' own sources and test data and from wallets' test suites, and
// checks the scripts they pay where the source gives them.
func TestAltcoinAddresses(t *testing.T) {
	r := mustLoad(t)
	p2pkh := func(h string) string { return "76a914" + h + "88ac" }
	p2sh := func(h string) string { return "a914" + h + "87" }
	tests := []struct {
		coin, addr string
		kind       AddressKind
		script     string // "" when the source gives no script
	}{
		// dogecoin/dogecoin src/test/data/base58_keys_valid.json.
		{"dogecoin", "DD4KSSuBJqcjuTcvUg1CgUKeurPUFeEZkE", P2PKH, p2pkh("56d9b1d684d5abef32134ebc6883d75d3a53e9be")},
		{"dogecoin", "DBjW6kna7rUPE4Mj9j4B3oK3xVA1SDHrdt", P2PKH, p2pkh("485290865b407657e0aedbdbb4aa6618310af50d")},
		{"dogecoin", "A7HRQk3GFCW2QasvdZxXuYj8kkQK5QrYLs", P2SH, p2sh("a2dd71f34fe73314d6e37c44035513f203aa400b")},
		{"dogecoin", "9zYnVRaekPtdKBYuPw5QiBtv3NNrzD2LLW", P2SH, p2sh("58fc66bf64b3c8d8accd80110bb6df6c13735937")},
		{"dogecoin-testnet", "nhRsrUaxZou6sewjqaS37cJrMRJRgwVXdk", P2PKH, p2pkh("9131c29384f000c0d651660eefaf1717c8ca1855")},
		{"dogecoin-testnet", "2MsvyG12kxxipe276Au4zKqvd2xdrBuHWb3", P2SH, p2sh("078457e357c6c4d8736515d14482089dd2a1f9f8")},
		// Dogecoin regtest uses Bitcoin's test prefixes: btcd's testnet vectors.
		{"dogecoin-regtest", "mrX9vMRYLfVy1BnZbc5gZjuyaqH3ZW2ZHz", P2PKH, p2pkh("78b316a08647d5b77283e512d3603f1f1c8de68f")},
		{"dogecoin-regtest", "2NBFNJTktNa7GZusGbDbGKRZTxdK9VVez3n", P2SH, p2sh("c579342c2c4c9220205e2cdc285617040c924a0a")},
		// Trust Wallet core's Dash tests; dashpay/dash chainparams spork addresses.
		{"dash", "XgkpWEFe59pX3aMhx6PrDawjNnoZKHeZbp", P2PKH, p2pkh("42914f5b70c61619eca5359df57d0b9bdcf8ccff")},
		{"dash", "7eprxeVjKfVgS8p2RNsZ89K72YV61xg4gq", P2SH, p2sh("8835ae54f297ad069552a1401e535dfe5f396f61")},
		{"dash", "Xgtyuk76vhuFW2iT7UAiHgNdWXCf3J34wh", P2PKH, ""},
		{"dash-testnet", "yjPtiKh2uwk3bDutTEA2q9mCtXyiZRWn55", P2PKH, ""},
		{"dash-regtest", "yj949n1UH6fDhw6HtVE5VMj2iSTaSWBMcW", P2PKH, ""},
		// HashEngineering/quarkcoinj's donation address.
		{"quarkcoin", "QVJZByN6HdrTuEjAbgXpAnEUxUeeUaoEcA", P2PKH, ""},
		// yacoin/yacoin test/functional/test_framework/test_node.py and rpcwallet.cpp.
		{"yacoin", "Y8g8qJKQBvzaQLzyBfwzq3ochnDf2yJN4W", P2PKH, ""},
		{"yacoin", "YBFPVzbEXB8pKodjyk18CcYHLzTRq8QNrL", P2PKH, ""},
		{"yacoin", "YCk26dUcaXu8vu6zG3E2PrbBeECAV8RNFp", P2PKH, ""},
		// Vertcoin: bitinfocharts (via BroomCabinet's test data) and Bisq's asset tests.
		{"vertcoin-scryptn", "VfukW89WKT9h3YjHZdSAAuGNVGELY31wyj", P2PKH, p2pkh("40daff13d20e5c9fdbf17badda0a8a2df6c83f06")},
		{"vertcoin-scryptn", "VmVwB5dxph84tbi5XqRUtfX1MfmP8WpWWL", P2PKH, ""},
		{"vertcoin-scryptn", "33ny4vAPJHFu5Nic7uMHQrvCACYTKPFJ5p", P2SH, ""},
		// Trust Wallet core's Groestlcoin tests (segwit; base58 is below).
		{"groestlcoin", "grs1qw4teyraux2s77nhjdwh9ar8rl9dt7zww8r6lne", WitnessV0KeyHash, "00147557920fbc32a1ef4ef26bae5e8ce3f95abf09ce"},
		{"groestlcoin", "grs1quwq6ml2r8rc25tue5ltfa6uc4pdzhtzul3c0rk", WitnessV0KeyHash, ""},
		// Trezor firmware's tests ("GRS Testnet", m/84'/1'/0'/0/0) and
		// Groestlcoin's WalletWasabi fork (testnet coordinator address).
		{"groestlcoin-testnet", "tgrs1qkvwu9g3k2pdxewfqr7syz89r3gj557l3ued7ja", WitnessV0KeyHash, ""},
		{"groestlcoin-testnet", "tgrs1q2zth7mf447slngwjfyyau5xpcrn9ekk8kxd9ff", WitnessV0KeyHash, ""},
		// Trust Wallet core's Monacoin tests (validateAddressMonacoin).
		{"monacoin", "MVELZC3ks1Xk59kvKWuSN3mpByNwaxeaBJ", P2PKH, ""},
		{"monacoin", "PHjTKtgYLTJ9D2Bzw2f6xBB41KBm2HeGfg", P2SH, ""},
		{"monacoin", "mona1qp8f842ywwr9h5rdxyzggex7q3trvvvaarfssxccju52rj6htfzfsqr79j2", WitnessV0ScriptHash, ""},
		// FeatherCoin/Feathercoin src/test/data/key_io_valid.json.
		{"feathercoin", "6frABWTAAvQcnm4fvvkFNA4oWDunmzkMia", P2PKH, p2pkh("17354da2773774109b5462d2fcfd48ffc393fc25")},
		{"feathercoin", "359JQYUUhnrG6Gq5PFzRW8SD5ztE2RsjKS", P2SH, p2sh("25e0f3936391aeea305d2de8dc1230021c2c4102")},
		{"feathercoin", "fc1qhwgnu8ldmfggqxlsh4ntrhyzdc4aea0zwdn5rd", WitnessV0KeyHash, "0014bb913e1fedda50801bf0bd66b1dc826e2bdcf5e2"},
		{"feathercoin", "fc1qwvgky0y0ves4xxtjr2jpvcpvdhltnc7l9snvvr5237ecgcum4thsk5azjl", WitnessV0ScriptHash, "00207311623c8f66615319721aa416602c6dfeb9e3df2c26c60e8a8fb384639baaef"},
		{"feathercoin-testnet", "mvgneArn6VVVqVAWxxLHNL98JkZeDQha5U", P2PKH, p2pkh("a665fd02bd1cf48134e98b5c81ea4e9b1e2db6eb")},
		{"feathercoin-testnet", "tf1qzyupkyxaw6y5qg9dp2jx5yeaqana70geyug72y", WitnessV0KeyHash, "001411381b10dd76894020ad0aa46a133d0767df3d19"},
		{"feathercoin-regtest", "2N1duVou4yUYtU8qHiKfH5oj3u6GcSXPtTo", P2SH, p2sh("5c0b234f7a82a97808501665b14371b026490ffe")},
		{"feathercoin-regtest", "fcrt1q3p2wyh7pwvzdnjy3tx356eyz3qmr997p72we2a", WitnessV0KeyHash, "00148854e25fc17304d9c89159a34d648288363297c1"},
	}
	for _, tt := range tests {
		t.Run(tt.coin+"/"+tt.addr, func(t *testing.T) {
			c := mustCoin(t, r, tt.coin)
			checkAddress(t, c, tt.addr, tt.kind, tt.script)
		})
	}
}

// TestAltcoinAddressesOfOtherNetworks: an address of one coin is refused
// by the others that share no version byte with it.
func TestAltcoinAddressesOfOtherNetworks(t *testing.T) {
	r := mustLoad(t)
	tests := []struct{ coin, addr string }{
		{"dogecoin", "XgkpWEFe59pX3aMhx6PrDawjNnoZKHeZbp"},     // Dash
		{"dash", "DD4KSSuBJqcjuTcvUg1CgUKeurPUFeEZkE"},         // Dogecoin
		{"dash-testnet", "nhRsrUaxZou6sewjqaS37cJrMRJRgwVXdk"}, // Dogecoin testnet
		{"dogecoin-testnet", "mrX9vMRYLfVy1BnZbc5gZjuyaqH3ZW2ZHz"},
		{"quarkcoin", "Y8g8qJKQBvzaQLzyBfwzq3ochnDf2yJN4W"}, // YACoin
		{"yacoin", "QVJZByN6HdrTuEjAbgXpAnEUxUeeUaoEcA"},    // Quarkcoin
		{"vertcoin-scryptn", "1MirQ9bwyQcGVJPwKUgapu5ouK2E2Ey4gX"},
		{"feathercoin", "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9"},
		{"groestlcoin", "fc1qhwgnu8ldmfggqxlsh4ntrhyzdc4aea0zwdn5rd"},
		{"monacoin", "Y8g8qJKQBvzaQLzyBfwzq3ochnDf2yJN4W"},          // YACoin
		{"dogecoin", "grs1qw4teyraux2s77nhjdwh9ar8rl9dt7zww8r6lne"}, // no segwit at all
	}
	for _, tt := range tests {
		if _, err := mustCoin(t, r, tt.coin).DecodeAddress(tt.addr); !errors.Is(err, ErrWrongNetwork) {
			t.Errorf("%s accepted %s (err %v), want ErrWrongNetwork", tt.coin, tt.addr, err)
		}
	}
}

// TestGroestlcoinBase58: Groestlcoin's base58check checksum is the first
// four bytes of its Groestl PoW hash, not of SHA-256d, so its "F..." and
// "3..." addresses decode with the groestl checksum only.
func TestGroestlcoinBase58(t *testing.T) {
	r := mustLoad(t)
	c := mustCoin(t, r, "groestlcoin")
	if c.AddressChecksum != "groestl" {
		t.Fatalf("groestlcoin address checksum %q, want groestl (the algorithm's default)", c.AddressChecksum)
	}
	tests := []struct {
		addr   string
		kind   AddressKind
		script string
	}{
		// Groestlcoin/groestlcoin src/rpc/blockchain.cpp (scantxoutset help:
		// this address and its raw() script).
		{"FVmPcGdHK61nBt4ipvmS7tMgrEZ2iZcQAP", P2PKH, "76a914068ed53e0759142ad97b928fc4b246f78d7b41f288ac"},
		// Groestlcoin's signmessage help; Trust Wallet core's Groestlcoin tests.
		{"FdeDnzHyMSroQWo2uz7GzHQhHEvtZRojCY", P2PKH, ""},
		{"Fj62rBJi8LvbmWu2jzkaUX1NFXLEqDLoZM", P2PKH, ""},
		{"31inaRqambLsd9D7Ke4USZmGEVd3PHkh7P", P2SH, ""},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			checkAddress(t, c, tt.addr, tt.kind, tt.script)
			a, _ := c.DecodeAddress(tt.addr)
			// The same payload with a SHA-256d checksum is another string,
			// which Groestlcoin must refuse.
			if btcStyle := base58CheckEncode(nil, a.Version, a.Hash); btcStyle == tt.addr {
				t.Errorf("the SHA-256d checksum gives the same string")
			} else if _, err := c.DecodeAddress(btcStyle); err == nil {
				t.Errorf("groestlcoin accepted %s, a SHA-256d-checksummed address", btcStyle)
			}
		})
	}
	// A Bitcoin address (SHA-256d checksum) fails on its checksum, not
	// on its version byte.
	if _, err := c.DecodeAddress("1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo"); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("bitcoin address on groestlcoin: %v, want a checksum error", err)
	}
}
