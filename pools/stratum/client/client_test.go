package client

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/multipool/multipool/pools/stratum"
	"github.com/multipool/multipool/pools/stratum/client/clienttest"
)

func startPool(t *testing.T, cfg clienttest.Config) *clienttest.Server {
	t.Helper()
	srv, err := clienttest.Start(cfg, clienttest.BtcdSimnet.Job("j1", 4, 4, true))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func dial(t *testing.T, cfg Config) *Client {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Dial(ctx, cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func nextJob(t *testing.T, c *Client) *JobUpdate {
	t.Helper()
	select {
	case u, ok := <-c.Jobs():
		if !ok {
			t.Fatalf("jobs closed: %v", c.Err())
		}
		return u
	case <-time.After(10 * time.Second):
		t.Fatal("no job")
	}
	return nil
}

func TestDialAndJob(t *testing.T) {
	for _, rolling := range []bool{false, true} {
		t.Run(fmt.Sprintf("rolling=%v", rolling), func(t *testing.T) {
			srv := startPool(t, clienttest.Config{Difficulty: 0.001})
			c := dial(t, Config{Addr: srv.Addr(), User: "addr.w1", Password: "x", VersionRolling: rolling})
			if len(c.Extranonce1()) != 4 || c.Extranonce2Size() != 4 {
				t.Fatalf("extranonce1 %x size %d", c.Extranonce1(), c.Extranonce2Size())
			}
			u := nextJob(t, c)
			if u.Job.ID != "j1" || !u.Job.CleanJobs || u.Difficulty != 0.001 {
				t.Fatalf("job %s clean %v diff %v", u.Job.ID, u.Job.CleanJobs, u.Difficulty)
			}
			want, err := stratum.DecodeJob(clienttest.BtcdSimnet.Job("j1", 4, 4, true))
			if err != nil {
				t.Fatal(err)
			}
			if u.Work.PrevHash != want.PrevHash || u.Work.Version != want.Version || len(u.Work.Branch) != 2 {
				t.Fatalf("work %+v, want %+v", u.Work, want)
			}
			// The mask is applied when the configure reply arrives, which
			// precedes the subscribe reply on this server.
			wantMask := uint32(0)
			if rolling {
				wantMask = RollingMask
			}
			if got := c.VersionMask(); got != wantMask {
				t.Fatalf("mask %08x, want %08x", got, wantMask)
			}
		})
	}
}

func TestAuthorizeRefused(t *testing.T) {
	srv := startPool(t, clienttest.Config{Authorize: func(user, _ string) bool { return user == "good" }})
	_, err := Dial(context.Background(), Config{Addr: srv.Addr(), User: "bad", Timeout: 5 * time.Second}, nil)
	var se *stratum.Error
	if !errors.Is(err, ErrUnauthorized) || !errors.As(err, &se) || se.Code != stratum.CodeUnauthorized {
		t.Fatalf("err %v, want unauthorized with code 24", err)
	}
}

func TestDialErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no address", Config{}},
		{"refused", Config{Addr: addr, Timeout: 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Dial(context.Background(), tt.cfg, nil); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// share builds a submission from the job update with a given nonce.
func share(u *JobUpdate, en2 uint32, nonce uint32) Submission {
	e := make([]byte, u.Extranonce2Size)
	for i := range e {
		e[len(e)-1-i] = byte(en2 >> (8 * i))
	}
	return Submission{JobID: u.Job.ID, Extranonce2: e, NTime: u.Work.NTime, Nonce: nonce}
}

func TestSubmit(t *testing.T) {
	// At this difficulty the share target is 2^256-1: every hash qualifies.
	srv := startPool(t, clienttest.Config{Difficulty: 1e-12})
	c := dial(t, Config{Addr: srv.Addr(), User: "u"})
	u := nextJob(t, c)
	ctx := context.Background()
	bits := uint32(0x00002000)
	badBits := uint32(0x00000001)
	tests := []struct {
		name string
		s    Submission
		code int // 0: accepted
	}{
		{"accepted", share(u, 1, 7), 0},
		{"duplicate", share(u, 1, 7), stratum.CodeDuplicate},
		{"other nonce", share(u, 1, 8), 0},
		{"stale job", Submission{JobID: "nope", Extranonce2: make([]byte, 4), NTime: 1}, stratum.CodeJobNotFound},
		{"short extranonce2", Submission{JobID: u.Job.ID, Extranonce2: make([]byte, 2), NTime: 1}, stratum.CodeOther},
		{"version bits without rolling", Submission{JobID: u.Job.ID, Extranonce2: make([]byte, 4), NTime: 1, VersionBits: &bits}, stratum.CodeOther},
		{"bits zero", Submission{JobID: u.Job.ID, Extranonce2: make([]byte, 4), NTime: 1, VersionBits: new(uint32)}, 0},
		{"bits outside mask", Submission{JobID: u.Job.ID, Extranonce2: make([]byte, 4), NTime: 2, VersionBits: &badBits}, stratum.CodeOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Submit(ctx, tt.s)
			var se *stratum.Error
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("err %v, want accepted", err)
			case tt.code != 0 && (!errors.As(err, &se) || se.Code != tt.code):
				t.Fatalf("err %v, want code %d", err, tt.code)
			}
		})
	}
}

func TestSubmitRolledVersion(t *testing.T) {
	srv := startPool(t, clienttest.Config{Difficulty: 1e-12})
	c := dial(t, Config{Addr: srv.Addr(), User: "u", VersionRolling: true})
	u := nextJob(t, c)
	bits := uint32(0x00ffe000)
	if err := c.Submit(context.Background(), Submission{JobID: u.Job.ID, Extranonce2: make([]byte, 4), NTime: u.Work.NTime, VersionBits: &bits}); err != nil {
		t.Fatal(err)
	}
	sh := srv.Shares()
	if got, want := sh[len(sh)-1].Version, u.Work.Version&^RollingMask|bits; got != want {
		t.Fatalf("server checked version %08x, want %08x", got, want)
	}
}

func TestSubmitAsyncPipelined(t *testing.T) {
	// About half of all hashes meet a difficulty of 2^-31 for sha256d.
	srv := startPool(t, clienttest.Config{Difficulty: 1.0 / (1 << 31)})
	c := dial(t, Config{Addr: srv.Addr(), User: "u"})
	u := nextJob(t, c)
	const n = 500
	var accepted, rejected, other atomic.Int64
	var wg sync.WaitGroup
	wg.Add(n)
	for i := range n {
		c.SubmitAsync(share(u, uint32(i), uint32(i)*2654435761), func(err error) {
			defer wg.Done()
			var se *stratum.Error
			switch {
			case err == nil:
				accepted.Add(1)
			case errors.As(err, &se) && se.Code == stratum.CodeLowDifficulty:
				rejected.Add(1)
			default:
				other.Add(1)
			}
		})
	}
	wg.Wait()
	if other.Load() != 0 {
		t.Fatalf("%d submissions failed otherwise", other.Load())
	}
	if int(accepted.Load()) != srv.Accepted() || accepted.Load()+rejected.Load() != n {
		t.Fatalf("accepted %d (server %d) rejected %d of %d", accepted.Load(), srv.Accepted(), rejected.Load(), n)
	}
	if accepted.Load() == 0 || rejected.Load() == 0 {
		t.Fatalf("accepted %d rejected %d: want both", accepted.Load(), rejected.Load())
	}
}

// scriptConn is the pool side of a scripted test connection.
type scriptConn struct {
	t    *testing.T
	conn net.Conn
	sc   *bufio.Scanner
}

type scriptReq struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
	Result json.RawMessage   `json:"result"`
	Error  json.RawMessage   `json:"error"`
}

func (s *scriptConn) read() scriptReq {
	if !s.sc.Scan() {
		return scriptReq{}
	}
	var r scriptReq
	if err := json.Unmarshal(s.sc.Bytes(), &r); err != nil {
		s.t.Errorf("client sent bad line %q", s.sc.Text())
	}
	return r
}

func (s *scriptConn) send(format string, args ...any) {
	fmt.Fprintf(s.conn, format+"\n", args...)
}

// login answers subscribe and authorize.
func (s *scriptConn) login() {
	r := s.read()
	if r.Method != "mining.subscribe" {
		s.t.Errorf("got %q, want subscribe", r.Method)
	}
	s.send(`{"id":%s,"result":[[["mining.notify","x"]],"abcd0001",4],"error":null}`, r.ID)
	r = s.read()
	if r.Method != "mining.authorize" {
		s.t.Errorf("got %q, want authorize", r.Method)
	}
	s.send(`{"id":%s,"result":true,"error":null}`, r.ID)
}

// scripted runs script as the pool for one client connection and returns
// the logged-in client.
func scripted(t *testing.T, cfg Config, script func(s *scriptConn)) *Client {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		sc := bufio.NewScanner(conn)
		sc.Buffer(nil, 1<<20)
		script(&scriptConn{t: t, conn: conn, sc: sc})
		// Hold the connection until the client closes it.
		for sc.Scan() {
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		<-done
	})
	cfg.Addr = ln.Addr().String()
	return dial(t, cfg)
}

func notifyLine(id string, clean bool) string {
	j := clienttest.LitecoinRegtest.Job(id, 4, 4, clean)
	b, _ := json.Marshal([]any{j.ID, j.PrevHash, j.Coinb1, j.Coinb2, j.MerkleBranch, j.Version, j.NBits, j.NTime, j.CleanJobs})
	return `{"id":null,"method":"mining.notify","params":` + string(b) + `}`
}

func TestDifficultyAppliesToNextNotify(t *testing.T) {
	c := scripted(t, Config{User: "u"}, func(s *scriptConn) {
		s.login()
		s.send(notifyLine("a", true))
		s.read() // the test took job a
		s.send(`{"id":null,"method":"mining.set_difficulty","params":[0.001]}`)
		s.send(`{"id":null,"method":"mining.set_difficulty","params":[-5]}`)  // ignored
		s.send(`{"id":null,"method":"mining.set_difficulty","params":["x"]}`) // ignored
		s.send(notifyLine("b", false))
	})
	tests := []struct {
		id   string
		diff float64
	}{{"a", 1}, {"b", 0.001}}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			u := nextJob(t, c)
			if u.Job.ID != tt.id || u.Difficulty != tt.diff {
				t.Fatalf("job %s diff %v, want %s %v", u.Job.ID, u.Difficulty, tt.id, tt.diff)
			}
			if tt.id == "a" {
				c.SubmitAsync(Submission{JobID: "a"}, func(error) {}) // go ahead
			}
		})
	}
}

