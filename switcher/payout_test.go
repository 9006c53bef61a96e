package switcher

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/pools/stratum"
)

func TestResolvePayoutAddresses(t *testing.T) {
	reg := testCoins(t)
	ltc, doge := coin(t, reg, "litecoin"), coin(t, reg, "dogecoin")
	lreg, ltb := coin(t, reg, "litecoin-regtest"), coin(t, reg, "ltcb-regtest")
	h := hash20(0x42)
	ltcWPKH := encode(t, ltc, coins.WitnessV0KeyHash, h)
	ltcPKH := encode(t, ltc, coins.P2PKH, h)
	ltcP2SH := encode(t, ltc, coins.P2SH, h)
	ltcTaproot := encode(t, ltc, coins.WitnessV1Taproot, []byte(strings.Repeat("\x07", 32)))
	dogePKH := encode(t, doge, coins.P2PKH, h)
	otherDoge := encode(t, doge, coins.P2PKH, hash20(0x99))
	regWPKH := encode(t, lreg, coins.WitnessV0KeyHash, h)
	ltbWPKH := encode(t, ltb, coins.WitnessV0KeyHash, h)

	type want struct{ addr, how string }
	tests := []struct {
		name   string
		pools  []*coins.Coin
		login  string
		pass   string
		want   map[string]want
		errHas string
	}{
		{"segwit login: P2PKH on a coin without segwit", []*coins.Coin{ltc, doge}, ltcWPKH, "x",
			map[string]want{"litecoin": {ltcWPKH, FromLogin}, "dogecoin": {dogePKH, FromKeyHash}}, ""},
		{"legacy login carried over", []*coins.Coin{ltc, doge}, ltcPKH, "",
			map[string]want{"litecoin": {ltcPKH, FromLogin}, "dogecoin": {dogePKH, FromKeyHash}}, ""},
		{"segwit to segwit", []*coins.Coin{lreg, ltb}, regWPKH, "",
			map[string]want{"litecoin-regtest": {regWPKH, FromLogin}, "ltcb-regtest": {ltbWPKH, FromKeyHash}}, ""},
		{"doge login gives the litecoin address", []*coins.Coin{ltc, doge}, dogePKH, "",
			map[string]want{"litecoin": {ltcPKH, FromKeyHash}, "dogecoin": {dogePKH, FromLogin}}, ""},
		{"P2SH names a script: held", []*coins.Coin{ltc, doge}, ltcP2SH, "",
			map[string]want{"litecoin": {ltcP2SH, FromLogin}, "dogecoin": {ltcP2SH, Held}}, ""},
		{"taproot: held", []*coins.Coin{ltc, doge}, ltcTaproot, "",
			map[string]want{"litecoin": {ltcTaproot, FromLogin}, "dogecoin": {ltcTaproot, Held}}, ""},
		{"the password names the address", []*coins.Coin{ltc, doge}, ltcP2SH, "x,doge=" + otherDoge + ",d=16",
			map[string]want{"litecoin": {ltcP2SH, FromLogin}, "dogecoin": {otherDoge, FromPassword}}, ""},
		{"password keys: key, symbol, any case", []*coins.Coin{ltc, doge}, "alice", "DOGE=" + otherDoge + ";Litecoin=" + ltcPKH,
			map[string]want{"litecoin": {ltcPKH, FromPassword}, "dogecoin": {otherDoge, FromPassword}}, ""},
		{"a name with one address in the password", []*coins.Coin{ltc, doge}, "alice", "ltc=" + ltcWPKH,
			map[string]want{"litecoin": {ltcWPKH, FromPassword}, "dogecoin": {dogePKH, FromKeyHash}}, ""},
		{"another network: held", []*coins.Coin{lreg, doge}, regWPKH, "",
			map[string]want{"litecoin-regtest": {regWPKH, FromLogin}, "dogecoin": {regWPKH, Held}}, ""},
		{"no address anywhere", []*coins.Coin{ltc, doge}, "alice", "x", nil, "not an address of any coin"},
		{"a bad address in the password", []*coins.Coin{ltc, doge}, ltcWPKH, "doge=" + ltcWPKH, nil, "DOGE address"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolve(tc.pools, tc.login, tc.pass)
			if tc.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tc.errHas) {
					t.Fatalf("err %v, want %q", err, tc.errHas)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, pa := range got {
				w := tc.want[pa.Coin]
				if pa.Address != w.addr || pa.How != w.how {
					t.Errorf("%s: %s (%s), want %s (%s)", pa.Coin, pa.Address, pa.How, w.addr, w.how)
				}
				if (pa.How == Held) != (pa.Reason != "") {
					t.Errorf("%s: reason %q for %s", pa.Coin, pa.Reason, pa.How)
				}
			}
		})
	}
}

// TestAuthorizeChecksAddresses: the pools see the addresses the miner
// gave (login or password), never derived ones, and a refusal reaches the
// miner; a held coin is reported.
func TestAuthorizeChecksAddresses(t *testing.T) {
	reg := testCoins(t)
	ltc, doge := newTestPool(coin(t, reg, "litecoin")), newTestPool(coin(t, reg, "dogecoin"))
	p, _ := New(Config{Name: "s", Algorithm: "scrypt", Pools: []Pool{ltc, doge}}, nil, nil, nil)
	login := encode(t, ltc.coin, coins.P2SH, hash20(1))
	w := stratum.ParseLogin(login+".a", "x")
	if err := p.Authorize(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	if len(ltc.authed) != 1 || ltc.authed[0] != login || len(doge.authed) != 0 {
		t.Fatalf("checked: ltc %v doge %v", ltc.authed, doge.authed)
	}
	ws, ok := p.Worker(login + ".a")
	if !ok || ws.Payouts[0].How != Held || ws.Payouts[0].Coin != "dogecoin" {
		t.Fatalf("worker status %+v", ws)
	}
	ltc.authErr = errors.New("the daemon says no")
	if err := p.Authorize(context.Background(), stratum.ParseLogin(encode(t, ltc.coin, coins.P2PKH, hash20(2)), "x")); err == nil {
		t.Fatal("a refused address was authorized")
	}
	var se *stratum.Error
	if err := p.Authorize(context.Background(), stratum.ParseLogin("bob", "x")); !errors.As(err, &se) || se.Code != stratum.CodeUnauthorized {
		t.Fatalf("no address: %v", err)
	}
}
