package miner

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
	"github.com/multipool/multipool/pools/stratum/client"
	"github.com/multipool/multipool/pools/stratum/client/clienttest"
)

// startPool runs the fake pool with first as its job.
func startPool(t *testing.T, cfg clienttest.Config, first *stratum.Job) *clienttest.Server {
	t.Helper()
	srv, err := clienttest.Start(cfg, first)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// mine runs the miner against addr until it stops, within a generous bound.
func mine(t *testing.T, cfg Config) Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	st, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("Run stopped by the test's deadline: %v", st)
	}
	return st
}

// recheck recomputes a share's header from the job alone and checks its
// proof of work against the share target, independently of the server.
func recheck(t *testing.T, alg *pow.Algorithm, job *stratum.Job, sh clienttest.Share) {
	t.Helper()
	w, err := stratum.DecodeJob(job)
	if err != nil {
		t.Fatal(err)
	}
	var header [80]byte
	w.Header(&header, w.MerkleRoot(w.Coinbase(nil, sh.Extranonce1, sh.Extranonce2)), w.Version, sh.NTime, sh.Nonce)
	var h [32]byte
	alg.Hash(&h, header[:])
	target, err := pow.ShareTarget(sh.Difficulty, alg.Multiplier)
	if err != nil {
		t.Fatal(err)
	}
	if !pow.MeetsTarget(&h, target) {
		t.Errorf("share %v: hash %s above the target of difficulty %g", sh, pow.ReverseHex(&h), sh.Difficulty)
	}
	if sh.NTime != w.NTime || sh.Version != w.Version {
		t.Errorf("share %v: ntime %08x version %08x, want the job's %08x %08x", sh, sh.NTime, sh.Version, w.NTime, w.Version)
	}
}

func TestMineSharesMeetTarget(t *testing.T) {
	tests := []struct {
		algorithm string
		tmpl      clienttest.Template
		shares    int
	}{
		{"sha256d", clienttest.BtcdSimnet, 2},
		{"scrypt", clienttest.LitecoinRegtest, 10},
	}
	for _, tt := range tests {
		t.Run(tt.algorithm, func(t *testing.T) {
			job := tt.tmpl.Job("j1", 4, 4, true)
			srv := startPool(t, clienttest.Config{Algorithm: tt.algorithm, Difficulty: 0.0001}, job)
			var out bytes.Buffer
			st := mine(t, Config{
				Algorithm: tt.algorithm, URL: "stratum+tcp://" + srv.Addr(), User: "rltc1qtest.w1",
				Password: "x", Threads: 2, MaxShares: tt.shares, Out: &syncWriter{w: &out},
			})
			if st.Accepted < int64(tt.shares) || st.Rejected != 0 {
				t.Fatalf("stats %v, want %d accepted and none rejected", st, tt.shares)
			}
			// Regtest's network target is far easier than difficulty 0.0001:
			// every share is a block.
			if st.Blocks != st.Accepted {
				t.Errorf("blocks %d, want %d", st.Blocks, st.Accepted)
			}
			alg, _ := pow.Lookup(tt.algorithm)
			shares := srv.Shares()
			if int64(len(shares)) < st.Accepted {
				t.Fatalf("server saw %d shares, miner counted %d accepted", len(shares), st.Accepted)
			}
			for _, sh := range shares {
				if sh.Err != nil {
					t.Errorf("share %v rejected: %v", sh, sh.Err)
				}
				if sh.User != "rltc1qtest.w1" || sh.Difficulty != 0.0001 {
					t.Errorf("share %v: user %q difficulty %g", sh, sh.User, sh.Difficulty)
				}
				recheck(t, alg, job, sh)
			}
			if n := strings.Count(out.String(), "accepted: "); n != int(st.Accepted) {
				t.Errorf("%d accepted lines for %d accepted shares:\n%s", n, st.Accepted, out.String())
			}
			if st.Hashes == 0 {
				t.Error("no hashes counted")
			}
		})
	}
}