func TestSetExtranonce(t *testing.T) {
	c := scripted(t, Config{User: "u", ExtranonceSubscribe: true}, func(s *scriptConn) {
		s.login()
		r := s.read()
		if r.Method != "mining.extranonce.subscribe" {
			t.Errorf("got %q, want extranonce.subscribe", r.Method)
		}
		s.send(`{"id":%s,"result":true,"error":null}`, r.ID)
		s.send(`{"id":null,"method":"mining.set_extranonce","params":["0102030405",3]}`)
		s.send(`{"id":null,"method":"mining.set_extranonce","params":["zz",3]}`) // ignored
		s.send(notifyLine("a", true))
	})
	u := nextJob(t, c)
	if fmt.Sprintf("%x/%d", u.Extranonce1, u.Extranonce2Size) != "0102030405/3" {
		t.Fatalf("job extranonce %x/%d", u.Extranonce1, u.Extranonce2Size)
	}
	if fmt.Sprintf("%x/%d", c.Extranonce1(), c.Extranonce2Size()) != "0102030405/3" {
		t.Fatalf("client extranonce %x/%d", c.Extranonce1(), c.Extranonce2Size())
	}
}

func TestJobsKeepsNewest(t *testing.T) {
	handled := make(chan struct{})
	c := scripted(t, Config{User: "u"}, func(s *scriptConn) {
		s.login()
		s.send(notifyLine("a", true))
		s.send(notifyLine("b", false))
		s.send(notifyLine("c", false))
		s.send(`{"id":7,"method":"client.get_version","params":[]}`)
		if r := s.read(); string(r.ID) != "7" || string(r.Result) != `"multipool/0.1"` {
			t.Errorf("get_version reply %+v", r)
		}
		close(handled)
	})
	// The version reply proves the three notifies were handled; the
	// consumer took none, so only the newest is left, marked clean because
	// it replaced a clean one.
	select {
	case <-handled:
	case <-time.After(10 * time.Second):
		t.Fatal("no get_version reply")
	}
	u := nextJob(t, c)
	if u.Job.ID != "c" || !u.Job.CleanJobs {
		t.Fatalf("job %s clean %v, want c clean", u.Job.ID, u.Job.CleanJobs)
	}
	select {
	case u := <-c.Jobs():
		t.Fatalf("second update %s", u.Job.ID)
	default:
	}
}

