package switcher

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/pools/stratum"
)

// BenchmarkSwitch measures the time from a switch decision (an operator
// override, which takes the same path as a ranking's decision once made)
// to the moment the last switch-port session has read the new coin's
// notify. One op is one switch; the miners are raw connections in a
// child process on the same cores as the server.
func BenchmarkSwitch(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) { benchSwitch(b, n) })
	}
}

// raiseFileLimit lifts the soft limit on open files to need (up to the
// hard limit) and reports whether need fits.
func raiseFileLimit(need uint64) bool {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return false
	}
	if lim.Cur >= need {
		return true
	}
	lim.Cur = min(need, lim.Max)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return false
	}
	return lim.Cur >= need
}

// The miners run in a child process (this test binary again, running
// TestBenchMiners), so that server and miners each hold one descriptor
// per session: 10,000 sessions fit a 20,000 file limit. The parent tells
// the child which job to wait for on its stdin ("target ID", answered
// "ok ID") and the child says "reached ID" once every session has read
// that job's notify.
const minersEnv = "MULTIPOOL_SWITCH_BENCH_MINERS"

func benchSwitch(b *testing.B, sessions int) {
	if !raiseFileLimit(uint64(sessions + 512)) {
		b.Skipf("%d sessions need %d open files", sessions, sessions+512)
	}
	reg := testCoins(b)
	pa, pb := newTestPool(coin(b, reg, "litecoin-regtest")), newTestPool(coin(b, reg, "ltcb-regtest"))
	first := pa.publish(true)
	pb.publish(true)
	p, err := New(Config{Name: "bench", Algorithm: "scrypt", Pools: []Pool{pa, pb}}, nil, nil, nil)
	if err != nil {
		b.Fatal(err)
	}
	srv, err := stratum.NewServer(stratum.Config{Name: "switch-bench",
		Ports: []stratum.PortConfig{{Addr: "127.0.0.1:0", Diff: 1}}}, p, stratum.NewExtranonceAllocator(0), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var run sync.WaitGroup
	run.Go(func() { p.Run(ctx) })
	run.Go(func() { srv.Run(ctx) })
	defer func() {
		cancel()
		run.Wait()
	}()
	<-srv.Ready()
	user := encode(b, pa.coin, coins.WitnessV0KeyHash, hash20(5))

	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchMiners$", "-test.v")
	cmd.Env = append(os.Environ(), minersEnv+"=1", "MINERS_ADDR="+srv.Addrs()[0].String(),
		"MINERS_N="+strconv.Itoa(sessions), "MINERS_USER="+user, "MINERS_FIRST="+first.ID)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		stdin.Close()
		cmd.Wait()
	}()
	lines := bufio.NewScanner(stdout)
	expect := func(want string) {
		deadline := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
		defer deadline.Stop()
		for lines.Scan() {
			if lines.Text() == want {
				return
			}
		}
		b.Fatalf("miners process ended waiting for %q", want)
	}
	expect("reached " + first.ID)

	pools := []*testPool{pa, pb}
	var total time.Duration
	switches := 0
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		to := pools[(switches+1)%2]
		id := to.publish(true).ID // fresh work on the coin switched to
		fmt.Fprintf(stdin, "target %s\n", id)
		expect("ok " + id)
		b.StartTimer()
		start := time.Now()
		if err := p.Override(ctx, to.coin.Key); err != nil {
			b.Fatal(err)
		}
		expect("reached " + id)
		total += time.Since(start)
		switches++
	}
	b.StopTimer()
	if switches > 0 {
		b.ReportMetric(float64(total.Microseconds())/float64(switches)/1000, "ms/switch")
	}
}

// TestBenchMiners is the miners' side of BenchmarkSwitch; it does nothing
// unless started by it.
func TestBenchMiners(t *testing.T) {
	if os.Getenv(minersEnv) != "1" {
		t.Skip("the miners process of BenchmarkSwitch")
	}
	n, _ := strconv.Atoi(os.Getenv("MINERS_N"))
	if !raiseFileLimit(uint64(n + 512)) {
		t.Fatalf("%d connections do not fit the open file limit", n)
	}
	var (
		target  atomic.Pointer[string]
		reached atomic.Int64
		mu      sync.Mutex // serialises stdout
		conns   []net.Conn
	)
	first := os.Getenv("MINERS_FIRST")
	target.Store(&first)
	report := func() {
		if reached.Add(1) == int64(n) {
			mu.Lock()
			fmt.Printf("reached %s\n", *target.Load())
			mu.Unlock()
		}
	}
	for i := range n {
		c, err := net.Dial("tcp", os.Getenv("MINERS_ADDR"))
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		fmt.Fprintf(c, "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\n{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"%s.w%d\",\"x\"]}\n", os.Getenv("MINERS_USER"), i)
		go countNotifies(c, &target, report)
	}
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		id, ok := strings.CutPrefix(in.Text(), "target ")
		if !ok {
			continue
		}
		reached.Store(0)
		target.Store(&id)
		mu.Lock()
		fmt.Printf("ok %s\n", id)
		mu.Unlock()
	}
	for _, c := range conns {
		c.Close()
	}
}

// countNotifies reads one connection's lines and reports the target job's
// notify once.
func countNotifies(c net.Conn, target *atomic.Pointer[string], report func()) {
	r := bufio.NewReaderSize(c, 4096)
	prefix := []byte(`"mining.notify","params":["`)
	seen := ""
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		i := bytes.Index(line, prefix)
		if i < 0 {
			continue
		}
		rest := line[i+len(prefix):]
		end := bytes.IndexByte(rest, '"')
		if end < 0 {
			continue
		}
		if job := string(rest[:end]); job == *target.Load() && job != seen {
			seen = job
			report()
		}
	}
}
