package stratum

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"
)

const (
	// jobHistory is how many sent jobs a session remembers; a share on
	// an older one is answered with 21.
	jobHistory = 16
	// maxWorkersPerConn bounds the logins one connection may authorize.
	maxWorkersPerConn = 32
	// maxMalformedLines is how many lines without a usable id a session
	// tolerates before it closes.
	maxMalformedLines = 3
)

var (
	errUnknownMethod = Errorf(CodeOther, "Unknown method")
	errVersionMask   = Errorf(CodeOther, "Version bits outside the negotiated mask")
	errTooManyLogins = Errorf(CodeUnauthorized, "Too many workers on one connection")
)

// session is one miner connection.
//
// Reading: one goroutine at a time reads and handles the miner's requests,
// share validation included. After handling a request it hands reading on
// to a fresh goroutine (unless another line is already buffered) and
// ends, so the goroutine that waits on an idle connection never carries
// the stack that handling grew. The fields owned by the reader pass from
// one to the next with the go statement.
//
// Writing: whoever queues a line (the reader replying, the broadcaster)
// takes the write side when nobody holds it and writes without blocking;
// what the socket does not take at once goes to a writer goroutine, which
// exists only until the queue is empty and writes with a deadline. So at
// most one goroutine writes at a time, and the broadcaster never waits.
type session struct {
	srv *Server
	ctx context.Context // the server's: parent of Authorize and Submit contexts
	// submitCtx is reused for Submit calls (readLoop only).
	submitCtx *submitContext
	codec     codec
	remote    net.Addr
	ip        string
	port      *port
	id        uint64
	en1       [4]byte
	// releaseEn1 makes the session hand en1 back to the allocator when it
	// ends.
	releaseEn1 bool
	since      time.Time
	// done, when not nil, is closed once the session has ended.
	done chan struct{}

	// Owned by the reader.
	subscribed bool
	rolling    bool
	mask       uint32
	malformed  int
	workers    []*Worker
	vd         *varDiff

	mu sync.Mutex // guards the fields below
	// closed is set once the session is stopping; nothing is queued after.
	closed bool
	// ready is set once the session is subscribed and has a worker; only
	// then does it get jobs.
	ready bool
	// started is set when the session is served; until then lines only
	// queue up.
	started bool
	// writing is set while a goroutine holds the write side: it alone
	// drains the queue and writes, and clears the flag when the queue is
	// empty.
	writing bool
	// queue holds the outbound lines in order; at most one entry is a
	// job, at index jobSlot (-1 when none), and a newer job replaces it.
	queue   []outEntry
	jobSlot int
	// targetDiff is the difficulty the next job is sent with; sentDiff is
	// the last one announced with set_difficulty (0 before the first).
	targetDiff float64
	sentDiff   float64
	// diffChanged is when targetDiff last changed (zero: never); vdReset
	// tells the reader to start its varDiff samples over after the
	// difficulty was lowered for idleness.
	diffChanged time.Time
	vdReset     bool
	// jobs is a ring of the jobs sent, newest at jobsNext-1.
	jobs     [jobHistory]sentJob
	jobsNext int
	jobsLen  int
	aliasSeq uint64
	// For SessionInfo.
	firstWorker string
	nWorkers    int
	agent       string
	accepted    uint64
	rejected    uint64
	lastShare   time.Time
}

// outEntry is one queued line: encoded bytes, or a job to notify.
type outEntry struct {
	data  []byte
	reply *replyBuf // a pooled encoding instead of data
	job   *wireJob
	clean bool
}

// replyBuf is a reply's encoding while it waits in a session's queue, and
// the message it is encoded from (a *message passed to the codec would
// move to the heap); both go back to replyBufs once written out.
type replyBuf struct {
	b []byte
	m message
}

var replyBufs = sync.Pool{New: func() any { return &replyBuf{b: make([]byte, 0, 128)} }}

// sentJob is a job as this session sent it: under which id and at which
// difficulty.
type sentJob struct {
	wireID string
	job    *Job
	ref    *sourceRef
	diff   float64
}

