package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Summary describes the configuration for the log: pools, ports, daemons,
// listeners. It never contains a password.
func (c *Config) Summary() string {
	var b strings.Builder
	m := &c.Main
	fmt.Fprintf(&b, "config %s: %s, %s, %d disabled; redis %s db %d; instance %d; log %s\n",
		c.Dir, plural(len(c.Pools), "pool"), plural(len(m.Switching), "switching group"), len(c.Disabled),
		m.Redis.Addr(), m.Redis.DB, m.InstanceID, m.LogLevel)
	for _, p := range c.Pools {
		fmt.Fprintf(&b, "pool %s (%s %s, %s, multiplier %d) from %s\n",
			p.Coin.Key, p.Coin.Name, p.Coin.Symbol, p.Coin.Algorithm, p.Coin.Multiplier(), p.File)
		fmt.Fprintf(&b, "  address %s", p.Address)
		for _, r := range p.Recipients {
			fmt.Fprintf(&b, "; %v%% to %s", r.Percent, r.Address)
		}
		fmt.Fprintf(&b, "\n  ports: %s\n", portsSummary(p.Ports))
		daemons := make([]string, len(p.Daemons))
		for i, d := range p.Daemons {
			daemons[i] = d.Addr()
		}
		fmt.Fprintf(&b, "  daemons: %s", strings.Join(daemons, ", "))
		if p.BlockRefreshInterval > 0 {
			fmt.Fprintf(&b, "; polled every %v", p.BlockRefreshInterval)
		} else {
			b.WriteString("; not polled")
		}
		if p.P2P.Enabled {
			fmt.Fprintf(&b, "; p2p %s magic %s", joinHostPort(p.P2P.Host, p.P2P.Port), p.P2P.Magic)
		} else {
			b.WriteString("; p2p off")
		}
		b.WriteString("\n  ")
		if p.Payment.Enabled {
			fmt.Fprintf(&b, "payments %s, minimum %s %s, wallet %s", p.Payment.Schedule,
				p.Coin.FormatAmount(p.Payment.MinimumPayment), p.Coin.Symbol, p.Payment.Daemon.Addr())
		} else {
			b.WriteString("payments off")
		}
		if p.MPOS.Enabled {
			fmt.Fprintf(&b, "; mpos %s/%s", joinHostPort(p.MPOS.Host, p.MPOS.Port), p.MPOS.Database)
		}
		if p.Banning.Enabled {
			fmt.Fprintf(&b, "; ban %v at %v%% invalid of %d shares", p.Banning.Time, p.Banning.InvalidPercent, p.Banning.CheckThreshold)
		} else {
			b.WriteString("; banning off")
		}
		b.WriteString("\n")
	}
	for _, s := range m.Switching {
		fmt.Fprintf(&b, "switching %s (%s): ports %s\n", s.Name, s.Algorithm, portsSummary(s.Ports))
	}
	if m.Website.Enabled {
		fmt.Fprintf(&b, "website %s", m.Website.Addr())
		if m.Website.TLS.Enabled {
			b.WriteString(" (TLS)")
		}
	} else {
		b.WriteString("website off")
	}
	if m.BlockNotifyListener.Enabled {
		fmt.Fprintf(&b, "; blocknotify listener %s", m.BlockNotifyListener.Addr())
	}
	if m.ProfitSwitch.Enabled {
		ps := m.ProfitSwitch
		names := []string{"daemons"}
		for _, src := range ps.Sources {
			names = append(names, src.Name)
		}
		fmt.Fprintf(&b, "; profit switch every %v in %s from %s, on a lead of %v%% held %v",
			ps.UpdateInterval, ps.QuoteCurrency, strings.Join(names, ","), ps.MinImprovementPercent, ps.MinHold)
	} else {
		b.WriteString("; profit switch off")
	}
	b.WriteString("\n")
	if len(c.Disabled) > 0 {
		fmt.Fprintf(&b, "disabled: %s\n", strings.Join(c.Disabled, ", "))
	}
	return b.String()
}

func portsSummary(ports []PortConfig) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		s := fmt.Sprintf("%d diff %v", p.Port, p.Diff)
		if v := p.VarDiff; v != nil {
			s += fmt.Sprintf(" (varDiff %s..%s, %v/share, retarget %v, ±%v%%)",
				bound(v.MinDiff), bound(v.MaxDiff), v.TargetTime, v.RetargetTime, v.VariancePercent)
		}
		if p.TLS {
			s += " TLS"
		}
		parts[i] = s
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

func bound(v float64) string {
	if v == 0 {
		return "any"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func joinHostPort(host string, port int) string {
	return Daemon{Host: host, Port: port}.Addr()
}
