package stratum

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestSubscribeAuthorizeSubmit(t *testing.T) {
	src := &fakeSource{}
	job := src.publish(testJob("j1", true))
	srv, addr := startServer(t, basicConfig(), src, nil)
	c := dial(t, addr)

	m := c.call(methodSubscribe, "cpuminer/2.5")
	var sub []any
	if err := json.Unmarshal(m.Result, &sub); err != nil {
		t.Fatal(err)
	}
	if len(sub) != 3 || sub[2].(float64) != Extranonce2Size {
		t.Fatalf("subscribe result %s", m.Result)
	}
	subs := sub[0].([]any)
	if len(subs) != 2 || subs[0].([]any)[0] != "mining.set_difficulty" || subs[1].([]any)[0] != "mining.notify" {
		t.Fatalf("subscriptions %v", subs)
	}
	en1 := sub[1].(string)
	if len(en1) != 8 || !strings.HasPrefix(en1, "01") {
		t.Fatalf("extranonce1 %q", en1)
	}
	if string(m.Error) != "null" {
		t.Fatalf("error %s", m.Error)
	}

	c.authorize("LTCaddr.rig_1")
	// set_difficulty comes first, then the notify it applies to.
	sd := c.note()
	if sd.Method != methodSetDifficulty || string(sd.Params) != "[8]" || string(sd.ID) != "null" {
		t.Fatalf("first notification %+v", sd)
	}
	n := c.note()
	if n.Method != methodNotify {
		t.Fatalf("second notification %+v", n)
	}
	var got []any
	json.Unmarshal(n.Params, &got)
	want := []any{"j1", job.PrevHash, job.Coinb1, job.Coinb2,
		[]any{job.MerkleBranch[0], job.MerkleBranch[1]}, job.Version, job.NBits, job.NTime, true}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("notify params\n got %v\nwant %v", got, want)
	}

	r := c.call(methodSubmit, "LTCaddr.rig_1", "j1", "0a0b0c0d", "5f5e1001", "DEADBEEF")
	if string(r.Result) != "true" || string(r.Error) != "null" {
		t.Fatalf("submit reply %+v", r)
	}
	s := src.lastShare(t)
	en1b, _ := hex.DecodeString(en1)
	if s.JobID != "j1" || s.Difficulty != 8 || s.NTime != 0x5f5e1001 || s.Nonce != 0xdeadbeef ||
		hex.EncodeToString(s.Extranonce2) != "0a0b0c0d" || string(s.Extranonce1) != string(en1b) ||
		s.VersionRolled || s.Port != srv.Addrs()[0].(*net.TCPAddr).Port {
		t.Fatalf("share %+v", s)
	}
	if s.Worker.Address != "LTCaddr" || s.Worker.WorkerName != "rig_1" || s.Worker.Password != "x" {
		t.Fatalf("worker %+v", s.Worker)
	}

	infos := srv.Sessions()
	if len(infos) != 1 || infos[0].Worker != "LTCaddr.rig_1" || infos[0].Accepted != 1 ||
		infos[0].Difficulty != 8 || infos[0].Extranonce1 != en1 || infos[0].Agent != "cpuminer/2.5" {
		t.Fatalf("sessions %+v", infos)
	}
}

func TestAuthorizeBeforeSubscribe(t *testing.T) {
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	_, addr := startServer(t, basicConfig(), src, nil)
	c := dial(t, addr)
	c.authorize("addr")
	// No work before subscribe: the very next line must be the subscribe
	// reply, which carries the extranonce1 the work needs.
	id := c.send(methodSubscribe)
	m := c.read()
	if m.Method != "" || string(m.ID) != fmt.Sprint(id) {
		t.Fatalf("first line after subscribe %+v", m)
	}
	p, d := c.nextNotify()
	if p[0] != "j1" || d != 8 {
		t.Fatalf("notify %v diff %v", p, d)
	}
}

func TestCleanJobsBroadcast(t *testing.T) {
	const n = 200
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	srv, addr := startServer(t, basicConfig(), src, nil)
	clients := make([]*testClient, n)
	for i := range clients {
		clients[i] = dial(t, addr)
		clients[i].login(fmt.Sprintf("addr.%d", i))
	}
	waitFor(t, "sessions", func() bool { return len(srv.Sessions()) == n })

	src.publish(testJob("j2", true))
	for i, c := range clients {
		p, d := c.nextNotify()
		if p[0] != "j2" || p[8] != true {
			t.Fatalf("client %d: notify %v", i, p)
		}
		if d != 0 {
			t.Fatalf("client %d: unchanged difficulty sent again", i)
		}
	}
	// A job without clean_jobs goes out as such.
	src.publish(testJob("j3", false))
	for i, c := range clients {
		if p, _ := c.nextNotify(); p[0] != "j3" || p[8] != false {
			t.Fatalf("client %d: notify %v", i, p)
		}
	}
}

