package profit

import (
	"math"
	"sort"
	"strings"
	"time"
)

// secondsPerDay and twoTo32 are the constants of the revenue formula.
const (
	secondsPerDay = 86400
	twoTo32       = 4294967296.0
)

// Unit is how revenue is shown for an algorithm: per Name of hashrate,
// which is Hashes hashes per second.
type Unit struct {
	Name   string
	Hashes float64
}

// UnitFor returns the display unit of an algorithm: TH/s for sha256d, MH/s
// for the scrypt family and neoscrypt, GH/s for the rest.
func UnitFor(algorithm string) Unit {
	a := strings.ToLower(algorithm)
	switch {
	case a == "sha256d" || a == "sha256":
		return Unit{"TH/s", 1e12}
	case strings.HasPrefix(a, "scrypt") || a == "neoscrypt":
		return Unit{"MH/s", 1e6}
	}
	return Unit{"GH/s", 1e9}
}

// CoinsPerDay is R * H * 86400 / (D * 2^32): the coins hashrate H (hashes
// per second of the coin's own PoW) earns a day at network difficulty D
// and block reward R. It is 0 unless D, R and H are positive and finite.
func CoinsPerDay(difficulty, reward, hashrate float64) float64 {
	if !usable(difficulty) || !usable(reward) || !usable(hashrate) {
		return 0
	}
	return reward * hashrate * secondsPerDay / (difficulty * twoTo32)
}

// RevenuePerDay is P * CoinsPerDay: what hashrate H earns a day in the
// quote currency at price P.
func RevenuePerDay(difficulty, reward, price, hashrate float64) float64 {
	if !usable(price) {
		return 0
	}
	return price * CoinsPerDay(difficulty, reward, hashrate)
}

// Score is P*R/D, the ranking key of coins of one algorithm; 0 when a
// figure is missing.
func Score(difficulty, reward, price float64) float64 {
	if !usable(difficulty) || !usable(reward) || !usable(price) {
		return 0
	}
	return price * reward / difficulty
}

// usable reports whether a figure is a positive finite number.
func usable(f float64) bool { return f > 0 && !math.IsInf(f, 1) && !math.IsNaN(f) }

// Figure is one number with where and when it came from.
type Figure struct {
	Value float64 `json:"value"`
	// Source names the source ("daemon", "coingecko", ...); "" when the
	// figure is unknown.
	Source string `json:"source,omitempty"`
	// At is when the source's data was current.
	At time.Time `json:"at,omitzero"`
	// Age is the snapshot's time minus At.
	Age time.Duration `json:"age,omitempty"`
	// Stale is set when the source's latest attempt failed or left the
	// coin out, so this is older data kept from before.
	Stale bool `json:"stale,omitempty"`
}

// Known reports whether the figure has a value.
func (f Figure) Known() bool { return f.Source != "" && usable(f.Value) }

// CoinFigures is one coin in a snapshot.
type CoinFigures struct {
	Coin      string `json:"coin"`
	Symbol    string `json:"symbol"`
	Algorithm string `json:"algorithm"`
	// Difficulty is the network difficulty (diff1/target), Reward the
	// block reward in coins, Price the price in the snapshot's quote
	// currency.
	Difficulty Figure `json:"difficulty"`
	Reward     Figure `json:"reward"`
	Price      Figure `json:"price"`
	// Complete is set when all three figures are known.
	Complete bool `json:"complete"`
	// Score is P*R/D (0 unless Complete): the ranking key.
	Score float64 `json:"score"`
	// Revenue is the quote currency one Unit of hashrate earns a day.
	Revenue float64 `json:"revenue"`
	Unit    string  `json:"unit"`
	// CoinsPerDay is what one Unit of hashrate mines a day, in coins (0
	// unless difficulty and reward are known).
	CoinsPerDay float64 `json:"coinsPerDay"`
}

