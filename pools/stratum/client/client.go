package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
)

// Errors the client reports. Stratum error replies come back as
// *stratum.Error instead.
var (
	// ErrClosed reports a call on, or cut short by, a connection that ended.
	ErrClosed = errors.New("client: connection closed")
	// ErrTimeout reports a request the pool did not answer within Config.Timeout.
	ErrTimeout = errors.New("client: no reply in time")
	// ErrUnauthorized reports a mining.authorize the pool refused.
	ErrUnauthorized = errors.New("client: authorization refused")
	// ErrReconnect reports that the pool asked the client to reconnect
	// (client.reconnect); the connection ends with it.
	ErrReconnect = errors.New("client: pool asked to reconnect")
	// ErrLineTooLong reports a line from the pool longer than MaxLineSize.
	ErrLineTooLong = errors.New("client: line from pool too long")
	// ErrBadSubscribe reports a mining.subscribe reply of the wrong shape.
	ErrBadSubscribe = errors.New("client: bad subscribe reply")
)

// errQueueFull reports a non-blocking request that found the write queue full.
var errQueueFull = errors.New("client: write queue full")

// Defaults and limits.
const (
	// DefaultTimeout bounds dialing, each write and the wait for each reply.
	DefaultTimeout = 30 * time.Second
	// DefaultIdleTimeout ends a connection on which the pool sent nothing for so long.
	DefaultIdleTimeout = 10 * time.Minute
	// DefaultAgent is the user agent sent with mining.subscribe.
	DefaultAgent = "multipool/0.1"
	// MaxLineSize is the longest line accepted from a pool.
	MaxLineSize = 256 << 10
	// RollingMask is the version-rolling mask asked for in mining.configure.
	RollingMask = 0x1fffe000
	// maxExtranonceSize bounds extranonce1 and extranonce2 sizes a pool may set.
	maxExtranonceSize = 32
	// queueSize is the number of lines the write queue holds.
	queueSize = 256
)

// Config says where to connect and how to log in.
type Config struct {
	// Addr is the pool's host:port.
	Addr string
	// User and Password are sent with mining.authorize.
	User, Password string
	// Agent is the user agent sent with mining.subscribe; empty means DefaultAgent.
	Agent string
	// VersionRolling sends mining.configure asking for version rolling with
	// mask RollingMask; VersionMask reports what the pool granted.
	VersionRolling bool
	// ExtranonceSubscribe sends mining.extranonce.subscribe after authorize,
	// telling the pool this client handles mining.set_extranonce.
	ExtranonceSubscribe bool
	// SuggestDifficulty, when positive, is sent as mining.suggest_difficulty
	// before authorize.
	SuggestDifficulty float64
	// Timeout bounds dialing, each write and the wait for each reply;
	// zero means DefaultTimeout.
	Timeout time.Duration
	// IdleTimeout ends the connection when the pool sends nothing for that
	// long; zero means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Dialer opens the connection; nil means a net.Dialer.
	Dialer func(ctx context.Context, network, addr string) (net.Conn, error)
	// TxHash is the chain's transaction hash, set on every decoded Work
	// so its MerkleRoot matches the pool's; nil means SHA-256d.
	TxHash pow.HashFunc
}

// JobUpdate is one mining.notify with what was in force when it came.
type JobUpdate struct {
	// Job is the notify as sent. Its Done channel is closed when a newer
	// job arrives or the connection ends. CleanJobs is also set when an
	// update with CleanJobs was replaced by this one before the consumer
	// took it.
	Job *stratum.Job
	// Difficulty is the share difficulty for this job: the last
	// mining.set_difficulty before the notify (1 if none came).
	Difficulty float64
	// Work is Job decoded.
	Work *stratum.Work
	// Extranonce1 and Extranonce2Size are the ones in force for this job.
	Extranonce1     []byte
	Extranonce2Size int
	// Received is when the notify's line was read, before it was decoded.
	Received time.Time
}

// Submission is one share to submit.
type Submission struct {
	JobID       string
	Extranonce2 []byte
	NTime       uint32
	Nonce       uint32
	// VersionBits, when not nil, are the rolled version bits, sent as the
	// sixth parameter.
	VersionBits *uint32
}