func TestCleanJobSwitch(t *testing.T) {
	a := clienttest.LitecoinRegtest.Job("a", 4, 4, true)
	b := clienttest.LitecoinRegtest.Job("b", 4, 4, true)
	var once sync.Once
	var srv *clienttest.Server
	srv = startPool(t, clienttest.Config{
		Algorithm: "scrypt", Difficulty: 0.0001,
		OnShare: func(sh clienttest.Share) {
			if sh.JobID == "a" && sh.Err == nil && srv.Accepted() >= 3 {
				once.Do(func() {
					if err := srv.Notify(b); err != nil {
						t.Error(err)
					}
				})
			}
		},
	}, a)
	st := mine(t, Config{Algorithm: "scrypt", URL: srv.Addr(), User: "u", Threads: 2, MaxShares: 12})

	// Shares the miner sent before it saw job b are answered "job not
	// found"; after its first share on b, it must never send one on a.
	onB := 0
	for _, sh := range srv.Shares() {
		switch {
		case sh.JobID == "b":
			onB++
			if sh.Err != nil {
				t.Errorf("share %v on the new job rejected: %v", sh, sh.Err)
			}
		case onB > 0:
			t.Errorf("share %v on the old job after the first on the new one", sh)
		case sh.Err != nil && sh.Code() != stratum.CodeJobNotFound:
			t.Errorf("share %v rejected: %v", sh, sh.Err)
		}
	}
	if onB < 12-3-1 {
		t.Errorf("%d shares on the new job, want at least %d", onB, 12-3-1)
	}
	for code := range st.RejectReasons {
		if code != stratum.CodeJobNotFound {
			t.Errorf("rejections %v, want only job-not-found", st.RejectReasons)
		}
	}
}

func TestReconnect(t *testing.T) {
	var once sync.Once
	var srv *clienttest.Server
	srv = startPool(t, clienttest.Config{
		Algorithm: "scrypt", Difficulty: 0.0001,
		OnShare: func(sh clienttest.Share) {
			if sh.Err == nil && srv.Accepted() >= 2 {
				once.Do(srv.DropConnections)
			}
		},
	}, clienttest.LitecoinRegtest.Job("j", 4, 4, true))
	st := mine(t, Config{
		Algorithm: "scrypt", URL: srv.Addr(), User: "u", Threads: 1, MaxShares: 6,
		RetryMin: 10 * time.Millisecond,
	})
	if st.Accepted < 6 || st.Connections < 2 || srv.Connections() < 2 {
		t.Fatalf("stats %v, %d connections (server %d): want 6 accepted over 2 connections",
			st, st.Connections, srv.Connections())
	}
}

func TestUnauthorized(t *testing.T) {
	srv := startPool(t, clienttest.Config{Authorize: func(string, string) bool { return false }},
		clienttest.BtcdSimnet.Job("j", 4, 4, true))
	_, err := Run(context.Background(), Config{Algorithm: "sha256d", URL: srv.Addr(), User: "u", Threads: 1})
	if !errors.Is(err, client.ErrUnauthorized) {
		t.Fatalf("err %v, want ErrUnauthorized", err)
	}
}

func TestStopsOnContext(t *testing.T) {
	// Difficulty 1e6 means no share in this test's lifetime.
	srv := startPool(t, clienttest.Config{Difficulty: 1e6}, clienttest.BtcdSimnet.Job("j", 4, 4, true))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Stats)
	go func() {
		st, err := Run(ctx, Config{Algorithm: "sha256d", URL: srv.Addr(), User: "u", Threads: 2})
		if err != nil {
			t.Error(err)
		}
		done <- st
	}()
	deadline := time.Now().Add(10 * time.Second)
	for srv.Active() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	select {
	case st := <-done:
		if st.Connections != 1 {
			t.Fatalf("stats %v", st)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}
}

func TestPoolAddr(t *testing.T) {
	tests := []struct {
		url, want string
		ok        bool
	}{
		{"stratum+tcp://127.0.0.1:3333", "127.0.0.1:3333", true},
		{"stratum+tcp://pool.example:3333/", "pool.example:3333", true},
		{"127.0.0.1:3333", "127.0.0.1:3333", true},
		{"[::1]:3333", "[::1]:3333", true},
		{"stratum+ssl://pool:3333", "", false},
		{"http://pool:3333", "", false},
		{"pool", "", false},
		{":3333", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := PoolAddr(tt.url)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("PoolAddr(%q) = %q, %v", tt.url, got, err)
			}
		})
	}
}

