package stratum

import (
	"testing"
	"time"
)

func TestVarDiff(t *testing.T) {
	cfg := VarDiffConfig{MinDiff: 1, MaxDiff: 1000, TargetTime: 10 * time.Second, RetargetTime: 60 * time.Second, VariancePercent: 30}
	tests := []struct {
		name      string
		cur       float64
		intervals []time.Duration // between consecutive shares, after the first
		want      float64         // 0: no change expected at the last share
	}{
		{"too early", 8, repeat(time.Second, 29), 0},
		{"fast: capped at 4x", 8, repeat(time.Second, 30), 32},
		{"a bit fast", 8, repeat(5*time.Second, 6), 16},
		{"within variance", 8, repeat(12*time.Second, 3), 0},
		{"slow: capped at 1/4", 8, []time.Duration{200 * time.Second}, 2},
		{"a bit slow", 8, repeat(20*time.Second, 2), 4},
		{"clamped to max", 900, repeat(time.Second, 30), 1000},
		{"clamped to min", 2, []time.Duration{200 * time.Second}, 1},
		{"at min already", 1, []time.Duration{200 * time.Second}, 0},
		{"clock went back", 8, []time.Duration{-time.Hour, 61 * time.Second}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := newVarDiff(cfg)
			now := time.Unix(1e9, 0)
			if _, ok := v.sample(now, tt.cur); ok {
				t.Fatal("retarget on the first share")
			}
			var got float64
			var changed bool
			for i, d := range tt.intervals {
				now = now.Add(d)
				got, changed = v.sample(now, tt.cur)
				if changed && i < len(tt.intervals)-1 {
					t.Fatalf("retarget at share %d", i+2)
				}
			}
			if tt.want == 0 {
				if changed {
					t.Fatalf("retarget to %v", got)
				}
				return
			}
			if !changed || !near(got, tt.want) {
				t.Fatalf("got %v (%v), want %v", got, changed, tt.want)
			}
		})
	}
}

func TestVarDiffNextRetargetWaits(t *testing.T) {
	v := newVarDiff(VarDiffConfig{MinDiff: 1, MaxDiff: 1e6, TargetTime: 10 * time.Second, RetargetTime: 60 * time.Second, VariancePercent: 30})
	now := time.Unix(1e9, 0)
	cur := 8.0
	changes := 0
	for range 200 {
		now = now.Add(time.Second)
		if d, ok := v.sample(now, cur); ok {
			changes++
			cur = d
		}
	}
	// 200 s of shares: the first retarget after 30 s, then every 60 s.
	if changes != 3 || cur != 8*64 {
		t.Fatalf("%d retargets, difficulty %v", changes, cur)
	}
}

func repeat(d time.Duration, n int) []time.Duration {
	out := make([]time.Duration, n)
	for i := range out {
		out[i] = d
	}
	return out
}

func near(a, b float64) bool { return a > b*0.999 && a < b*1.001 }
