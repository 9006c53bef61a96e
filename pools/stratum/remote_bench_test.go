package stratum

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The benchmarks in this file run their miners in a child process, the
// test binary started again with clientsEnv set, so that what they
// measure is the server's alone: its memory, and its time on the CPU.

// clientsEnv, when set to "addr,n[,rate]" in the environment of the test
// binary, makes it the miners' process instead of running tests: it opens
// n logged-in connections to addr, prints "ready" and holds them until its
// stdin closes. With a rate it keeps reading and sends that many shares a
// second (if not 0), spread over the connections, each on the newest job
// its connection got; when stdin closes it prints the reply latencies as
// "latency <count> <p50 µs> <p99 µs> <max µs>".
const clientsEnv = "STRATUM_BENCH_CLIENTS"

func TestMain(m *testing.M) {
	if v := os.Getenv(clientsEnv); v != "" {
		if err := runClients(v, os.Stdin, os.Stdout); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// benchClients are the miners of the child process.
type benchClients struct {
	conns []net.Conn
	jobs  []atomic.Pointer[string] // the newest job id of each connection
	// seen records, per connection, when each job arrived; only that
	// connection's reader touches its entry until the readers are done.
	seen []map[string]time.Time

	mu   sync.Mutex // guards the fields below
	sent map[int64]time.Time
	lat  []time.Duration
	err  error
}

func (bc *benchClients) fail(err error) {
	bc.mu.Lock()
	if bc.err == nil {
		bc.err = err
	}
	bc.mu.Unlock()
}

func runClients(spec string, stdin io.Reader, stdout io.Writer) error {
	f := strings.Split(spec, ",")
	if len(f) < 2 || len(f) > 3 {
		return fmt.Errorf("%s: want addr,n[,rate], got %q", clientsEnv, spec)
	}
	n, err := strconv.Atoi(f[1])
	if err != nil || n <= 0 {
		return fmt.Errorf("%s: bad n in %q", clientsEnv, spec)
	}
	rate, keepReading := 0.0, len(f) == 3
	if keepReading {
		if rate, err = strconv.ParseFloat(f[2], 64); err != nil || rate < 0 {
			return fmt.Errorf("%s: bad rate in %q", clientsEnv, spec)
		}
	}
	bc := &benchClients{jobs: make([]atomic.Pointer[string], n), seen: make([]map[string]time.Time, n), sent: map[int64]time.Time{}}
	defer func() {
		for _, c := range bc.conns {
			c.Close()
		}
	}()
	var loggedIn, readers sync.WaitGroup
	for i := range n {
		c, err := net.DialTimeout("tcp", f[0], 10*time.Second)
		if err != nil {
			return fmt.Errorf("dial %d: %w", i, err)
		}
		bc.conns = append(bc.conns, c)
		login := fmt.Sprintf("{\"id\":-1,\"method\":\"mining.subscribe\",\"params\":[\"bench/1.0\"]}\n"+
			"{\"id\":-2,\"method\":\"mining.authorize\",\"params\":[\"addr%d.rig\",\"x\"]}\n", i)
		if _, err := io.WriteString(c, login); err != nil {
			return fmt.Errorf("login %d: %w", i, err)
		}
		loggedIn.Add(1)
		readers.Go(func() { bc.read(i, loggedIn.Done, keepReading) })
	}
	loggedIn.Wait()
	if bc.err != nil {
		return bc.err
	}
	readyAt := time.Now()
	fmt.Fprintln(stdout, "ready")
	if rate > 0 {
		go bc.submit(rate)
	}
	io.Copy(io.Discard, stdin)
	if !keepReading {
		return nil
	}
	for _, c := range bc.conns {
		c.Close()
	}
	readers.Wait()
	p50, p99, worst := percentiles(bc.lat)
	fmt.Fprintf(stdout, "latency %d %d %d %d\n", len(bc.lat), p50.Microseconds(), p99.Microseconds(), worst.Microseconds())
	// The spread of each job published after the logins that reached
	// every connection: from the first to the last to get it.
	first, last, count := map[string]time.Time{}, map[string]time.Time{}, map[string]int{}
	for _, m := range bc.seen {
		for id, at := range m {
			if f, ok := first[id]; !ok || at.Before(f) {
				first[id] = at
			}
			if at.After(last[id]) {
				last[id] = at
			}
			count[id]++
		}
	}
	var spreads []time.Duration
	for id, k := range count {
		if k == n && first[id].After(readyAt) {
			spreads = append(spreads, last[id].Sub(first[id]))
		}
	}
	p50, _, worst = percentiles(spreads)
	fmt.Fprintf(stdout, "spread %d %d %d\n", len(spreads), p50.Microseconds(), worst.Microseconds())
	return nil
}

// percentiles sorts d and returns its median, 99th percentile and maximum.
func percentiles(d []time.Duration) (p50, p99, most time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	return d[(len(d)-1)/2], d[(len(d)-1)*99/100], d[len(d)-1]
}

// read reads connection i up to its first job, calls loggedIn, and with
// keepReading goes on noting jobs and reply latencies.
func (bc *benchClients) read(i int, loggedIn func(), keepReading bool) {
	c := bc.conns[i]
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReaderSize(c, 4096)
	const notify = `"mining.notify","params":["`
	first := true
	for {
		line, err := r.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			if first {
				bc.fail(fmt.Errorf("conn %d: %w", i, err))
				loggedIn()
			}
			return
		}
		now := time.Now()
		if k := bytes.Index(line, []byte(notify)); k >= 0 {
			rest := line[k+len(notify):]
			if e := bytes.IndexByte(rest, '"'); e >= 0 {
				id := string(rest[:e])
				bc.jobs[i].Store(&id)
				if keepReading {
					if bc.seen[i] == nil {
						bc.seen[i] = map[string]time.Time{}
					}
					bc.seen[i][id] = now
				}
			}
			if first {
				first = false
				c.SetReadDeadline(time.Time{})
				loggedIn()
				if !keepReading {
					return
				}
			}
			continue
		}
		if rest, ok := bytes.CutPrefix(line, []byte(`{"id":`)); ok {
			end := bytes.IndexByte(rest, ',')
			if id, err := strconv.ParseInt(string(rest[:max(end, 0)]), 10, 64); err == nil && id >= 0 {
				bc.mu.Lock()
				if t0, ok := bc.sent[id]; ok {
					delete(bc.sent, id)
					bc.lat = append(bc.lat, now.Sub(t0))
				}
				bc.mu.Unlock()
			}
		}
	}
}

// submit sends rate shares a second over the connections in turn.
func (bc *benchClients) submit(rate float64) {
	const tick = time.Millisecond
	t := time.NewTicker(tick)
	defer t.Stop()
	start := time.Now()
	var id int64
	for now := range t.C {
		due := int64(now.Sub(start).Seconds() * rate)
		for ; id < due; id++ {
			k := int(id % int64(len(bc.conns)))
			job := "j0"
			if p := bc.jobs[k].Load(); p != nil {
				job = *p
			}
			line := fmt.Sprintf("{\"id\":%d,\"method\":\"mining.submit\",\"params\":[\"addr%d.rig\",%q,\"%08x\",\"5f5e1000\",\"%08x\"]}\n",
				id, k, job, k, id)
			bc.mu.Lock()
			bc.sent[id] = time.Now()
			bc.mu.Unlock()
			c := bc.conns[k]
			c.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := io.WriteString(c, line); err != nil {
				return
			}
		}
	}
}

// clientProcess is a running miners' process.
type clientProcess struct {
	cmd   *exec.Cmd
	stdin io.Closer
	out   *bufio.Reader
}

// startClients runs the miners' process and returns once its connections
// are logged in. rate < 0 means miners that only log in and then neither
// read nor write.
func startClients(b *testing.B, addr string, n int, rate int) *clientProcess {
	spec := fmt.Sprintf("%s,%d", addr, n)
	if rate >= 0 {
		spec += fmt.Sprintf(",%d", rate)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), clientsEnv+"="+spec)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	cp := &clientProcess{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	if line, err := cp.out.ReadString('\n'); err != nil || line != "ready\n" {
		cp.stop()
		b.Fatalf("client process: %q %v", line, err)
	}
	return cp
}

// stop ends the process and returns the rest of its output.
func (cp *clientProcess) stop() string {
	cp.stdin.Close()
	out, _ := io.ReadAll(cp.out)
	cp.cmd.Wait()
	return string(out)
}

// benchServer runs a server on a source whose Submit costs some CPU, as
// proof-of-work checks do (at most GOMAXPROCS at once, as in pools.Pool),
// and accepts every share.
func benchServer(b *testing.B) (*Server, *fakeSource) {
	slots := make(chan struct{}, runtime.GOMAXPROCS(0))
	src := &fakeSource{submit: func(s *Share) Result {
		slots <- struct{}{}
		h := sha256.Sum256(s.Extranonce2)
		for range 50 {
			h = sha256.Sum256(h[:])
		}
		<-slots
		return Result{}
	}}
	src.publish(testJob("j0", true))
	srv, err := NewServer(basicConfig(), src, NewExtranonceAllocator(0), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- srv.Run(ctx) }()
	b.Cleanup(func() {
		cancel()
		if err := <-runDone; err != nil {
			b.Error(err)
		}
	})
	<-srv.Ready()
	return srv, src
}

// BenchmarkIdleSession reports what an idle miner connection costs the
// server: sessions that subscribed, authorized and got their first job,
// then went quiet. Per session: heap-B (live heap after a collection),
// stack-B (goroutine stacks, read before any collection, so stacks that
// grew while handling requests count), goroutines, and total-B (heap and
// stacks, plus about 440 bytes per goroutine for its descriptor, which
// MemStats does not show). Run it with -benchtime=1x.
func BenchmarkIdleSession(b *testing.B) {
	const n = 2000
	for b.Loop() {
		benchIdleSession(b, n)
	}
}

func benchIdleSession(b *testing.B, n int) {
	srv, _ := benchServer(b)
	m0, g0 := settledMem()
	cp := startClients(b, srv.Addrs()[0].String(), n, -1)
	defer cp.stop()
	waitServer(b, "sessions idle", func() bool {
		return srv.allSessions(n, func(ss *session) bool { return ss.ready && ss.jobsLen > 0 })
	})
	m1, g1 := settledMem()
	per := func(a, z uint64) float64 { return (float64(z) - float64(a)) / float64(n) }
	heap := per(m0.HeapAlloc, m1.HeapAlloc)
	stack := per(m0.StackInuse, m1.StackInuse)
	gs := float64(g1-g0) / float64(n)
	const gDescriptor = 440
	b.ReportMetric(heap, "heap-B/session")
	b.ReportMetric(stack, "stack-B/session")
	b.ReportMetric(gs, "goroutines/session")
	b.ReportMetric(heap+stack+gs*gDescriptor, "total-B/session")
}

// settledMem returns memory statistics, with the stacks as they are
// before a collection (which would shrink stacks that grew and went idle,
// and an idle server seldom collects) and the heap after one, and the
// goroutine count.
func settledMem() (runtime.MemStats, int) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	after.StackInuse = before.StackInuse
	return after, runtime.NumGoroutine()
}