// SourceStatus is a source's health in a snapshot.
type SourceStatus struct {
	Name string `json:"name"`
	// LastTry and LastOK are the latest attempt and the latest success.
	LastTry time.Time `json:"lastTry,omitzero"`
	LastOK  time.Time `json:"lastOk,omitzero"`
	// LastError is the latest attempt's error, "" when it succeeded.
	LastError string `json:"lastError,omitempty"`
	// Successes and Failures count attempts; Consecutive counts the
	// failures since the last success; Skipped counts rounds in which the
	// previous attempt was still running.
	Successes   uint64 `json:"successes"`
	Failures    uint64 `json:"failures"`
	Consecutive uint64 `json:"consecutiveFailures"`
	Skipped     uint64 `json:"skipped"`
	// Missing lists the coins its latest reply left out.
	Missing []string `json:"missing,omitempty"`
	// Stale is set when its latest attempt failed.
	Stale bool `json:"stale"`
}

// Snapshot is one published ranking. It is immutable: never modify one.
type Snapshot struct {
	// Seq counts snapshots from 1.
	Seq   uint64    `json:"seq"`
	Time  time.Time `json:"time"`
	Quote string    `json:"quote"`
	// Coins holds every configured coin, by algorithm (sorted by name) and
	// within an algorithm best first, incomplete coins last.
	Coins   []CoinFigures  `json:"coins"`
	Sources []SourceStatus `json:"sources"`
}

// Ranking returns the coins of one algorithm, best first, incomplete
// coins last. The slice is a copy.
func (s *Snapshot) Ranking(algorithm string) []CoinFigures {
	if s == nil {
		return nil
	}
	var out []CoinFigures
	for _, c := range s.Coins {
		if c.Algorithm == algorithm {
			out = append(out, c)
		}
	}
	return out
}

// Coin returns one coin's figures.
func (s *Snapshot) Coin(key string) (CoinFigures, bool) {
	if s == nil {
		return CoinFigures{}, false
	}
	for _, c := range s.Coins {
		if c.Coin == key {
			return c, true
		}
	}
	return CoinFigures{}, false
}

// Source returns one source's status.
func (s *Snapshot) Source(name string) (SourceStatus, bool) {
	if s == nil {
		return SourceStatus{}, false
	}
	for _, st := range s.Sources {
		if st.Name == name {
			return st, true
		}
	}
	return SourceStatus{}, false
}

// Algorithms returns the algorithms of the snapshot's coins, sorted.
func (s *Snapshot) Algorithms() []string {
	if s == nil {
		return nil
	}
	var out []string
	for _, c := range s.Coins {
		if len(out) == 0 || out[len(out)-1] != c.Algorithm {
			out = append(out, c.Algorithm)
		}
	}
	return out
}

// figuresOf completes a coin's derived numbers from its three figures.
func figuresOf(c Coin, d, r, p Figure) CoinFigures {
	u := UnitFor(c.Algorithm)
	cf := CoinFigures{
		Coin: c.Key, Symbol: c.Symbol, Algorithm: c.Algorithm,
		Difficulty: d, Reward: r, Price: p, Unit: u.Name,
	}
	if d.Known() && r.Known() {
		cf.CoinsPerDay = CoinsPerDay(d.Value, r.Value, u.Hashes)
	}
	if d.Known() && r.Known() && p.Known() {
		cf.Complete = true
		cf.Score = Score(d.Value, r.Value, p.Value)
		cf.Revenue = RevenuePerDay(d.Value, r.Value, p.Value, u.Hashes)
	}
	return cf
}

// sortCoins orders coins by algorithm, then complete before incomplete,
// then by score, best first, then by key.
func sortCoins(cs []CoinFigures) {
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		if a.Algorithm != b.Algorithm {
			return a.Algorithm < b.Algorithm
		}
		if a.Complete != b.Complete {
			return a.Complete
		}
		if a.Score != b.Score {
			return a.Score > b.Score
		}
		return a.Coin < b.Coin
	})
}
