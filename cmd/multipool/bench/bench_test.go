package bench

import (
	"bytes"
	"context"
	"errors"
	"net"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

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

func run(t *testing.T, cfg Config) Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := Run(ctx, cfg)
	if err != nil {
		t.Fatalf("Run: %v\n%s", err, r)
	}
	return r
}

// checkCounts checks the invariants every report must satisfy, and that
// the server answered exactly the shares the report counts.
func checkCounts(t *testing.T, r Report, srv *clienttest.Server) {
	t.Helper()
	var rejected int64
	for _, n := range r.Rejected {
		rejected += n
	}
	if r.Responses != r.Accepted+rejected {
		t.Errorf("responses %d != accepted %d + rejected %d\n%s", r.Responses, r.Accepted, rejected, r)
	}
	if r.Responses == 0 {
		t.Errorf("no responses\n%s", r)
	}
	if !(r.P50 <= r.P99 && r.P99 <= r.Max && r.Max > 0) {
		t.Errorf("latencies p50 %s p99 %s max %s", r.P50, r.P99, r.Max)
	}
	shares := srv.Shares()
	var accepted int64
	for _, sh := range shares {
		if sh.Err == nil {
			accepted++
		}
	}
	// Without dropped connections every share sent was answered and read;
	// with them, some never reached the server or their answer was lost.
	got := int64(len(shares))
	if r.Disconnects == 0 && got != r.Responses+r.NoReply || got < r.Responses || got > r.Responses+r.NoReply {
		t.Errorf("server answered %d shares, report has %d responses + %d without reply", got, r.Responses, r.NoReply)
	}
	if r.NoReply == 0 && accepted != r.Accepted {
		t.Errorf("server accepted %d, report %d", accepted, r.Accepted)
	}
}

func TestRunRandom(t *testing.T) {
	tests := []struct {
		name     string
		inFlight int
	}{
		{"one in flight", 1},
		{"pipelined", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// About half of all sha256d hashes meet difficulty 2^-31.
			srv := startPool(t, clienttest.Config{Difficulty: 1.0 / (1 << 31)})
			r := run(t, Config{URL: srv.Addr(), User: "u", Conns: 20, Duration: 300 * time.Millisecond,
				InFlight: tt.inFlight, DialConcurrency: 5})
			checkCounts(t, r, srv)
			if r.Conns != 20 || r.ConnectErrors != 0 || r.Disconnects != 0 || r.NoReply != 0 {
				t.Errorf("connections %d/%d/%d, no reply %d", r.Conns, r.ConnectErrors, r.Disconnects, r.NoReply)
			}
			if r.Accepted == 0 || r.Rejected["23 low difficulty"] == 0 {
				t.Errorf("want both accepted and low-difficulty answers:\n%s", r)
			}
			if srv.Connections() != 20 {
				t.Errorf("server saw %d connections", srv.Connections())
			}
		})
	}
}

func TestRunReal(t *testing.T) {
	tests := []struct {
		algorithm string
		diff      float64
	}{
		{"sha256d", 1e-6}, // about 4300 hashes a share
		{"scrypt", 0.0001},
	}
	for _, tt := range tests {
		t.Run(tt.algorithm, func(t *testing.T) {
			srv, err := clienttest.Start(clienttest.Config{Algorithm: tt.algorithm, Difficulty: tt.diff},
				clienttest.LitecoinRegtest.Job("j1", 4, 4, true))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			r := run(t, Config{URL: srv.Addr(), User: "u", Conns: 4, Duration: 300 * time.Millisecond,
				Mode: ModeReal, Algorithm: tt.algorithm})
			checkCounts(t, r, srv)
			if len(r.Rejected) != 0 || r.Accepted == 0 || r.Hashes == 0 {
				t.Errorf("want only accepted shares:\n%s", r)
			}
		})
	}
}

func TestJobSpread(t *testing.T) {
	var once sync.Once
	var srv *clienttest.Server
	srv = startPool(t, clienttest.Config{
		Difficulty: 1.0 / (1 << 31),
		OnShare: func(clienttest.Share) {
			if len(srv.Shares()) >= 200 {
				once.Do(func() {
					if err := srv.Notify(clienttest.BtcdSimnet.Job("j2", 4, 4, true)); err != nil {
						t.Error(err)
					}
				})
			}
		},
	})
	r := run(t, Config{URL: srv.Addr(), User: "u", Conns: 20, Duration: 500 * time.Millisecond})
	checkCounts(t, r, srv)
	if r.Jobs != 1 || r.JobSpreadP99 < r.JobSpreadP50 || r.JobSpreadP50 < 0 {
		t.Fatalf("jobs %d spread p50 %s p99 %s, want one clean job", r.Jobs, r.JobSpreadP50, r.JobSpreadP99)
	}
	for k := range r.Rejected {
		if k != "23 low difficulty" && k != "21 job not found" {
			t.Errorf("unexpected rejection %q", k)
		}
	}
}

