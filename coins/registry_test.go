package coins

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/multipool/multipool/coins/pow"
)

// TestEmbeddedDefinitions loads every shipped file and checks the chain
// parameters against Litecoin Core's and btcd's chainparams.
func TestEmbeddedDefinitions(t *testing.T) {
	r := mustLoad(t)
	type want struct {
		algo, network, magic, hrp, mweb string
		pkh, sh                         byte
		legacy                          []byte
		rules                           []string
		multiplier                      int64
	}
	tests := map[string]want{
		"litecoin":         {"scrypt", "main", "fbc0b6db", "ltc", "ltcmweb", 0x30, 0x32, []byte{0x05}, []string{"mweb", "segwit"}, 65536},
		"litecoin-testnet": {"scrypt", "test", "fdd2c8f1", "tltc", "tmweb", 0x6f, 0x3a, []byte{0xc4}, []string{"mweb", "segwit"}, 65536},
		"litecoin-regtest": {"scrypt", "regtest", "fabfb5da", "rltc", "tmweb", 0x6f, 0x3a, []byte{0xc4}, []string{"mweb", "segwit"}, 65536},
		"bitcoin":          {"sha256d", "main", "f9beb4d9", "bc", "", 0x00, 0x05, nil, []string{"segwit"}, 1},
		"bitcoin-testnet":  {"sha256d", "test", "0b110907", "tb", "", 0x6f, 0xc4, nil, []string{"segwit"}, 1},
		"bitcoin-regtest":  {"sha256d", "regtest", "fabfb5da", "bcrt", "", 0x6f, 0xc4, nil, []string{"segwit"}, 1},
		"bitcoin-simnet":   {"sha256d", "simnet", "161c1412", "sb", "", 0x3f, 0x7b, nil, []string{"segwit"}, 1},
	}
	var keys []string
	for _, c := range r.All() {
		keys = append(keys, c.Key)
	}
	if !slices.IsSorted(keys) {
		t.Errorf("All() not sorted: %v", keys)
	}
	for key, w := range tests {
		t.Run(key, func(t *testing.T) {
			c := mustCoin(t, r, key)
			if c.Algorithm != w.algo || c.PoW() == nil || c.PoW().Name != w.algo {
				t.Errorf("algorithm %q", c.Algorithm)
			}
			if c.Network != w.network || c.Testnet != (w.network != "main") {
				t.Errorf("network %q testnet %v", c.Network, c.Testnet)
			}
			if c.PeerMagic != w.magic || c.Bech32HRP != w.hrp || c.MWEBHRP != w.mweb {
				t.Errorf("magic %q hrp %q mweb %q", c.PeerMagic, c.Bech32HRP, c.MWEBHRP)
			}
			if c.PubKeyHashVersion != w.pkh || c.ScriptHashVersion != w.sh || !slices.Equal(c.LegacyScriptHashVersions, w.legacy) {
				t.Errorf("versions %#x %#x %v", c.PubKeyHashVersion, c.ScriptHashVersion, c.LegacyScriptHashVersions)
			}
			if !slices.Equal(c.GBTRules, w.rules) {
				t.Errorf("rules %v", c.GBTRules)
			}
			if c.Multiplier() != w.multiplier {
				t.Errorf("multiplier %d", c.Multiplier())
			}
			if c.CoinbaseMaturity != 100 || c.Decimals != 8 || c.ProtocolVersion != 70015 || c.Reward != "POW" {
				t.Errorf("maturity %d decimals %d protocol %d reward %s", c.CoinbaseMaturity, c.Decimals, c.ProtocolVersion, c.Reward)
			}
			if want := strings.SplitN(key, "-", 2)[0]; c.Family != want {
				t.Errorf("family %q, want %q", c.Family, want)
			}
			if c.File != "coins/"+key+".json" {
				t.Errorf("file %q", c.File)
			}
		})
	}
	for _, k := range keys {
		if _, ok := tests[k]; !ok {
			if _, ok := altcoinWants[k]; !ok {
				t.Errorf("embedded coin %s is in neither this test nor TestAltcoinDefinitions", k)
			}
		}
	}
	if len(keys) != len(tests)+len(altcoinWants) {
		t.Errorf("embedded coins %v, the tests know %d", keys, len(tests)+len(altcoinWants))
	}
}

