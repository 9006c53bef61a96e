package stratum

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSource is a WorkSource for these tests: the real pools.Pool lives in
// another package and validates real proof of work.
type fakeSource struct {
	mu     sync.Mutex
	job    *Job
	shares []*Share
	// authorize and submit, when set, decide; otherwise everyone is
	// authorized and every share accepted.
	authorize func(*Worker) error
	submit    func(*Share) Result
}

func (f *fakeSource) CurrentJob() *Job {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.job
}

func (f *fakeSource) Authorize(_ context.Context, w *Worker) error {
	f.mu.Lock()
	auth := f.authorize
	f.mu.Unlock()
	if auth != nil {
		return auth(w)
	}
	return nil
}

func (f *fakeSource) Submit(_ context.Context, s *Share) Result {
	f.mu.Lock()
	cp := *s // s is the session's until the call returns
	f.shares = append(f.shares, &cp)
	sub := f.submit
	f.mu.Unlock()
	if sub != nil {
		return sub(s)
	}
	return Result{ActualDifficulty: s.Difficulty}
}

// publish makes j the current job and wakes whoever waits on the old one.
func (f *fakeSource) publish(j Job) *Job {
	nj := NewJob(j)
	f.mu.Lock()
	old := f.job
	f.job = nj
	f.mu.Unlock()
	if old != nil {
		old.Replace()
	}
	return nj
}

func (f *fakeSource) allShares() []*Share {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*Share(nil), f.shares...)
}

func (f *fakeSource) lastShare(t *testing.T) *Share {
	t.Helper()
	s := f.allShares()
	if len(s) == 0 {
		t.Fatal("source got no share")
	}
	return s[len(s)-1]
}

func testJob(id string, clean bool) Job {
	return Job{
		ID:           id,
		PrevHash:     strings.Repeat("ab", 32),
		Coinb1:       "01000000010000",
		Coinb2:       "ffffffff0100",
		MerkleBranch: []string{strings.Repeat("11", 32), strings.Repeat("22", 32)},
		Version:      "20000000",
		NBits:        "207fffff",
		NTime:        "5f5e1000",
		CleanJobs:    clean,
		Transactions: []string{strings.Repeat("33", 32)},
	}
}

// fakeClock is an injectable Config.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func basicConfig() Config {
	return Config{
		Name:  "test",
		Ports: []PortConfig{{Addr: "127.0.0.1:0", Diff: 8}},
	}
}

// startServer runs a server until the test ends and returns it with the
// address of its first port.
func startServer(t *testing.T, cfg Config, src WorkSource, en *ExtranonceAllocator) (*Server, string) {
	t.Helper()
	if en == nil {
		en = NewExtranonceAllocator(1)
	}
	s, err := NewServer(cfg, src, en, nil)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("Run did not return after cancel")
		}
	})
	select {
	case <-s.Ready():
	case err := <-done:
		t.Fatalf("Run: %v", err)
	case <-time.After(5 * time.Second):
		t.Fatal("server not ready")
	}
	return s, s.Addrs()[0].String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// wireMsg is any line the server sends.
type wireMsg struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

func (m wireMsg) errCode(t *testing.T) int {
	t.Helper()
	if len(m.Error) == 0 || string(m.Error) == "null" {
		return 0
	}
	var e []any
	if err := json.Unmarshal(m.Error, &e); err != nil || len(e) != 3 {
		t.Fatalf("bad error %s", m.Error)
	}
	return int(e[0].(float64))
}

// testClient is a minimal line-by-line stratum client.
type testClient struct {
	t       *testing.T
	conn    net.Conn
	r       *bufio.Reader
	nextID  int
	backlog []wireMsg // notifications read while waiting for a response
}

func dial(t *testing.T, addr string) *testClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	return newTestClient(t, conn)
}

func newTestClient(t *testing.T, conn net.Conn) *testClient {
	t.Cleanup(func() { conn.Close() })
	return &testClient{t: t, conn: conn, r: bufio.NewReaderSize(conn, 1<<16)}
}