func TestJobDoneOnReplace(t *testing.T) {
	c := scripted(t, Config{User: "u"}, func(s *scriptConn) {
		s.login()
		s.send(notifyLine("a", true))
		s.read() // wait for the test's go-ahead (any request)
		s.send(notifyLine("b", true))
	})
	a := nextJob(t, c)
	c.SubmitAsync(Submission{JobID: "a"}, func(error) {})
	select {
	case <-a.Job.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("job a not replaced")
	}
	c.Close()
	b := nextJob(t, c)
	select {
	case <-b.Job.Done(): // closed by the end of the connection
	case <-time.After(10 * time.Second):
		t.Fatal("job b not done after close")
	}
}

func TestReplies(t *testing.T) {
	c := scripted(t, Config{User: "u"}, func(s *scriptConn) {
		s.login()
		var reqs []scriptReq
		for range 5 {
			reqs = append(reqs, s.read())
		}
		// Out of order, in every error shape pools use.
		s.send(`{"id":%s,"result":null,"error":{"code":23,"message":"low"}}`, reqs[4].ID)
		s.send(`{"id":"%s","result":true,"error":null}`, reqs[3].ID)
		s.send(`{"id":%s,"result":false,"error":"stale"}`, reqs[2].ID)
		s.send(`{"id":%s,"result":false,"error":null}`, reqs[1].ID)
		s.send(`{"id":%s,"result":null,"error":[21,"Job not found",null]}`, reqs[0].ID)
		s.send(`{"id":999,"result":true,"error":null}`) // unknown id: ignored
	})
	want := []struct {
		code int
		msg  string
	}{{stratum.CodeJobNotFound, "Job not found"}, {stratum.CodeOther, "share rejected: false"}, {stratum.CodeOther, "stale"}, {0, ""}, {stratum.CodeLowDifficulty, "low"}}
	errs := make([]error, len(want))
	var wg sync.WaitGroup
	for i := range want {
		wg.Add(1)
		// Sequential sends keep the ids in order.
		c.SubmitAsync(Submission{JobID: fmt.Sprint(i), Extranonce2: []byte{1}}, func(err error) {
			errs[i] = err
			wg.Done()
		})
	}
	wg.Wait()
	for i, w := range want {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			var se *stratum.Error
			switch {
			case w.code == 0 && errs[i] != nil:
				t.Fatalf("err %v, want nil", errs[i])
			case w.code != 0 && (!errors.As(errs[i], &se) || se.Code != w.code || se.Message != w.msg):
				t.Fatalf("err %v, want %d %q", errs[i], w.code, w.msg)
			}
		})
	}
}

