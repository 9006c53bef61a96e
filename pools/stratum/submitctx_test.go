package stratum

import (
	"context"
	"errors"
	"testing"
	"time"
)

type ctxKey struct{}

func TestSubmitContext(t *testing.T) {
	parent, cancel := context.WithCancel(context.WithValue(context.Background(), ctxKey{}, "v"))
	ss := &session{ctx: parent, srv: &Server{cfg: Config{SubmitTimeout: 50 * time.Millisecond}}}

	c := ss.nextSubmitContext()
	if c.Value(ctxKey{}) != "v" {
		t.Fatal("the session's values are lost")
	}
	if dl, ok := c.Deadline(); !ok || time.Until(dl) > 50*time.Millisecond {
		t.Fatalf("deadline %v %v", dl, ok)
	}
	cancel() // the miner left: the share is still checked
	if c.Err() != nil {
		t.Fatalf("Err %v after the parent was cancelled", c.Err())
	}
	c.endSubmit()
	if again := ss.nextSubmitContext(); again != c {
		t.Fatal("a context nobody waited on was not reused")
	}

	// A source that waits sees the deadline pass.
	select {
	case <-c.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done not closed after the submit timeout")
	}
	if !errors.Is(c.Err(), context.DeadlineExceeded) {
		t.Fatalf("Err %v, want DeadlineExceeded", c.Err())
	}
	c.endSubmit()
	// Its channel was handed out: the next share gets a fresh context.
	next := ss.nextSubmitContext()
	if next == c || next.Err() != nil {
		t.Fatalf("reused a context that was waited on (err %v)", next.Err())
	}
	d := next.Done()
	next.endSubmit() // the timer is stopped: Done stays open
	select {
	case <-d:
		t.Fatal("Done closed after endSubmit stopped the timer")
	case <-time.After(100 * time.Millisecond): // the 50 ms timeout would have fired by now
	}
}

func TestSubmitContextExpiredWithoutDone(t *testing.T) {
	ss := &session{ctx: context.Background(), srv: &Server{cfg: Config{SubmitTimeout: time.Nanosecond}}}
	c := ss.nextSubmitContext()
	for c.Err() == nil { // Err alone notices the deadline
	}
	select {
	case <-c.Done():
	default:
		t.Fatal("Err reported the deadline but Done is open")
	}
}

func TestSubmitContextReuseAllocs(t *testing.T) {
	ss := &session{ctx: context.Background(), srv: &Server{cfg: Config{SubmitTimeout: time.Minute}}}
	ss.nextSubmitContext().endSubmit()
	if n := testing.AllocsPerRun(100, func() {
		c := ss.nextSubmitContext()
		c.endSubmit()
	}); n != 0 {
		t.Errorf("%v allocations per share, want 0", n)
	}
}
