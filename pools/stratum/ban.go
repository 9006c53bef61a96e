package stratum

import (
	"net"
	"sync"
	"time"
)

// banList keeps the ban scores and bans of IP addresses. A nil *banList
// (banning disabled) bans nobody. Safe for concurrent use.
type banList struct {
	cfg BanConfig
	now func() time.Time

	mu sync.Mutex // guards the maps
	// banned maps an IP to the end of its ban.
	banned map[string]time.Time
	// scores counts each IP's submissions since its last check.
	scores map[string]*banScore
}

type banScore struct {
	valid, invalid int
	seen           time.Time
}

func newBanList(cfg BanConfig, now func() time.Time) *banList {
	if !cfg.Enabled {
		return nil
	}
	return &banList{cfg: cfg, now: now, banned: make(map[string]time.Time), scores: make(map[string]*banScore)}
}

// isBanned reports whether ip is banned now.
func (b *banList) isBanned(ip string) bool {
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	until, ok := b.banned[ip]
	if !ok {
		return false
	}
	if b.now().Before(until) {
		return true
	}
	delete(b.banned, ip)
	return false
}

// record counts one submission (or malformed message) of ip and reports
// whether it got the IP banned: once CheckThreshold have been counted, an
// invalid share of at least InvalidPercent bans it; either way the count
// starts again.
func (b *banList) record(ip string, valid bool) bool {
	if b == nil {
		return false
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.scores[ip]
	if s == nil {
		s = &banScore{}
		b.scores[ip] = s
	}
	s.seen = now
	if valid {
		s.valid++
	} else {
		s.invalid++
	}
	total := s.valid + s.invalid
	if total < b.cfg.CheckThreshold {
		return false
	}
	bad := float64(s.invalid)*100/float64(total) >= b.cfg.InvalidPercent
	delete(b.scores, ip)
	if bad {
		b.banned[ip] = now.Add(b.cfg.Time)
	}
	return bad
}

// purge drops expired bans and counters idle for longer than a ban.
func (b *banList) purge() {
	if b == nil {
		return
	}
	now := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	for ip, until := range b.banned {
		if !now.Before(until) {
			delete(b.banned, ip)
		}
	}
	for ip, s := range b.scores {
		if now.Sub(s.seen) > max(b.cfg.Time, b.cfg.PurgeInterval) {
			delete(b.scores, ip)
		}
	}
}

// size returns the number of banned IPs and of IPs with a score.
func (b *banList) size() (banned, scored int) {
	if b == nil {
		return 0, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.banned), len(b.scores)
}

// ipOf returns the IP part of a connection address, the key for bans.
func ipOf(a net.Addr) string {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.String()
	case nil:
		return ""
	}
	if host, _, err := net.SplitHostPort(a.String()); err == nil {
		return host
	}
	return a.String()
}
