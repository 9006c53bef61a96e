package profit

import (
	"context"
	"strings"
	"time"

	"github.com/multipool/multipool/coins"
)

// Coin is a coin the module ranks.
type Coin struct {
	// Key is the coin definition's key ("litecoin-regtest"); snapshots and
	// Quotes are keyed by it.
	Key string
	// Symbol is the ticker ("LTC"); profitability sites match on it.
	Symbol string
	// Family names the coin whatever the network ("litecoin"); it is the
	// default CoinGecko id.
	Family string
	// Algorithm is the canonical PoW name ("scrypt").
	Algorithm string
}

// CoinOf returns the Coin of a definition.
func CoinOf(c *coins.Coin) Coin {
	return Coin{Key: c.Key, Symbol: c.Symbol, Family: c.Family, Algorithm: c.Algorithm}
}

// Quote is what one source knows about one coin. Zero (or any value that
// is not positive and finite) means unknown.
type Quote struct {
	// Difficulty is the network difficulty, diff1/target.
	Difficulty float64
	// Reward is the block reward in coins.
	Reward float64
	// Price is in the source's quote currency.
	Price float64
	// At is when the data was current; zero means when Fetch returned.
	At time.Time
}

func (q Quote) empty() bool {
	return clean(q.Difficulty) == 0 && clean(q.Reward) == 0 && clean(q.Price) == 0
}

// Source is one place figures come from.
type Source interface {
	// Name names the source in snapshots and logs: 1-32 of [a-z0-9._-].
	Name() string
	// Fetch returns Quotes for the coins it knows, keyed by Coin.Key; it
	// leaves out the coins it does not know. It may return some Quotes
	// together with an error about the others. It must return soon after
	// ctx ends.
	Fetch(ctx context.Context, coins []Coin) (map[string]Quote, error)
}

// IDs maps coins to a source's own names for them (a CoinGecko id, a
// Kraken pair, a CoinWarz tag). A coin is looked up by its Key, then its
// Family, then its Symbol, case-insensitively.
type IDs map[string]string

// lookup returns the id configured for c.
func (ids IDs) lookup(c Coin) (string, bool) {
	for _, k := range []string{c.Key, c.Family, c.Symbol} {
		if k == "" {
			continue
		}
		for name, id := range ids {
			if strings.EqualFold(name, k) {
				return id, true
			}
		}
	}
	return "", false
}

// idOr returns the configured id of c, or def.
func (ids IDs) idOr(c Coin, def string) string {
	if id, ok := ids.lookup(c); ok {
		return id
	}
	return def
}