func TestSubmitErrors(t *testing.T) {
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	_, addr := startServer(t, basicConfig(), src, nil)

	pre := dial(t, addr)
	if m := pre.submit("addr", "j1"); m.errCode(t) != CodeNotSubscribed {
		t.Fatalf("submit before subscribe: %s", m.Error)
	}
	unauth := dial(t, addr)
	unauth.subscribe()
	if m := unauth.submit("addr", "j1"); m.errCode(t) != CodeUnauthorized {
		t.Fatalf("submit before authorize: %s", m.Error)
	}

	c := dial(t, addr)
	c.login("addr.w")
	tests := []struct {
		name   string
		params []any
		code   int
	}{
		{"other worker", []any{"addr.other", "j1", "00000001", "5f5e1000", "deadbeef"}, CodeUnauthorized},
		{"unknown job", []any{"addr.w", "nope", "00000001", "5f5e1000", "deadbeef"}, CodeJobNotFound},
		{"short extranonce2", []any{"addr.w", "j1", "000001", "5f5e1000", "deadbeef"}, CodeOther},
		{"long extranonce2", []any{"addr.w", "j1", "0000000001", "5f5e1000", "deadbeef"}, CodeOther},
		{"bad hex extranonce2", []any{"addr.w", "j1", "0000000g", "5f5e1000", "deadbeef"}, CodeOther},
		{"short ntime", []any{"addr.w", "j1", "00000001", "5f5e10", "deadbeef"}, CodeOther},
		{"bad nonce", []any{"addr.w", "j1", "00000001", "5f5e1000", "deadbeeg"}, CodeOther},
		{"four params", []any{"addr.w", "j1", "00000001", "5f5e1000"}, CodeOther},
		{"seven params", []any{"addr.w", "j1", "00000001", "5f5e1000", "deadbeef", "00000000", "x"}, CodeOther},
		{"number param", []any{"addr.w", "j1", "00000001", 5, "deadbeef"}, CodeOther},
		{"version bits not negotiated", []any{"addr.w", "j1", "00000001", "5f5e1000", "deadbeef", "00002000"}, CodeOther},
		{"ok", []any{"addr.w", "j1", "00000001", "5f5e1000", "deadbeef"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(src.allShares())
			m := c.call(methodSubmit, tt.params...)
			if got := m.errCode(t); got != tt.code {
				t.Fatalf("code %d (%s), want %d", got, m.Error, tt.code)
			}
			if tt.code != 0 && string(m.Result) != "null" {
				t.Fatalf("result %s with an error", m.Result)
			}
			if sent := len(src.allShares()) - before; (tt.code == 0) != (sent == 1) {
				t.Fatalf("%d shares reached the source", sent)
			}
		})
	}

	t.Run("source rejects", func(t *testing.T) {
		src.mu.Lock()
		src.submit = func(*Share) Result { return Result{Err: ErrDuplicate} }
		src.mu.Unlock()
		m := c.submit("addr.w", "j1")
		if m.errCode(t) != CodeDuplicate || !strings.Contains(string(m.Error), "Duplicate share") {
			t.Fatalf("reply %s", m.Error)
		}
	})
}

func TestAuthorizeRefused(t *testing.T) {
	src := &fakeSource{authorize: func(w *Worker) error {
		if w.Address == "bad" {
			return errors.New("invalid address")
		}
		if w.Address == "coded" {
			return Errorf(CodeUnauthorized, "Address not valid for this coin")
		}
		return nil
	}}
	_, addr := startServer(t, basicConfig(), src, nil)
	c := dial(t, addr)
	c.subscribe()
	for _, tt := range []struct{ user, msg string }{
		{"bad.w", "Unauthorized worker"},
		{"coded", "Address not valid for this coin"},
	} {
		m := c.call(methodAuthorize, tt.user, "x")
		if m.errCode(t) != CodeUnauthorized || !strings.Contains(string(m.Error), tt.msg) || string(m.Result) != "null" {
			t.Fatalf("%s: %s %s", tt.user, m.Result, m.Error)
		}
	}
	if m := c.call(methodAuthorize); m.errCode(t) != CodeOther {
		t.Fatalf("authorize without params: %s", m.Error)
	}
	c.authorize("good")
}

