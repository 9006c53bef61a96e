package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/multipool/multipool/pools/stratum"
)

// message is any line a pool sends: a request or notification (Method
// set) or a reply to one of ours.
type message struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// handleLine processes one line from the pool. Malformed input is logged
// and ignored; an error return ends the connection.
func (c *Client) handleLine(line []byte) error {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return nil
	}
	// The two lines a miner gets most, share accepted and a job the pool
	// sent to every connection, skip the JSON decoder.
	if id, ok := acceptedReply(line); ok {
		c.settle(id, resultTrue, nil)
		return nil
	}
	if d := notifies.get(line); d != nil {
		c.publish(d)
		return nil
	}
	var m message
	if err := json.Unmarshal(line, &m); err != nil {
		c.log.Debug("bad line from pool", "err", err, "line", truncate(string(line)))
		return nil
	}
	if m.Method != "" {
		return c.handleMethod(&m, line)
	}
	c.handleReply(&m)
	return nil
}

// resultTrue is the result of an accepted share.
var resultTrue = json.RawMessage("true")

// acceptedReply recognizes {"id":N,"result":true,"error":null} exactly,
// the reply to nearly every share, and returns N.
func acceptedReply(line []byte) (uint64, bool) {
	const head, tail = `{"id":`, `,"result":true,"error":null}`
	if len(line) <= len(head)+len(tail) || string(line[:len(head)]) != head || string(line[len(line)-len(tail):]) != tail {
		return 0, false
	}
	digits := line[len(head) : len(line)-len(tail)]
	if len(digits) > 19 { // beyond that a uint64 could overflow
		return 0, false
	}
	var n uint64
	for _, d := range digits {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + uint64(d-'0')
	}
	return n, true
}

func (c *Client) handleReply(m *message) {
	id, ok := parseID(m.ID)
	if !ok {
		c.log.Debug("reply with unknown id", "id", truncate(string(m.ID)))
		return
	}
	if !isNull(m.Error) {
		c.settle(id, nil, parseError(m.Error))
		return
	}
	c.settle(id, m.Result, nil)
}

// settle hands a reply to the request waiting for it.
func (c *Client) settle(id uint64, result json.RawMessage, err error) {
	cl := c.take(id)
	if cl == nil {
		c.log.Debug("reply with unknown id", "id", id)
		return
	}
	cl.done(result, err)
}

// parseID reads a reply id: a number, or a number in a string (some pools
// echo ids that way).
func parseID(raw json.RawMessage) (uint64, bool) {
	var n uint64
	if json.Unmarshal(raw, &n) == nil {
		return n, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}

func isNull(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) == 0 || bytes.Equal(raw, []byte("null"))
}

// parseError reads a stratum error in any shape pools use: [code, message,
// traceback], {"code":..,"message":..}, or a bare string.
func parseError(raw json.RawMessage) *stratum.Error {
	var arr []json.RawMessage
	if json.Unmarshal(raw, &arr) == nil && len(arr) >= 2 {
		var code float64
		var msg string
		if json.Unmarshal(arr[0], &code) == nil && json.Unmarshal(arr[1], &msg) == nil {
			return &stratum.Error{Code: clampCode(code), Message: truncate(msg)}
		}
	}
	var obj struct {
		Code    float64 `json:"code"`
		Message string  `json:"message"`
	}
	if json.Unmarshal(raw, &obj) == nil && (obj.Code != 0 || obj.Message != "") {
		return &stratum.Error{Code: clampCode(obj.Code), Message: truncate(obj.Message)}
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return &stratum.Error{Code: stratum.CodeOther, Message: truncate(s)}
	}
	return &stratum.Error{Code: stratum.CodeOther, Message: truncate(string(raw))}
}

func clampCode(f float64) int {
	if math.IsNaN(f) || f < math.MinInt32 || f > math.MaxInt32 {
		return stratum.CodeOther
	}
	return int(f)
}

func (c *Client) handleMethod(m *message, line []byte) error {
	var params []json.RawMessage
	if !isNull(m.Params) {
		if err := json.Unmarshal(m.Params, &params); err != nil {
			c.log.Debug("bad params from pool", "method", truncate(m.Method), "params", truncate(string(m.Params)))
			c.replyError(m, stratum.Errorf(stratum.CodeOther, "bad params"))
			return nil
		}
	}
	switch m.Method {
	case "mining.set_difficulty":
		c.setDifficulty(params)
	case "mining.notify":
		c.notify(params, line)
	case "mining.set_extranonce":
		c.setExtranonce(params)
	case "mining.set_version_mask":
		c.setVersionMask(params)
	case "client.reconnect":
		return fmt.Errorf("%w (%s)", ErrReconnect, truncate(string(m.Params)))
	case "client.show_message":
		var msg string
		if len(params) > 0 && json.Unmarshal(params[0], &msg) == nil {
			c.log.Info("message from pool", "message", truncate(msg))
		}
		c.replyResult(m, true)
	case "client.get_version":
		c.replyResult(m, c.cfg.Agent)
	case "mining.ping":
		c.replyResult(m, "pong")
	default:
		c.log.Debug("unknown method from pool", "method", truncate(m.Method))
		c.replyError(m, stratum.Errorf(stratum.CodeOther, "unknown method"))
	}
	return nil
}

// replyResult answers a request from the pool; notifications (null id)
// get no answer.
func (c *Client) replyResult(m *message, result any) {
	if !isNull(m.ID) {
		c.reply(m.ID, result, nil)
	}
}