// newSession prepares a session; ctx is the parent of the contexts of the
// source calls it makes.
func newSession(ctx context.Context, srv *Server, id uint64, cd codec, remote net.Addr, p *port, en1 [4]byte) *session {
	return &session{
		srv:        srv,
		ctx:        ctx,
		id:         id,
		codec:      cd,
		remote:     remote,
		ip:         ipOf(remote),
		port:       p,
		en1:        en1,
		since:      srv.cfg.Now(),
		jobSlot:    -1,
		targetDiff: p.cfg.Diff,
	}
}

// en1Hex is the extranonce1 as miners see it.
func (ss *session) en1Hex() string { return hex.EncodeToString(ss.en1[:]) }

// logger returns the server's logger with the session's attributes. It is
// made when needed: a logger kept per session would cost memory on every
// idle connection.
func (ss *session) logger() *slog.Logger {
	return ss.srv.log.With("remote", ss.remote.String(), "en1", ss.en1Hex())
}

func (ss *session) debug(msg string, args ...any) {
	if ss.srv.log.Enabled(context.Background(), slog.LevelDebug) {
		ss.logger().Debug(msg, args...)
	}
}

// start marks the session as served and begins reading in the calling
// goroutine; the session may go on in other goroutines after it returns.
func (ss *session) start() {
	ss.debug("connected", "port", ss.port.number)
	ss.mu.Lock()
	ss.started = true
	ss.unlockAndFlush()
	ss.readLoop()
}

// stop makes the session close; it never blocks.
func (ss *session) stop(reason string) {
	ss.mu.Lock()
	already := ss.closed
	ss.closed = true
	ss.mu.Unlock()
	if already {
		return
	}
	if reason != "" {
		ss.debug("closing", "reason", reason)
	}
	// Closing a TLS connection may write; the caller must not wait.
	ss.srv.wg.Go(func() { ss.codec.close() })
}

func (ss *session) isClosed() bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.closed
}

// readLoop reads and handles requests until the connection ends, or
// until it has handled one and no further line is buffered: reading then
// goes on in a new goroutine with a small stack.
func (ss *session) readLoop() {
	for {
		req := requestPool.Get().(*request)
		err := ss.codec.readRequest(req)
		goOn := true
		if err == nil {
			ss.handle(req)
		} else {
			goOn = ss.readFailed(err)
		}
		requestPool.Put(req)
		if !goOn || ss.isClosed() {
			ss.end()
			return
		}
		if !ss.codec.buffered() {
			ss.srv.wg.Go(ss.readLoop)
			return
		}
	}
}

// readFailed handles a read error and reports whether the session goes on.
func (ss *session) readFailed(err error) bool {
	var de *decodeError
	switch {
	case errors.As(err, &de):
		return ss.malformedLine(de)
	case errors.Is(err, ErrLineTooLong):
		ss.logger().Info("closing: line too long", "max", ss.srv.cfg.MaxLineBytes)
		if ss.srv.bans.record(ss.ip, false) {
			ss.banned()
		}
		return false
	default:
		if !ss.isClosed() && !errors.Is(err, io.EOF) {
			ss.debug("read failed", "err", err)
		}
		return false
	}
}

// end runs once, in the last reader, when the session is over.
func (ss *session) end() {
	ss.stop("")
	ss.srv.unregister(ss)
	if ss.releaseEn1 {
		ss.srv.en.Release(ss.en1)
	}
	ss.debug("disconnected")
	if ss.done != nil {
		close(ss.done)
	}
}

// malformedLine handles a line that is not a request and reports whether
// the session goes on.
func (ss *session) malformedLine(de *decodeError) bool {
	ss.debug("malformed request", "reason", de.reason)
	if ss.srv.bans.record(ss.ip, false) {
		ss.banned()
		return false
	}
	if de.hasID {
		ss.reply(de.id, nil, Errorf(CodeOther, "Malformed request: %s", de.reason))
		return true
	}
	ss.malformed++
	if ss.malformed >= maxMalformedLines {
		ss.stop("too many malformed lines")
		return false
	}
	return true
}

