package ledger

import (
	"bytes"
	"context"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// lossyProxy forwards TCP to Redis, and once armed it lets Redis run one
// script but swallows the reply and cuts the connection: the case where a
// batch was applied although the writer saw only a connection error.
type lossyProxy struct {
	ln     net.Listener
	target string
	armed  atomic.Bool
	cut    atomic.Int32
	mu     sync.Mutex
	conns  []net.Conn
}

func newLossyProxy(t *testing.T, target string) *lossyProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	p := &lossyProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, c := range p.conns {
			c.Close()
		}
	})
	return p
}

func (p *lossyProxy) addr() string { return p.ln.Addr().String() }

func (p *lossyProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go p.pipe(c, s)
	}
}

// pipe copies both ways; a reply to a script call on an armed proxy is
// dropped if it is an integer (the script ran) and the connection is cut.
func (p *lossyProxy) pipe(c, s net.Conn) {
	var scriptSent atomic.Bool
	go func() {
		defer c.Close()
		defer s.Close()
		buf := make([]byte, 64<<10)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				if bytes.Contains(bytes.ToLower(buf[:n]), []byte("eval")) {
					scriptSent.Store(true)
				}
				if _, err := s.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	defer c.Close()
	defer s.Close()
	buf := make([]byte, 64<<10)
	for {
		n, err := s.Read(buf)
		if n > 0 {
			if scriptSent.Swap(false) && buf[0] == ':' && p.armed.CompareAndSwap(true, false) {
				p.cut.Add(1)
				return
			}
			if _, err := c.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// TestReplyLostAfterApply: Redis applies a batch but the reply never
// arrives; the writer retries the same batch, Redis recognises it, and
// nothing is counted twice.
func TestReplyLostAfterApply(t *testing.T) {
	srv := redisServer(t)
	proxy := newLossyProxy(t, srv.Addr)
	proxy.armed.Store(true)
	l := newLedger(t, proxy.addr(), nil, nil)
	hash := strings.Repeat("77", 32)
	for i := range 10 {
		must(t, l.RecordShare(Share{Coin: "ltc", Worker: "a.1", Address: "a", Difficulty: 2, Status: StatusValid}))
		if i == 4 {
			must(t, l.RecordBlock(Block{Coin: "ltc", Height: 42, Hash: hash, Worker: "a.1"}))
		}
	}
	r := start(t, l)
	waitWritten(t, l)
	must(t, r.stop(t))
	if proxy.cut.Load() != 1 {
		t.Fatalf("the proxy cut %d replies, want 1", proxy.cut.Load())
	}
	if l.WriteErrors() < 1 || l.Replayed() != 1 {
		t.Fatalf("WriteErrors %d Replayed %d, want >= 1 and 1", l.WriteErrors(), l.Replayed())
	}
	st, err := l.Stats(context.Background(), "ltc")
	must(t, err)
	if want := (Stats{Valid: 10, BlocksFound: 1}); st != want {
		t.Fatalf("Stats %+v, want %+v", st, want)
	}
	checkRound(t, l, "ltc", RoundID(42, hash), map[string]float64{"a": 10})
	checkRound(t, l, "ltc", CurrentRound, map[string]float64{"a": 10})
}
