package profit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"

	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/coins/pow"
)

// Template is what the daemon source needs from a coin daemon.
type Template interface {
	GetBlockTemplate(ctx context.Context, rules []string) (*daemon.BlockTemplate, error)
}

// LocalChain is one coin's daemon for the Local source.
type LocalChain struct {
	// Coin is the coin's key ("litecoin-regtest").
	Coin string
	// Rules are the getblocktemplate rules the coin needs.
	Rules []string
	// Decimals is the number of decimal places of one coin (8 for most).
	Decimals int
	Daemon   Template
}

// Local reads network difficulty (from the template's bits) and block
// reward (coinbasevalue: subsidy plus fees) from each coin's own daemon.
type Local struct {
	chains map[string]LocalChain
}

// NewLocal returns the daemon source for chains.
func NewLocal(chains []LocalChain) (*Local, error) {
	l := &Local{chains: make(map[string]LocalChain, len(chains))}
	for _, c := range chains {
		if c.Coin == "" || c.Daemon == nil {
			return nil, fmt.Errorf("%w: daemon source: coin %q without a daemon", ErrConfig, c.Coin)
		}
		if c.Decimals < 0 || c.Decimals > 18 {
			return nil, fmt.Errorf("%w: daemon source: coin %s: decimals %d", ErrConfig, c.Coin, c.Decimals)
		}
		l.chains[c.Coin] = c
	}
	return l, nil
}

// Name returns "daemon".
func (l *Local) Name() string { return "daemon" }

// Fetch asks every coin's daemon at once.
func (l *Local) Fetch(ctx context.Context, coins []Coin) (map[string]Quote, error) {
	var (
		mu   sync.Mutex
		out  = map[string]Quote{}
		errs []error
		wg   sync.WaitGroup
	)
	for _, c := range coins {
		ch, ok := l.chains[c.Key]
		if !ok {
			continue
		}
		wg.Go(func() {
			q, err := localQuote(ctx, ch)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", c.Key, err))
				return
			}
			out[c.Key] = q
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return out, fmt.Errorf("daemon: %w", errors.Join(errs...))
	}
	return out, nil
}

func localQuote(ctx context.Context, ch LocalChain) (Quote, error) {
	t, err := ch.Daemon.GetBlockTemplate(ctx, ch.Rules)
	if err != nil {
		return Quote{}, err
	}
	return templateQuote(t, ch.Decimals)
}

// templateQuote turns a block template into difficulty and reward.
func templateQuote(t *daemon.BlockTemplate, decimals int) (Quote, error) {
	bits, err := strconv.ParseUint(t.Bits, 16, 32)
	if err != nil {
		return Quote{}, fmt.Errorf("%w: template bits %q", ErrBadReply, t.Bits)
	}
	target, err := pow.CompactToTarget(uint32(bits))
	if err != nil || target.Sign() <= 0 {
		return Quote{}, fmt.Errorf("%w: template bits %q", ErrBadReply, t.Bits)
	}
	if t.CoinbaseValue <= 0 {
		return Quote{}, fmt.Errorf("%w: coinbasevalue %d", ErrBadReply, t.CoinbaseValue)
	}
	return Quote{
		Difficulty: pow.TargetDifficulty(target, 1),
		Reward:     float64(t.CoinbaseValue) / math.Pow10(decimals),
	}, nil
}
