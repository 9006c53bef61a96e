package payout_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/multipool/multipool/payout"
)

// BenchmarkSplitReward100k splits one round of 100,000 workers with
// difficulties spread over six orders of magnitude, as a busy pool's
// varDiff produces, with a 1% fee.
func BenchmarkSplitReward100k(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 7))
	weights := make(map[string]float64, 100_000)
	for i := range 100_000 {
		// Summed difficulties: shares of 2^k difficulty times a count.
		weights[fmt.Sprintf("rltc1qworker%06d", i)] = float64(uint64(1)<<rng.IntN(20)) * float64(1+rng.IntN(5000))
	}
	fees := []payout.Fee{{Percent: decimal.RequireFromString("1")}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := payout.SplitReward(1_250_000_000, weights, fees)
		if err != nil || s.Credited+s.Fee+s.Remainder != s.Reward {
			b.Fatal(err)
		}
	}
}

// BenchmarkSplitReward100kFractional is the same round with decimal
// difficulties (0.001 steps), whose exact binary values need more than 64
// bits once summed: the big-integer path.
func BenchmarkSplitReward100kFractional(b *testing.B) {
	rng := rand.New(rand.NewPCG(7, 8))
	weights := make(map[string]float64, 100_000)
	for i := range 100_000 {
		var d float64
		for range 1 + rng.IntN(20) {
			d += float64(1+rng.IntN(64000)) * 0.001
		}
		weights[fmt.Sprintf("rltc1qworker%06d", i)] = d
	}
	fees := []payout.Fee{{Percent: decimal.RequireFromString("1")}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s, err := payout.SplitReward(1_250_000_000, weights, fees)
		if err != nil || s.Credited+s.Fee+s.Remainder != s.Reward {
			b.Fatal(err)
		}
	}
}
