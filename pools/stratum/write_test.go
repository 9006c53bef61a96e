package stratum

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// chunkConn is a memConn whose reads return at most n bytes, so that
// lines arrive in pieces.
type chunkConn struct {
	memConn
	n int
}

func (c *chunkConn) Read(p []byte) (int, error) { return c.memConn.Read(p[:min(len(p), c.n)]) }

func TestReadLineBuffer(t *testing.T) {
	long := `{"id":1,"method":"` + strings.Repeat("x", 3000) + `"}`
	short := `{"id":2,"method":"mining.subscribe","params":[]}`
	tests := []struct {
		name  string
		chunk int
	}{
		{"whole reads", 1 << 20},
		{"7-byte reads", 7},
		{"one byte at a time", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := short + "\r\n" + long + "\n" + short + "\n"
			cd := newJSONCodec(&chunkConn{memConn: memConn{in: []byte(in)}, n: tt.chunk}, 4096, 0, 0)
			for i, want := range []string{short, long, short} {
				line, err := cd.readLine()
				if err != nil || string(line) != want {
					t.Fatalf("line %d: %.40q, %v", i, line, err)
				}
				if i == 1 && cap(cd.buf) == readBufSize {
					t.Fatal("a long line in the small buffer")
				}
			}
			if _, err := cd.readLine(); err != io.EOF {
				t.Fatalf("after the last line: %v", err)
			}
			if cap(cd.buf) != readBufSize {
				t.Fatalf("buffer of %d kept after the long line", cap(cd.buf))
			}
		})
	}
}

// partialCodec takes at most n bytes per tryWrite, like a socket whose
// buffer is nearly full, and records everything written in order.
type partialCodec struct {
	jsonEncoder
	n int

	mu      sync.Mutex // guards the fields below
	out     bytes.Buffer
	writers int // goroutines inside write or tryWrite at once
	overlap bool
}

func (c *partialCodec) enter() {
	c.mu.Lock()
	c.writers++
	c.overlap = c.overlap || c.writers > 1
	c.mu.Unlock()
}

func (c *partialCodec) leave() {
	c.mu.Lock()
	c.writers--
	c.mu.Unlock()
}

func (c *partialCodec) readRequest(*request) error { return io.EOF }
func (c *partialCodec) buffered() bool             { return false }
func (c *partialCodec) close() error               { return nil }

func (c *partialCodec) tryWrite(p []byte) (int, error) {
	c.enter()
	defer c.leave()
	n := min(len(p), c.n)
	c.mu.Lock()
	c.out.Write(p[:n])
	c.mu.Unlock()
	return n, nil
}

func (c *partialCodec) write(p []byte) error {
	c.enter()
	defer c.leave()
	time.Sleep(time.Millisecond) // a slow socket: let others queue meanwhile
	c.mu.Lock()
	c.out.Write(p)
	c.mu.Unlock()
	return nil
}

// TestPartialWritesKeepOrder has replies and jobs queued from several
// goroutines while the connection takes only part of each write at once:
// the writer goroutine must take over the rest, one writer at a time, and
// every byte must arrive once and in order.
func TestPartialWritesKeepOrder(t *testing.T) {
	for _, n := range []int{0, 5, 1 << 20} {
		t.Run(fmt.Sprintf("takes %d", n), func(t *testing.T) {
			cfg := basicConfig()
			cfg.SendQueue = 10000
			srv, err := NewServer(cfg, &fakeSource{}, NewExtranonceAllocator(0), nil)
			if err != nil {
				t.Fatal(err)
			}
			cd := &partialCodec{n: n}
			ss := newSession(t.Context(), srv, 1, cd, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, srv.ports[0], [4]byte{})
			ss.mu.Lock()
			ss.started, ss.ready = true, true
			ss.mu.Unlock()

			const replies = 300
			var wg sync.WaitGroup
			wg.Go(func() {
				for i := range replies {
					ss.reply(rawID(strconv.Itoa(i)), true, nil)
				}
			})
			wg.Go(func() {
				for i := range 50 {
					ss.enqueueJob(srv.wireJobFor(NewJob(testJob(fmt.Sprintf("j%d", i), true)), srv.src.Load()), true)
				}
			})
			wg.Wait()
			srv.wg.Wait()
			ss.mu.Lock()
			writing, queued := ss.writing, len(ss.queue)
			ss.mu.Unlock()
			if writing || queued != 0 {
				t.Fatalf("after the writes: writing %v, %d queued", writing, queued)
			}
			if cd.overlap {
				t.Fatal("two goroutines wrote at once")
			}
			next, lastJob := 0, -1
			for _, l := range strings.SplitAfter(cd.out.String(), "\n") {
				if l == "" {
					continue
				}
				var m wireMsg
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("line %q: %v", l, err)
				}
				switch m.Method {
				case "":
					if string(m.ID) != strconv.Itoa(next) {
						t.Fatalf("reply %s, want %d", m.ID, next)
					}
					next++
				case methodNotify:
					var p []any
					json.Unmarshal(m.Params, &p)
					j, _ := strconv.Atoi(strings.TrimPrefix(p[0].(string), "j"))
					if j <= lastJob {
						t.Fatalf("job j%d after j%d", j, lastJob)
					}
					lastJob = j
				}
			}
			if next != replies || lastJob != 49 {
				t.Fatalf("got %d replies and last job j%d", next, lastJob)
			}
		})
	}
}

// TestBackloggedMinerGetsWholeLines fills a miner's socket (it stops
// reading while big jobs come), so that its writes go to a writer
// goroutine, then reads everything: whole lines, jobs in order, the
// newest last.
func TestBackloggedMinerGetsWholeLines(t *testing.T) {
	src := &fakeSource{}
	big := func(id string) Job {
		j := testJob(id, true)
		j.Coinb1 = strings.Repeat("ab", 64<<10)
		return j
	}
	src.publish(big("j0"))
	cfg := basicConfig()
	cfg.WriteTimeout = time.Minute
	srv, addr := startServer(t, cfg, src, nil)
	c := dial(t, addr)
	c.login("slow")

	backlogged := func() bool {
		for _, ss := range srv.snapshot(nil) {
			ss.mu.Lock()
			b := ss.writing && len(ss.queue) > 0
			ss.mu.Unlock()
			if b {
				return true
			}
		}
		return false
	}
	n := 0
	for ; n < 1000 && !backlogged(); n++ {
		src.publish(big(fmt.Sprintf("j%d", n+1)))
		id := fmt.Sprintf("j%d", n+1)
		waitFor(t, "job "+id+" handed over", func() bool {
			for _, ss := range srv.snapshot(nil) {
				ss.mu.Lock()
				last := ss.newestJobLocked()
				done := (last != nil && last.job.ID == id) || len(ss.queue) > 0
				ss.mu.Unlock()
				if !done {
					return false
				}
			}
			return true
		})
	}
	if !backlogged() {
		t.Fatal("the socket never filled up")
	}
	t.Logf("backlogged after %d jobs", n)
	last := -1
	want := fmt.Sprintf("j%d", n)
	for {
		p, _ := c.nextNotify()
		j, err := strconv.Atoi(strings.TrimPrefix(p[0].(string), "j"))
		if err != nil || j <= last {
			t.Fatalf("job %v after j%d", p[0], last)
		}
		last = j
		if p[0] == want {
			break
		}
	}
}
