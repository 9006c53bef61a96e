package p2p

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults and timing.
const (
	// DefaultProtocolVersion is announced when Config.ProtocolVersion is 0.
	// Litecoin Core 0.21 speaks 70016 and accepts 70015, which spares the
	// peer the wtxidrelay and sendaddrv2 negotiation.
	DefaultProtocolVersion = 70015
	// DefaultUserAgent is announced when Config.UserAgent is empty.
	DefaultUserAgent = "/multipool:0.1/"

	// minProtocolVersion is the oldest version whose version message has the
	// relay flag (BIP37) this peer sends.
	minProtocolVersion = 70001

	dialTimeout      = 10 * time.Second
	handshakeTimeout = 30 * time.Second
	writeTimeout     = 10 * time.Second
	// idleTimeout drops a silent connection. Core pings every 2 minutes, so
	// a live daemon is never silent this long.
	idleTimeout = 5 * time.Minute

	minBackoff = time.Second
	maxBackoff = 30 * time.Second
)

// ErrConfig marks an invalid Config; the message names the field.
var ErrConfig = errors.New("p2p: invalid config")

// errSelfConnection is a handshake with our own nonce.
var errSelfConnection = errors.New("p2p: connected to itself")

// Config configures a Peer.
type Config struct {
	// Addr is the daemon's p2p "host:port".
	Addr string
	// Magic is the network's message start in wire order (ParseMagic).
	Magic [4]byte
	// ProtocolVersion is announced in the handshake; 0 means 70015.
	ProtocolVersion int32
	// UserAgent is the BIP14 user agent; "" means "/multipool:0.1/".
	UserAgent string
	// StartHeight is the best height the peer claims; 0 is fine.
	StartHeight int32
}

// Peer keeps one p2p connection to a daemon and reports its block
// announcements. Create it with New and run it with Run.
type Peer struct {
	cfg     Config
	onBlock func(hash string)
	log     *slog.Logger
	nonce   uint64
	// minBackoff is the first reconnect delay; tests shorten it.
	minBackoff time.Duration

	connected atomic.Bool
}

// ParseMagic decodes a network magic written as 8 hex digits in wire order,
// as coin definitions write it: "fabfb5da" is Litecoin regtest, "fbc0b6db"
// Litecoin mainnet. A "0x" prefix is accepted.
func ParseMagic(s string) ([4]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "0x"), "0X")
	var m [4]byte
	if len(s) != 8 {
		return m, fmt.Errorf("p2p: magic %q is not 8 hex digits", s)
	}
	if _, err := hex.Decode(m[:], []byte(s)); err != nil {
		return m, fmt.Errorf("p2p: magic %q: %w", s, err)
	}
	return m, nil
}

// New validates cfg and returns a Peer that calls onBlock with the hash (RPC
// display order, hex) of every block the daemon announces. onBlock runs on
// the connection's goroutine and must not block; nil ignores announcements
// (the peer then only keeps the daemon company). A nil log discards.
func New(cfg Config, onBlock func(hash string), log *slog.Logger) (*Peer, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("%w: addr %q: %w", ErrConfig, cfg.Addr, err)
	}
	if p, err := strconv.Atoi(port); host == "" || err != nil || p < 1 || p > 65535 {
		return nil, fmt.Errorf("%w: addr %q needs a host and a port in 1..65535", ErrConfig, cfg.Addr)
	}
	if cfg.Magic == [4]byte{} {
		return nil, fmt.Errorf("%w: magic is not set", ErrConfig)
	}
	if cfg.ProtocolVersion == 0 {
		cfg.ProtocolVersion = DefaultProtocolVersion
	}
	if cfg.ProtocolVersion < minProtocolVersion {
		return nil, fmt.Errorf("%w: protocol version %d is below %d", ErrConfig, cfg.ProtocolVersion, minProtocolVersion)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = DefaultUserAgent
	}
	if len(cfg.UserAgent) > maxUserAgent {
		return nil, fmt.Errorf("%w: user agent longer than %d bytes", ErrConfig, maxUserAgent)
	}
	if cfg.StartHeight < 0 {
		return nil, fmt.Errorf("%w: start height %d is negative", ErrConfig, cfg.StartHeight)
	}
	if onBlock == nil {
		onBlock = func(string) {}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Peer{
		cfg:     cfg,
		onBlock: onBlock,
		log:     log.With("component", "p2p", "addr", cfg.Addr),
		nonce:   rand.Uint64(),

		minBackoff: minBackoff,
	}, nil
}

// Connected reports whether the handshake with the daemon is complete and
// the connection is up.
func (p *Peer) Connected() bool { return p.connected.Load() }

// Run connects to the daemon and keeps the connection, reconnecting with
// backoff (1 s doubling to 30 s; back to 1 s after a completed handshake)
// until ctx is done. It returns nil when ctx is done.
func (p *Peer) Run(ctx context.Context) error {
	backoff := p.minBackoff
	quiet := false // log repeated connection failures at debug level
	for {
		handshook, err := p.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if handshook {
			backoff, quiet = p.minBackoff, false
		}
		switch {
		case handshook:
			p.log.Warn("p2p connection lost", "err", err, "retry_in", backoff)
		case quiet:
			p.log.Debug("p2p connect failed", "err", err, "retry_in", backoff)
		default:
			p.log.Warn("p2p connect failed", "err", err, "retry_in", backoff)
			quiet = true
		}
		timer := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil
		case <-timer.C:
		}
		if !handshook {
			backoff = min(backoff*2, maxBackoff)
		}
	}
}