// BenchmarkBroadcastRemote measures how long a new job takes to leave the
// server for 5000 miners (one op: publish a job, then wait until every
// session has handed its notify to the kernel), with the miners idle and
// with them submitting shares. With idle miners it also reports the CPU
// time the server spent per broadcast (cpu-ms/op, which includes the
// benchmark's polling), a figure that depends less on what else the
// machine runs than the wall time does.
func BenchmarkBroadcastRemote(b *testing.B) {
	for _, rate := range []int{0, 1000, 20000} {
		b.Run(fmt.Sprintf("sessions=5000/shares_per_s=%d", rate), func(b *testing.B) {
			const n = 5000
			srv, src := benchServer(b)
			cp := startClients(b, srv.Addrs()[0].String(), n, rate)
			defer cp.stop()
			waitServer(b, "first job sent", func() bool { return srv.allSent(n, "j0") })
			var worst, cpu time.Duration
			i := 0
			for b.Loop() {
				i++
				id := fmt.Sprintf("j%d", i)
				t0, c0 := time.Now(), cpuTime()
				src.publish(testJob(id, true))
				waitServer(b, id, func() bool { return srv.allSent(n, id) })
				worst = max(worst, time.Since(t0))
				cpu += cpuTime() - c0
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
			if rate == 0 {
				// Only the broadcast and the polling for its end run.
				b.ReportMetric(float64(cpu.Microseconds())/1000/float64(i), "cpu-ms/op")
			}
		})
	}
}

// BenchmarkShareLatency has 5000 miners submit 1000 shares a second in
// all while a new block comes every 2 s (one op: one block), and reports
// the share reply latency the miners see (p50-ms, p99-ms, max-ms), the
// longest broadcast on the server's side (publish to the last notify
// handed to the kernel, broadcast-ms) and the largest spread of a job's
// arrival at the miners (first to last, spread-ms). Run it with
// -benchtime=5x or more.
func BenchmarkShareLatency(b *testing.B) {
	const (
		n     = 5000
		rate  = 1000
		block = 2 * time.Second
	)
	srv, src := benchServer(b)
	cp := startClients(b, srv.Addrs()[0].String(), n, rate)
	waitServer(b, "first job sent", func() bool { return srv.allSent(n, "j0") })
	var worst time.Duration
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("j%d", i)
		t0 := time.Now()
		src.publish(testJob(id, true))
		waitServer(b, id, func() bool { return srv.allSent(n, id) })
		worst = max(worst, time.Since(t0))
		time.Sleep(time.Until(t0.Add(block)))
	}
	b.StopTimer()
	var count, p50, p99, most, jobs, spread50, spreadMax int64
	if _, err := fmt.Sscanf(cp.stop(), "latency %d %d %d %d\nspread %d %d %d", &count, &p50, &p99, &most, &jobs, &spread50, &spreadMax); err != nil || count == 0 {
		b.Fatalf("no figures from the miners: %v", err)
	}
	b.ReportMetric(float64(p50)/1000, "p50-ms")
	b.ReportMetric(float64(p99)/1000, "p99-ms")
	b.ReportMetric(float64(most)/1000, "max-ms")
	b.ReportMetric(float64(worst.Microseconds())/1000, "broadcast-ms")
	b.ReportMetric(float64(spreadMax)/1000, "spread-ms")
}

// waitServer polls cond until it holds.
func waitServer(b *testing.B, what string, cond func() bool) {
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("timed out waiting for %s", what)
		}
		// Checking locks every session: not too often, or the check
		// would slow down what it measures.
		time.Sleep(5 * time.Millisecond)
	}
}

// allSessions reports whether the server has n sessions, each with
// nothing left to write and meeting f (called under the session's lock).
func (s *Server) allSessions(n int, f func(*session) bool) bool {
	list := s.snapshot(nil)
	if len(list) != n {
		return false
	}
	for _, ss := range list {
		ss.mu.Lock()
		ok := len(ss.queue) == 0 && !ss.writing && f(ss)
		ss.mu.Unlock()
		if !ok {
			return false
		}
	}
	return true
}

// allSent reports whether all n sessions have written the job id.
func (s *Server) allSent(n int, id string) bool {
	return s.allSessions(n, func(ss *session) bool {
		last := ss.newestJobLocked()
		return last != nil && last.job.ID == id
	})
}