// Client is one connection to a pool.
type Client struct {
	cfg  Config
	log  *slog.Logger
	conn net.Conn // nil only in tests of the line handling

	out    chan []byte     // the bounded write queue
	jobs   chan *JobUpdate // holds the newest update only
	quit   chan struct{}   // closed when the connection starts to end
	done   chan struct{}   // closed after reader and writer returned
	nextID atomic.Uint64
	lineAt time.Time // when the line being handled was read; reader only
	once   sync.Once
	wg     sync.WaitGroup

	mu sync.Mutex // guards the fields below
	// pending holds the requests awaiting a reply by id; nil once closed.
	pending map[uint64]*call
	err     error
	en1     []byte
	en2Size int
	mask    uint32
	diff    float64
	lastJob *stratum.Job
}

// call is a request awaiting its reply. done runs exactly once: whoever
// removes the call from pending runs it.
type call struct {
	done  func(result json.RawMessage, err error)
	timer *time.Timer
}

// Dial connects to the pool and logs in: mining.configure (when asked),
// mining.subscribe, mining.authorize. It returns once the authorization
// was granted; a refusal is an error wrapping ErrUnauthorized and the
// pool's *stratum.Error, if it sent one. A nil log discards.
func Dial(ctx context.Context, cfg Config, log *slog.Logger) (*Client, error) {
	if cfg.Addr == "" {
		return nil, errors.New("client: no pool address")
	}
	c := newClient(cfg, log)
	dialCtx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	conn, err := c.cfg.Dialer(dialCtx, "tcp", cfg.Addr)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("client: dial %s: %w", cfg.Addr, err)
	}
	c.conn = conn
	c.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
	go func() {
		c.wg.Wait()
		close(c.done)
	}()
	if err := c.handshake(ctx); err != nil {
		c.teardown(err)
		<-c.done
		return nil, err
	}
	return c, nil
}

func newClient(cfg Config, log *slog.Logger) *Client {
	if cfg.Agent == "" {
		cfg.Agent = DefaultAgent
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.Dialer == nil {
		var d net.Dialer
		cfg.Dialer = d.DialContext
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Client{
		cfg:     cfg,
		log:     log.With("component", "stratum-client", "pool", cfg.Addr),
		out:     make(chan []byte, queueSize),
		jobs:    make(chan *JobUpdate, 1),
		quit:    make(chan struct{}),
		done:    make(chan struct{}),
		pending: make(map[uint64]*call),
		diff:    1,
	}
}

func (c *Client) handshake(ctx context.Context) error {
	if c.cfg.VersionRolling {
		params := []any{[]string{"version-rolling"}, map[string]any{
			"version-rolling.mask":          fmt.Sprintf("%08x", RollingMask),
			"version-rolling.min-bit-count": 2,
		}}
		// The reply may come late or never (pools that ignore the method):
		// it is applied whenever it arrives and nothing waits for it.
		if _, err := c.request(ctx, "mining.configure", params, true, c.configured); err != nil {
			return fmt.Errorf("client: configure: %w", err)
		}
	}
	res, err := c.call(ctx, "mining.subscribe", []any{c.cfg.Agent})
	if err != nil {
		return fmt.Errorf("client: subscribe: %w", err)
	}
	en1, en2Size, err := parseSubscribe(res)
	if err != nil {
		return fmt.Errorf("client: subscribe: %w", err)
	}
	c.mu.Lock()
	c.en1, c.en2Size = en1, en2Size
	c.mu.Unlock()
	if c.cfg.SuggestDifficulty > 0 {
		if _, err := c.request(ctx, "mining.suggest_difficulty", []any{c.cfg.SuggestDifficulty}, true, ignoreReply); err != nil {
			return fmt.Errorf("client: suggest difficulty: %w", err)
		}
	}
	res, err = c.call(ctx, "mining.authorize", []any{c.cfg.User, c.cfg.Password})
	if err != nil {
		var se *stratum.Error
		if errors.As(err, &se) {
			return fmt.Errorf("client: authorize %q: %w: %w", c.cfg.User, ErrUnauthorized, se)
		}
		return fmt.Errorf("client: authorize %q: %w", c.cfg.User, err)
	}
	if !isTrue(res) {
		return fmt.Errorf("client: authorize %q: %w", c.cfg.User, ErrUnauthorized)
	}
	if c.cfg.ExtranonceSubscribe {
		if _, err := c.request(ctx, "mining.extranonce.subscribe", []any{}, true, ignoreReply); err != nil {
			return fmt.Errorf("client: extranonce subscribe: %w", err)
		}
	}
	c.log.Debug("logged in", "user", c.cfg.User, "extranonce1", hex.EncodeToString(en1), "extranonce2_size", en2Size)
	return nil
}

func ignoreReply(json.RawMessage, error) {}

// configured applies a mining.configure reply.
func (c *Client) configured(res json.RawMessage, err error) {
	if err != nil {
		c.log.Debug("version rolling not granted", "err", err)
		return
	}
	var r map[string]json.RawMessage
	if json.Unmarshal(res, &r) != nil || !isTrue(r["version-rolling"]) {
		c.log.Debug("version rolling not granted", "reply", truncate(string(res)))
		return
	}
	var maskHex string
	if json.Unmarshal(r["version-rolling.mask"], &maskHex) != nil {
		return
	}
	mask, perr := stratum.ParseUint32Hex(maskHex)
	if perr != nil {
		c.log.Debug("bad version rolling mask", "mask", truncate(maskHex))
		return
	}
	c.mu.Lock()
	c.mask = mask & RollingMask
	c.mu.Unlock()
}

// parseSubscribe reads [subscriptions, extranonce1, extranonce2_size].
func parseSubscribe(res json.RawMessage) ([]byte, int, error) {
	var r []json.RawMessage
	if err := json.Unmarshal(res, &r); err != nil || len(r) < 3 {
		return nil, 0, fmt.Errorf("%w: %s", ErrBadSubscribe, truncate(string(res)))
	}
	var en1Hex string
	var size int
	if json.Unmarshal(r[1], &en1Hex) != nil || json.Unmarshal(r[2], &size) != nil {
		return nil, 0, fmt.Errorf("%w: %s", ErrBadSubscribe, truncate(string(res)))
	}
	en1, err := parseExtranonce(en1Hex, size)
	if err != nil {
		return nil, 0, fmt.Errorf("%w: %w", ErrBadSubscribe, err)
	}
	return en1, size, nil
}

func parseExtranonce(en1Hex string, en2Size int) ([]byte, error) {
	en1, err := hex.DecodeString(en1Hex)
	if err != nil || len(en1) > maxExtranonceSize {
		return nil, fmt.Errorf("bad extranonce1 %q", truncate(en1Hex))
	}
	if en2Size < 0 || en2Size > maxExtranonceSize {
		return nil, fmt.Errorf("bad extranonce2 size %d", en2Size)
	}
	return en1, nil
}

// Extranonce1 returns the extranonce1 currently in force (a copy).
func (c *Client) Extranonce1() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.en1...)
}