func TestDisconnects(t *testing.T) {
	var once sync.Once
	var srv *clienttest.Server
	srv = startPool(t, clienttest.Config{
		Difficulty: 1.0 / (1 << 31),
		OnShare: func(clienttest.Share) {
			if len(srv.Shares()) >= 100 {
				once.Do(srv.DropConnections)
			}
		},
	})
	r := run(t, Config{URL: srv.Addr(), User: "u", Conns: 20, Duration: 2 * time.Second, InFlight: 2})
	checkCounts(t, r, srv)
	if r.Disconnects != 20 {
		t.Fatalf("disconnects %d, want 20\n%s", r.Disconnects, r)
	}
}

func TestNoConnection(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	r, err := Run(context.Background(), Config{URL: addr, User: "u", Conns: 3, Duration: time.Second, Timeout: 2 * time.Second})
	if !errors.Is(err, ErrNoConnection) || r.ConnectErrors != 3 || r.Conns != 0 {
		t.Fatalf("err %v, report\n%s", err, r)
	}
}

func TestRefusedLogin(t *testing.T) {
	srv := startPool(t, clienttest.Config{Authorize: func(user, _ string) bool { return false }})
	_, err := Run(context.Background(), Config{URL: srv.Addr(), User: "u", Conns: 2, Duration: time.Second})
	if !errors.Is(err, ErrNoConnection) {
		t.Fatalf("err %v", err)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no url", Config{User: "u"}},
		{"bad url", Config{URL: "http://x:1", User: "u"}},
		{"no user", Config{URL: "127.0.0.1:1"}},
		{"bad mode", Config{URL: "127.0.0.1:1", User: "u", Mode: "fast"}},
		{"bad algorithm", Config{URL: "127.0.0.1:1", User: "u", Algorithm: "nope"}},
		{"negative conns", Config{URL: "127.0.0.1:1", User: "u", Conns: -1}},
		{"huge inflight", Config{URL: "127.0.0.1:1", User: "u", InFlight: 5000}},
		{"negative duration", Config{URL: "127.0.0.1:1", User: "u", Duration: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Run(context.Background(), tt.cfg); !errors.Is(err, ErrConfig) {
				t.Fatalf("err %v, want ErrConfig", err)
			}
		})
	}
}

func TestMainCommand(t *testing.T) {
	srv := startPool(t, clienttest.Config{Difficulty: 1.0 / (1 << 31)})
	tests := []struct {
		name string
		args []string
		ok   bool
	}{
		{"runs", []string{"-o", "stratum+tcp://" + srv.Addr(), "-u", "u", "-c", "5", "-d", "200ms", "-inflight", "2", "-q"}, true},
		{"unknown flag", []string{"-x"}, false},
		{"no url", []string{"-u", "u"}, false},
		{"bad duration", []string{"-o", srv.Addr(), "-u", "u", "-d", "soon"}, false},
		{"bad mode", []string{"-o", srv.Addr(), "-u", "u", "-m", "fast"}, false},
		{"extra argument", []string{"-o", srv.Addr(), "-u", "u", "x"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := Main(context.Background(), tt.args, &stdout, &stderr)
			if (err == nil) != tt.ok {
				t.Fatalf("err %v (stderr %s)", err, stderr.String())
			}
			if tt.ok && !strings.Contains(stdout.String(), "responses") {
				t.Fatalf("stdout %q, want the report", stdout.String())
			}
		})
	}
}

