package payout_test

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/multipool/multipool/payout"
)

// oracle computes floor(pool * w / W) with big.Rat from the exact float64
// values, independently of SplitReward's integer scaling.
func oracle(pool int64, weights map[string]float64) map[string]int64 {
	total := new(big.Rat)
	for _, w := range weights {
		total.Add(total, new(big.Rat).SetFloat64(w))
	}
	out := map[string]int64{}
	if total.Sign() == 0 {
		return out
	}
	for a, w := range weights {
		r := new(big.Rat).Mul(new(big.Rat).SetInt64(pool), new(big.Rat).SetFloat64(w))
		r.Quo(r, total)
		q := new(big.Int).Quo(r.Num(), r.Denom())
		if q.Int64() > 0 {
			out[a] = q.Int64()
		}
	}
	return out
}

// checkSplit verifies the invariant and every credit against the oracle.
func checkSplit(t *testing.T, s payout.Split, reward int64, weights map[string]float64) {
	t.Helper()
	var credited, fee int64
	for _, c := range s.Credits {
		credited += c.Amount
	}
	for _, f := range s.Fees {
		fee += f.Amount
	}
	if credited != s.Credited || fee != s.Fee {
		t.Fatalf("credited %d (field %d), fee %d (field %d)", credited, s.Credited, fee, s.Fee)
	}
	if s.Credited+s.Fee+s.Remainder != reward || s.Reward != reward {
		t.Fatalf("credited %d + fee %d + remainder %d != reward %d", s.Credited, s.Fee, s.Remainder, reward)
	}
	positive := 0
	for _, w := range weights {
		if w > 0 {
			positive++
		}
	}
	if s.Remainder < 0 || (positive > 0 && s.Remainder >= int64(positive)) {
		t.Fatalf("remainder %d with %d miners: the rule bounds it below one unit per miner", s.Remainder, positive)
	}
	want := oracle(reward-s.Fee, weights)
	if len(want) != len(s.Credits) {
		t.Fatalf("%d credits, oracle %d", len(s.Credits), len(want))
	}
	for i, c := range s.Credits {
		if i > 0 && s.Credits[i-1].Address >= c.Address {
			t.Fatalf("credits not sorted by address at %d", i)
		}
		if want[c.Address] != c.Amount {
			t.Fatalf("%s: credit %d, oracle %d", c.Address, c.Amount, want[c.Address])
		}
	}
}

// tenth is a variable so that tenth + 2*tenth is float64 arithmetic
// (0.30000000000000004), not an exact constant.
var tenth = 0.1