// Extranonce2Size returns the extranonce2 size currently in force.
func (c *Client) Extranonce2Size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.en2Size
}

// VersionMask returns the version-rolling mask the pool granted, 0 if none.
func (c *Client) VersionMask() uint32 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mask
}

// Jobs returns the channel of job updates. It holds only the newest update
// and is closed when the connection ends.
func (c *Client) Jobs() <-chan *JobUpdate { return c.jobs }

// Done returns a channel closed once the connection has ended and the
// client's goroutines have returned.
func (c *Client) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (ErrClosed after Close), or nil
// while it is up.
func (c *Client) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Close ends the connection and waits for the client's goroutines.
// Requests still awaiting a reply fail with ErrClosed.
func (c *Client) Close() error {
	c.teardown(ErrClosed)
	<-c.done
	return nil
}

// Submit sends a share and waits for the reply: nil when the pool said
// true, a *stratum.Error when it replied with an error (or false), another
// error when the connection ended, the reply timed out or ctx ended.
func (c *Client) Submit(ctx context.Context, s Submission) error {
	id := c.nextID.Add(1)
	res, err := c.await(ctx, id, c.appendSubmit(nil, id, s))
	return submitResult(res, err)
}

// SubmitAsync sends a share without waiting for the reply; done receives
// what Submit would have returned, exactly once. Any number of
// submissions may be in flight. SubmitAsync itself only waits while the
// write queue is full; when the connection has ended, done runs at once,
// on the caller's goroutine, with ErrClosed. done must not block, and must
// not call SubmitAsync: it may run on the reader goroutine, which has to
// keep reading for the queue to drain. s is encoded before SubmitAsync
// returns: the caller may reuse its Extranonce2.
func (c *Client) SubmitAsync(s Submission, done func(error)) {
	cb := func(res json.RawMessage, err error) { done(submitResult(res, err)) }
	id := c.nextID.Add(1)
	if err := c.send(context.Background(), id, c.appendSubmit(nil, id, s), true, cb); err != nil {
		done(err)
	}
}