func TestVersionRolling(t *testing.T) {
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	_, addr := startServer(t, basicConfig(), src, nil)
	c := dial(t, addr)

	m := c.call(methodConfigure, []string{"version-rolling", "foo"},
		map[string]any{"version-rolling.mask": "ffffffff", "version-rolling.min-bit-count": 2})
	var res map[string]any
	if err := json.Unmarshal(m.Result, &res); err != nil {
		t.Fatalf("configure result %s", m.Result)
	}
	want := map[string]any{"version-rolling": true, "version-rolling.mask": "1fffe000", "foo": false}
	if !reflect.DeepEqual(res, want) {
		t.Fatalf("configure result %v, want %v", res, want)
	}
	c.login("addr")

	if m := c.submit("addr", "j1", "00002000"); string(m.Result) != "true" {
		t.Fatalf("rolled submit: %s", m.Error)
	}
	s := src.lastShare(t)
	if !s.VersionRolled || s.VersionBits != 0x2000 {
		t.Fatalf("share version %v %x", s.VersionRolled, s.VersionBits)
	}
	if m := c.submit("addr", "j1", "00000001"); m.errCode(t) != CodeOther {
		t.Fatalf("out-of-mask submit: %s", m.Error)
	}
	if m := c.submit("addr", "j1", "20000000"); m.errCode(t) != CodeOther {
		t.Fatalf("out-of-mask submit: %s", m.Error)
	}

	// A narrower request narrows the mask.
	m = c.call(methodConfigure, []string{"version-rolling"}, map[string]any{"version-rolling.mask": "00ffe000"})
	json.Unmarshal(m.Result, &res)
	if res["version-rolling.mask"] != "00ffe000" {
		t.Fatalf("narrow mask %v", res)
	}
	if m := c.submit("addr", "j1", "01000000"); m.errCode(t) != CodeOther {
		t.Fatalf("bit outside the narrowed mask accepted: %s", m.Error)
	}
	// A mask with no bit in common is refused.
	m = c.call(methodConfigure, []string{"version-rolling"}, map[string]any{"version-rolling.mask": "00001fff"})
	res = nil
	json.Unmarshal(m.Result, &res)
	if res["version-rolling"] != false {
		t.Fatalf("disjoint mask %v", res)
	}
}

func TestMethods(t *testing.T) {
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	cfg := basicConfig()
	cfg.Ports[0].VarDiff = &VarDiffConfig{MinDiff: 4, MaxDiff: 64, TargetTime: 15 * time.Second, RetargetTime: 90 * time.Second, VariancePercent: 30}
	_, addr := startServer(t, cfg, src, nil)

	t.Run("unknown method keeps the connection", func(t *testing.T) {
		c := dial(t, addr)
		m := c.call("mining.frobnicate", 1)
		if string(m.Error) != `[20,"Unknown method",null]` || string(m.Result) != "null" {
			t.Fatalf("reply %s %s", m.Result, m.Error)
		}
		c.subscribe()
	})
	t.Run("string and null ids", func(t *testing.T) {
		c := dial(t, addr)
		c.sendRaw(`{"id":"abc","method":"mining.multi_version","params":[1]}` + "\n")
		if m := c.read(); string(m.ID) != `"abc"` || string(m.Result) != "true" {
			t.Fatalf("reply %+v", m)
		}
		c.sendRaw("{\"id\":null,\"method\":\"mining.extranonce.subscribe\"}\r\n")
		if m := c.read(); string(m.ID) != "null" || string(m.Result) != "true" {
			t.Fatalf("reply %+v", m)
		}
	})
	t.Run("malformed lines", func(t *testing.T) {
		c := dial(t, addr)
		c.sendRaw(`{"id":7,"method":"mining.subscribe","params":[}` + "\n")
		if m := c.read(); string(m.ID) != "7" || m.errCode(t) != CodeOther {
			t.Fatalf("reply %+v", m)
		}
		c.sendRaw(`{"id":8,"method":"mining.subscribe","params":"x"}` + "\n")
		if m := c.read(); string(m.ID) != "8" || m.errCode(t) != CodeOther {
			t.Fatalf("reply %+v", m)
		}
		c.subscribe()
		for range maxMalformedLines {
			c.sendRaw("GET / HTTP/1.1\n")
		}
		c.expectClosed()
	})
	t.Run("suggest difficulty and get transactions", func(t *testing.T) {
		c := dial(t, addr)
		if m := c.call(methodSuggestDifficulty, 1000); string(m.Result) != "true" {
			t.Fatalf("suggest: %s", m.Error)
		}
		if m := c.call(methodGetTransactions, "j1"); m.errCode(t) != CodeNotSubscribed {
			t.Fatalf("get_transactions unsubscribed: %s", m.Error)
		}
		_, _, d := c.login("addr")
		if d != 64 {
			t.Fatalf("suggested 1000 on a [4,64] port: got %v", d)
		}
		m := c.call(methodGetTransactions, "j1")
		var tx []string
		if json.Unmarshal(m.Result, &tx); len(tx) != 1 || tx[0] != strings.Repeat("33", 32) {
			t.Fatalf("transactions %s %s", m.Result, m.Error)
		}
		if m := c.call(methodGetTransactions, "zz"); m.errCode(t) != CodeJobNotFound {
			t.Fatalf("get_transactions unknown job: %s", m.Error)
		}
		if m := c.call(methodSuggestDifficulty, "abc"); m.errCode(t) != CodeOther {
			t.Fatalf("bad suggest: %s", m.Error)
		}
	})
	t.Run("password difficulty", func(t *testing.T) {
		c := dial(t, addr)
		c.subscribe()
		if m := c.call(methodAuthorize, "addr", "x,d=2"); string(m.Result) != "true" {
			t.Fatal(string(m.Error))
		}
		if _, d := c.nextNotify(); d != 4 {
			t.Fatalf("d=2 on a [4,64] port: got %v", d)
		}
	})
	t.Run("minimum-difficulty extension", func(t *testing.T) {
		c := dial(t, addr)
		m := c.call(methodConfigure, []string{"minimum-difficulty"}, map[string]any{"minimum-difficulty.value": 32})
		if !strings.Contains(string(m.Result), `"minimum-difficulty":true`) {
			t.Fatalf("configure %s", m.Result)
		}
		if _, _, d := c.login("addr"); d != 32 {
			t.Fatalf("difficulty %v", d)
		}
	})
}

