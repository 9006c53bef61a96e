package stratum

import (
	"crypto/tls"
	"errors"
	"fmt"
	"math"
	"time"
)

// Defaults applied by NewServer to zero Config fields.
const (
	DefaultConnectionTimeout = 600 * time.Second
	DefaultMaxLineBytes      = 10240
	DefaultWriteTimeout      = 10 * time.Second
	DefaultSendQueue         = 32
	DefaultAuthorizeTimeout  = 10 * time.Second
	DefaultSubmitTimeout     = 30 * time.Second
	DefaultBanTime           = 600 * time.Second
	DefaultBanInvalidPercent = 50
	DefaultBanCheckThreshold = 500
	DefaultBanPurgeInterval  = 300 * time.Second
)

// ErrConfig is wrapped by every configuration error NewServer returns.
var ErrConfig = errors.New("stratum: invalid config")

// VarDiffConfig tunes variable difficulty on one port (NOMP semantics): the
// server aims for one accepted share per TargetTime, re-evaluating at most
// every RetargetTime, and leaves the difficulty alone while the average
// share time stays within TargetTime*(1±VariancePercent/100).
type VarDiffConfig struct {
	MinDiff, MaxDiff float64
	TargetTime       time.Duration
	RetargetTime     time.Duration
	VariancePercent  float64
}

// PortConfig is one listening port.
type PortConfig struct {
	// Addr is the listen address, such as "127.0.0.1:3032" or ":0".
	Addr string
	// Diff is the starting share difficulty (and the floor for
	// mining.suggest_difficulty when VarDiff is nil).
	Diff float64
	// VarDiff enables variable difficulty when not nil.
	VarDiff *VarDiffConfig
	// ProxyProtocol makes the port expect a PROXY protocol v1 or v2 header
	// before any other byte; the client address is taken from it.
	ProxyProtocol bool
	// TLS makes the port speak stratum over TLS when not nil.
	TLS *tls.Config
}

// BanConfig bans IP addresses that send too many invalid shares or
// malformed messages (NOMP semantics, counted per IP address).
type BanConfig struct {
	Enabled bool
	// Time is how long a ban lasts.
	Time time.Duration
	// InvalidPercent bans an IP once at least this share of its last
	// CheckThreshold counted submissions was invalid.
	InvalidPercent float64
	// CheckThreshold is how many counted submissions trigger a check.
	CheckThreshold int
	// PurgeInterval is how often expired bans and idle counters are dropped.
	PurgeInterval time.Duration
}

// Config configures a Server. Zero fields get the Default values.
type Config struct {
	// Name names the server in logs ("ltc", "switch-scrypt").
	Name  string
	Ports []PortConfig
	// ConnectionTimeout closes a connection that sent no message for
	// this long.
	ConnectionTimeout time.Duration
	// MaxLineBytes is the longest line a miner may send; a longer one
	// closes the connection and counts against the IP's ban score.
	MaxLineBytes int
	Banning      BanConfig
	// WriteTimeout bounds every write to a miner.
	WriteTimeout time.Duration
	// SendQueue is the length of each session's outbound queue.
	SendQueue int
	// AuthorizeTimeout bounds each WorkSource.Authorize call.
	AuthorizeTimeout time.Duration
	// SubmitTimeout bounds each WorkSource.Submit call. The call is not
	// cancelled when the miner disconnects.
	SubmitTimeout time.Duration
	// Now is the clock for varDiff, bans and session times; nil means
	// time.Now. Network deadlines always use the real clock.
	Now func() time.Time
}

// withDefaults returns a copy of c with defaults applied and checks it.
func (c Config) withDefaults() (Config, error) {
	if c.Name == "" {
		c.Name = "stratum"
	}
	if c.ConnectionTimeout == 0 {
		c.ConnectionTimeout = DefaultConnectionTimeout
	}
	if c.MaxLineBytes == 0 {
		c.MaxLineBytes = DefaultMaxLineBytes
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.SendQueue == 0 {
		c.SendQueue = DefaultSendQueue
	}
	if c.AuthorizeTimeout == 0 {
		c.AuthorizeTimeout = DefaultAuthorizeTimeout
	}
	if c.SubmitTimeout == 0 {
		c.SubmitTimeout = DefaultSubmitTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	b := &c.Banning
	if b.Enabled {
		if b.Time == 0 {
			b.Time = DefaultBanTime
		}
		if b.InvalidPercent == 0 {
			b.InvalidPercent = DefaultBanInvalidPercent
		}
		if b.CheckThreshold == 0 {
			b.CheckThreshold = DefaultBanCheckThreshold
		}
		if b.PurgeInterval == 0 {
			b.PurgeInterval = DefaultBanPurgeInterval
		}
	}
	return c, c.validate()
}

func (c *Config) validate() error {
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("%w: %s: %s: %s", ErrConfig, c.Name, field, fmt.Sprintf(format, args...))
	}
	if len(c.Ports) == 0 {
		return bad("ports", "no port configured")
	}
	for i, p := range c.Ports {
		f := fmt.Sprintf("ports[%d]", i)
		if p.Addr == "" {
			return bad(f+".addr", "empty")
		}
		if !positive(p.Diff) {
			return bad(f+".diff", "must be a positive number, got %v", p.Diff)
		}
		if v := p.VarDiff; v != nil {
			switch {
			case !positive(v.MinDiff):
				return bad(f+".varDiff.minDiff", "must be a positive number, got %v", v.MinDiff)
			case !positive(v.MaxDiff) || v.MaxDiff < v.MinDiff:
				return bad(f+".varDiff.maxDiff", "must be at least minDiff, got %v", v.MaxDiff)
			case p.Diff < v.MinDiff || p.Diff > v.MaxDiff:
				return bad(f+".diff", "%v is outside varDiff [%v, %v]", p.Diff, v.MinDiff, v.MaxDiff)
			case v.TargetTime <= 0:
				return bad(f+".varDiff.targetTime", "must be positive")
			case v.RetargetTime <= 0:
				return bad(f+".varDiff.retargetTime", "must be positive")
			case !(v.VariancePercent >= 0 && v.VariancePercent < 100):
				return bad(f+".varDiff.variancePercent", "must be in [0, 100), got %v", v.VariancePercent)
			}
		}
	}
	switch {
	case c.ConnectionTimeout < 0:
		return bad("connectionTimeout", "negative")
	case c.MaxLineBytes < 128:
		return bad("maxLineBytes", "must be at least 128, got %d", c.MaxLineBytes)
	case c.WriteTimeout < 0:
		return bad("writeTimeout", "negative")
	case c.SendQueue < 4:
		return bad("sendQueue", "must be at least 4, got %d", c.SendQueue)
	case c.AuthorizeTimeout < 0:
		return bad("authorizeTimeout", "negative")
	case c.SubmitTimeout < 0:
		return bad("submitTimeout", "negative")
	}
	if b := c.Banning; b.Enabled {
		switch {
		case b.Time < 0:
			return bad("banning.time", "negative")
		case !(b.InvalidPercent > 0 && b.InvalidPercent <= 100):
			return bad("banning.invalidPercent", "must be in (0, 100], got %v", b.InvalidPercent)
		case b.CheckThreshold < 1:
			return bad("banning.checkThreshold", "must be positive, got %d", b.CheckThreshold)
		case b.PurgeInterval < 0:
			return bad("banning.purgeInterval", "negative")
		}
	}
	return nil
}

func positive(f float64) bool { return f > 0 && !math.IsInf(f, 1) }