// appendSubmit writes the mining.submit request for s with id, by hand:
// the load tool sends tens of thousands a second.
func (c *Client) appendSubmit(dst []byte, id uint64, s Submission) []byte {
	dst = append(dst, `{"id":`...)
	dst = strconv.AppendUint(dst, id, 10)
	dst = append(dst, `,"method":"mining.submit","params":[`...)
	dst = stratum.AppendJSONString(dst, c.cfg.User)
	dst = append(dst, ',')
	dst = stratum.AppendJSONString(dst, s.JobID)
	dst = append(dst, `,"`...)
	dst = hex.AppendEncode(dst, s.Extranonce2)
	dst = append(dst, '"')
	words := []uint32{s.NTime, s.Nonce}
	if s.VersionBits != nil {
		words = append(words, *s.VersionBits)
	}
	for _, v := range words {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], v)
		dst = append(dst, `,"`...)
		dst = hex.AppendEncode(dst, b[:])
		dst = append(dst, '"')
	}
	return append(dst, "]}\n"...)
}

func submitResult(res json.RawMessage, err error) error {
	if err != nil {
		return err
	}
	if !isTrue(res) {
		return stratum.Errorf(stratum.CodeOther, "share rejected: %s", truncate(string(res)))
	}
	return nil
}

// call sends a request and waits for its reply.
func (c *Client) call(ctx context.Context, method string, params []any) (json.RawMessage, error) {
	id := c.nextID.Add(1)
	line, err := encodeRequest(id, method, params)
	if err != nil {
		return nil, err
	}
	return c.await(ctx, id, line)
}

// await sends line, the request with id, and waits for its reply.
func (c *Client) await(ctx context.Context, id uint64, line []byte) (json.RawMessage, error) {
	type reply struct {
		res json.RawMessage
		err error
	}
	ch := make(chan reply, 1)
	err := c.send(ctx, id, line, true, func(res json.RawMessage, err error) {
		ch <- reply{res, err}
	})
	if err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		return r.res, r.err
	case <-ctx.Done():
		c.take(id) // a reply that comes later is ignored
		return nil, ctx.Err()
	}
}

// request registers done under a fresh id, queues the request and returns
// the id. With
// block it waits for room in the queue (or ctx, or the end of the
// connection); without, a full queue is errQueueFull (the fuzz test runs
// without a writer). On error done is not called.
func (c *Client) request(ctx context.Context, method string, params []any, block bool, done func(json.RawMessage, error)) (uint64, error) {
	id := c.nextID.Add(1)
	line, err := encodeRequest(id, method, params)
	if err != nil {
		return 0, err
	}
	if err := c.send(ctx, id, line, block, done); err != nil {
		return 0, err
	}
	return id, nil
}

// encodeRequest writes a request line, newline included.
func encodeRequest(id uint64, method string, params []any) ([]byte, error) {
	line, err := json.Marshal(struct {
		ID     uint64 `json:"id"`
		Method string `json:"method"`
		Params []any  `json:"params"`
	}{id, method, params})
	if err != nil {
		return nil, fmt.Errorf("client: encode %s: %w", method, err)
	}
	return append(line, '\n'), nil
}

// send registers done under id and queues line, the request with that
// id, as request describes.
func (c *Client) send(ctx context.Context, id uint64, line []byte, block bool, done func(json.RawMessage, error)) error {
	cl := &call{done: done}
	c.mu.Lock()
	if c.pending == nil {
		c.mu.Unlock()
		return ErrClosed
	}
	c.pending[id] = cl
	cl.timer = time.AfterFunc(c.cfg.Timeout, func() {
		if cl := c.take(id); cl != nil {
			cl.done(nil, ErrTimeout)
		}
	})
	c.mu.Unlock()

	var qerr error
	if block {
		select {
		case c.out <- line:
		case <-c.quit:
			qerr = ErrClosed
		case <-ctx.Done():
			qerr = ctx.Err()
		}
	} else {
		select {
		case c.out <- line:
		case <-c.quit:
			qerr = ErrClosed
		default:
			qerr = errQueueFull
		}
	}
	if qerr != nil {
		if cl := c.take(id); cl == nil {
			// The timer or the teardown got there first and already
			// reported the failure through done.
			return nil
		}
		return qerr
	}
	return nil
}