func TestSuggestWithoutVarDiffKeepsPortFloor(t *testing.T) {
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	_, addr := startServer(t, basicConfig(), src, nil)
	for _, tt := range []struct {
		suggest, want float64
	}{{0.5, 8}, {100, 100}} {
		c := dial(t, addr)
		c.call(methodSuggestDifficulty, tt.suggest)
		if _, _, d := c.login("addr"); d != tt.want {
			t.Fatalf("suggest %v: difficulty %v, want %v", tt.suggest, d, tt.want)
		}
	}
}

func TestOversizeLine(t *testing.T) {
	src := &fakeSource{}
	cfg := basicConfig()
	cfg.MaxLineBytes = 256
	cfg.Banning = BanConfig{Enabled: true, CheckThreshold: 1, InvalidPercent: 100, Time: time.Hour}
	_, addr := startServer(t, cfg, src, nil)

	ok := dial(t, addr)
	// A line of exactly MaxLineBytes passes.
	prefix := `{"id":1,"method":"mining.multi_version","params":["`
	line := prefix + strings.Repeat("a", 256-len(prefix)-3) + `"]}`
	if len(line) != 256 {
		t.Fatalf("test line is %d bytes", len(line))
	}
	ok.sendRaw(line + "\r\n")
	if m := ok.read(); string(m.Result) != "true" {
		t.Fatalf("line of the maximum length: %+v", m)
	}

	c := dial(t, addr)
	c.sendRaw(`{"id":1,"method":"mining.subscribe","params":["` + strings.Repeat("x", 10000) + "\"]}\n")
	c.expectClosed()
	// The oversize line was a ban score of 100%: the IP is refused now.
	again := dial(t, addr)
	again.conn.Write([]byte(`{"id":1,"method":"mining.subscribe","params":[]}` + "\n"))
	again.expectClosed()
}

func TestIdleTimeout(t *testing.T) {
	cfg := basicConfig()
	cfg.ConnectionTimeout = 200 * time.Millisecond
	srv, addr := startServer(t, cfg, &fakeSource{}, nil)
	c := dial(t, addr)
	c.subscribe()
	c.expectClosed()
	waitFor(t, "session gone", func() bool { return len(srv.Sessions()) == 0 })
}