func TestGet(t *testing.T) {
	r := mustLoad(t)
	for _, k := range []string{"litecoin", "litecoin.json", "Litecoin", "LITECOIN.JSON", " litecoin ", "coins/litecoin.json"} {
		c, err := r.Get(k)
		if err != nil || c.Key != "litecoin" {
			t.Errorf("Get(%q) = %v, %v", k, c, err)
		}
	}
	_, err := r.Get("nosuchcoin")
	if !errors.Is(err, ErrUnknownCoin) || !strings.Contains(err.Error(), `"nosuchcoin"`) || !strings.Contains(err.Error(), "litecoin-regtest") {
		t.Errorf("Get(nosuchcoin) error %v", err)
	}
}

func TestSiblingsAndForNetwork(t *testing.T) {
	r := mustLoad(t)
	ltc := mustCoin(t, r, "litecoin")
	var sib []string
	for _, c := range r.Siblings(ltc) {
		sib = append(sib, c.Key)
	}
	if !slices.Equal(sib, []string{"litecoin-regtest", "litecoin-testnet"}) {
		t.Errorf("siblings %v", sib)
	}
	for chain, want := range map[string]string{"main": "litecoin", "test": "litecoin-testnet", "regtest": "litecoin-regtest", "testnet4": "litecoin-testnet"} {
		c, err := r.ForNetwork(ltc, chain)
		if err != nil || c.Key != want {
			t.Errorf("ForNetwork(%s) = %v, %v; want %s", chain, c, err, want)
		}
	}
	if c, err := r.ForNetwork(mustCoin(t, r, "bitcoin-regtest"), "simnet"); err != nil || c.Key != "bitcoin-simnet" {
		t.Errorf("ForNetwork(simnet) = %v, %v", c, err)
	}
	if _, err := r.ForNetwork(ltc, "simnet"); !errors.Is(err, ErrUnknownCoin) {
		t.Errorf("litecoin simnet: %v", err)
	}
}

const goodCoin = `{
    // a comment, "with quotes"
    "name": "Dogecoin", "symbol": "doge", "algorithm": "scrypt",
    /* block
       comment */
    "peerMagic": "C0C0C0C0",
    "pubKeyHashVersion": 30, "scriptHashVersion": 22,
    "blockTime": 60
}`

