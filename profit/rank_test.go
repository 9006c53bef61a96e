package profit

import (
	"math"
	"os"
	"testing"
	"time"

	"github.com/multipool/multipool/coins/daemon"
)

func near(a, b float64) bool {
	if a == b {
		return true
	}
	return math.Abs(a-b) <= 1e-9*math.Max(math.Abs(a), math.Abs(b))
}

// TestFormulaWorkedExamples checks revenue/day = P*R*H*86400/(D*2^32) on
// figures from the sample payloads, worked by hand:
//
// Litecoin in February 2014 (coinchoose-api.json): D = 3206.90479195,
// R = 50, P = 0.02532 BTC. One MH/s mines 50 * 1e6 * 86400 /
// (3206.90479195 * 4294967296) = 4.32e12 / 1.37735e13 = 0.313645 LTC a
// day, worth 0.313645 * 0.02532 = 0.00794148 BTC. Its network hashrate
// was about 101.6 GH/s and it mined 576 blocks of 50 LTC a day, so 1 MH/s
// was 1/101606 of 28800 LTC = 0.283 LTC a day: the same order, the
// difference being the hashrate estimate.
//
// Bitcoin in January 2018 (coinwarz-profitability.json): D =
// 1931136454487.72, R = 12.5. One TH/s mines 12.5 * 1e12 * 86400 /
// (1931136454487.72 * 2^32) = 0.000130212 BTC a day.
//
// Regtest (bits 0x207fffff): D = 0xffff*2^208 / (0x7fffff*2^232) =
// 65535 / (8388607 * 2^24) = 4.6566e-10.
func TestFormulaWorkedExamples(t *testing.T) {
	tests := []struct {
		name            string
		d, r, p, h      float64
		coins, revenue  float64
		score           float64
		unitAlg, unitIs string
	}{
		{"litecoin 2014", 3206.90479195, 50, 0.02532, 1e6, 0.31364460307944153, 0.00794148134997146, 0.0003947731791657564, "scrypt", "MH/s"},
		{"bitcoin 2018", 1931136454487.72, 12.5, 1, 1e12, 0.00013021197676726796, 0.00013021197676726796, 12.5 / 1931136454487.72, "sha256d", "TH/s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CoinsPerDay(tc.d, tc.r, tc.h); !near(got, tc.coins) {
				t.Errorf("coins/day %v, want %v", got, tc.coins)
			}
			if got := RevenuePerDay(tc.d, tc.r, tc.p, tc.h); !near(got, tc.revenue) {
				t.Errorf("revenue/day %v, want %v", got, tc.revenue)
			}
			if got := Score(tc.d, tc.r, tc.p); !near(got, tc.score) {
				t.Errorf("score %v, want %v", got, tc.score)
			}
			u := UnitFor(tc.unitAlg)
			if u.Name != tc.unitIs || u.Hashes != tc.h {
				t.Errorf("unit %+v, want %s = %v", u, tc.unitIs, tc.h)
			}
			cf := figuresOf(Coin{Key: "c", Algorithm: tc.unitAlg},
				Figure{Value: tc.d, Source: "a"}, Figure{Value: tc.r, Source: "a"}, Figure{Value: tc.p, Source: "b"})
			if !cf.Complete || !near(cf.Revenue, tc.revenue) || !near(cf.CoinsPerDay, tc.coins) {
				t.Errorf("figures %+v", cf)
			}
		})
	}
	for _, bad := range [][3]float64{{0, 1, 1}, {1, 0, 1}, {1, 1, 0}, {math.NaN(), 1, 1}, {math.Inf(1), 1, 1}, {-1, 1, 1}} {
		if s := Score(bad[0], bad[1], bad[2]); s != 0 {
			t.Errorf("Score%v = %v, want 0", bad, s)
		}
	}
}

