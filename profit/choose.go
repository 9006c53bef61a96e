package profit

import (
	"fmt"
	"math"
	"time"
)

// Chooser is the hysteresis of one switch group: the group leaves its coin
// only for a coin that beats it by at least MinImprovementPercent, and
// only after some coin has done so in every ranking for MinHold. A wobble
// within the threshold, or a lead that does not last, switches nothing.
//
// The zero Chooser switches to any strictly better coin at once.
type Chooser struct {
	// MinImprovementPercent is how much more (P*R/D) the best coin must
	// earn than the current one, in percent.
	MinImprovementPercent float64
	// MinHold is how long the current coin must stay beaten.
	MinHold time.Duration
	// IncompleteHold is how long the current coin may lack complete
	// figures before the group leaves it, when that is longer than
	// MinHold: a source failing for a round (a daemon still connecting
	// to its peers after a restart, say) moves nobody.
	IncompleteHold time.Duration

	// beatenSince is when the current coin was first beaten by the
	// threshold, in the run of rankings that still beat it; zero when it
	// is not beaten.
	beatenSince time.Time
}

// Decision is a Chooser's verdict on one ranking.
type Decision struct {
	// To is the coin to switch to; "" means stay.
	To string
	// Reason says why, in a sentence for the log and the switch log.
	Reason string
	// Pending is set while a coin beats the current one by the threshold
	// but MinHold has not passed yet.
	Pending bool
}

// Reset forgets a pending challenge (after a switch or an override).
func (c *Chooser) Reset() { c.beatenSince = time.Time{} }

// Decide judges one ranking (the eligible coins, best first; incomplete
// coins are ignored) for a group currently on current ("" before the
// first choice). A group on a coin that is not in the ranking moves to the
// best complete coin at once.
func (c *Chooser) Decide(now time.Time, current string, ranking []CoinFigures) Decision {
	var best, cur *CoinFigures
	for i := range ranking {
		cf := &ranking[i]
		if cf.Complete && (best == nil || cf.Score > best.Score) {
			best = cf
		}
		if cf.Coin == current {
			cur = cf
		}
	}
	if best == nil {
		c.Reset()
		return Decision{Reason: "no coin has complete figures"}
	}
	if current == "" || cur == nil {
		c.Reset()
		why := fmt.Sprintf("%s earns most (%s per %s a day)", best.Coin, formatAmount(best.Revenue), best.Unit)
		if current != "" {
			why = fmt.Sprintf("%s is not available; %s", current, why)
		}
		return Decision{To: best.Coin, Reason: why}
	}
	if best.Coin == current {
		c.Reset()
		return Decision{Reason: current + " earns most"}
	}
	improvement := math.Inf(1)
	if cur.Complete && cur.Score > 0 {
		improvement = (best.Score/cur.Score - 1) * 100
	}
	if !(best.Score > cur.Score || !cur.Complete) || improvement < c.MinImprovementPercent {
		c.Reset()
		return Decision{Reason: fmt.Sprintf("%s leads %s by %.2f%%, within the %.2f%% threshold",
			best.Coin, current, improvement, c.MinImprovementPercent)}
	}
	if c.beatenSince.IsZero() || now.Before(c.beatenSince) {
		c.beatenSince = now
	}
	held := now.Sub(c.beatenSince)
	hold := c.MinHold
	if !cur.Complete {
		hold = max(hold, c.IncompleteHold)
	}
	var lead string
	if cur.Complete {
		lead = fmt.Sprintf("%s earns %.2f%% more than %s (%s vs %s per %s a day)", best.Coin, improvement, current,
			formatAmount(best.Revenue), formatAmount(cur.Revenue), best.Unit)
	} else {
		lead = fmt.Sprintf("%s has no complete figures; %s earns %s per %s a day", current, best.Coin,
			formatAmount(best.Revenue), best.Unit)
	}
	if held < hold {
		return Decision{Pending: true, Reason: fmt.Sprintf("%s; switching once that has held for %v (now %v)",
			lead, hold, held.Round(time.Second))}
	}
	c.Reset()
	if hold > 0 {
		lead += fmt.Sprintf(", for %v", held.Round(time.Second))
	}
	return Decision{To: best.Coin, Reason: lead}
}

// formatAmount prints a revenue with enough significant digits.
func formatAmount(f float64) string { return fmt.Sprintf("%.6g", f) }