func (ss *session) handle(req *request) {
	switch req.Method {
	case methodSubmit:
		ss.handleSubmit(req)
	case methodSubscribe:
		ss.handleSubscribe(req)
	case methodAuthorize:
		ss.handleAuthorize(req)
	case methodConfigure:
		ss.handleConfigure(req)
	case methodExtranonceSub, methodMultiVersion:
		ss.reply(req.ID, true, nil)
	case methodSuggestDifficulty:
		d, err := parseSuggestDifficulty(req.Params)
		if err != nil {
			ss.reply(req.ID, nil, err)
			return
		}
		ss.suggest(d)
		ss.reply(req.ID, true, nil)
	case methodGetTransactions:
		ss.handleGetTransactions(req)
	default:
		ss.reply(req.ID, nil, errUnknownMethod)
	}
}

func (ss *session) handleSubscribe(req *request) {
	agent := parseSubscribeParams(req.Params)
	ss.subscribed = true
	ss.mu.Lock()
	ss.agent = agent
	ss.mu.Unlock()
	ss.reply(req.ID, subscribeResult{SubscriptionID: strconv.FormatUint(ss.id, 16), Extranonce1: ss.en1Hex(), Extranonce2Size: Extranonce2Size}, nil)
	ss.maybeStart()
}

func (ss *session) handleAuthorize(req *request) {
	user, password, perr := parseAuthorizeParams(req.Params)
	if perr != nil {
		ss.reply(req.ID, nil, perr)
		return
	}
	if ss.worker(user) != nil {
		ss.reply(req.ID, true, nil)
		return
	}
	if len(ss.workers) >= maxWorkersPerConn {
		ss.reply(req.ID, nil, errTooManyLogins)
		return
	}
	w := ParseLogin(user, password)
	ctx, cancel := context.WithTimeout(ss.ctx, ss.srv.cfg.AuthorizeTimeout)
	err := ss.srv.source().Authorize(ctx, w)
	cancel()
	if se := (*Error)(nil); errors.As(err, &se) && se == nil {
		err = nil // a typed nil *Error from the source means yes
	}
	if err != nil {
		ss.logger().Info("authorize refused", "user", user, "err", err)
		var se *Error
		if !errors.As(err, &se) {
			se = ErrUnauthorized
		}
		ss.reply(req.ID, nil, se)
		return
	}
	ss.workers = append(ss.workers, w)
	if d, ok := passwordDifficulty(password); ok {
		ss.suggest(d)
	}
	ss.mu.Lock()
	if ss.firstWorker == "" {
		ss.firstWorker = user
	}
	ss.nWorkers = len(ss.workers)
	ss.mu.Unlock()
	ss.debug("authorized", "user", user)
	ss.reply(req.ID, true, nil)
	ss.maybeStart()
}

// worker returns the worker authorized under user, or nil.
func (ss *session) worker(user string) *Worker {
	for _, w := range ss.workers {
		if w.Name == user {
			return w
		}
	}
	return nil
}

// maybeStart sends the first job once the session is both subscribed and
// authorized, whichever came first.
func (ss *session) maybeStart() {
	if !ss.subscribed || len(ss.workers) == 0 {
		return
	}
	ss.mu.Lock()
	started := ss.ready
	ss.ready = true
	ss.mu.Unlock()
	if started {
		return
	}
	// ready is set before reading the current job: a job published in
	// between reaches the session through the broadcaster.
	ref := ss.srv.src.Load()
	if j := ref.src.CurrentJob(); j != nil {
		ss.enqueueJob(ss.srv.wireJobFor(j, ref), true)
	}
}