// TestRankingOrder ranks two scrypt coins whose only difference is the
// price, and keeps an incomplete coin last.
func TestRankingOrder(t *testing.T) {
	d := Figure{Value: 1000, Source: "daemon"}
	r := Figure{Value: 50, Source: "daemon"}
	cs := []CoinFigures{
		figuresOf(Coin{Key: "doge", Algorithm: "scrypt"}, d, r, Figure{}),
		figuresOf(Coin{Key: "ltc", Algorithm: "scrypt"}, d, r, Figure{Value: 0.01, Source: "x"}),
		figuresOf(Coin{Key: "btc", Algorithm: "sha256d"}, d, r, Figure{Value: 1, Source: "quote"}),
		figuresOf(Coin{Key: "ltb", Algorithm: "scrypt"}, d, r, Figure{Value: 0.02, Source: "x"}),
	}
	sortCoins(cs)
	s := &Snapshot{Coins: cs}
	var got []string
	for _, c := range s.Ranking("scrypt") {
		got = append(got, c.Coin)
	}
	if want := []string{"ltb", "ltc", "doge"}; !equalStrings(got, want) {
		t.Fatalf("scrypt ranking %v, want %v", got, want)
	}
	if algs := s.Algorithms(); !equalStrings(algs, []string{"scrypt", "sha256d"}) {
		t.Fatalf("algorithms %v", algs)
	}
	if c, ok := s.Coin("btc"); !ok || c.Unit != "TH/s" {
		t.Fatalf("btc %+v %v", c, ok)
	}
}

