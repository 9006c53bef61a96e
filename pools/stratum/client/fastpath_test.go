package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
)

// TestAppendSubmit checks the hand-written submit line against what
// encoding/json makes of the same request.
func TestAppendSubmit(t *testing.T) {
	vb := uint32(0x1fffe000)
	tests := []struct {
		name string
		user string
		s    Submission
	}{
		{"plain", "LTC1addr.rig1", Submission{JobID: "1a", Extranonce2: []byte{0, 1, 2, 0xff}, NTime: 0x5f5e1000, Nonce: 7}},
		{"rolled version", "u", Submission{JobID: "b", Extranonce2: nil, NTime: 0, Nonce: 0xffffffff, VersionBits: &vb}},
		{"escapes", "we\"ird\\user\n\x01é", Submission{JobID: "job \"1\"", Extranonce2: []byte{9}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(Config{User: tt.user}, nil)
			line := c.appendSubmit(nil, 42, tt.s)
			if line[len(line)-1] != '\n' {
				t.Fatalf("no newline: %q", line)
			}
			var got, want any
			if err := json.Unmarshal(line, &got); err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			params := []any{tt.user, tt.s.JobID, fmt.Sprintf("%x", tt.s.Extranonce2),
				fmt.Sprintf("%08x", tt.s.NTime), fmt.Sprintf("%08x", tt.s.Nonce)}
			if tt.s.VersionBits != nil {
				params = append(params, fmt.Sprintf("%08x", *tt.s.VersionBits))
			}
			ref, err := encodeRequest(42, "mining.submit", params)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(ref, &want); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %q\nwant %q", line, ref)
			}
		})
	}
}

func TestAcceptedReply(t *testing.T) {
	tests := []struct {
		line string
		id   uint64
		ok   bool
	}{
		{`{"id":7,"result":true,"error":null}`, 7, true},
		{`{"id":9999999999999999999,"result":true,"error":null}`, 9999999999999999999, true},
		{`{"id":0,"result":true,"error":null}`, 0, true},
		// Anything else goes to the JSON decoder.
		{`{"id":,"result":true,"error":null}`, 0, false},
		{`{"id":"7","result":true,"error":null}`, 0, false},
		{`{"id":-7,"result":true,"error":null}`, 0, false},
		// 20 digits may not fit: the decoder decides.
		{`{"id":18446744073709551615,"result":true,"error":null}`, 0, false},
		{`{"id":7,"result":false,"error":null}`, 0, false},
		{`{"id":7, "result":true,"error":null}`, 0, false},
		{`{"id":7,"result":true,"error":[21,"x",null]}`, 0, false},
		{`{"id":7,"result":true,"error":null}}`, 0, false},
		{`,"result":true,"error":null}`, 0, false},
	}
	for _, tt := range tests {
		id, ok := acceptedReply([]byte(tt.line))
		if id != tt.id || ok != tt.ok {
			t.Errorf("%s: got %d %v, want %d %v", tt.line, id, ok, tt.id, tt.ok)
		}
	}
}

// TestAcceptedReplyAnswersSubmit checks the fast path end to end: the
// pending share gets nil, a reply without a pending request is ignored.
func TestAcceptedReplyAnswersSubmit(t *testing.T) {
	c := newClient(Config{User: "u"}, nil)
	var got []error
	c.SubmitAsync(Submission{JobID: "a"}, func(err error) { got = append(got, err) })
	<-c.out
	id := c.nextID.Load()
	for range 2 {
		if err := c.handleLine(fmt.Appendf(nil, `{"id":%d,"result":true,"error":null}`, id)); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 || got[0] != nil {
		t.Fatalf("callbacks %v, want one nil", got)
	}
}

// TestNotifyShared checks that clients handling the same notify line get
// equal jobs, the later ones from the cache, each with its own Job (done
// channel, clean flag) and its own chain hash, and that a cached entry is
// never changed by a client.
func TestNotifyShared(t *testing.T) {
	line := []byte(notifyLine("shared-1", false))
	a := newClient(Config{User: "u"}, nil)
	b := newClient(Config{User: "u", TxHash: pow.Sha256}, nil)

	if err := a.handleLine(line); err != nil {
		t.Fatal(err)
	}
	cached := notifies.get(line)
	if cached == nil {
		t.Fatal("decoded notify not kept")
	}
	ua := <-a.jobs
	// b had a clean job waiting that it never took: its update must say
	// clean, the cached job must not.
	if err := b.handleLine([]byte(notifyLine("shared-0", true))); err != nil {
		t.Fatal(err)
	}
	if err := b.handleLine(line); err != nil {
		t.Fatal(err)
	}
	ub := <-b.jobs
	if ua.Job == ub.Job || ua.Work == ub.Work {
		t.Fatal("clients share a Job or Work value")
	}
	if ua.Job.ID != "shared-1" || ub.Job.ID != "shared-1" || ua.Work.Coinb1 == nil ||
		!reflect.DeepEqual(ua.Work.Branch, ub.Work.Branch) || ua.Work.PrevHash != ub.Work.PrevHash {
		t.Fatalf("jobs differ: %+v / %+v", ua.Job, ub.Job)
	}
	if ua.Job.CleanJobs || !ub.Job.CleanJobs || cached.job.CleanJobs {
		t.Errorf("clean flags: a %v, b %v, cache %v; want false, true, false", ua.Job.CleanJobs, ub.Job.CleanJobs, cached.job.CleanJobs)
	}
	if ua.Work.TxHash != nil || ub.Work.TxHash == nil || cached.work.TxHash != nil {
		t.Error("TxHash is not per client")
	}
}

func TestNotifyCacheBounds(t *testing.T) {
	nc := newNotifyCache(3, 10)
	d := &decodedNotify{work: &stratum.Work{}}
	for i := range 5 {
		nc.put(fmt.Appendf(nil, "line%d", i), d)
	}
	nc.put([]byte("far too long a line"), d)
	if len(nc.m) != 3 {
		t.Fatalf("%d entries, want 3", len(nc.m))
	}
	for i, want := range []bool{false, false, true, true, true} {
		if got := nc.get(fmt.Appendf(nil, "line%d", i)) != nil; got != want {
			t.Errorf("line%d cached %v, want %v", i, got, want)
		}
	}
	if nc.get([]byte("far too long a line")) != nil {
		t.Error("a line over the size limit was kept")
	}
}

// TestIdleTimeout checks that a pool that goes quiet is left, now that
// the read deadline is moved only every IdleTimeout/8: lines keep the
// connection up, silence ends it with a timeout.
func TestIdleTimeout(t *testing.T) {
	const idle = 2 * time.Second
	lines := make(chan struct{})
	c := scripted(t, Config{User: "u", IdleTimeout: idle}, func(s *scriptConn) {
		s.login()
		// Talk for longer than the idle timeout, a line at a time.
		for range 12 {
			s.send(`{"id":null,"method":"mining.set_difficulty","params":[2]}`)
			lines <- struct{}{}
		}
		close(lines)
	})
	for range lines {
		select {
		case <-c.Done():
			t.Fatalf("connection ended while the pool was talking: %v", c.Err())
		default:
		}
		// The next line comes after an eighth of the timeout.
		time.Sleep(idle / 8) // pacing the pool, not waiting for an event
	}
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("a silent pool did not end the connection")
	}
	var ne net.Error
	if !errors.As(c.Err(), &ne) || !ne.Timeout() {
		t.Fatalf("ended with %v, want a read timeout", c.Err())
	}
}
