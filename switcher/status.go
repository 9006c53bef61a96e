package switcher

import (
	"slices"
	"strings"
	"time"
)

// SwitchInfo describes one switch.
type SwitchInfo struct {
	At     time.Time `json:"at,omitzero"`
	From   string    `json:"from"`
	To     string    `json:"to"`
	Reason string    `json:"reason"`
	Manual bool      `json:"manual,omitempty"`
}

// WorkerStatus is one login seen on the port.
type WorkerStatus struct {
	Login string `json:"login"`
	// Coin is the coin of its last accepted share, LastShare its time.
	Coin      string    `json:"coin,omitempty"`
	LastShare time.Time `json:"lastShare,omitzero"`
	// Payouts says where each coin pays it.
	Payouts []PayoutAddress `json:"payouts"`
}

// Status is a port's state for the API, the logs and the dashboard.
type Status struct {
	Name      string   `json:"name"`
	Algorithm string   `json:"algorithm"`
	Coins     []string `json:"coins"`
	// Coin is the coin whose work every session has now, since Since.
	Coin  string    `json:"coin"`
	Since time.Time `json:"since,omitzero"`
	// Target is the chosen coin; it differs from Coin only until the
	// chosen pool has its first job.
	Target string `json:"target"`
	// Override is the operator's coin, "" when switching automatically.
	Override string `json:"override,omitempty"`
	// LastDecision is the hysteresis' verdict on the newest ranking.
	LastDecision string     `json:"lastDecision"`
	Switches     uint64     `json:"switches"`
	LastSwitch   SwitchInfo `json:"lastSwitch"`
	// Shares counts the shares accepted through the port, per coin.
	Shares  map[string]uint64 `json:"shares"`
	Workers []WorkerStatus    `json:"workers"`
}

// Status returns the port's state.
func (p *Port) Status() Status {
	st := Status{Name: p.cfg.Name, Algorithm: p.cfg.Algorithm, Coins: p.Coins()}
	if t := p.target.Load(); t != nil {
		st.Target = t.key
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	st.Coin, st.Since, st.Override = p.coin, p.since, p.override
	st.LastDecision, st.Switches, st.LastSwitch = p.lastDecision, p.switches, p.last
	st.Shares = make(map[string]uint64, len(p.shares))
	for k, v := range p.shares {
		st.Shares[k] = v
	}
	seen := map[string]bool{}
	for _, l := range p.logins {
		if seen[l.name] && l.lastAt.IsZero() {
			continue
		}
		seen[l.name] = true
		st.Workers = append(st.Workers, WorkerStatus{Login: l.name, Coin: l.lastCoin, LastShare: l.lastAt,
			Payouts: slices.Clone(l.payouts)})
	}
	slices.SortFunc(st.Workers, func(a, b WorkerStatus) int {
		if c := strings.Compare(a.Login, b.Login); c != 0 {
			return c
		}
		return b.LastShare.Compare(a.LastShare)
	})
	return st
}

// Worker returns the status of one login (the most recently active entry
// when it logged in with several passwords).
func (p *Port) Worker(login string) (WorkerStatus, bool) {
	for _, w := range p.Status().Workers {
		if w.Login == login {
			return w, true
		}
	}
	return WorkerStatus{}, false
}
