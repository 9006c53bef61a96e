package stratum

import "time"

// Bounds on how far one retarget may move the difficulty.
const (
	maxRetargetDown = 0.25
	maxRetargetUp   = 4
)

// varDiff decides a session's share difficulty from the times between its
// accepted shares, as NOMP does: the first retarget comes RetargetTime/2
// after the first share, later ones at most every RetargetTime, each one
// looking at the average interval of the shares since the last change.
// It is owned by the session's reader goroutine.
type varDiff struct {
	cfg       VarDiffConfig
	intervals []time.Duration // ring of recent share intervals
	pos, n    int

	started      bool
	lastShare    time.Time
	lastRetarget time.Time
}

func newVarDiff(cfg VarDiffConfig) *varDiff {
	size := int(4 * cfg.RetargetTime / cfg.TargetTime)
	size = min(max(size, 4), 512)
	return &varDiff{cfg: cfg, intervals: make([]time.Duration, size)}
}

// sample records an accepted share at now while the session's difficulty
// is cur. It returns the new difficulty when a retarget is due and the
// average share time is outside the allowed variance.
func (v *varDiff) sample(now time.Time, cur float64) (float64, bool) {
	if !v.started {
		v.started = true
		v.lastShare = now
		v.lastRetarget = now.Add(-v.cfg.RetargetTime / 2)
		return 0, false
	}
	v.push(max(now.Sub(v.lastShare), 0))
	v.lastShare = now
	if now.Sub(v.lastRetarget) < v.cfg.RetargetTime {
		return 0, false
	}
	v.lastRetarget = now
	avg := float64(v.average())
	target := float64(v.cfg.TargetTime)
	spread := target * v.cfg.VariancePercent / 100
	if avg >= target-spread && avg <= target+spread {
		return 0, false
	}
	factor := maxRetargetUp * 1.0
	if avg > 0 {
		factor = min(max(target/avg, maxRetargetDown), maxRetargetUp)
	}
	next := min(max(cur*factor, v.cfg.MinDiff), v.cfg.MaxDiff)
	if next == cur {
		return 0, false
	}
	v.pos, v.n = 0, 0
	return next, true
}

func (v *varDiff) push(d time.Duration) {
	v.intervals[v.pos] = d
	v.pos = (v.pos + 1) % len(v.intervals)
	v.n = min(v.n+1, len(v.intervals))
}

func (v *varDiff) average() time.Duration {
	if v.n == 0 {
		return 0
	}
	var sum time.Duration
	for i := range v.n {
		sum += v.intervals[i]
	}
	return sum / time.Duration(v.n)
}