func TestConnectionEnds(t *testing.T) {
	tests := []struct {
		name   string
		script func(s *scriptConn)
		want   error
	}{
		{"reconnect", func(s *scriptConn) {
			s.send(`{"id":null,"method":"client.reconnect","params":["127.0.0.1",1,0]}`)
		}, ErrReconnect},
		{"line too long", func(s *scriptConn) {
			s.send(`{"id":null,"method":"client.show_message","params":["%s"]}`, strings.Repeat("a", MaxLineSize+10))
		}, ErrLineTooLong},
		{"pool hangs up", func(s *scriptConn) { s.conn.Close() }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := scripted(t, Config{User: "u"}, func(s *scriptConn) {
				s.login()
				s.read() // the pending submit
				tt.script(s)
			})
			var got error
			c.SubmitAsync(Submission{JobID: "x"}, func(err error) { got = err })
			select {
			case <-c.Done():
			case <-time.After(10 * time.Second):
				t.Fatal("connection did not end")
			}
			if !errors.Is(got, ErrClosed) {
				t.Fatalf("pending submit got %v, want ErrClosed", got)
			}
			if tt.want != nil && !errors.Is(c.Err(), tt.want) {
				t.Fatalf("Err() = %v, want %v", c.Err(), tt.want)
			}
			if _, ok := <-c.Jobs(); ok {
				t.Fatal("jobs channel open after end")
			}
		})
	}
}

func TestTimeoutAndClose(t *testing.T) {
	c := scripted(t, Config{User: "u", Timeout: 200 * time.Millisecond}, func(s *scriptConn) {
		s.login()
	})
	if err := c.Submit(context.Background(), Submission{JobID: "x"}); !errors.Is(err, ErrTimeout) {
		t.Fatalf("err %v, want ErrTimeout", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := c.Submit(ctx, Submission{JobID: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	c.Close()
	if err := c.Submit(context.Background(), Submission{JobID: "x"}); !errors.Is(err, ErrClosed) {
		t.Fatalf("err %v after close, want ErrClosed", err)
	}
	var got error
	c.SubmitAsync(Submission{JobID: "x"}, func(err error) { got = err })
	if !errors.Is(got, ErrClosed) {
		t.Fatalf("async err %v after close, want ErrClosed", got)
	}
	if !errors.Is(c.Err(), ErrClosed) {
		t.Fatalf("Err() = %v", c.Err())
	}
}

func TestBadSubscribe(t *testing.T) {
	tests := []struct{ name, result string }{
		{"not an array", `true`},
		{"short", `[[],"00"]`},
		{"bad hex", `[[],"zz",4]`},
		{"huge size", `[[],"00",1000]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			go func() {
				conn, err := ln.Accept()
				if err != nil {
					return
				}
				defer conn.Close()
				s := &scriptConn{t: t, conn: conn, sc: bufio.NewScanner(conn)}
				r := s.read()
				s.send(`{"id":%s,"result":%s,"error":null}`, r.ID, tt.result)
				s.read()
			}()
			_, err = Dial(context.Background(), Config{Addr: ln.Addr().String(), User: "u", Timeout: 5 * time.Second}, nil)
			if !errors.Is(err, ErrBadSubscribe) {
				t.Fatalf("err %v, want ErrBadSubscribe", err)
			}
		})
	}
}
