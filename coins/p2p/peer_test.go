package p2p

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// ioTimeout bounds every read and wait in these tests so a bug fails the
// test instead of hanging it.
const ioTimeout = 10 * time.Second

// fakeNode is a TCP listener that plays the daemon's side of the protocol.
type fakeNode struct {
	l     net.Listener
	conns chan net.Conn
	mu    sync.Mutex
	all   []net.Conn
}

func newFakeNode(t *testing.T) *fakeNode {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeNode{l: l, conns: make(chan net.Conn, 16)}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.all = append(f.all, c)
			f.mu.Unlock()
			f.conns <- c
		}
	}()
	t.Cleanup(func() {
		l.Close()
		f.mu.Lock()
		defer f.mu.Unlock()
		for _, c := range f.all {
			c.Close()
		}
	})
	return f
}

func (f *fakeNode) addr() string { return f.l.Addr().String() }

// accept waits for the peer's next connection.
func (f *fakeNode) accept(t *testing.T) *nodeConn {
	t.Helper()
	select {
	case c := <-f.conns:
		c.SetDeadline(time.Now().Add(ioTimeout))
		return &nodeConn{c: c, r: bufio.NewReader(c)}
	case <-time.After(ioTimeout):
		t.Fatal("the peer did not connect")
		return nil
	}
}

type nodeConn struct {
	c net.Conn
	r *bufio.Reader
}

func (n *nodeConn) send(t *testing.T, cmd string, payload []byte) {
	t.Helper()
	n.sendRaw(t, encodeMessage(regtest, cmd, payload))
}

func (n *nodeConn) sendRaw(t *testing.T, b []byte) {
	t.Helper()
	if _, err := n.c.Write(b); err != nil {
		t.Fatalf("node write: %v", err)
	}
}

func (n *nodeConn) expect(t *testing.T, cmd string) message {
	t.Helper()
	m, err := readMessage(n.r, regtest, MaxPayload)
	if err != nil {
		t.Fatalf("node read, want %s: %v", cmd, err)
	}
	if m.command != cmd {
		t.Fatalf("node got %q, want %q", m.command, cmd)
	}
	return m
}

// handshake plays Litecoin Core's side: read version, send version and
// verack, read verack, answer the peer's ping. It returns the peer's version.
func (n *nodeConn) handshake(t *testing.T) versionMsg {
	t.Helper()
	v, err := parseVersion(n.expect(t, "version").payload)
	if err != nil {
		t.Fatal(err)
	}
	n.send(t, "version", encodeVersion(versionMsg{Version: 70016, Services: 1033, Nonce: 1,
		UserAgent: "/LitecoinCore:0.21.2.1/", StartHeight: 101, Relay: true}))
	// Core 0.21 sends these around verack; the peer must ignore them.
	n.send(t, "sendaddrv2", nil)
	n.send(t, "verack", nil)
	n.expect(t, "verack")
	ping := n.expect(t, "ping")
	n.send(t, "pong", ping.payload)
	return v
}

// waitClosed waits until the peer closes the connection.
func (n *nodeConn) waitClosed(t *testing.T) {
	t.Helper()
	for {
		_, err := readMessage(n.r, regtest, MaxPayload)
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) {
			return
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatal("the peer kept a connection that sent hostile input")
		}
		return // connection reset
	}
}

