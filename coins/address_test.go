package coins

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func mustLoad(t testing.TB) *Registry {
	t.Helper()
	r, err := Load("")
	if err != nil {
		t.Fatalf("load embedded coins: %v", err)
	}
	return r
}

func mustCoin(t testing.TB, r *Registry, key string) *Coin {
	t.Helper()
	c, err := r.Get(key)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAddressScript checks addresses of every kind against the script the
// daemons (or the BIP test vectors) say they pay.
func TestAddressScript(t *testing.T) {
	r := mustLoad(t)
	tests := []struct {
		coin, addr string
		kind       AddressKind
		script     string
	}{
		// Replies of litecoind -regtest validateaddress (samples/daemon/ltc-validateaddress.txt).
		{"litecoin-regtest", "rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44", WitnessV0KeyHash, "0014ff4f90999c61525c19355ca052200887d9a0087b"},
		{"litecoin-regtest", "mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3q", P2PKH, "76a91430f15aeab23038c1fb99d8ef34dbbd1a347d35e288ac"},
		{"litecoin-regtest", "QYeXQQpDEaL4qJrEkmF33LnHLHUsg96mcW", P2SH, "a914841c7711cfa4cc0c3493dd924b1c8263ae0e3de787"},
		// The seed's testnet address works on litecoin's test networks.
		{"litecoin-testnet", "mi4iBXbBsydtcc5yFmsff2zCFVX4XG7qJc", P2PKH, "76a9141bf1c824cd6028bcd65732374baea5dca5fed57088ac"},
		{"litecoin-regtest", "mi4iBXbBsydtcc5yFmsff2zCFVX4XG7qJc", P2PKH, "76a9141bf1c824cd6028bcd65732374baea5dca5fed57088ac"},
		// btcwallet --simnet addresses and the outputs of the transaction that paid them
		// (samples/daemon/btcwallet-*.json, btcd-simnet-getblocktemplate-*.json).
		{"bitcoin-simnet", "SgojWJzSjJQ7oLBwvDuJs944fBbuwQxwnh", P2PKH, "76a914d609e870613fd5b11132ca9ffcd1f183a9b2bdc888ac"},
		{"bitcoin-simnet", "STascC7SVR9k6ykC8nxrrGeyNzqrdNmMju", P2PKH, "76a9144501a0c3836f080a5a18b1e1046d650672665d1988ac"},
		{"bitcoin-simnet", "rhopb9bvWD2RsbdAp8fYeWSDU2xQc2xhYA", P2SH, "a91486355e41a34685cfde9bb05198c83452921a4ecd87"},
		{"bitcoin-simnet", "sb1qx9ltvmchgd82ywc4et486avuwhngjnfjsjuf49", WitnessV0KeyHash, "0014317eb66f17434ea23b15caea7d759c75e6894d32"},
		// Mainnet and testnet3 vectors (btcd's address tests, Litecoin's prefixes).
		{"bitcoin", "1MirQ9bwyQcGVJPwKUgapu5ouK2E2Ey4gX", P2PKH, "76a914e34cce70c86373273efcc54ce7d2a491bb4a0e8488ac"},
		{"bitcoin", "3QJmV3qfvL9SuYo34YihAf3sRCW3qSinyC", P2SH, "a914f815b036d9bbbce5e9f2a00abd1bf3dc91e9551087"},
		{"bitcoin-testnet", "mrX9vMRYLfVy1BnZbc5gZjuyaqH3ZW2ZHz", P2PKH, "76a91478b316a08647d5b77283e512d3603f1f1c8de68f88ac"},
		{"bitcoin-testnet", "2NBFNJTktNa7GZusGbDbGKRZTxdK9VVez3n", P2SH, "a914c579342c2c4c9220205e2cdc285617040c924a0a87"},
		{"bitcoin-regtest", "2NBFNJTktNa7GZusGbDbGKRZTxdK9VVez3n", P2SH, "a914c579342c2c4c9220205e2cdc285617040c924a0a87"},
		{"litecoin", "LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1", P2PKH, "76a91413c60d8e68d7349f5b4ca362c3954b15045061b188ac"},
		{"litecoin", "MVcg9uEvtWuP5N6V48EHfEtbz48qR8TKZ9", P2SH, "a914ee34ac676bdaf6e370c8c820b948edfad3a873d887"},
		// Litecoin still accepts the old "3..." P2SH version 5.
		{"litecoin", "3QJmV3qfvL9SuYo34YihAf3sRCW3qSinyC", P2SH, "a914f815b036d9bbbce5e9f2a00abd1bf3dc91e9551087"},
		{"litecoin", "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9", WitnessV0KeyHash, "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
		// BIP350 valid segwit addresses (v0 with bech32, v1+ with bech32m).
		{"bitcoin", "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", WitnessV0KeyHash, "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"bitcoin-testnet", "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", WitnessV0ScriptHash, "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
		{"bitcoin", "bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y", WitnessUnknown, "5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"bitcoin", "BC1SW50QGDZ25J", WitnessUnknown, "6002751e"},
		{"bitcoin", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs", WitnessUnknown, "5210751e76e8199196d454941c45d1b3a323"},
		{"bitcoin-testnet", "tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy", WitnessV0ScriptHash, "0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
		{"bitcoin-testnet", "tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c", WitnessV1Taproot, "5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433"},
		{"bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", WitnessV1Taproot, "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
	}
	for _, tt := range tests {
		t.Run(tt.coin+"/"+tt.addr, func(t *testing.T) {
			c := mustCoin(t, r, tt.coin)
			checkAddress(t, c, tt.addr, tt.kind, tt.script)
		})
	}
}

func TestDecodeAddressRejects(t *testing.T) {
	r := mustLoad(t)
	tests := []struct {
		name, coin, addr string
		want             error
	}{
		{"empty", "litecoin", "", ErrInvalidAddress},
		{"garbage", "litecoin", "LTC1notanaddress", ErrInvalidAddress},
		{"bad bech32 checksum (litecoind says isvalid false)", "litecoin", "ltc1qg82r2ngjw2m8p7gz9lqrfmtqm5zxmtc8q7qv0k", ErrInvalidAddress},
		{"bad base58 checksum", "litecoin-regtest", "mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3r", ErrInvalidAddress},
		{"base58 with 0", "litecoin-regtest", "mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg30", ErrInvalidAddress},
		{"base58 payload too long", "bitcoin", "1111111111111111111111111111111111114oLvT2", ErrInvalidAddress},
		{"regtest address on mainnet", "litecoin", "mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3q", ErrWrongNetwork},
		{"regtest bech32 on mainnet", "litecoin", "rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44", ErrWrongNetwork},
		{"testnet bech32 on regtest", "litecoin-regtest", "tltc1qw508d6qejxtdg4y5r3zarvary0c5xw7klfsuq0", ErrWrongNetwork},
		{"bitcoin on litecoin", "litecoin", "1MirQ9bwyQcGVJPwKUgapu5ouK2E2Ey4gX", ErrWrongNetwork},
		{"litecoin on bitcoin", "bitcoin", "LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1", ErrWrongNetwork},
		{"regtest P2SH Q on bitcoin regtest", "bitcoin-regtest", "QYeXQQpDEaL4qJrEkmF33LnHLHUsg96mcW", ErrWrongNetwork},
		{"simnet on regtest", "bitcoin-regtest", "SgojWJzSjJQ7oLBwvDuJs944fBbuwQxwnh", ErrWrongNetwork},
		// BIP350 invalid segwit addresses.
		{"bip350 invalid hrp", "bitcoin-testnet", "tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut", ErrWrongNetwork},
		{"bip350 v1 with bech32", "bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd", ErrInvalidAddress},
		{"bip350 v19 with bech32", "bitcoin-testnet", "tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf", ErrInvalidAddress},
		{"bip350 upper v16 with bech32", "bitcoin", "BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL", ErrInvalidAddress},
		{"bip350 v0 with bech32m", "bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", ErrInvalidAddress},
		{"bip350 v0 with bech32m testnet", "bitcoin-testnet", "tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47", ErrInvalidAddress},
		{"bip350 bad checksum character", "bitcoin", "bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4", ErrInvalidAddress},
		{"bip350 witness version 17", "bitcoin", "BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R", ErrInvalidAddress},
		{"bip350 program 1 byte", "bitcoin", "bc1pw5dgrnzv", ErrInvalidAddress},
		{"bip350 program 41 bytes", "bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav", ErrInvalidAddress},
		{"bip350 v0 program 16 bytes", "bitcoin", "BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P", ErrInvalidAddress},
		{"bip350 mixed case", "bitcoin-testnet", "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq", ErrInvalidAddress},
		{"bip350 zero padding > 4 bits", "bitcoin", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf", ErrInvalidAddress},
		{"bip350 non-zero padding", "bitcoin-testnet", "tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j", ErrInvalidAddress},
		{"bip350 empty data", "bitcoin", "bc1gmk9yu", ErrInvalidAddress},
		{"bip173 bad checksum", "bitcoin", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", ErrInvalidAddress},
		{"too long", "bitcoin", strings.Repeat("1", 2000), ErrInvalidAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := mustCoin(t, r, tt.coin)
			a, err := c.DecodeAddress(tt.addr)
			if !errors.Is(err, tt.want) {
				t.Fatalf("DecodeAddress(%q) = %+v, %v; want %v", tt.addr, a, err, tt.want)
			}
			if _, err := c.AddressScript(tt.addr); !errors.Is(err, tt.want) {
				t.Errorf("AddressScript error %v, want %v", err, tt.want)
			}
		})
	}
}

func TestMWEBAddress(t *testing.T) {
	r := mustLoad(t)
	// litecoind -regtest: validateaddress says isvalid, ismweb, empty scriptPubKey.
	const addr = "tmweb1qqgplppk3cva5dmacz8zgrg56rjkyyrc44c48cjkzllr0m6g47t7jwq7ssja99kvefttmfm9v05xssj70gvmattzgh6zea4vmg0qgy636gvsf5f48"
	c := mustCoin(t, r, "litecoin-regtest")
	a, err := c.DecodeAddress(addr)
	if err != nil {
		t.Fatal(err)
	}
	if a.Kind != MWEB || len(a.Hash) != 66 {
		t.Fatalf("decoded %v with %d bytes, want mweb with 66", a.Kind, len(a.Hash))
	}
	if _, err := c.AddressScript(addr); !errors.Is(err, ErrMWEBAddress) {
		t.Fatalf("AddressScript error %v, want ErrMWEBAddress", err)
	}
	if !strings.Contains(ErrMWEBAddress.Error(), "cannot pay an MWEB address from a coinbase") {
		t.Errorf("message %q", ErrMWEBAddress)
	}
	if enc, err := c.EncodeAddress(a); err != nil || enc != addr {
		t.Errorf("EncodeAddress = %q, %v", enc, err)
	}
	if _, err := mustCoin(t, r, "litecoin").DecodeAddress(addr); !errors.Is(err, ErrWrongNetwork) {
		t.Errorf("mainnet accepted a regtest MWEB address: %v", err)
	}
	if _, err := mustCoin(t, r, "bitcoin-regtest").DecodeAddress(addr); !errors.Is(err, ErrWrongNetwork) {
		t.Errorf("bitcoin accepted an MWEB address: %v", err)
	}
}

func TestEncodeAddress(t *testing.T) {
	r := mustLoad(t)
	hash := bytes.Repeat([]byte{0x42}, 20)
	prog32 := bytes.Repeat([]byte{0x17}, 32)
	tests := []struct {
		coin   string
		a      Address
		prefix string
	}{
		{"litecoin", Address{Kind: P2PKH, Hash: hash}, "L"},
		{"litecoin", Address{Kind: P2SH, Hash: hash}, "M"},
		{"litecoin", Address{Kind: P2SH, Hash: hash, Version: 5}, "3"},
		{"litecoin", Address{Kind: WitnessV0KeyHash, Hash: hash}, "ltc1q"},
		{"litecoin", Address{Kind: WitnessV1Taproot, Hash: prog32, WitnessVersion: 1}, "ltc1p"},
		{"litecoin-regtest", Address{Kind: P2PKH, Hash: hash}, "m"},
		{"litecoin-regtest", Address{Kind: P2SH, Hash: hash}, "Q"},
		{"litecoin-regtest", Address{Kind: P2SH, Hash: hash, Version: 0xc4}, "2"},
		{"litecoin-regtest", Address{Kind: WitnessV0ScriptHash, Hash: prog32}, "rltc1q"},
		{"litecoin-testnet", Address{Kind: WitnessV0KeyHash, Hash: hash}, "tltc1q"},
		{"bitcoin", Address{Kind: P2PKH, Hash: hash}, "1"},
		{"bitcoin", Address{Kind: P2SH, Hash: hash, Version: 50}, "3"}, // not a bitcoin version: primary used
		{"bitcoin-regtest", Address{Kind: WitnessV0KeyHash, Hash: hash}, "bcrt1q"},
		{"bitcoin-simnet", Address{Kind: P2PKH, Hash: hash}, "S"},
		{"bitcoin-simnet", Address{Kind: WitnessV0KeyHash, Hash: hash}, "sb1q"},
	}
	for _, tt := range tests {
		t.Run(tt.coin+"/"+tt.a.Kind.String()+"/"+tt.prefix, func(t *testing.T) {
			c := mustCoin(t, r, tt.coin)
			s, err := c.EncodeAddress(tt.a)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(s, tt.prefix) {
				t.Errorf("%s does not start with %q", s, tt.prefix)
			}
			back, err := c.DecodeAddress(s)
			if err != nil {
				t.Fatalf("decode %s: %v", s, err)
			}
			if back.Kind != tt.a.Kind || !bytes.Equal(back.Hash, tt.a.Hash) || back.WitnessVersion != tt.a.WitnessVersion {
				t.Errorf("round trip %+v -> %s -> %+v", tt.a, s, back)
			}
		})
	}
	bad := []Address{
		{Kind: P2PKH, Hash: hash[:19]},
		{Kind: P2SH},
		{Kind: WitnessV0KeyHash, Hash: hash[:10]},
		{Kind: WitnessUnknown, Hash: hash, WitnessVersion: 17},
		{Kind: MWEB, Hash: hash},
		{Kind: AddressUnknown, Hash: hash},
	}
	c := mustCoin(t, r, "litecoin")
	for _, a := range bad {
		if s, err := c.EncodeAddress(a); err == nil {
			t.Errorf("EncodeAddress(%+v) = %s, want an error", a, s)
		}
		if s, err := a.Script(); err == nil {
			t.Errorf("Script(%+v) = %x, want an error", a, s)
		}
	}
	if _, err := mustCoin(t, r, "bitcoin").EncodeAddress(Address{Kind: MWEB, Hash: make([]byte, 66)}); !errors.Is(err, ErrWrongNetwork) {
		t.Errorf("bitcoin encoded an MWEB address: %v", err)
	}
}

// TestBech32Vectors runs the generic BIP173/BIP350 string vectors.
func TestBech32Vectors(t *testing.T) {
	valid := map[string]bech32Encoding{
		"A12UEL5L": encBech32,
		"a12uel5l": encBech32,
		"an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tgs": encBech32,
		"abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw":                                              encBech32,
		"11qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j": encBech32,
		"split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w":                               encBech32,
		"?1ezyfcl": encBech32,
		"A1LQFN3A": encBech32m,
		"a1lqfn3a": encBech32m,
		"an83characterlonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11sg7hg6": encBech32m,
		"abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx":                                              encBech32m,
		"11llllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllllludsr8": encBech32m,
		"split1checkupstagehandshakeupstreamerranterredcaperredlc445v":                               encBech32m,
		"?1v759aa": encBech32m,
	}
	for s, want := range valid {
		hrp, data, enc, err := bech32Decode(s, 90)
		if err != nil || enc != want {
			t.Errorf("bech32Decode(%q) = %v, %v; want encoding %v", s, enc, err, want)
			continue
		}
		if got := bech32Encode(hrp, data, enc); got != strings.ToLower(s) {
			t.Errorf("re-encode %q = %q", s, got)
		}
	}
	invalid := []string{
		"\x201nwldj5", "\x7f1axkwrx", "\x801eym55h",
		"an84characterslonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1569pvx",
		"pzry9x0s0muk", "1pzry9x0s0muk", "x1b4n0q5v", "li1dgmt3", "de1lg7wt\xff", "A1G7SGD8", "10a06t8", "1qzzfhee",
		"\x201xj0phk", "\x7f1g6xzxy", "\x801vctc34",
		"an84characterslonghumanreadablepartthatcontainsthetheexcludedcharactersbioandnumber11d6pts4",
		"qyrz8wqd2c9m", "1qyrz8wqd2c9m", "y1b0jsk6g", "lt1igcx5c0", "in1muywd", "mm1crxm3i", "au1s5cgom",
		"M1VUXWEZ", "16plkw9", "1p2gdwpf",
	}
	for _, s := range invalid {
		if _, _, enc, err := bech32Decode(s, 90); err == nil {
			t.Errorf("bech32Decode(%q) accepted (encoding %v)", s, enc)
		}
	}
}

func TestBase58(t *testing.T) {
	// 20 zero bytes with version 0: the all-ones address.
	if got := base58CheckEncode(nil, 0, make([]byte, 20)); got != "1111111111111111111114oLvT2" {
		t.Errorf("encode = %s", got)
	}
	p, err := base58CheckDecode(nil, "1111111111111111111114oLvT2")
	if err != nil || !bytes.Equal(p, make([]byte, 21)) {
		t.Errorf("decode = %x, %v", p, err)
	}
	for _, s := range []string{"", "1", "0OIl", "11111"} {
		if _, err := base58CheckDecode(nil, s); err == nil {
			t.Errorf("base58CheckDecode(%q) accepted", s)
		}
	}
}

// FuzzDecodeAddress feeds arbitrary strings to every coin: no panics, and
// anything accepted re-encodes to the same text (lower-cased for bech32)
// and yields a script unless it is MWEB.
func FuzzDecodeAddress(f *testing.F) {
	for _, s := range []string{
		"rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44", "mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3q",
		"QYeXQQpDEaL4qJrEkmF33LnHLHUsg96mcW", "ltc1qg82r2ngjw2m8p7gz9lqrfmtqm5zxmtc8q7qv0k",
		"tmweb1qqgplppk3cva5dmacz8zgrg56rjkyyrc44c48cjkzllr0m6g47t7jwq7ssja99kvefttmfm9v05xssj70gvmattzgh6zea4vmg0qgy636gvsf5f48",
		"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "BC1SW50QGDZ25J",
		"3QJmV3qfvL9SuYo34YihAf3sRCW3qSinyC", "SgojWJzSjJQ7oLBwvDuJs944fBbuwQxwnh", "", "1", "bc1", "\xff1qqqqqq",
	} {
		f.Add(s)
	}
	r := mustLoad(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, c := range r.All() {
			a, err := c.DecodeAddress(s)
			if err != nil {
				if !errors.Is(err, ErrInvalidAddress) && !errors.Is(err, ErrWrongNetwork) {
					t.Fatalf("%s: %q: unclassified error %v", c.Key, s, err)
				}
				continue
			}
			enc, err := c.EncodeAddress(a)
			if err != nil {
				t.Fatalf("%s: %q decoded to %+v but does not encode: %v", c.Key, s, a, err)
			}
			want := s
			if a.Kind.IsWitness() || a.Kind == MWEB {
				want = strings.ToLower(s)
			}
			if enc != want {
				t.Fatalf("%s: %q re-encodes as %q", c.Key, s, enc)
			}
			if _, err := a.Script(); err != nil && a.Kind != MWEB {
				t.Fatalf("%s: %q decoded but has no script: %v", c.Key, s, err)
			}
		}
	})
}

// checkAddress decodes addr on c and checks its kind, its output script
// (hex; "" when the source gives none) and that encoding gives addr back
// (lower-case for bech32).
func checkAddress(t *testing.T, c *Coin, addr string, kind AddressKind, script string) {
	t.Helper()
	a, err := c.DecodeAddress(addr)
	if err != nil {
		t.Fatalf("DecodeAddress: %v", err)
	}
	if a.Kind != kind {
		t.Errorf("kind %v, want %v", a.Kind, kind)
	}
	raw, err := c.AddressScript(addr)
	if err != nil {
		t.Fatalf("AddressScript: %v", err)
	}
	if got := hex.EncodeToString(raw); script != "" && got != script {
		t.Errorf("script %s, want %s", got, script)
	}
	want := addr
	if a.Kind.IsWitness() {
		want = strings.ToLower(want)
	}
	if enc, err := c.EncodeAddress(a); err != nil || enc != want {
		t.Errorf("EncodeAddress = %q, %v; want %s", enc, err, want)
	}
}
