package payout

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"slices"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/multipool/multipool/payout/ledger"
)

// ErrBadSplit is wrapped by SplitReward's errors: a negative reward, a
// weight that is negative, NaN or infinite, or fees of 100% or more.
var ErrBadSplit = errors.New("payout: cannot split reward")

// Fee is a cut of every block's reward taken before the miners' split.
type Fee struct {
	// Address is credited with the fee like a miner and paid with them;
	// "" keeps the fee in the pool's wallet.
	Address string
	// Percent of the reward, 0 <= Percent; all fees together below 100.
	Percent decimal.Decimal
}

// Split is how one block's reward is divided. Every figure is in smallest
// units and they add up exactly:
//
//	Credited + Fee + Remainder == Reward
//
// where Credited is the sum of Credits and Fee the sum of Fees.
type Split struct {
	Reward int64
	// Fees holds each configured fee's amount, in configuration order;
	// Fee is their sum.
	Fees []ledger.Credit
	Fee  int64
	// Credits are the miners' parts, sorted by address; only positive
	// amounts appear. Credited is their sum.
	Credits  []ledger.Credit
	Credited int64
	// Remainder is what flooring left: less than one smallest unit per
	// miner with a positive weight. It stays in the pool's wallet.
	Remainder int64
}

// BalanceCredits returns what the split adds to the balances: the miners'
// credits and the fees that have an address, one entry per address (a fee
// address that also mined gets the sum), sorted by address.
func (s *Split) BalanceCredits() []ledger.Credit {
	sum := make(map[string]int64, len(s.Credits)+len(s.Fees))
	for _, c := range s.Credits {
		sum[c.Address] += c.Amount
	}
	for _, f := range s.Fees {
		if f.Address != "" && f.Amount > 0 {
			sum[f.Address] += f.Amount
		}
	}
	out := make([]ledger.Credit, 0, len(sum))
	for a, v := range sum {
		out = append(out, ledger.Credit{Address: a, Amount: v})
	}
	slices.SortFunc(out, func(a, b ledger.Credit) int { return strings.Compare(a.Address, b.Address) })
	return out
}

// FeeKept is the part of Fee that stays in the pool's wallet (fees
// without an address).
func (s *Split) FeeKept() int64 {
	var kept int64
	for _, f := range s.Fees {
		if f.Address == "" {
			kept += f.Amount
		}
	}
	return kept
}

// weight is one miner's weight as m * 2^e.
type weight struct {
	addr string
	m    uint64
	e    int
}

// exactWeight returns f > 0 as m * 2^e with an odd integer m: the exact
// value of the float64, with no decimal rounding.
func exactWeight(f float64) (m uint64, e int) {
	frac, exp := math.Frexp(f) // f = frac * 2^exp, frac in [0.5, 1)
	m, e = uint64(math.Ldexp(frac, 53)), exp-53
	tz := bits.TrailingZeros64(m)
	return m >> tz, e + tz
}

// scaleSmall returns the weights scaled to exponent minE and their sum
// when all of it fits in 64 bits.
func scaleSmall(ws []weight, minE int) ([]uint64, uint64, bool) {
	out := make([]uint64, len(ws))
	var sum uint64
	for i, w := range ws {
		shift := w.e - minE
		if shift >= 64 || bits.Len64(w.m)+shift > 64 {
			return nil, 0, false
		}
		v := w.m << shift
		var carry uint64
		sum, carry = bits.Add64(sum, v, 0)
		if carry != 0 {
			return nil, 0, false
		}
		out[i] = v
	}
	return out, sum, true
}

// SplitReward divides reward (smallest units) by PROP, the remainder rule
// included:
//
//  1. Each fee is floor(reward * percent / 100), in the order given.
//  2. The miners' pool is P = reward - the fees.
//  3. Each miner with weight w (its summed share difficulty, taken as the
//     exact value of the float64 stored) of a round of total weight W gets
//     floor(P * w / W), computed in exact integer arithmetic.
//  4. The remainder, P minus the credits, stays in the pool's wallet. It is
//     below one smallest unit per miner.
//
// A round with no weight credits nobody: all of P is remainder. Weights
// of zero are ignored; negative, NaN or infinite weights are an error.
func SplitReward(reward int64, weights map[string]float64, fees []Fee) (Split, error) {
	if reward < 0 {
		return Split{}, fmt.Errorf("%w: reward %d is negative", ErrBadSplit, reward)
	}
	s := Split{Reward: reward}
	total := decimal.Zero
	r := new(big.Int).SetInt64(reward)
	hundred := big.NewInt(100)
	for _, f := range fees {
		if f.Percent.IsNegative() {
			return Split{}, fmt.Errorf("%w: fee %s%% is negative", ErrBadSplit, f.Percent)
		}
		total = total.Add(f.Percent)
		// floor(reward * coefficient * 10^exp / 100), exactly.
		num := new(big.Int).Mul(r, f.Percent.Coefficient())
		den := new(big.Int).Set(hundred)
		if exp := f.Percent.Exponent(); exp >= 0 {
			num.Mul(num, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(exp)), nil))
		} else {
			den.Mul(den, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-exp)), nil))
		}
		amount := num.Quo(num, den).Int64()
		s.Fees = append(s.Fees, ledger.Credit{Address: f.Address, Amount: amount})
		s.Fee += amount
	}
	if total.GreaterThanOrEqual(decimal.NewFromInt(100)) {
		return Split{}, fmt.Errorf("%w: fees add up to %s%%", ErrBadSplit, total)
	}
	pool := reward - s.Fee

	ws := make([]weight, 0, len(weights))
	minE := math.MaxInt
	for a, f := range weights {
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0) || f < 0:
			return Split{}, fmt.Errorf("%w: weight of %q is %v", ErrBadSplit, a, f)
		case f == 0:
			continue
		}
		m, e := exactWeight(f)
		ws = append(ws, weight{a, m, e})
		minE = min(minE, e)
	}
	slices.SortFunc(ws, func(a, b weight) int { return strings.Compare(a.addr, b.addr) })
	if len(ws) == 0 {
		s.Remainder = pool
		return s, nil
	}
	s.Credits = make([]ledger.Credit, 0, len(ws))
	credit := func(addr string, c int64) {
		if c > 0 {
			s.Credits = append(s.Credits, ledger.Credit{Address: addr, Amount: c})
			s.Credited += c
		}
	}
	// Scale every weight to the smallest exponent: w = m << (e - minE).
	// When the scaled weights and their sum fit 64 bits, 64x64->128-bit
	// products and 128/64-bit quotients are exact and need no allocation;
	// the quotient P*w/W <= P fits 64 bits, as bits.Div64 requires.
	if small, sum, ok := scaleSmall(ws, minE); ok {
		for i, w := range ws {
			hi, lo := bits.Mul64(uint64(pool), small[i])
			q, _ := bits.Div64(hi, lo, sum)
			credit(w.addr, int64(q))
		}
	} else {
		scaled := make([]big.Int, len(ws))
		var sum big.Int
		for i, w := range ws {
			scaled[i].SetUint64(w.m)
			scaled[i].Lsh(&scaled[i], uint(w.e-minE))
			sum.Add(&sum, &scaled[i])
		}
		p := new(big.Int).SetInt64(pool)
		var prod, q big.Int
		for i, w := range ws {
			prod.Mul(p, &scaled[i])
			q.Quo(&prod, &sum)
			credit(w.addr, q.Int64())
		}
	}
	s.Remainder = pool - s.Credited
	return s, nil
}