// TestTemplateQuote reads difficulty and reward from real regtest
// templates of litecoind and btcd.
func TestTemplateQuote(t *testing.T) {
	for _, f := range []string{"ltc-getblocktemplate-h102-premweb.json", "btcd-regtest-getblocktemplate.json"} {
		t.Run(f, func(t *testing.T) {
			raw, err := os.ReadFile("testdata/" + f)
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := daemon.ParseBlockTemplate(raw)
			if err != nil {
				t.Fatal(err)
			}
			q, err := templateQuote(tmpl, 8)
			if err != nil {
				t.Fatal(err)
			}
			if !near(q.Difficulty, 65535/(8388607*math.Pow(2, 24))) || q.Reward != 50 {
				t.Fatalf("quote %+v, want D 4.6566e-10 and R 50", q)
			}
		})
	}
	if _, err := templateQuote(&daemon.BlockTemplate{Bits: "zz", CoinbaseValue: 1}, 8); err == nil {
		t.Error("bad bits accepted")
	}
	if _, err := templateQuote(&daemon.BlockTemplate{Bits: "207fffff"}, 8); err == nil {
		t.Error("zero coinbasevalue accepted")
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// rankingOf builds a scrypt ranking from scores (by coin key); a negative
// score is an incomplete coin.
func rankingOf(scores map[string]float64) []CoinFigures {
	var out []CoinFigures
	for k, s := range scores {
		d := Figure{Value: 1, Source: "daemon"}
		r := Figure{Value: 1, Source: "daemon"}
		p := Figure{Value: s, Source: "x"}
		if s < 0 {
			p = Figure{}
		}
		out = append(out, figuresOf(Coin{Key: k, Algorithm: "scrypt"}, d, r, p))
	}
	sortCoins(out)
	return out
}

func TestChooser(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	type step struct {
		after   time.Duration
		current string
		scores  map[string]float64
		to      string
		pending bool
	}
	tests := []struct {
		name  string
		c     Chooser
		steps []step
	}{
		{"first choice is the best", Chooser{MinImprovementPercent: 10, MinHold: time.Hour}, []step{
			{0, "", map[string]float64{"a": 1, "b": 2}, "b", false},
		}},
		{"no complete coin: no choice", Chooser{}, []step{
			{0, "", map[string]float64{"a": -1}, "", false},
		}},
		{"current coin gone: best at once", Chooser{MinImprovementPercent: 50, MinHold: time.Hour}, []step{
			{0, "gone", map[string]float64{"a": 1, "b": 2}, "b", false},
		}},
		{"wobble within the threshold never switches", Chooser{MinImprovementPercent: 10}, []step{
			{0, "a", map[string]float64{"a": 1, "b": 1.05}, "", false},
			{time.Minute, "a", map[string]float64{"a": 1, "b": 1.099}, "", false},
			{2 * time.Minute, "a", map[string]float64{"a": 1, "b": 0.95}, "", false},
		}},
		{"beyond the threshold with no hold switches at once", Chooser{MinImprovementPercent: 10}, []step{
			{0, "a", map[string]float64{"a": 1, "b": 1.1}, "b", false},
		}},
		{"the lead must hold for MinHold", Chooser{MinImprovementPercent: 10, MinHold: 5 * time.Minute}, []step{
			{0, "a", map[string]float64{"a": 1, "b": 1.2}, "", true},
			{4 * time.Minute, "a", map[string]float64{"a": 1, "b": 1.2}, "", true},
			{5 * time.Minute, "a", map[string]float64{"a": 1, "b": 1.3}, "b", false},
		}},
		{"a lead that fades restarts the hold", Chooser{MinImprovementPercent: 10, MinHold: 5 * time.Minute}, []step{
			{0, "a", map[string]float64{"a": 1, "b": 1.2}, "", true},
			{3 * time.Minute, "a", map[string]float64{"a": 1, "b": 1.05}, "", false},
			{6 * time.Minute, "a", map[string]float64{"a": 1, "b": 1.2}, "", true},
			{10 * time.Minute, "a", map[string]float64{"a": 1, "b": 1.2}, "", true},
			{11 * time.Minute, "a", map[string]float64{"a": 1, "b": 1.2}, "b", false},
		}},
		{"the hold counts for whichever coin leads; the best wins", Chooser{MinImprovementPercent: 10, MinHold: 5 * time.Minute}, []step{
			{0, "a", map[string]float64{"a": 1, "b": 1.2, "c": 1.1}, "", true},
			{5 * time.Minute, "a", map[string]float64{"a": 1, "b": 1.15, "c": 1.3}, "c", false},
		}},
		{"current coin without figures is left after the hold", Chooser{MinImprovementPercent: 10, MinHold: time.Minute}, []step{
			{0, "a", map[string]float64{"a": -1, "b": 1}, "", true},
			{time.Minute, "a", map[string]float64{"a": -1, "b": 1}, "b", false},
		}},
		{"missing figures wait for IncompleteHold, not MinHold", Chooser{MinImprovementPercent: 10, IncompleteHold: 3 * time.Second}, []step{
			{0, "a", map[string]float64{"a": -1, "b": 1}, "", true},
			{time.Second, "a", map[string]float64{"a": 1, "b": 1.05}, "", false}, // back, within the threshold
			{2 * time.Second, "a", map[string]float64{"a": -1, "b": 1}, "", true},
			{4 * time.Second, "a", map[string]float64{"a": -1, "b": 1}, "", true},
			{5 * time.Second, "a", map[string]float64{"a": -1, "b": 1}, "b", false},
		}},
		{"a real lead still needs only MinHold", Chooser{MinImprovementPercent: 10, IncompleteHold: time.Hour}, []step{
			{0, "a", map[string]float64{"a": 1, "b": 1.2}, "b", false},
		}},
		{"a tie stays", Chooser{}, []step{
			{0, "a", map[string]float64{"a": 1, "b": 1}, "", false},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.c
			for i, st := range tc.steps {
				d := c.Decide(t0.Add(st.after), st.current, rankingOf(st.scores))
				if d.To != st.to || d.Pending != st.pending {
					t.Fatalf("step %d: %+v, want to %q pending %v", i, d, st.to, st.pending)
				}
				if d.Reason == "" {
					t.Fatalf("step %d: no reason", i)
				}
			}
		})
	}
}