func TestVarDiffRetarget(t *testing.T) {
	clock := newFakeClock()
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	cfg := basicConfig()
	cfg.Now = clock.Now
	cfg.Ports[0].VarDiff = &VarDiffConfig{MinDiff: 1, MaxDiff: 1024, TargetTime: 10 * time.Second, RetargetTime: 60 * time.Second, VariancePercent: 30}
	_, addr := startServer(t, cfg, src, nil)
	c := dial(t, addr)
	if _, p, d := c.login("addr"); p[0] != "j1" || d != 8 {
		t.Fatalf("first job %v at %v", p[0], d)
	}
	submit := func(job string) {
		t.Helper()
		if m := c.submit("addr", job); string(m.Result) != "true" {
			t.Fatalf("submit %s: %s", job, m.Error)
		}
	}

	// One share a second against a 10 s target: the first check comes
	// RetargetTime/2 after the first share and moves up by the capped 4x.
	for range 30 {
		submit("j1")
		clock.advance(time.Second)
	}
	if len(c.backlog) != 0 {
		t.Fatalf("retarget too early: %+v", c.backlog)
	}
	submit("j1")
	p, d := c.nextNotify()
	if d != 32 || p[0] != "j1.1" || p[8] != false {
		t.Fatalf("after retarget up: notify %v at %v", p, d)
	}
	// Each wire id keeps the difficulty it was sent with.
	submit("j1")
	if s := src.lastShare(t); s.Difficulty != 8 || s.JobID != "j1" {
		t.Fatalf("share on j1: job %s diff %v", s.JobID, s.Difficulty)
	}
	clock.advance(200 * time.Second)
	submit("j1.1")
	if s := src.lastShare(t); s.Difficulty != 32 || s.JobID != "j1" {
		t.Fatalf("share on j1.1: job %s diff %v", s.JobID, s.Difficulty)
	}
	// That share was slow (intervals 0 s and 200 s): down by at most 4x,
	// back to 8, which j1 was first sent with, so its own id comes back.
	p, d = c.nextNotify()
	if d != 8 || p[0] != "j1" || p[8] != false {
		t.Fatalf("after retarget down: notify %v at %v", p, d)
	}
	// A new job goes out at the current difficulty without set_difficulty.
	src.publish(testJob("j2", true))
	if p, d := c.nextNotify(); p[0] != "j2" || d != 0 {
		t.Fatalf("new job %v with difficulty %v", p[0], d)
	}
	submit("j2")
	if s := src.lastShare(t); s.Difficulty != 8 {
		t.Fatalf("share on j2 at %v", s.Difficulty)
	}
	clock.advance(500 * time.Second)
	submit("j2")
	if p, d := c.nextNotify(); p[0] != "j2.2" || d != 2 {
		t.Fatalf("after slow shares: notify %v at %v", p[0], d)
	}
	// Within the variance nothing changes.
	for range 10 {
		clock.advance(500 * time.Second / 50)
		submit("j2.2")
	}
	if len(c.backlog) != 0 {
		t.Fatalf("retarget inside the variance: %+v", c.backlog)
	}
}

// TestVarDiffIdleRetarget: a varDiff session with no accepted share for
// RetargetTime gets a quarter of its difficulty (down to MinDiff) with its
// next job; a session whose shares flow keeps its own.
func TestVarDiffIdleRetarget(t *testing.T) {
	clock := newFakeClock()
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	cfg := basicConfig()
	cfg.Now = clock.Now
	cfg.Ports[0].VarDiff = &VarDiffConfig{MinDiff: 0.5, MaxDiff: 1024, TargetTime: 10 * time.Second, RetargetTime: 60 * time.Second, VariancePercent: 30}
	_, addr := startServer(t, cfg, src, nil)
	idle := dial(t, addr)
	if _, p, d := idle.login("addr"); p[0] != "j1" || d != 8 {
		t.Fatalf("first job %v at %v", p[0], d)
	}
	steps := []struct {
		wait time.Duration
		job  string
		diff float64 // 0: no set_difficulty before the notify
	}{
		{59 * time.Second, "j2", 0}, // not idle long enough yet
		{2 * time.Second, "j3", 2},  // 61 s without a share: 8/4
		{30 * time.Second, "j4", 0}, // 30 s since that change
		{31 * time.Second, "j5", 0.5},
		{61 * time.Second, "j6", 0}, // already at MinDiff
	}
	for _, st := range steps {
		clock.advance(st.wait)
		src.publish(testJob(st.job, true))
		if p, d := idle.nextNotify(); p[0] != st.job || d != st.diff {
			t.Fatalf("job %v with difficulty %v, want %s with %v", p[0], d, st.job, st.diff)
		}
	}
	if m := idle.submit("addr", "j6"); string(m.Result) != "true" {
		t.Fatalf("submit: %s", m.Error)
	}
	if s := src.lastShare(t); s.Difficulty != 0.5 {
		t.Fatalf("share at difficulty %v, want 0.5", s.Difficulty)
	}

	// Shares every 10 s, on target: no idle retarget, no other either.
	busy := dial(t, addr)
	if _, p, d := busy.login("addr"); p[0] != "j6" || d != 8 {
		t.Fatalf("first job %v at %v", p[0], d)
	}
	for range 12 {
		clock.advance(10 * time.Second)
		if m := busy.submit("addr", "j6"); string(m.Result) != "true" {
			t.Fatalf("submit: %s", m.Error)
		}
	}
	src.publish(testJob("j7", true))
	if p, d := busy.nextNotify(); p[0] != "j7" || d != 0 {
		t.Fatalf("busy session: job %v with difficulty %v, want j7 unchanged", p[0], d)
	}
}

