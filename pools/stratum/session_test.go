package stratum

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func newQueueSession(t *testing.T, sendQueue int) (*Server, *session) {
	t.Helper()
	cfg := basicConfig()
	cfg.SendQueue = sendQueue
	srv, err := NewServer(cfg, &fakeSource{}, NewExtranonceAllocator(0), nil)
	if err != nil {
		t.Fatal(err)
	}
	ss := newSession(context.Background(), srv, 1, newJSONCodec(&memConn{}, 1024, 0, 0),
		&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, srv.ports[0], [4]byte{0, 0, 0, 1})
	return srv, ss
}

// lines splits drained output into the method (or "reply") of each line
// and the job ids of its notifies.
func lines(t *testing.T, out []byte) (kinds []string, notifies [][]any) {
	t.Helper()
	for _, l := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		var m wireMsg
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("line %q: %v", l, err)
		}
		if m.Method == "" {
			kinds = append(kinds, "reply")
			continue
		}
		kinds = append(kinds, m.Method)
		if m.Method == methodNotify {
			var p []any
			json.Unmarshal(m.Params, &p)
			notifies = append(notifies, p)
		}
	}
	return kinds, notifies
}

func TestSessionQueueReplacesStaleJob(t *testing.T) {
	srv, ss := newQueueSession(t, 4)
	ref := srv.src.Load()
	a := srv.wireJobFor(NewJob(testJob("a", true)), ref)
	b := srv.wireJobFor(NewJob(testJob("b", false)), ref)
	reply := func() { ss.reply(rawID("1"), true, nil) }

	ss.enqueueJob(a, true)
	if len(ss.queue) != 0 {
		t.Fatal("a session that is not ready got a job")
	}
	ss.mu.Lock()
	ss.ready = true
	ss.mu.Unlock()

	reply()
	ss.enqueueJob(a, true)
	reply()
	ss.enqueueJob(b, false)
	if len(ss.queue) != 3 {
		t.Fatalf("queue of %d, want the job replaced in place", len(ss.queue))
	}
	kinds, notifies := lines(t, ss.drain(nil))
	want := []string{"reply", methodSetDifficulty, methodNotify, "reply"}
	if fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("lines %v, want %v", kinds, want)
	}
	if notifies[0][0] != "b" || notifies[0][8] != true {
		t.Fatalf("notify %v: want job b keeping clean_jobs", notifies[0])
	}

	// The same job again at the same difficulty is not sent twice.
	ss.enqueueJob(b, false)
	if out := ss.drain(nil); len(out) != 0 {
		t.Fatalf("job sent again: %s", out)
	}

	// A retarget while a job waits in the queue adds nothing: the waiting
	// job carries the new difficulty.
	c := srv.wireJobFor(NewJob(testJob("c", false)), ref)
	ss.enqueueJob(c, false)
	ss.retarget(16)
	if len(ss.queue) != 1 {
		t.Fatalf("queue of %d after retarget", len(ss.queue))
	}
	kinds, notifies = lines(t, ss.drain(nil))
	if fmt.Sprint(kinds) != fmt.Sprint([]string{methodSetDifficulty, methodNotify}) || notifies[0][0] != "c" {
		t.Fatalf("lines %v %v", kinds, notifies)
	}
	// A retarget with nothing queued sends the newest job again under an
	// alias.
	ss.retarget(32)
	_, notifies = lines(t, ss.drain(nil))
	if len(notifies) != 1 || notifies[0][0] != "c.1" || notifies[0][8] != false {
		t.Fatalf("re-notify %v", notifies)
	}
}

func TestSessionQueueFullCloses(t *testing.T) {
	srv, ss := newQueueSession(t, 4)
	ss.mu.Lock()
	ss.ready = true
	ss.mu.Unlock()
	for range 4 {
		ss.reply(rawID("1"), true, nil)
	}
	ss.enqueueJob(srv.wireJobFor(NewJob(testJob("a", true)), srv.src.Load()), true)
	if !ss.closed {
		t.Fatal("a session whose queue is full of replies was kept")
	}
	// Nothing is queued after that.
	ss.reply(rawID("2"), true, nil)
	if len(ss.queue) != 4 {
		t.Fatalf("queue of %d", len(ss.queue))
	}
}

// TestPipeSessionNeverReads runs sessions over net.Pipe, where a write
// blocks until the other end reads: a miner that never reads must not hold
// up the jobs of another.
func TestPipeSessionNeverReads(t *testing.T) {
	src := &fakeSource{}
	src.publish(testJob("j0", true))
	cfg := basicConfig()
	cfg.WriteTimeout = 200 * time.Millisecond
	cfg.SendQueue = 4
	srv, _ := startServer(t, cfg, src, nil)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
	})
	pipe := func(n byte) net.Conn {
		server, client := net.Pipe()
		cd := newJSONCodec(server, srv.cfg.MaxLineBytes, time.Minute, srv.cfg.WriteTimeout)
		go func() {
			srv.serve(ctx, cd, &net.TCPAddr{IP: net.IPv4(10, 0, 0, n), Port: 1}, srv.ports[0], [4]byte{9, 0, 0, n})
			done <- struct{}{}
		}()
		return client
	}

	slowConn := pipe(1)
	// net.Pipe has no buffer: write the login from a goroutine, and never read.
	go slowConn.Write([]byte(`{"id":1,"method":"mining.subscribe","params":[]}` + "\n" + `{"id":2,"method":"mining.authorize","params":["slow","x"]}` + "\n"))

	fast := newTestClient(t, pipe(2))
	fast.login("fast")
	var last atomic.Value
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			m, err := fast.readMsg()
			if err != nil {
				return
			}
			if m.Method == methodNotify {
				var p []any
				json.Unmarshal(m.Params, &p)
				last.Store(p[0])
			}
		}
	}()
	t.Cleanup(func() { fast.conn.Close(); <-readDone })
	for n := 1; n <= 20; n++ {
		id := fmt.Sprintf("j%d", n)
		src.publish(testJob(id, true))
		waitFor(t, id, func() bool { return last.Load() == id })
	}
	waitFor(t, "slow session dropped", func() bool {
		for _, si := range srv.Sessions() {
			if si.Extranonce1 == "09000001" {
				return false
			}
		}
		return true
	})
}