func (ss *session) handleConfigure(req *request) {
	cp, perr := parseConfigureParams(req.Params)
	if perr != nil {
		ss.reply(req.ID, nil, perr)
		return
	}
	result := make(map[string]any, len(cp.Extensions)+1)
	for _, ext := range cp.Extensions {
		switch ext {
		case "version-rolling":
			m := cp.VersionMask & VersionRollingMask
			ss.rolling, ss.mask = m != 0, m
			result["version-rolling"] = m != 0
			if m != 0 {
				result["version-rolling.mask"] = fmt.Sprintf("%08x", m)
			}
		case "minimum-difficulty":
			if cp.HasMinDifficulty {
				ss.suggest(cp.MinDifficulty)
			}
			result[ext] = cp.HasMinDifficulty
		default:
			result[ext] = false
		}
	}
	ss.reply(req.ID, result, nil)
}

// suggest applies a miner's difficulty wish to the jobs sent from now on:
// clamped to the port's varDiff range, or at least the port difficulty
// without varDiff.
func (ss *session) suggest(d float64) {
	p := ss.port.cfg
	if v := p.VarDiff; v != nil {
		d = min(max(d, v.MinDiff), v.MaxDiff)
	} else {
		d = max(d, p.Diff)
	}
	ss.mu.Lock()
	ss.targetDiff = d
	ss.diffChanged = ss.srv.cfg.Now()
	ss.mu.Unlock()
}

func (ss *session) handleGetTransactions(req *request) {
	if !ss.subscribed {
		ss.reply(req.ID, nil, ErrNotSubscribed)
		return
	}
	id, perr := parseJobIDParam(req.Params)
	if perr != nil {
		ss.reply(req.ID, nil, perr)
		return
	}
	ss.mu.Lock()
	e, ok := ss.findWireLocked(id)
	ss.mu.Unlock()
	if !ok {
		ss.reply(req.ID, nil, ErrJobNotFound)
		return
	}
	tx := e.job.Transactions
	if tx == nil {
		tx = []string{}
	}
	ss.reply(req.ID, tx, nil)
}

func (ss *session) handleSubmit(req *request) {
	if !ss.subscribed {
		ss.rejectShare(req.ID, ErrNotSubscribed, true)
		return
	}
	sp, perr := parseSubmitParams(req.Params)
	if perr != nil {
		ss.rejectShare(req.ID, perr, true)
		return
	}
	w := ss.worker(sp.User)
	if w == nil {
		ss.rejectShare(req.ID, ErrUnauthorized, true)
		return
	}
	ss.mu.Lock()
	sent, ok := ss.findWireLocked(sp.JobID)
	ss.mu.Unlock()
	if !ok {
		ss.rejectShare(req.ID, ErrJobNotFound, true)
		return
	}
	if sp.HasVersion && (!ss.rolling || sp.VersionBits&^ss.mask != 0) {
		ss.rejectShare(req.ID, errVersionMask, true)
		return
	}
	share := sharePool.Get().(*Share)
	*share = Share{
		Worker:        w,
		JobID:         sent.job.ID,
		Extranonce1:   ss.en1[:],
		Extranonce2:   sp.Extranonce2,
		NTime:         sp.NTime,
		Nonce:         sp.Nonce,
		VersionBits:   sp.VersionBits,
		VersionRolled: sp.HasVersion,
		Difficulty:    sent.diff,
		RemoteAddr:    ss.remote,
		Port:          ss.port.number,
	}
	ctx := ss.nextSubmitContext()
	res := sent.ref.src.Submit(ctx, share)
	ctx.endSubmit()
	*share = Share{}
	sharePool.Put(share)
	if ss.srv.log.Enabled(ss.ctx, slog.LevelDebug) {
		code, msg := 0, ""
		if res.Err != nil {
			code, msg = res.Err.Code, res.Err.Message
		}
		ss.debug("share", "worker", w.Name, "job", sent.job.ID, "wire_job", sp.JobID, "diff", sent.diff,
			"actual", res.ActualDifficulty, "accepted", res.Err == nil, "code", code, "reason", msg, "block", res.Block)
	}
	if res.Err != nil {
		// A stale job is the network's doing, not the miner's.
		ss.rejectShare(req.ID, res.Err, res.Err.Code != CodeJobNotFound)
		return
	}
	ss.reply(req.ID, true, nil)
	now := ss.srv.cfg.Now()
	ss.mu.Lock()
	ss.accepted++
	ss.lastShare = now
	cur := ss.targetDiff
	reset := ss.vdReset
	ss.vdReset = false
	ss.mu.Unlock()
	if ss.srv.bans.record(ss.ip, true) {
		ss.banned()
		return
	}
	if vc := ss.port.cfg.VarDiff; vc != nil {
		if ss.vd == nil || reset {
			ss.vd = newVarDiff(*vc)
		}
		if d, ok := ss.vd.sample(now, cur); ok {
			ss.retarget(d)
		}
	}
}