func pct(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestSplitReward(t *testing.T) {
	tests := []struct {
		name      string
		reward    int64
		weights   map[string]float64
		fees      []payout.Fee
		credits   map[string]int64
		fee       int64
		remainder int64
	}{
		{name: "thirds leave a remainder", reward: 100, weights: map[string]float64{"a": 1, "b": 1, "c": 1},
			credits: map[string]int64{"a": 33, "b": 33, "c": 33}, remainder: 1},
		{name: "proportional to difficulty", reward: 5_000_000_000, weights: map[string]float64{"a": 0.001, "b": 0.002, "c": 0.004},
			credits: map[string]int64{"a": 714285714, "b": 1428571428, "c": 2857142857}, remainder: 1},
		{name: "fee first, floored", reward: 999, weights: map[string]float64{"a": 2, "b": 1},
			fees: []payout.Fee{{Percent: pct("0.5")}}, fee: 4, credits: map[string]int64{"a": 663, "b": 331}, remainder: 1},
		{name: "two fees, one to an address", reward: 1_000_000, weights: map[string]float64{"a": 1},
			fees: []payout.Fee{{Percent: pct("1")}, {Address: "rltc1qfee", Percent: pct("2.25")}}, fee: 32_500,
			credits: map[string]int64{"a": 967_500}},
		{name: "empty round: all remainder", reward: 1000, weights: map[string]float64{}, remainder: 1000},
		{name: "zero weight ignored", reward: 10, weights: map[string]float64{"a": 0, "b": 3}, credits: map[string]int64{"b": 10}},
		{name: "tiny weight floors to nothing", reward: 1000, weights: map[string]float64{"a": 1e-12, "b": 1e12},
			credits: map[string]int64{"b": 999}, remainder: 1},
		{name: "float sums are taken exactly", reward: 300_000_000, weights: map[string]float64{"a": tenth + 2*tenth, "b": 0.3},
			credits: map[string]int64{"a": 150_000_000, "b": 149_999_999}, remainder: 1},
		{name: "zero reward", reward: 0, weights: map[string]float64{"a": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := payout.SplitReward(tt.reward, tt.weights, tt.fees)
			if err != nil {
				t.Fatal(err)
			}
			checkSplit(t, s, tt.reward, tt.weights)
			got := map[string]int64{}
			for _, c := range s.Credits {
				got[c.Address] = c.Amount
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.credits) && !(len(got) == 0 && len(tt.credits) == 0) {
				t.Errorf("credits %v, want %v", got, tt.credits)
			}
			if s.Fee != tt.fee || s.Remainder != tt.remainder {
				t.Errorf("fee %d remainder %d, want %d %d", s.Fee, s.Remainder, tt.fee, tt.remainder)
			}
		})
	}
}

func TestSplitRewardErrors(t *testing.T) {
	tests := []struct {
		name    string
		reward  int64
		weights map[string]float64
		fees    []payout.Fee
	}{
		{"negative reward", -1, map[string]float64{"a": 1}, nil},
		{"negative weight", 10, map[string]float64{"a": -1}, nil},
		{"NaN weight", 10, map[string]float64{"a": math.NaN()}, nil},
		{"infinite weight", 10, map[string]float64{"a": math.Inf(1)}, nil},
		{"fees of 100%", 10, map[string]float64{"a": 1}, []payout.Fee{{Percent: pct("60")}, {Percent: pct("40")}}},
		{"negative fee", 10, map[string]float64{"a": 1}, []payout.Fee{{Percent: pct("-1")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := payout.SplitReward(tt.reward, tt.weights, tt.fees); !errors.Is(err, payout.ErrBadSplit) {
				t.Fatalf("error %v, want ErrBadSplit", err)
			}
		})
	}
}

// TestSplitRewardRandom checks the invariant and the oracle on random
// rounds: rewards up to 2^62, difficulties over 40 orders of magnitude.
func TestSplitRewardRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 300 {
		n := 1 + rng.IntN(50)
		weights := make(map[string]float64, n)
		for j := range n {
			weights[fmt.Sprintf("addr%03d", j)] = math.Pow(10, rng.Float64()*40-20) * rng.Float64()
		}
		reward := rng.Int64N(1 << 62)
		fees := []payout.Fee{{Percent: decimal.New(rng.Int64N(5000), -3)}}
		s, err := payout.SplitReward(reward, weights, fees)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkSplit(t, s, reward, weights)
	}
	// Whole and binary-fraction difficulties (the 64-bit path).
	for i := range 300 {
		n := 1 + rng.IntN(50)
		weights := make(map[string]float64, n)
		for j := range n {
			weights[fmt.Sprintf("addr%03d", j)] = math.Ldexp(float64(1+rng.IntN(1<<20)), rng.IntN(20)-10)
		}
		reward := rng.Int64N(1 << 62)
		s, err := payout.SplitReward(reward, weights, nil)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		checkSplit(t, s, reward, weights)
	}
}

func FuzzSplitReward(f *testing.F) {
	f.Add(int64(5_000_000_000), 0.001, 0.002, 16.0, "1.5")
	f.Add(int64(1), 1e-300, 1e300, 0.0, "0")
	f.Fuzz(func(t *testing.T, reward int64, a, b, c float64, fee string) {
		weights := map[string]float64{"a": a, "b": b, "c": c}
		p, err := decimal.NewFromString(fee)
		if err != nil || reward < 0 || len(fee) > 20 {
			t.Skip()
		}
		s, err := payout.SplitReward(reward, weights, []payout.Fee{{Percent: p}})
		if err != nil {
			if !errors.Is(err, payout.ErrBadSplit) {
				t.Fatalf("error %v does not wrap ErrBadSplit", err)
			}
			return
		}
		checkSplit(t, s, reward, weights)
	})
}

func TestBalanceCredits(t *testing.T) {
	s, err := payout.SplitReward(1000, map[string]float64{"b": 1, "fee": 1}, []payout.Fee{{Address: "fee", Percent: pct("10")}, {Percent: pct("5")}})
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(s.BalanceCredits())
	// pool 850: b 425, fee 425 + its 100.
	if want := "[{b 425} {fee 525}]"; got != want {
		t.Fatalf("balance credits %s, want %s", got, want)
	}
	if s.FeeKept() != 50 {
		t.Fatalf("fee kept %d, want 50", s.FeeKept())
	}
}