func TestHistogramBuckets(t *testing.T) {
	values := []int64{0, 1, 15, 16, 17, 31, 32, 33, 1000, 999_999, 1_000_000, 1 << 40, 1<<62 + 12345, 1<<63 - 1}
	for _, v := range values {
		i := bucketOf(v)
		if i < 0 || i >= nBuckets {
			t.Fatalf("value %d: bucket %d out of range", v, i)
		}
		if up := bucketUpper(i); up < v {
			t.Errorf("value %d: bucket %d upper %d below it", v, i, up)
		}
		if i > 0 && bucketUpper(i-1) >= v {
			t.Errorf("value %d: previous bucket upper %d not below it", v, bucketUpper(i-1))
		}
		if up := bucketUpper(i); v >= 16 && float64(up-v) > float64(v)/16 {
			t.Errorf("value %d: bucket upper %d more than 1/16 above", v, up)
		}
	}
}

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 {
		t.Fatal("empty histogram")
	}
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	tests := []struct {
		q    float64
		want time.Duration
	}{
		{0.5, 500 * time.Microsecond},
		{0.99, 990 * time.Microsecond},
		{1, 1000 * time.Microsecond},
	}
	for _, tt := range tests {
		got := h.quantile(tt.q)
		if got < tt.want || float64(got-tt.want) > float64(tt.want)/16 {
			t.Errorf("quantile %v = %s, want %s within 1/16", tt.q, got, tt.want)
		}
	}
}

// TestThousandConnections runs the default connection count against the
// fake pool and the pool's own stratum server; it is opt-in
// (MULTIPOOL_BENCH_LARGE=1) to keep the usual test run light on a shared
// machine.
func TestThousandConnections(t *testing.T) {
	if os.Getenv("MULTIPOOL_BENCH_LARGE") != "1" {
		t.Skip("set MULTIPOOL_BENCH_LARGE=1 to run 1000 connections")
	}
	const diff = 1.0 / (1 << 31)
	tests := []struct {
		name  string
		start func(t *testing.T) string
	}{
		{"fake pool", func(t *testing.T) string { return startPool(t, clienttest.Config{Difficulty: diff}).Addr() }},
		{"stratum server", func(t *testing.T) string {
			src, err := clienttest.NewSource("sha256d", clienttest.BtcdSimnet.Job("s1", 4, 4, true))
			if err != nil {
				t.Fatal(err)
			}
			return clienttest.ServeStratum(t, diff, src)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, Config{URL: tt.start(t), User: "u", Duration: 2 * time.Second})
			t.Logf("\n%s", r)
			var rejected int64
			for _, n := range r.Rejected {
				rejected += n
			}
			if r.Conns != 1000 || r.ConnectErrors != 0 || r.Responses != r.Accepted+rejected {
				t.Fatalf("connections %d, errors %d, counts do not add up", r.Conns, r.ConnectErrors)
			}
		})
	}
}

// TestAgainstStratumServer loads the pool's own stratum server.
func TestAgainstStratumServer(t *testing.T) {
	src, err := clienttest.NewSource("sha256d", clienttest.BtcdSimnet.Job("s1", 4, 4, true))
	if err != nil {
		t.Fatal(err)
	}
	addr := clienttest.ServeStratum(t, 1.0/(1<<31), src)
	r := run(t, Config{URL: addr, User: "u", Conns: 20, Duration: 300 * time.Millisecond, InFlight: 2})
	var rejected int64
	for _, n := range r.Rejected {
		rejected += n
	}
	if r.Conns != 20 || r.Responses == 0 || r.Responses != r.Accepted+rejected || r.NoReply != 0 {
		t.Fatalf("counts do not add up:\n%s", r)
	}
	if got := int64(len(src.Shares())); got != r.Responses {
		t.Errorf("source checked %d shares, report has %d responses", got, r.Responses)
	}
}

func TestRateAndIdle(t *testing.T) {
	srv := startPool(t, clienttest.Config{Difficulty: 1.0 / (1 << 31)})
	// 50 submissions a second over 10 connections for 0.6 s: pacing allows
	// at most one per connection per 200 ms, plus the first.
	r := run(t, Config{URL: srv.Addr(), User: "u", Conns: 10, Duration: 600 * time.Millisecond, Rate: 50})
	checkCounts(t, r, srv)
	if max := int64(10 * (600/200 + 1)); r.Responses > max || r.Responses == 0 {
		t.Errorf("%d responses at rate 50/s over 0.6 s, want 1..%d", r.Responses, max)
	}
	idle := startPool(t, clienttest.Config{Difficulty: 1.0 / (1 << 31)})
	r = run(t, Config{URL: idle.Addr(), User: "u", Conns: 10, Duration: 200 * time.Millisecond, Mode: ModeIdle})
	if r.Responses != 0 || r.Conns != 10 || len(idle.Shares()) != 0 {
		t.Errorf("idle run: %d responses, %d conns, %d shares at the pool", r.Responses, r.Conns, len(idle.Shares()))
	}
}