// retarget makes d the session's difficulty. Unless a job is already
// waiting in the queue (it will carry d), the newest job is sent again at
// d with clean_jobs false, under a new wire id (see doc.go).
func (ss *session) retarget(d float64) {
	ss.debug("vardiff retarget", "diff", d)
	ss.mu.Lock()
	ss.targetDiff = d
	ss.diffChanged = ss.srv.cfg.Now()
	ok := true
	if newest := ss.newestJobLocked(); ss.jobSlot < 0 && newest != nil {
		ok = ss.enqueueJobLocked(&wireJob{job: newest.job, ref: newest.ref}, false)
	}
	if !ok {
		ss.mu.Unlock()
		ss.stop("send queue full")
		return
	}
	ss.unlockAndFlush()
}

func (ss *session) rejectShare(id rawID, err *Error, countInvalid bool) {
	ss.reply(id, nil, err)
	ss.mu.Lock()
	ss.rejected++
	ss.mu.Unlock()
	if countInvalid && ss.srv.bans.record(ss.ip, false) {
		ss.banned()
	}
}

func (ss *session) banned() {
	ss.logger().Warn("banned", "ip", ss.ip, "for", ss.srv.cfg.Banning.Time)
	ss.stop("banned")
}

// reply sends a response.
func (ss *session) reply(id rawID, result any, err *Error) {
	rb := replyBufs.Get().(*replyBuf)
	rb.m = message{ID: id, Result: result, Err: err}
	rb.b = ss.codec.encode(rb.b[:0], &rb.m)
	rb.m = message{}
	if !ss.queueEntry(outEntry{reply: rb}) {
		replyBufs.Put(rb)
	}
}

// send queues an encoded line and writes what it can; a session whose
// queue is full is not reading and is closed.
func (ss *session) send(data []byte) { ss.queueEntry(outEntry{data: data}) }

// queueEntry is send for any entry; false when the entry was not queued.
func (ss *session) queueEntry(e outEntry) bool {
	ss.mu.Lock()
	if ss.closed {
		ss.mu.Unlock()
		return false
	}
	if len(ss.queue) >= ss.srv.cfg.SendQueue {
		ss.mu.Unlock()
		ss.logger().Info("closing: send queue full")
		ss.stop("send queue full")
		return false
	}
	ss.queue = append(ss.queue, e)
	ss.unlockAndFlush()
	return true
}

// enqueueJob queues a job notify for a ready session and writes what it
// can without ever blocking: a job still waiting in the queue is replaced
// (keeping its clean flag), and a session whose queue is full of other
// lines is closed.
func (ss *session) enqueueJob(wj *wireJob, clean bool) {
	ss.mu.Lock()
	if !ss.enqueueJobLocked(wj, clean) {
		ss.mu.Unlock()
		ss.logger().Info("closing: send queue full")
		ss.stop("send queue full")
		return
	}
	ss.unlockAndFlush()
}

// enqueueJobLocked reports false when the session should be closed.
func (ss *session) enqueueJobLocked(wj *wireJob, clean bool) bool {
	if ss.closed || !ss.ready {
		return true
	}
	if ss.jobSlot >= 0 {
		e := &ss.queue[ss.jobSlot]
		e.job, e.clean = wj, e.clean || clean
		return true
	}
	if len(ss.queue) >= ss.srv.cfg.SendQueue {
		return false
	}
	ss.queue = append(ss.queue, outEntry{job: wj, clean: clean})
	ss.jobSlot = len(ss.queue) - 1
	return true
}

