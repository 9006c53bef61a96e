package stratum

import (
	"context"
	"sync"
	"time"
)

// submitContext is the context of one WorkSource.Submit call: the
// session's values, not cancelled when the miner leaves, done
// SubmitTimeout after the call started. Nearly every share is checked
// without waiting on it, so its channel and timer are made only when Done
// is first called, and a session reuses one for its submits (they run one
// at a time) until a call has asked for Done. context.WithTimeout cost
// four allocations and a timer per share.
type submitContext struct {
	parent   context.Context
	deadline time.Time

	mu    sync.Mutex
	done  chan struct{} // made by the first Done
	timer *time.Timer
	err   error
}

func (c *submitContext) Deadline() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.deadline, true
}

func (c *submitContext) Value(key any) any { return c.parent.Value(key) }

func (c *submitContext) Done() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done == nil {
		c.done = make(chan struct{})
		if c.err != nil {
			close(c.done)
		} else if d := time.Until(c.deadline); d <= 0 {
			c.expireLocked()
		} else {
			c.timer = time.AfterFunc(d, c.expire)
		}
	}
	return c.done
}

func (c *submitContext) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil && !time.Now().Before(c.deadline) {
		c.expireLocked()
	}
	return c.err
}

func (c *submitContext) expire() {
	c.mu.Lock()
	c.expireLocked()
	c.mu.Unlock()
}

func (c *submitContext) expireLocked() {
	if c.err != nil {
		return
	}
	c.err = context.DeadlineExceeded
	if c.done != nil {
		close(c.done)
	}
}

// nextSubmitContext returns the context for a Submit starting now: the
// previous one again unless it made its channel (it may still be watched).
func (ss *session) nextSubmitContext() *submitContext {
	if c := ss.submitCtx; c != nil {
		c.mu.Lock()
		reuse := c.done == nil && c.err == nil
		if reuse {
			c.deadline = time.Now().Add(ss.srv.cfg.SubmitTimeout)
		}
		c.mu.Unlock()
		if reuse {
			return c
		}
	}
	c := &submitContext{parent: context.WithoutCancel(ss.ctx), deadline: time.Now().Add(ss.srv.cfg.SubmitTimeout)}
	ss.submitCtx = c
	return c
}

// endSubmit stops the timer of a context whose Submit returned.
func (c *submitContext) endSubmit() {
	c.mu.Lock()
	if c.timer != nil {
		c.timer.Stop()
	}
	c.mu.Unlock()
}