// session runs one connection until it fails or ctx is done. It reports
// whether the handshake completed.
func (p *Peer) session(ctx context.Context) (handshook bool, err error) {
	d := net.Dialer{Timeout: dialTimeout}
	conn, err := d.DialContext(ctx, "tcp", p.cfg.Addr)
	if err != nil {
		return false, err
	}
	defer conn.Close()
	// Closing the connection is what unblocks a read when ctx ends.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer p.connected.Store(false)

	c := &wireConn{conn: conn, r: bufio.NewReader(conn), magic: p.cfg.Magic}
	theirs, err := p.handshake(c)
	if err != nil {
		return false, fmt.Errorf("handshake: %w", err)
	}
	p.connected.Store(true)
	p.log.Info("p2p connected", "version", theirs.Version, "user_agent", theirs.UserAgent, "height", theirs.StartHeight)

	for {
		conn.SetReadDeadline(time.Now().Add(idleTimeout))
		m, err := c.read()
		if err != nil {
			return true, err
		}
		if err := p.handle(c, m); err != nil {
			return true, err
		}
	}
}

// handshake sends our version, answers the daemon's version with verack
// and a ping, and returns once the daemon's verack and the pong are in.
//
// The ping round trip is what makes the handshake complete: the daemon
// handles a connection's messages in order, so its pong means it has
// processed our verack too. Litecoin Core announces blocks only to peers
// whose verack it has processed; without the round trip a block found in
// that gap would never be announced to this peer.
func (p *Peer) handshake(c *wireConn) (versionMsg, error) {
	c.conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	ours := versionMsg{
		Version:     p.cfg.ProtocolVersion,
		Timestamp:   time.Now().Unix(),
		Nonce:       p.nonce,
		UserAgent:   p.cfg.UserAgent,
		StartHeight: p.cfg.StartHeight,
		// No transaction announcements: the pool only wants blocks.
		Relay: false,
	}
	if err := c.write("version", encodeVersion(ours)); err != nil {
		return versionMsg{}, err
	}
	var theirs versionMsg
	var pingNonce [8]byte
	binary.LittleEndian.PutUint64(pingNonce[:], rand.Uint64())
	gotVersion, gotVerack, gotPong := false, false, false
	for !gotVersion || !gotVerack || !gotPong {
		m, err := c.read()
		if err != nil {
			return versionMsg{}, err
		}
		switch m.command {
		case "version":
			if gotVersion {
				return versionMsg{}, fmt.Errorf("%w: second version message", ErrBadPayload)
			}
			theirs, err = parseVersion(m.payload)
			if err != nil {
				return versionMsg{}, err
			}
			if theirs.Nonce == p.nonce {
				return versionMsg{}, errSelfConnection
			}
			gotVersion = true
			if err := c.write("verack", nil); err != nil {
				return versionMsg{}, err
			}
			if err := c.write("ping", pingNonce[:]); err != nil {
				return versionMsg{}, err
			}
		case "verack":
			gotVerack = true
		case "pong":
			gotPong = gotPong || bytes.Equal(m.payload, pingNonce[:])
		default:
			if !gotVersion {
				// Feature negotiation (wtxidrelay, sendaddrv2) is only
				// for peers above 70015; ignore it.
				continue
			}
			// The daemon may ping or announce before our pong is back.
			if err := p.handle(c, m); err != nil {
				return versionMsg{}, err
			}
		}
	}
	return theirs, nil
}

// handle acts on one message after the handshake.
func (p *Peer) handle(c *wireConn, m message) error {
	switch m.command {
	case "ping":
		// BIP31: echo the nonce. A ping without one (pre-BIP31) needs no pong.
		if len(m.payload) == 0 {
			return nil
		}
		if len(m.payload) != 8 {
			return fmt.Errorf("%w: ping of %d bytes", ErrBadPayload, len(m.payload))
		}
		return c.write("pong", m.payload)
	case "inv":
		hashes, err := parseInv(m.payload)
		if err != nil {
			return err
		}
		for _, h := range hashes {
			p.log.Debug("p2p block announced", "hash", h)
			p.onBlock(h)
		}
	}
	return nil
}

// wireConn frames messages on one connection. Only the session goroutine
// uses it.
type wireConn struct {
	conn  net.Conn
	r     *bufio.Reader
	magic [4]byte
}

func (c *wireConn) read() (message, error) {
	return readMessage(c.r, c.magic, MaxPayload)
}

func (c *wireConn) write(command string, payload []byte) error {
	c.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if _, err := c.conn.Write(encodeMessage(c.magic, command, payload)); err != nil {
		return fmt.Errorf("send %s: %w", command, err)
	}
	return nil
}