// unlockAndFlush is called with mu held and releases it. When the write
// side is free it takes it and writes the queue without blocking (see
// flush); otherwise whoever holds it will write what was queued.
func (ss *session) unlockAndFlush() {
	if ss.writing || !ss.started || ss.closed || len(ss.queue) == 0 {
		ss.mu.Unlock()
		return
	}
	ss.writing = true
	buf := getWriteBuf()
	*buf = ss.drainLocked(*buf)
	ss.mu.Unlock()
	ss.flush(buf)
}

// flush writes buf, drained by the holder of the write side, and then
// whatever was queued meanwhile, as far as the socket takes it at once.
// When it does not take everything, the rest and the write side go to a
// writer goroutine; otherwise the write side is given up once the queue
// is empty.
func (ss *session) flush(buf *[]byte) {
	for {
		if len(*buf) > 0 {
			n, err := ss.codec.tryWrite(*buf)
			if err != nil {
				ss.writeFailed(buf, err)
				return
			}
			if n < len(*buf) {
				ss.srv.wg.Go(func() { ss.writeLoop(buf, n) })
				return
			}
		}
		if !ss.next(buf) {
			return
		}
	}
}

// writeLoop holds the write side until the queue is empty: it writes
// buf[off:] and then what was queued meanwhile, each write bounded by the
// write timeout.
func (ss *session) writeLoop(buf *[]byte, off int) {
	for {
		if err := ss.codec.write((*buf)[off:]); err != nil {
			ss.writeFailed(buf, err)
			return
		}
		off = 0
		if !ss.next(buf) {
			return
		}
	}
}

// next refills buf from the queue for the holder of the write side and
// reports true, or gives the write side and buf up when there is nothing
// left to write.
func (ss *session) next(buf *[]byte) bool {
	ss.mu.Lock()
	if ss.closed || len(ss.queue) == 0 {
		ss.writing = false
		ss.mu.Unlock()
		putWriteBuf(buf)
		return false
	}
	*buf = ss.drainLocked((*buf)[:0])
	ss.mu.Unlock()
	return true
}

func (ss *session) writeFailed(buf *[]byte, err error) {
	ss.mu.Lock()
	ss.writing = false
	closed := ss.closed
	ss.mu.Unlock()
	putWriteBuf(buf)
	if !closed {
		ss.logger().Info("closing: write failed", "err", err)
	}
	ss.stop("write failed")
}

// drain empties the queue into buf.
func (ss *session) drain(buf []byte) []byte {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return ss.drainLocked(buf)
}

func (ss *session) drainLocked(buf []byte) []byte {
	for _, e := range ss.queue {
		switch {
		case e.job != nil:
			buf = ss.appendJobLocked(buf, e.job, e.clean)
		case e.reply != nil:
			buf = append(buf, e.reply.b...)
			if cap(e.reply.b) <= 4<<10 {
				replyBufs.Put(e.reply)
			}
		default:
			buf = append(buf, e.data...)
		}
	}
	clear(ss.queue)
	ss.queue = ss.queue[:0]
	ss.jobSlot = -1
	return buf
}

// writeBufs holds the buffers that the holders of write sides fill: a
// session keeps none while it has nothing to write.
var writeBufs = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

func getWriteBuf() *[]byte { return writeBufs.Get().(*[]byte) }

func putWriteBuf(b *[]byte) {
	if cap(*b) > 64<<10 {
		return
	}
	*b = (*b)[:0]
	writeBufs.Put(b)
}

// sharePool holds the Shares handed to WorkSource.Submit, which may not
// keep them past the call.
var sharePool = sync.Pool{New: func() any { return new(Share) }}

// requestPool holds decoding scratch for the readers.
var requestPool = sync.Pool{New: func() any { return new(request) }}