func (c *testClient) sendRaw(line string) {
	c.t.Helper()
	c.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c.conn, line); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

func (c *testClient) send(method string, params ...any) int {
	c.t.Helper()
	c.nextID++
	if params == nil {
		params = []any{}
	}
	b, err := json.Marshal(map[string]any{"id": c.nextID, "method": method, "params": params})
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(string(b) + "\n")
	return c.nextID
}

// readMsg reads one line; io errors are returned.
func (c *testClient) readMsg() (wireMsg, error) {
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := c.r.ReadBytes('\n')
	if err != nil {
		return wireMsg{}, err
	}
	var m wireMsg
	if err := json.Unmarshal(line, &m); err != nil {
		return wireMsg{}, fmt.Errorf("bad line %q: %w", line, err)
	}
	return m, nil
}

func (c *testClient) read() wireMsg {
	c.t.Helper()
	m, err := c.readMsg()
	if err != nil {
		c.t.Fatalf("read: %v", err)
	}
	return m
}

// call sends a request and returns its response; notifications read in
// between are kept for note.
func (c *testClient) call(method string, params ...any) wireMsg {
	c.t.Helper()
	id := c.send(method, params...)
	return c.response(id)
}

func (c *testClient) response(id int) wireMsg {
	c.t.Helper()
	want := fmt.Sprint(id)
	for {
		m := c.read()
		if m.Method != "" {
			c.backlog = append(c.backlog, m)
			continue
		}
		if string(m.ID) != want {
			c.t.Fatalf("response id %s, want %s", m.ID, want)
		}
		return m
	}
}

// note returns the next notification.
func (c *testClient) note() wireMsg {
	c.t.Helper()
	if len(c.backlog) > 0 {
		m := c.backlog[0]
		c.backlog = c.backlog[1:]
		return m
	}
	m := c.read()
	if m.Method == "" {
		c.t.Fatalf("got response %s while waiting for a notification", m.ID)
	}
	return m
}

// notifyFor returns the next mining.notify, skipping others; it returns the
// difficulty last set before it too (0 if none came with it).
func (c *testClient) nextNotify() (params []any, diff float64) {
	c.t.Helper()
	for {
		m := c.note()
		var p []any
		if err := json.Unmarshal(m.Params, &p); err != nil {
			c.t.Fatalf("params %s: %v", m.Params, err)
		}
		switch m.Method {
		case methodSetDifficulty:
			diff = p[0].(float64)
		case methodNotify:
			return p, diff
		}
	}
}

// expectClosed reads until the server closes the connection.
func (c *testClient) expectClosed() {
	c.t.Helper()
	for {
		if _, err := c.readMsg(); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				c.t.Fatal("connection still open")
			}
			return
		}
	}
}

func (c *testClient) subscribe() string {
	c.t.Helper()
	m := c.call(methodSubscribe, "test-miner/1.0")
	var res []any
	if err := json.Unmarshal(m.Result, &res); err != nil || len(res) != 3 {
		c.t.Fatalf("subscribe result %s", m.Result)
	}
	return res[1].(string)
}

func (c *testClient) authorize(user string) {
	c.t.Helper()
	m := c.call(methodAuthorize, user, "x")
	if string(m.Result) != "true" {
		c.t.Fatalf("authorize %s: %s %s", user, m.Result, m.Error)
	}
}

// login subscribes, authorizes and returns extranonce1 and the first job.
func (c *testClient) login(user string) (string, []any, float64) {
	c.t.Helper()
	en1 := c.subscribe()
	c.authorize(user)
	p, d := c.nextNotify()
	return en1, p, d
}

func (c *testClient) submit(user, job string, extra ...string) wireMsg {
	c.t.Helper()
	params := []any{user, job, "00000001", "5f5e1000", "deadbeef"}
	for _, e := range extra {
		params = append(params, e)
	}
	return c.call(methodSubmit, params...)
}

// selfSignedCert makes a certificate for 127.0.0.1 and a pool trusting it.
func selfSignedCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "stratum test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
