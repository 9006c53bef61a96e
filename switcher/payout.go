package switcher

import (
	"fmt"
	"strings"

	"github.com/multipool/multipool/coins"
)

// How a coin's payout address was found.
const (
	// FromPassword: the miner named it in the password ("ltc=ADDR").
	FromPassword = "password"
	// FromLogin: the login is an address of the coin.
	FromLogin = "login"
	// FromKeyHash: derived from the login's key hash with the coin's
	// prefixes.
	FromKeyHash = "derived"
	// Held: no address; shares are recorded under the login and the
	// balance is set aside until the miner gives one.
	Held = "held"
)

// PayoutAddress is where one coin pays a switch-port login.
type PayoutAddress struct {
	Coin string `json:"coin"`
	// Address is the coin's address, or the login when How is Held.
	Address string `json:"address"`
	How     string `json:"how"`
	// Reason says why the balance is held; "" otherwise.
	Reason string `json:"reason,omitempty"`
}

// passwordAddresses reads "ltc=ADDR,doge=ADDR" options from a password
// (separated by ',', ';' or spaces; "d=..." and other options are not
// coins and are skipped). Keys are lower-cased.
func passwordAddresses(password string) map[string]string {
	out := map[string]string{}
	for _, opt := range strings.FieldsFunc(password, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		k, v, ok := strings.Cut(opt, "=")
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if !ok || k == "" || v == "" || k == "d" {
			continue
		}
		out[k] = v
	}
	return out
}

// explicitFor returns the password's address for coin c: the option
// named by its symbol, key or family.
func explicitFor(opts map[string]string, c *coins.Coin) (string, bool) {
	for _, k := range []string{c.Symbol, c.Key, c.Family} {
		if a, ok := opts[strings.ToLower(k)]; ok && k != "" {
			return a, true
		}
	}
	return "", false
}

// payable decodes addr for c and checks a coinbase or payment can pay it.
func payable(c *coins.Coin, addr string) (coins.Address, error) {
	a, err := c.DecodeAddress(addr)
	if err != nil {
		return coins.Address{}, err
	}
	if _, err := a.Script(); err != nil {
		return coins.Address{}, err
	}
	return a, nil
}

// derive returns base (an address of coin from) as an address of coin to,
// when the same key is sure to own it there.
func derive(from *coins.Coin, base coins.Address, to *coins.Coin) (string, error) {
	if from.Testnet != to.Testnet {
		return "", fmt.Errorf("the %s address is for another network than %s", from.Key, to.Key)
	}
	var out coins.Address
	switch base.Kind {
	case coins.P2PKH:
		out = coins.Address{Kind: coins.P2PKH, Hash: base.Hash}
	case coins.WitnessV0KeyHash:
		// The program is the hash160 of a compressed key: the same key
		// spends it as P2PKH on a coin without segwit.
		if to.Bech32HRP != "" {
			out = coins.Address{Kind: coins.WitnessV0KeyHash, Hash: base.Hash}
		} else {
			out = coins.Address{Kind: coins.P2PKH, Hash: base.Hash}
		}
	default:
		return "", fmt.Errorf("a %s address names a script, not a key, and cannot be carried to %s", base.Kind, to.Key)
	}
	return to.EncodeAddress(out)
}

// resolve finds each coin's payout address for a login (address part
// addr, password pass). It fails when the password names a bad address,
// or when no coin gets an address at all.
func resolve(pools []*coins.Coin, addr, pass string) ([]PayoutAddress, error) {
	opts := passwordAddresses(pass)
	out := make([]PayoutAddress, len(pools))
	// The derivation base: the login as an address of some coin, else the
	// first address the password gives.
	var baseCoin, pwCoin *coins.Coin
	var base, pwBase coins.Address
	for i, c := range pools {
		out[i].Coin = c.Key
		if e, ok := explicitFor(opts, c); ok {
			a, err := payable(c, e)
			if err != nil {
				return nil, fmt.Errorf("%s address %q in the password: %w", c.Symbol, e, err)
			}
			out[i].Address, out[i].How = e, FromPassword
			if pwCoin == nil {
				pwCoin, pwBase = c, a
			}
			continue
		}
		if a, err := payable(c, addr); err == nil {
			out[i].Address, out[i].How = addr, FromLogin
			if baseCoin == nil {
				baseCoin, base = c, a
			}
		}
	}
	if baseCoin == nil {
		baseCoin, base = pwCoin, pwBase
	}
	found := false
	for i, c := range pools {
		if out[i].How != "" {
			found = true
			continue
		}
		if baseCoin == nil {
			out[i] = PayoutAddress{Coin: c.Key, Address: addr, How: Held,
				Reason: fmt.Sprintf("the login is not an address of any coin here; add %s=ADDRESS to the password", strings.ToLower(c.Symbol))}
			continue
		}
		d, err := derive(baseCoin, base, c)
		if err != nil {
			out[i] = PayoutAddress{Coin: c.Key, Address: addr, How: Held,
				Reason: fmt.Sprintf("%v; add %s=ADDRESS to the password", err, strings.ToLower(c.Symbol))}
			continue
		}
		out[i].Address, out[i].How = d, FromKeyHash
		found = true
	}
	if !found {
		return out, fmt.Errorf("%q is not an address of any coin on this port, and the password names none", addr)
	}
	return out, nil
}