func (c *Client) replyError(m *message, err *stratum.Error) {
	if !isNull(m.ID) {
		c.reply(m.ID, nil, err)
	}
}

func (c *Client) setDifficulty(params []json.RawMessage) {
	var d float64
	if len(params) < 1 || json.Unmarshal(params[0], &d) != nil || !(d > 0) || math.IsInf(d, 0) {
		c.log.Debug("bad difficulty from pool", "params", params)
		return
	}
	c.mu.Lock()
	c.diff = d
	c.mu.Unlock()
}

func (c *Client) setExtranonce(params []json.RawMessage) {
	var en1Hex string
	var size int
	if len(params) < 2 || json.Unmarshal(params[0], &en1Hex) != nil || json.Unmarshal(params[1], &size) != nil {
		c.log.Debug("bad set_extranonce from pool")
		return
	}
	en1, err := parseExtranonce(en1Hex, size)
	if err != nil {
		c.log.Debug("bad set_extranonce from pool", "err", err)
		return
	}
	c.mu.Lock()
	c.en1, c.en2Size = en1, size
	c.mu.Unlock()
}

func (c *Client) setVersionMask(params []json.RawMessage) {
	var maskHex string
	if !c.cfg.VersionRolling || len(params) < 1 || json.Unmarshal(params[0], &maskHex) != nil {
		return
	}
	mask, err := stratum.ParseUint32Hex(maskHex)
	if err != nil {
		return
	}
	c.mu.Lock()
	c.mask = mask & RollingMask
	c.mu.Unlock()
}

// notify decodes a mining.notify, keeps the result for other clients
// that get the same line and publishes it.
func (c *Client) notify(params []json.RawMessage, line []byte) {
	j, err := parseNotify(params)
	if err != nil {
		c.log.Warn("bad job from pool", "err", err)
		return
	}
	w, err := stratum.DecodeJob(j)
	if err != nil {
		c.log.Warn("bad job from pool", "err", err)
		return
	}
	d := &decodedNotify{job: *j, work: w}
	notifies.put(line, d)
	c.publish(d)
}

// publish hands a decoded job to Jobs, replacing an update the consumer
// has not taken yet. d is shared: it is copied, never changed.
func (c *Client) publish(d *decodedNotify) {
	j := d.job
	w := *d.work
	w.TxHash = c.cfg.TxHash
	received := c.lineAt
	if received.IsZero() { // line handling driven by a test, not readLoop
		received = time.Now()
	}
	u := &JobUpdate{Work: &w, Received: received}
	c.mu.Lock()
	u.Difficulty = c.diff
	u.Extranonce1 = append([]byte(nil), c.en1...)
	u.Extranonce2Size = c.en2Size
	prev := c.lastJob
	c.mu.Unlock()

	// Only this goroutine sends on jobs, so after taking a stale update out
	// there is always room.
	select {
	case old := <-c.jobs:
		if old.Job.CleanJobs {
			j.CleanJobs = true
		}
	default:
	}
	u.Job = stratum.NewJob(j)
	c.mu.Lock()
	c.lastJob = u.Job
	c.mu.Unlock()
	if prev != nil {
		prev.Replace()
	}
	c.jobs <- u
}

// parseNotify reads [job_id, prevhash, coinb1, coinb2, [branch...],
// version, nbits, ntime, clean_jobs]. Hex contents are checked by
// stratum.DecodeJob.
func parseNotify(p []json.RawMessage) (*stratum.Job, error) {
	if len(p) < 8 {
		return nil, fmt.Errorf("notify with %d params", len(p))
	}
	j := &stratum.Job{}
	j.ID = idString(p[0])
	if j.ID == "" {
		return nil, fmt.Errorf("notify with bad job id %s", truncate(string(p[0])))
	}
	fields := []struct {
		name string
		raw  json.RawMessage
		dst  *string
	}{{"prevhash", p[1], &j.PrevHash}, {"coinb1", p[2], &j.Coinb1}, {"coinb2", p[3], &j.Coinb2},
		{"version", p[5], &j.Version}, {"nbits", p[6], &j.NBits}, {"ntime", p[7], &j.NTime}}
	for _, f := range fields {
		if err := json.Unmarshal(f.raw, f.dst); err != nil {
			return nil, fmt.Errorf("job %s: bad %s %s", truncate(j.ID), f.name, truncate(string(f.raw)))
		}
	}
	if err := json.Unmarshal(p[4], &j.MerkleBranch); err != nil {
		return nil, fmt.Errorf("job %s: bad merkle branch %s", truncate(j.ID), truncate(string(p[4])))
	}
	// Check sizes here so that the errors (and logs) stay short.
	if len(j.PrevHash) != 64 || len(j.Version) != 8 || len(j.NBits) != 8 || len(j.NTime) != 8 {
		return nil, fmt.Errorf("job %s: bad field sizes", truncate(j.ID))
	}
	for _, b := range j.MerkleBranch {
		if len(b) != 64 {
			return nil, fmt.Errorf("job %s: bad merkle branch %s", truncate(j.ID), truncate(b))
		}
	}
	if len(p) > 8 {
		// A missing or malformed flag means "not clean"; the job is still usable.
		_ = json.Unmarshal(p[8], &j.CleanJobs)
	}
	return j, nil
}

// idString reads a job id sent as a string or, by some pools, as a number.
func idString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if len(s) > 128 {
			return ""
		}
		return s
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String()
	}
	return ""
}