func TestLoadDirAddsAndOverrides(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dogecoin.json", goodCoin)
	// Override the embedded litecoin-regtest with a different multiplier; the
	// file name decides, case-insensitively.
	write("Litecoin-Regtest.json", `{"name": "LTC regtest", "symbol": "LTC", "algorithm": "scrypt", "network": "regtest",
		"pubKeyHashVersion": 111, "scriptHashVersion": 58, "bech32HRP": "rltc", "shareMultiplier": 1024}`)
	write("notes.txt", "not a coin")
	if err := os.Mkdir(filepath.Join(dir, "sub.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	r, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := mustCoin(t, r, "dogecoin")
	if d.Symbol != "DOGE" || d.PeerMagic != "c0c0c0c0" || d.Multiplier() != 65536 || d.BlockTime != 60 {
		t.Errorf("dogecoin %+v", d)
	}
	if !slices.Equal(d.GBTRules, []string{}) || d.Bech32HRP != "" {
		t.Errorf("dogecoin without segwit: rules %v hrp %q", d.GBTRules, d.Bech32HRP)
	}
	if d.File != filepath.Join(dir, "dogecoin.json") {
		t.Errorf("file %q", d.File)
	}
	lr := mustCoin(t, r, "litecoin-regtest")
	if lr.Name != "LTC regtest" || lr.Multiplier() != 1024 || lr.MWEBHRP != "" || !slices.Equal(lr.GBTRules, []string{"segwit"}) {
		t.Errorf("override not applied: %+v", lr)
	}
	if _, err := r.Get("litecoin"); err != nil {
		t.Errorf("embedded litecoin lost: %v", err)
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("Load of a missing dir succeeded")
	}
}

func TestNOMPCoinFile(t *testing.T) {
	// NOMP's coin format: hex version bytes in "mainnet"/"testnet", misspelt
	// peerMagicTestNet, algorithm parameters.
	fsys := fstest.MapFS{"chaincoin.json": {Data: []byte(`{
		"name": "Chaincoin", "symbol": "CHC", "algorithm": "sha256",
		"peerMagic": "a3d27a03", "peerMagicTestNet": "fbc21102",
		"txMessages": true, "reward": "pos", "mposDiffMultiplier": 256,
		"chainStartTime": 1367991200, "nMin": 4, "nMax": 30,
		"mainnet": {"bech32": "chc", "bip32": {"public": "0488b21e"}, "pubKeyHash": "1c", "scriptHash": "04"},
		"testnet": {"bech32": "tchc", "bip32": {"public": "043587cf"}, "pubKeyHash": "50", "scriptHash": "2c"},
		"_comment_x": "ignored"
	}`)}}
	r, err := LoadFS(fsys, "mycoins")
	if err != nil {
		t.Fatal(err)
	}
	c := mustCoin(t, r, "chaincoin.json")
	if c.Algorithm != "sha256d" || c.PubKeyHashVersion != 0x1c || c.ScriptHashVersion != 0x04 || c.Bech32HRP != "chc" {
		t.Errorf("%+v", c)
	}
	if c.PeerMagicTestnet != "fbc21102" || !c.TxMessages || c.Reward != "POS" || c.MPOSDiffMultiplier != 256 || c.Params.NMax != 30 {
		t.Errorf("%+v", c)
	}
	if c.File != "mycoins/chaincoin.json" {
		t.Errorf("file %q", c.File)
	}
}

func TestLoadBadFiles(t *testing.T) {
	base := `"name": "X", "symbol": "X", "algorithm": "scrypt", "pubKeyHashVersion": 1, "scriptHashVersion": 2`
	tests := []struct {
		name, body string
		want       []string
		is         error
	}{
		{"unknown algorithm", `{"name": "X", "symbol": "X", "algorithm": "blah", "pubKeyHashVersion": 1, "scriptHashVersion": 2}`,
			[]string{`coins/foo.json: algorithm: unknown algorithm "blah"`}, pow.ErrUnknownAlgorithm},
		{"unknown field", `{` + base + `, "peerMagik": "fbc0b6db"}`, []string{"coins/foo.json: peerMagik: unknown field"}, nil},
		{"case matters", `{` + base + `, "PeerMagic": "fbc0b6db"}`, []string{"coins/foo.json: PeerMagic: unknown field"}, nil},
		{"nested unknown", `{` + base + `, "mainnet": {"pubKeyHash": "1c", "wif": "80"}}`, []string{"coins/foo.json: mainnet.wif: unknown field"}, nil},
		{"missing fields", `{}`, []string{"coins/foo.json: name: missing", "coins/foo.json: symbol: missing",
			"coins/foo.json: algorithm: missing", "coins/foo.json: pubKeyHashVersion: missing", "coins/foo.json: scriptHashVersion: missing"}, nil},
		{"bad magic", `{` + base + `, "peerMagic": "fbc0b6"}`, []string{`coins/foo.json: peerMagic: "fbc0b6" is not 4 bytes of hex`}, nil},
		{"wrong type", `{` + base + `, "decimals": "8"}`, []string{"coins/foo.json: decimals: cannot use JSON string"}, nil},
		{"version out of range", `{"name": "X", "symbol": "X", "algorithm": "scrypt", "pubKeyHashVersion": 256, "scriptHashVersion": 2}`,
			[]string{"coins/foo.json: pubKeyHashVersion: 256 is not a byte"}, nil},
		{"same version twice", `{"name": "X", "symbol": "X", "algorithm": "scrypt", "pubKeyHashVersion": 2, "scriptHashVersion": 2}`,
			[]string{"coins/foo.json: pubKeyHashVersion: 2 is also a P2SH version"}, nil},
		{"bad nomp hex", `{"name": "X", "symbol": "X", "algorithm": "scrypt", "mainnet": {"pubKeyHash": "zz", "scriptHash": "05"}}`,
			[]string{`coins/foo.json: mainnet.pubKeyHash: "zz" is not one byte of hex`}, nil},
		{"bad network", `{` + base + `, "network": "moon"}`, []string{`coins/foo.json: network: "moon" is not one of`}, nil},
		{"bad reward", `{` + base + `, "reward": "POH"}`, []string{`coins/foo.json: reward: "POH" is neither POW nor POS`}, nil},
		{"upper-case hrp", `{` + base + `, "bech32HRP": "LTC"}`, []string{`coins/foo.json: bech32HRP: "LTC" must be a non-empty lower-case prefix`}, nil},
		{"negative multiplier", `{` + base + `, "shareMultiplier": -1}`, []string{"coins/foo.json: shareMultiplier: -1 is negative"}, nil},
		{"bad max block version", `{` + base + `, "maxBlockVersion": 4294967296}`, []string{"coins/foo.json: maxBlockVersion: 4294967296 is not in 0..4294967295"}, nil},
		{"duplicate key", `{` + base + `, "name": "Y"}`, []string{"coins/foo.json: name: duplicate key"}, nil},
		{"syntax error", "{\n" + base + ",\n}", []string{"coins/foo.json: line 3:"}, nil},
		{"trailing data", `{` + base + `} {}`, []string{"coins/foo.json: data after the top-level object"}, nil},
		{"not an object", `[1, 2]`, []string{"coins/foo.json: want a JSON object"}, nil},
		{"bad block hash", `{` + base + `, "blockHash": "x11"}`, []string{`coins/foo.json: blockHash: "x11" is neither "sha256d" nor "pow"`}, nil},
		{"bad tx hash", `{` + base + `, "txHash": "groestl"}`, []string{`coins/foo.json: txHash: "groestl" is neither "sha256d" nor "sha256"`}, nil},
		{"bad address checksum", `{` + base + `, "addressChecksum": "sha256"}`, []string{`coins/foo.json: addressChecksum: "sha256" is neither`}, nil},
		{"unterminated comment", "{" + base + "} /* open", []string{"coins/foo.json: line 1: unterminated /* comment"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadFS(fstest.MapFS{"foo.json": {Data: []byte(tt.body)}}, "coins")
			if err == nil {
				t.Fatal("loaded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error does not wrap %v", tt.is)
			}
			var fe *FileError
			if !errors.As(err, &fe) || fe.File != "coins/foo.json" {
				t.Errorf("no FileError for coins/foo.json in %v", err)
			}
		})
	}
}

// TestChainHashes: how each shipped coin names blocks, hashes
// transactions and checksums addresses follows its algorithm unless the
// file says otherwise.
func TestChainHashes(t *testing.T) {
	r := mustLoad(t)
	want := map[string][3]string{ // blockHash, txHash, addressChecksum
		"bitcoin": {"sha256d", "sha256d", "sha256d"}, "litecoin": {"sha256d", "sha256d", "sha256d"},
		"dogecoin": {"sha256d", "sha256d", "sha256d"}, "feathercoin": {"sha256d", "sha256d", "sha256d"},
		"vertcoin-scryptn": {"sha256d", "sha256d", "sha256d"}, "monacoin": {"sha256d", "sha256d", "sha256d"},
		"dash": {"pow", "sha256d", "sha256d"}, "dash-testnet": {"pow", "sha256d", "sha256d"},
		"quarkcoin": {"pow", "sha256d", "sha256d"}, "yacoin": {"pow", "sha256d", "sha256d"},
		"groestlcoin": {"pow", "sha256", "groestl"}, "groestlcoin-testnet": {"pow", "sha256", "groestl"},
	}
	for key, w := range want {
		c := mustCoin(t, r, key)
		if got := [3]string{c.BlockHash, c.TxHash, c.AddressChecksum}; got != w {
			t.Errorf("%s: blockHash, txHash, addressChecksum = %q, want %q", key, got, w)
		}
	}
	// The file overrides the algorithm.
	body := `{"name": "X", "symbol": "X", "algorithm": "x11", "pubKeyHashVersion": 1, "scriptHashVersion": 2,
		"blockHash": "SHA256D", "txHash": "sha256", "addressChecksum": "groestl"}`
	reg, err := LoadFS(fstest.MapFS{"x.json": {Data: []byte(body)}}, "coins")
	if err != nil {
		t.Fatal(err)
	}
	c := mustCoin(t, reg, "x")
	if c.BlockIDIsPoW() || c.TxHash != "sha256" || c.AddressChecksum != "groestl" {
		t.Errorf("overrides not applied: %q %q %q", c.BlockHash, c.TxHash, c.AddressChecksum)
	}
	header := []byte("an eighty-byte header would do, but any bytes show which hash is used here")
	var id, want32, powHash [32]byte
	powHash[0] = 7
	c.BlockID(&id, header, &powHash)
	pow.Sha256d(&want32, header)
	if id != want32 {
		t.Errorf("block id %x, want sha256d %x", id, want32)
	}
	c.HashTx(&id, header)
	pow.Sha256(&want32, header)
	if id != want32 {
		t.Errorf("tx hash %x, want single sha256 %x", id, want32)
	}
	d := mustCoin(t, r, "dash")
	d.BlockID(&id, header, &powHash)
	if id != powHash {
		t.Errorf("dash block id %x, want the PoW hash", id)
	}
}

func TestStripComments(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"a": "http://x"} // c`, `{"a": "http://x"}     `},
		{`{"a": "/* no */"}`, `{"a": "/* no */"}`},
		{`{"a": "q\"//"}//x`, `{"a": "q\"//"}   `},
		{"/* a\nb */{}", "    \n    {}"},
		{"\xef\xbb\xbf{}", "   {}"},
		{`{"a": 1 /* x */, "b": 2}`, `{"a": 1        , "b": 2}`},
		{`{"a": "\\"}// "`, `{"a": "\\"}    `},
	}
	for _, tt := range tests {
		got, err := StripComments([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("stripComments(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}