// appendJobLocked writes a job notify at the session's target difficulty,
// preceded by set_difficulty when that changed, and records under which
// wire id and difficulty the job went out. A job already sent at the same
// difficulty under some id keeps that id; a job sent before at another
// difficulty gets a new id "<job id>.<n>", so that every wire id means one
// difficulty (see doc.go).
func (ss *session) appendJobLocked(buf []byte, wj *wireJob, clean bool) []byte {
	ss.idleRetargetLocked()
	diff := ss.targetDiff
	j := wj.job
	if last := ss.newestJobLocked(); last != nil && last.job == j && last.diff == diff {
		return buf
	}
	if diff != ss.sentDiff {
		buf = ss.codec.encode(buf, &message{Method: methodSetDifficulty, Params: difficultyParams{diff}})
		ss.sentDiff = diff
	}
	wire := j.ID
	if e, ok := ss.findLocked(func(e *sentJob) bool { return e.job == j && e.diff == diff }); ok {
		wire = e.wireID
	} else if _, taken := ss.findWireLocked(wire); taken {
		for {
			ss.aliasSeq++
			wire = j.ID + "." + strconv.FormatUint(ss.aliasSeq, 10)
			if _, taken := ss.findWireLocked(wire); !taken {
				break
			}
		}
	}
	if wire == j.ID {
		buf = append(buf, wj.bytes(ss.codec, clean)...)
	} else {
		buf = ss.codec.encode(buf, &message{Method: methodNotify, Params: notifyParams{JobID: wire, Job: j, Clean: clean}})
	}
	ss.jobs[ss.jobsNext] = sentJob{wireID: wire, job: j, ref: wj.ref, diff: diff}
	ss.jobsNext = (ss.jobsNext + 1) % jobHistory
	ss.jobsLen = min(ss.jobsLen+1, jobHistory)
	return buf
}

// idleRetargetLocked lowers the difficulty of a varDiff session that has
// had no accepted share for RetargetTime since its last share, its last
// difficulty change or its start, by the largest step a retarget may take
// (down to MinDiff). A miner whose difficulty is far too high otherwise
// never submits, so share-driven retargets never come. It runs as a job
// is written, so the lower difficulty goes out with that job.
func (ss *session) idleRetargetLocked() {
	vc := ss.port.cfg.VarDiff
	if vc == nil {
		return
	}
	now := ss.srv.cfg.Now()
	last := ss.since
	if ss.lastShare.After(last) {
		last = ss.lastShare
	}
	if ss.diffChanged.After(last) {
		last = ss.diffChanged
	}
	if now.Sub(last) < vc.RetargetTime {
		return
	}
	next := max(ss.targetDiff*maxRetargetDown, vc.MinDiff)
	if next >= ss.targetDiff {
		return
	}
	ss.targetDiff = next
	ss.diffChanged = now
	ss.vdReset = true
	ss.debug("vardiff retarget for idleness", "diff", next)
}

func (ss *session) newestJobLocked() *sentJob {
	if ss.jobsLen == 0 {
		return nil
	}
	return &ss.jobs[(ss.jobsNext+jobHistory-1)%jobHistory]
}

// findLocked returns the newest sent job matching f.
func (ss *session) findLocked(f func(*sentJob) bool) (sentJob, bool) {
	for i := range ss.jobsLen {
		e := &ss.jobs[(ss.jobsNext+jobHistory-1-i)%jobHistory]
		if f(e) {
			return *e, true
		}
	}
	return sentJob{}, false
}

// findWireLocked returns the newest sent job with the given wire id.
func (ss *session) findWireLocked(wire string) (sentJob, bool) {
	for i := range ss.jobsLen {
		e := &ss.jobs[(ss.jobsNext+jobHistory-1-i)%jobHistory]
		if e.wireID == wire {
			return *e, true
		}
	}
	return sentJob{}, false
}

func (ss *session) info() SessionInfo {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return SessionInfo{
		ID:          ss.id,
		RemoteAddr:  ss.remote.String(),
		LocalPort:   ss.port.number,
		Worker:      ss.firstWorker,
		Workers:     ss.nWorkers,
		Agent:       ss.agent,
		Difficulty:  ss.sentDiff,
		Extranonce1: ss.en1Hex(),
		ConnectedAt: ss.since,
		LastShareAt: ss.lastShare,
		Accepted:    ss.accepted,
		Rejected:    ss.rejected,
	}
}