// take removes and returns the pending call with id, nil if there is none.
func (c *Client) take(id uint64) *call {
	c.mu.Lock()
	defer c.mu.Unlock()
	cl := c.pending[id]
	if cl == nil {
		return nil
	}
	delete(c.pending, id)
	cl.timer.Stop()
	return cl
}

// reply queues a reply to a request from the pool. It never blocks: the
// reader must keep reading.
func (c *Client) reply(id json.RawMessage, result any, serr *stratum.Error) {
	var errField any
	if serr != nil {
		errField = []any{serr.Code, serr.Message, nil}
	}
	line, err := json.Marshal(struct {
		ID     json.RawMessage `json:"id"`
		Result any             `json:"result"`
		Error  any             `json:"error"`
	}{id, result, errField})
	if err != nil {
		return
	}
	select {
	case c.out <- append(line, '\n'):
	default:
		c.log.Debug("write queue full, reply dropped")
	}
}

// teardown ends the connection once, with err as the reason.
func (c *Client) teardown(err error) {
	c.once.Do(func() {
		c.mu.Lock()
		c.err = err
		pending := c.pending
		c.pending = nil
		last := c.lastJob
		c.mu.Unlock()
		close(c.quit)
		if c.conn != nil {
			c.conn.Close()
		}
		if last != nil {
			last.Replace()
		}
		cause := ErrClosed
		if !errors.Is(err, ErrClosed) {
			cause = fmt.Errorf("%w: %w", ErrClosed, err)
		}
		for _, cl := range pending {
			cl.timer.Stop()
			cl.done(nil, cause)
		}
		if !errors.Is(err, ErrClosed) {
			c.log.Debug("connection ended", "err", err)
		}
	})
}

func (c *Client) writeLoop() {
	defer c.wg.Done()
	bw := bufio.NewWriterSize(c.conn, 8<<10)
	for {
		var line []byte
		select {
		case <-c.quit:
			return
		case line = <-c.out:
		}
		if err := c.conn.SetWriteDeadline(time.Now().Add(c.cfg.Timeout)); err != nil {
			c.teardown(fmt.Errorf("client: write: %w", err))
			return
		}
		_, err := bw.Write(line)
		// Batch whatever else is queued into the same flush.
	batch:
		for err == nil {
			select {
			case line = <-c.out:
				_, err = bw.Write(line)
			default:
				break batch
			}
		}
		if err == nil {
			err = bw.Flush()
		}
		if err != nil {
			c.teardown(fmt.Errorf("client: write: %w", err))
			return
		}
	}
}

func (c *Client) readLoop() {
	defer c.wg.Done()
	defer close(c.jobs)
	br := bufio.NewReaderSize(c.conn, 4<<10)
	var buf []byte
	// The deadline moves at most every IdleTimeout/8: the connection ends
	// between 7/8 and all of IdleTimeout after the last line, and a busy
	// connection does not pay for a timer update per line.
	var deadlineFrom time.Time
	for {
		if now := time.Now(); now.Sub(deadlineFrom) >= c.cfg.IdleTimeout/8 {
			if err := c.conn.SetReadDeadline(now.Add(c.cfg.IdleTimeout)); err != nil {
				c.teardown(fmt.Errorf("client: read: %w", err))
				return
			}
			deadlineFrom = now
		}
		line, err := readLine(br, &buf)
		c.lineAt = time.Now()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			c.teardown(fmt.Errorf("client: read: %w", err))
			return
		}
		if err := c.handleLine(line); err != nil {
			c.teardown(err)
			return
		}
	}
}

// readLine returns the next line without its terminator. The result is
// valid until the next call. Lines longer than MaxLineSize are an error.
func readLine(br *bufio.Reader, buf *[]byte) ([]byte, error) {
	frag, err := br.ReadSlice('\n')
	if err == nil {
		return frag, nil
	}
	*buf = append((*buf)[:0], frag...)
	for errors.Is(err, bufio.ErrBufferFull) {
		if len(*buf) > MaxLineSize {
			return nil, ErrLineTooLong
		}
		frag, err = br.ReadSlice('\n')
		*buf = append(*buf, frag...)
	}
	if err != nil {
		return nil, err
	}
	if len(*buf) > MaxLineSize {
		return nil, ErrLineTooLong
	}
	return *buf, nil
}

// isTrue reports whether raw is the JSON literal true.
func isTrue(raw json.RawMessage) bool {
	return string(bytes.TrimSpace(raw)) == "true"
}

// truncate shortens pool-controlled text for logs and error messages.
func truncate(s string) string {
	const max = 120
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