func TestMainCommand(t *testing.T) {
	srv := startPool(t, clienttest.Config{Algorithm: "scrypt", Difficulty: 0.001},
		clienttest.LitecoinRegtest.Job("j", 4, 4, true))
	tests := []struct {
		name string
		args []string
		ok   bool
	}{
		{"mines", []string{"-a", "scrypt", "-o", "stratum+tcp://" + srv.Addr(), "-u", "u", "-t", "1", "-n", "2", "-q"}, true},
		{"unknown flag", []string{"-x"}, false},
		{"no url", []string{"-u", "u"}, false},
		{"no user", []string{"-o", srv.Addr()}, false},
		{"bad url", []string{"-o", "ftp://x:1", "-u", "u"}, false},
		{"bad algorithm", []string{"-a", "nope", "-o", srv.Addr(), "-u", "u"}, false},
		{"bad threads", []string{"-o", srv.Addr(), "-u", "u", "-t", "-1"}, false},
		{"bad share count", []string{"-o", srv.Addr(), "-u", "u", "-n", "x"}, false},
		{"extra argument", []string{"-o", srv.Addr(), "-u", "u", "more"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			err := Main(ctx, tt.args, &stdout, &stderr)
			if (err == nil) != tt.ok {
				t.Fatalf("err %v (stderr %s)", err, stderr.String())
			}
			if tt.ok && !strings.Contains(stdout.String(), "accepted 2") {
				t.Fatalf("stdout %q, want the summary", stdout.String())
			}
		})
	}
}

func TestExtranonce2(t *testing.T) {
	tests := []struct {
		size int
		v    uint64
		want string
	}{
		{4, 1, "\x00\x00\x00\x01"},
		{4, 0x01020304, "\x01\x02\x03\x04"},
		{2, 0x0102, "\x01\x02"},
		{10, 0x0102, "\x00\x00\x00\x00\x00\x00\x00\x00\x01\x02"},
		{0, 0, ""},
	}
	for _, tt := range tests {
		b := make([]byte, tt.size)
		putExtranonce2(b, tt.v)
		if string(b) != tt.want {
			t.Errorf("size %d value %x: %x", tt.size, tt.v, b)
		}
	}
}

func TestLessOrEqual(t *testing.T) {
	target, _ := pow.ShareTarget(0.5, 1)
	le := littleEndian(target)
	tests := []struct {
		name string
		h    [32]byte
		want bool
	}{
		{"equal", le, true},
		{"zero", [32]byte{}, true},
		{"top byte above", func() [32]byte { h := le; h[31]++; return h }(), false},
		{"low byte above", func() [32]byte { h := le; h[0]++; return h }(), false},
		{"low byte below", func() [32]byte { h := le; h[27]--; return h }(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lessOrEqual(&tt.h, &le); got != tt.want || got != pow.MeetsTarget(&tt.h, target) {
				t.Fatalf("lessOrEqual = %v, MeetsTarget = %v, want %v", got, pow.MeetsTarget(&tt.h, target), tt.want)
			}
		})
	}
}

// syncWriter makes a buffer safe for the miner's concurrent lines and the
// test's read after Run.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

// BenchmarkHash measures the PoW hash rate of one thread.
func BenchmarkHash(b *testing.B) {
	for _, name := range []string{"sha256d", "scrypt"} {
		b.Run(name, func(b *testing.B) {
			alg, _ := pow.Lookup(name)
			var header [80]byte
			var h [32]byte
			n := 0
			for b.Loop() {
				header[76] = byte(n)
				alg.Hash(&h, header[:])
				n++
			}
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "H/s")
		})
	}
}

// TestMineAgainstStratumServer mines on the pool's own stratum server.
func TestMineAgainstStratumServer(t *testing.T) {
	job := clienttest.LitecoinRegtest.Job("s1", 4, 4, true)
	src, err := clienttest.NewSource("scrypt", job)
	if err != nil {
		t.Fatal(err)
	}
	addr := clienttest.ServeStratum(t, 0.0001, src)
	st := mine(t, Config{Algorithm: "scrypt", URL: "stratum+tcp://" + addr, User: "rltc1qminer", Threads: 2, MaxShares: 5})
	if st.Accepted < 5 || st.Rejected != 0 {
		t.Fatalf("stats %v", st)
	}
	alg, _ := pow.Lookup("scrypt")
	for _, sh := range src.Shares() {
		if sh.Err != nil {
			t.Errorf("share %v rejected: %v", sh, sh.Err)
		}
		recheck(t, alg, job, sh)
	}
}