func TestExtranonceUniqueAcrossServers(t *testing.T) {
	en := NewExtranonceAllocator(7)
	src := &fakeSource{}
	_, addr1 := startServer(t, basicConfig(), src, en)
	_, addr2 := startServer(t, basicConfig(), src, en)
	seen := map[string]bool{}
	var clients []*testClient
	for i := range 40 {
		addr := addr1
		if i%2 == 1 {
			addr = addr2
		}
		c := dial(t, addr)
		clients = append(clients, c)
		en1 := c.subscribe()
		if seen[en1] || !strings.HasPrefix(en1, "07") {
			t.Fatalf("extranonce1 %s repeated or without the instance byte", en1)
		}
		seen[en1] = true
	}
	if en.InUse() != 40 {
		t.Fatalf("allocator holds %d", en.InUse())
	}
	for _, c := range clients {
		c.conn.Close()
	}
	waitFor(t, "extranonces released", func() bool { return en.InUse() == 0 })
}

func TestBanAfterThreshold(t *testing.T) {
	clock := newFakeClock()
	src := &fakeSource{submit: func(*Share) Result { return Result{Err: ErrLowDifficulty} }}
	src.publish(testJob("j1", true))
	cfg := basicConfig()
	cfg.Now = clock.Now
	cfg.Banning = BanConfig{Enabled: true, Time: time.Hour, InvalidPercent: 50, CheckThreshold: 4, PurgeInterval: time.Hour}
	srv, addr := startServer(t, cfg, src, nil)

	c := dial(t, addr)
	c.login("addr")
	for range 3 {
		if m := c.submit("addr", "j1"); m.errCode(t) != CodeLowDifficulty {
			t.Fatalf("reply %s", m.Error)
		}
	}
	c.send(methodSubmit, "addr", "j1", "00000001", "5f5e1000", "deadbeef")
	c.expectClosed()
	if banned, _ := srv.bans.size(); banned != 1 {
		t.Fatalf("%d banned", banned)
	}
	refused := dial(t, addr)
	refused.conn.Write([]byte(`{"id":1,"method":"mining.subscribe","params":[]}` + "\n"))
	refused.expectClosed()

	clock.advance(time.Hour + time.Second)
	back := dial(t, addr)
	back.subscribe()
	srv.bans.purge()
	if banned, _ := srv.bans.size(); banned != 0 {
		t.Fatalf("%d banned after expiry", banned)
	}

	// Stale shares (21 from the source) do not count against the miner.
	src.mu.Lock()
	src.submit = func(*Share) Result { return Result{Err: ErrJobNotFound} }
	src.mu.Unlock()
	back.authorize("addr")
	back.nextNotify()
	for range 8 {
		if m := back.submit("addr", "j1"); m.errCode(t) != CodeJobNotFound {
			t.Fatalf("reply %s", m.Error)
		}
	}
	if m := back.call(methodMultiVersion); string(m.Result) != "true" {
		t.Fatal("stale shares got the miner banned")
	}
}

func TestSlowReaderDoesNotBlockBroadcast(t *testing.T) {
	src := &fakeSource{}
	big := func(id string) Job {
		j := testJob(id, true)
		j.Coinb1 = strings.Repeat("ab", 64<<10)
		return j
	}
	src.publish(big("j0"))
	cfg := basicConfig()
	cfg.WriteTimeout = 300 * time.Millisecond
	cfg.SendQueue = 4
	srv, addr := startServer(t, cfg, src, nil)

	// The slow miner logs in and never reads again.
	slow := dial(t, addr)
	slow.sendRaw(`{"id":1,"method":"mining.subscribe","params":[]}` + "\n" +
		`{"id":2,"method":"mining.authorize","params":["slow","x"]}` + "\n")

	const readers = 4
	var last [readers]atomic.Value
	var wg sync.WaitGroup
	var conns []net.Conn
	t.Cleanup(func() {
		for _, c := range conns {
			c.Close()
		}
		wg.Wait()
	})
	for i := range readers {
		c := dial(t, addr)
		conns = append(conns, c.conn)
		c.login(fmt.Sprintf("fast.%d", i))
		wg.Go(func() {
			for {
				m, err := c.readMsg()
				if err != nil {
					return
				}
				if m.Method == methodNotify {
					var p []any
					json.Unmarshal(m.Params, &p)
					last[i].Store(p[0])
				}
			}
		})
	}
	waitFor(t, "sessions", func() bool { return len(srv.Sessions()) == readers+1 })

	// Publish until the slow miner's socket buffers are full and its
	// write times out; every other miner gets every job meanwhile.
	slowGone := func() bool { return len(srv.Sessions()) == readers }
	n := 0
	for ; n < 400 && !slowGone(); n++ {
		id := fmt.Sprintf("j%d", n+1)
		src.publish(big(id))
		waitFor(t, "job "+id+" at every reader", func() bool {
			for i := range readers {
				if last[i].Load() != id {
					return false
				}
			}
			return true
		})
	}
	waitFor(t, "slow session dropped", slowGone)
	t.Logf("slow miner dropped after %d jobs", n)
}

