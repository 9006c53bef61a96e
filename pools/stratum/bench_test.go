package stratum

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkBroadcast measures how long a new job takes to reach every
// session (one op = publish a job, wait until all miners have read its
// notify), with idle miners and with every miner submitting a share a
// second that costs the source some CPU to validate. The miners run in
// the same process, on the same cores, as the server.
func BenchmarkBroadcast(b *testing.B) {
	for _, n := range []int{1000, 5000} {
		for _, submitting := range []bool{false, true} {
			b.Run(fmt.Sprintf("sessions=%d/submitting=%v", n, submitting), func(b *testing.B) { benchBroadcast(b, n, submitting) })
		}
	}
}

func benchBroadcast(b *testing.B, sessions int, submitting bool) {
	src := &fakeSource{submit: func(s *Share) Result {
		// Stand-in for proof-of-work validation.
		h := sha256.Sum256(s.Extranonce2)
		for range 50 {
			h = sha256.Sum256(h[:])
		}
		return Result{}
	}}
	src.publish(testJob("b0", true))
	cfg := basicConfig()
	srv, err := NewServer(cfg, src, NewExtranonceAllocator(0), nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- srv.Run(ctx) }()
	<-srv.Ready()
	addr := srv.Addrs()[0].String()

	var (
		target  atomic.Pointer[string]
		reached atomic.Int64
		wg      sync.WaitGroup
		conns   []net.Conn
	)
	first := "b0"
	target.Store(&first)
	stop := make(chan struct{})
	for i := range sessions {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		conns = append(conns, conn)
		fmt.Fprintf(conn, "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[]}\n{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"w%d\",\"x\"]}\n", i)
		wg.Go(func() { benchMiner(conn, i, &target, &reached) })
		if submitting {
			wg.Go(func() { benchSubmitter(conn, i, sessions, stop) })
		}
	}
	waitUntil := func(what string, cond func() bool) {
		deadline := time.Now().Add(60 * time.Second)
		for !cond() {
			if time.Now().After(deadline) {
				b.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitUntil("first job everywhere", func() bool { return reached.Load() == int64(sessions) })

	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		id := fmt.Sprintf("b%d", i)
		reached.Store(0)
		target.Store(&id)
		src.publish(testJob(id, true))
		waitUntil(id, func() bool { return reached.Load() == int64(sessions) })
	}
	b.StopTimer()
	close(stop)
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	cancel()
	if err := <-runDone; err != nil {
		b.Fatal(err)
	}
}

// benchMiner reads the lines of one connection and counts the target
// job's notify once.
func benchMiner(conn net.Conn, n int, target *atomic.Pointer[string], reached *atomic.Int64) {
	r := bufio.NewReader(conn)
	seen := ""
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return
		}
		if i := bytes.Index(line, []byte(`"mining.notify","params":["`)); i >= 0 {
			rest := line[i+len(`"mining.notify","params":["`):]
			job := string(rest[:bytes.IndexByte(rest, '"')])
			if job == *target.Load() && job != seen {
				seen = job
				reached.Add(1)
			}
		}
	}
}

// benchSubmitter sends a share a second (on job b0, which the source
// accepts anyway), spread evenly over the miners.
func benchSubmitter(conn net.Conn, n, of int, stop <-chan struct{}) {
	select {
	case <-time.After(time.Duration(n) * time.Second / time.Duration(of)):
	case <-stop:
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for nonce := 0; ; nonce++ {
		if _, err := fmt.Fprintf(conn, "{\"id\":9,\"method\":\"mining.submit\",\"params\":[\"w%d\",\"b0\",\"%08x\",\"5f5e1000\",\"%08x\"]}\n", n, n, nonce); err != nil {
			return
		}
		select {
		case <-t.C:
		case <-stop:
			return
		}
	}
}