// runPeer starts p.Run and stops it at cleanup, checking it returns nil.
func runPeer(t *testing.T, p *Peer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run returned %v, want nil", err)
			}
		case <-time.After(ioTimeout):
			t.Error("Run did not return after cancel")
		}
		if p.Connected() {
			t.Error("Connected after Run returned")
		}
	})
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(ioTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func newTestPeer(t *testing.T, addr string, onBlock func(string)) *Peer {
	t.Helper()
	p, err := New(Config{Addr: addr, Magic: regtest, StartHeight: 7}, onBlock, nil)
	if err != nil {
		t.Fatal(err)
	}
	p.minBackoff = 10 * time.Millisecond
	return p
}

func TestPeerSession(t *testing.T) {
	node := newFakeNode(t)
	blocks := make(chan string, 10)
	p := newTestPeer(t, node.addr(), func(h string) { blocks <- h })
	runPeer(t, p)

	c := node.accept(t)
	v := c.handshake(t)
	if v.Version != DefaultProtocolVersion || v.UserAgent != DefaultUserAgent || v.Relay || v.StartHeight != 7 {
		t.Fatalf("peer version %+v", v)
	}
	waitFor(t, "Connected", p.Connected)

	// The first thing the peer sends after the handshake is the pong: no
	// sendheaders, which would turn block announcements into headers.
	nonce := binary.LittleEndian.AppendUint64(nil, 0x1122334455667788)
	c.send(t, "ping", nonce)
	if pong := c.expect(t, "pong"); !bytes.Equal(pong.payload, nonce) {
		t.Fatalf("pong %x, want %x", pong.payload, nonce)
	}

	// Unknown and uninteresting messages are ignored.
	c.send(t, "sendcmpct", make([]byte, 9))
	c.send(t, "feefilter", make([]byte, 8))
	c.send(t, "inv", encodeInv(1, hashC))
	inv := appendVarInt(nil, 2)
	inv = append(inv, encodeInv(msgBlock, hashA)[1:]...)
	inv = append(inv, encodeInv(msgBlock|witnessFlag, hashB)[1:]...)
	c.send(t, "inv", inv)
	for _, want := range []string{hashA, hashB} {
		select {
		case got := <-blocks:
			if got != want {
				t.Fatalf("onBlock(%s), want %s", got, want)
			}
		case <-time.After(ioTimeout):
			t.Fatalf("no onBlock for %s", want)
		}
	}
	// A ping after the inv proves the transaction inv produced no call.
	c.send(t, "ping", nonce)
	c.expect(t, "pong")
	if len(blocks) != 0 {
		t.Fatalf("unexpected onBlock(%s)", <-blocks)
	}
}

// TestPeerDropsHostileInput: every malformed message drops the connection,
// and the peer reconnects.
func TestPeerDropsHostileInput(t *testing.T) {
	good := encodeMessage(regtest, "ping", make([]byte, 8))
	badSum := bytes.Clone(good)
	badSum[21] ^= 0xff
	oversize := bytes.Clone(good)
	binary.LittleEndian.PutUint32(oversize[16:], MaxPayload+1)
	tests := []struct {
		name  string
		wire  []byte
		close bool // the node hangs up itself after sending
	}{
		{"bad checksum", badSum, false},
		{"oversize", oversize, false},
		{"other network", encodeMessage([4]byte{0xfb, 0xc0, 0xb6, 0xdb}, "inv", encodeInv(msgBlock, hashA)), false},
		{"bad command", append(append([]byte{}, regtest[:]...), bytes.Repeat([]byte{0xff}, 20)...), false},
		{"malformed inv", encodeMessage(regtest, "inv", append(encodeInv(msgBlock, hashA), 1, 2)), false},
		{"inv count too large", encodeMessage(regtest, "inv", appendVarInt(nil, 1<<40)), false},
		{"odd ping", encodeMessage(regtest, "ping", []byte{1, 2, 3}), false},
		{"short read", good[:30], true},
		{"half a header", good[:7], true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t)
			var calls atomic.Int32
			p := newTestPeer(t, node.addr(), func(string) { calls.Add(1) })
			runPeer(t, p)

			c := node.accept(t)
			c.handshake(t)
			waitFor(t, "Connected", p.Connected)
			c.sendRaw(t, tt.wire)
			if tt.close {
				c.c.Close()
			} else {
				c.waitClosed(t)
			}
			// The peer comes back and works.
			c2 := node.accept(t)
			c2.handshake(t)
			c2.send(t, "inv", encodeInv(msgBlock, hashA))
			waitFor(t, "onBlock after reconnect", func() bool { return calls.Load() == 1 })
		})
	}
}

func TestPeerHandshakeFailures(t *testing.T) {
	tests := []struct {
		name string
		play func(t *testing.T, c *nodeConn)
	}{
		{"self connection", func(t *testing.T, c *nodeConn) {
			// Echo the peer's own version: same nonce.
			m := c.expect(t, "version")
			c.send(t, "version", m.payload)
		}},
		{"truncated version", func(t *testing.T, c *nodeConn) {
			c.expect(t, "version")
			c.send(t, "version", make([]byte, 50))
		}},
		{"two versions", func(t *testing.T, c *nodeConn) {
			c.expect(t, "version")
			v := encodeVersion(versionMsg{Version: 70016, Nonce: 5})
			c.send(t, "version", v)
			c.expect(t, "verack")
			c.send(t, "version", v)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			node := newFakeNode(t)
			p := newTestPeer(t, node.addr(), nil)
			runPeer(t, p)
			c := node.accept(t)
			tt.play(t, c)
			c.waitClosed(t)
			if p.Connected() {
				t.Fatal("Connected after a failed handshake")
			}
			node.accept(t).handshake(t)
			waitFor(t, "Connected", p.Connected)
		})
	}
}

// TestPeerBacksOff: against a node that hangs up at once, the peer keeps
// trying, and Run returns nil when cancelled.
func TestPeerBacksOff(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var accepts atomic.Int32
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepts.Add(1)
			c.Close()
		}
	}()
	p := newTestPeer(t, l.Addr().String(), nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	waitFor(t, "three connection attempts", func() bool { return accepts.Load() >= 3 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run = %v, want nil", err)
		}
	case <-time.After(ioTimeout):
		t.Fatal("Run did not return after cancel")
	}
}

// TestPeerConnectedAfterPong: the handshake completes only when the daemon
// has answered the ping sent after verack, proving it processed the verack.
func TestPeerConnectedAfterPong(t *testing.T) {
	node := newFakeNode(t)
	p := newTestPeer(t, node.addr(), nil)
	runPeer(t, p)
	c := node.accept(t)
	c.expect(t, "version")
	c.send(t, "version", encodeVersion(versionMsg{Version: 70016, Nonce: 9}))
	c.send(t, "verack", nil)
	c.expect(t, "verack")
	ping := c.expect(t, "ping")
	// The daemon's own ping is answered during the handshake too.
	c.send(t, "ping", []byte{8, 7, 6, 5, 4, 3, 2, 1})
	if pong := c.expect(t, "pong"); !bytes.Equal(pong.payload, []byte{8, 7, 6, 5, 4, 3, 2, 1}) {
		t.Fatalf("pong %x", pong.payload)
	}
	if p.Connected() {
		t.Fatal("Connected before the pong")
	}
	c.send(t, "pong", []byte("wrongnon"))
	c.send(t, "pong", ping.payload)
	waitFor(t, "Connected", p.Connected)
}