func TestProxyProtocol(t *testing.T) {
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	cfg := basicConfig()
	cfg.Ports[0].ProxyProtocol = true
	srv, addr := startServer(t, cfg, src, nil)

	v2 := func(ip [4]byte, port uint16) string {
		h := append([]byte(nil), proxyV2Signature...)
		h = append(h, 0x21, 0x11, 0, 12)
		h = append(h, ip[:]...)
		h = append(h, 127, 0, 0, 1, byte(port>>8), byte(port), 0x0d, 0x05)
		return string(h)
	}
	tests := []struct {
		name, header, want string
	}{
		{"v1 tcp4", "PROXY TCP4 203.0.113.7 127.0.0.1 40000 3333\r\n", "203.0.113.7:40000"},
		{"v1 tcp6", "PROXY TCP6 2001:db8::1 ::1 40001 3333\r\n", "[2001:db8::1]:40001"},
		{"v2 tcp4", v2([4]byte{198, 51, 100, 9}, 40002), "198.51.100.9:40002"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, addr)
			c.sendRaw(tt.header)
			c.login("addr")
			found := false
			for _, si := range srv.Sessions() {
				found = found || si.RemoteAddr == tt.want
			}
			if !found {
				t.Fatalf("no session from %s: %+v", tt.want, srv.Sessions())
			}
			if s := src.allShares(); len(s) > 0 {
				t.Fatal("unexpected share")
			}
			c.submit("addr", "j1")
			if got := src.lastShare(t).RemoteAddr.String(); got != tt.want {
				t.Fatalf("share from %s", got)
			}
			src.mu.Lock()
			src.shares = nil
			src.mu.Unlock()
		})
	}
	t.Run("no header", func(t *testing.T) {
		c := dial(t, addr)
		c.sendRaw(`{"id":1,"method":"mining.subscribe","params":[]}` + "\n")
		c.expectClosed()
	})
}

func TestTLS(t *testing.T) {
	cert, pool := selfSignedCert(t)
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	cfg := basicConfig()
	cfg.Ports[0].TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	_, addr := startServer(t, cfg, src, nil)
	conn, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	c := newTestClient(t, conn)
	if _, p, _ := c.login("addr"); p[0] != "j1" {
		t.Fatalf("notify %v", p)
	}
	if m := c.submit("addr", "j1"); string(m.Result) != "true" {
		t.Fatal(string(m.Error))
	}
}

func TestSetSource(t *testing.T) {
	a, b := &fakeSource{}, &fakeSource{}
	a.publish(testJob("a1", false))
	b.publish(testJob("b1", false))
	srv, addr := startServer(t, basicConfig(), a, nil)
	c := dial(t, addr)
	if _, p, _ := c.login("addr"); p[0] != "a1" {
		t.Fatalf("first job %v", p[0])
	}
	srv.SetSource(b)
	p, _ := c.nextNotify()
	if p[0] != "b1" || p[8] != true {
		t.Fatalf("after switch %v", p)
	}
	c.submit("addr", "b1")
	c.submit("addr", "a1")
	if len(a.allShares()) != 1 || len(b.allShares()) != 1 || a.lastShare(t).JobID != "a1" {
		t.Fatalf("shares went to the wrong source: a %d b %d", len(a.allShares()), len(b.allShares()))
	}
	b.publish(testJob("b2", false))
	if p, _ := c.nextNotify(); p[0] != "b2" {
		t.Fatalf("next job %v", p[0])
	}
}

func TestRunStops(t *testing.T) {
	en := NewExtranonceAllocator(3)
	src := &fakeSource{}
	src.publish(testJob("j1", true))
	s, err := NewServer(basicConfig(), src, en, nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.Addrs() != nil {
		t.Fatal("addresses before listening")
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	<-s.Ready()
	var clients []*testClient
	for range 5 {
		c := dial(t, s.Addrs()[0].String())
		c.login("addr")
		clients = append(clients, c)
	}
	if err := s.Run(ctx); !errors.Is(err, ErrServerRunning) {
		t.Fatalf("second Run: %v", err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return")
	}
	for _, c := range clients {
		c.expectClosed()
	}
	if en.InUse() != 0 || len(s.Sessions()) != 0 {
		t.Fatalf("after Run: %d extranonces, %d sessions", en.InUse(), len(s.Sessions()))
	}
	if _, err := net.DialTimeout("tcp", s.Addrs()[0].String(), time.Second); err == nil {
		t.Fatal("still accepting")
	}
}

func TestListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := basicConfig()
	cfg.Ports = append(cfg.Ports, PortConfig{Addr: ln.Addr().String(), Diff: 1})
	s, err := NewServer(cfg, &fakeSource{}, NewExtranonceAllocator(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background()); err == nil {
		t.Fatal("Run on a taken port succeeded")
	}
}

func TestNewServerValidates(t *testing.T) {
	vd := func(f func(*VarDiffConfig)) *VarDiffConfig {
		v := &VarDiffConfig{MinDiff: 1, MaxDiff: 100, TargetTime: time.Second, RetargetTime: time.Minute, VariancePercent: 30}
		f(v)
		return v
	}
	tests := []struct {
		name  string
		cfg   func(*Config)
		field string
	}{
		{"no ports", func(c *Config) { c.Ports = nil }, "ports"},
		{"no addr", func(c *Config) { c.Ports[0].Addr = "" }, "ports[0].addr"},
		{"zero diff", func(c *Config) { c.Ports[0].Diff = 0 }, "ports[0].diff"},
		{"min above max", func(c *Config) { c.Ports[0].VarDiff = vd(func(v *VarDiffConfig) { v.MinDiff = 1000 }) }, "maxDiff"},
		{"diff outside vardiff", func(c *Config) { c.Ports[0].VarDiff = vd(func(v *VarDiffConfig) { v.MinDiff = 10 }) }, "ports[0].diff"},
		{"no target time", func(c *Config) { c.Ports[0].VarDiff = vd(func(v *VarDiffConfig) { v.TargetTime = 0 }) }, "targetTime"},
		{"variance", func(c *Config) { c.Ports[0].VarDiff = vd(func(v *VarDiffConfig) { v.VariancePercent = 100 }) }, "variancePercent"},
		{"tiny line", func(c *Config) { c.MaxLineBytes = 10 }, "maxLineBytes"},
		{"tiny queue", func(c *Config) { c.SendQueue = 1 }, "sendQueue"},
		{"ban percent", func(c *Config) { c.Banning = BanConfig{Enabled: true, InvalidPercent: 150} }, "invalidPercent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := basicConfig()
			tt.cfg(&cfg)
			_, err := NewServer(cfg, &fakeSource{}, NewExtranonceAllocator(0), nil)
			if !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("error %v, want one about %s", err, tt.field)
			}
		})
	}
	if _, err := NewServer(basicConfig(), nil, NewExtranonceAllocator(0), nil); !errors.Is(err, ErrConfig) {
		t.Fatalf("nil source: %v", err)
	}
	s, err := NewServer(basicConfig(), &fakeSource{}, NewExtranonceAllocator(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	if s.cfg.ConnectionTimeout != DefaultConnectionTimeout || s.cfg.MaxLineBytes != DefaultMaxLineBytes ||
		s.cfg.WriteTimeout != DefaultWriteTimeout || s.cfg.SendQueue != DefaultSendQueue {
		t.Fatalf("defaults not applied: %+v", s.cfg)
	}
}

// TestDebugLogging runs accepted and rejected shares with a JSON log
// handler at debug level, which formats every attribute.
func TestDebugLogging(t *testing.T) {
	var buf syncBuffer
	log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n := 0
	src := &fakeSource{
		authorize: func(*Worker) error { var e *Error; return e },
		submit: func(*Share) Result {
			n++
			if n%2 == 0 {
				return Result{Err: ErrLowDifficulty}
			}
			return Result{Block: true, BlockHash: "00ab"}
		},
	}
	src.publish(testJob("j1", true))
	s, err := NewServer(basicConfig(), src, NewExtranonceAllocator(0), log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	<-s.Ready()
	c := dial(t, s.Addrs()[0].String())
	c.login("addr.w")
	c.submit("addr.w", "j1")
	c.submit("addr.w", "j1")
	c.call("mining.nope")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{`"component":"stratum"`, `"name":"test"`, `"msg":"share"`, `"code":23`, `"msg":"listening"`} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %s", want)
		}
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
