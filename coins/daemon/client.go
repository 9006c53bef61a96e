package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultTimeout bounds one request to one endpoint when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// idleConnTimeout closes a keep-alive connection after this long unused.
// It is below the daemons' own idle timeouts (Core's -rpcservertimeout 30 s,
// btcd's 10 s), so the client, not the daemon, closes an idle connection and
// a request never races the daemon's close. It also bounds how long an idle
// pool delays a daemon's shutdown: Litecoin Core 0.21 does not exit while a
// keep-alive connection is open.
const idleConnTimeout = 5 * time.Second

// maxReplySize caps the body read from a daemon. A getblocktemplate of a full
// 4 MB block with MWEB data is far below it; anything larger is treated as a
// broken endpoint rather than read into memory.
const maxReplySize = 64 << 20

// Sentinel errors. Test for them with errors.Is.
var (
	// ErrConfig marks an invalid Config; the message names the field.
	ErrConfig = errors.New("daemon: invalid config")
	// ErrUnauthorized is an HTTP 401 or 403 reply: wrong rpcuser/rpcpassword
	// or an address the daemon does not allow. The wrapping error names the
	// endpoint (never the password).
	ErrUnauthorized = errors.New("daemon: unauthorized")
	// ErrMethodNotFound is an HTTP 404 reply or RPC error -32601: the daemon
	// does not know the method (or the wallet URL is wrong). *RPCError with
	// code -32601 matches it too.
	ErrMethodNotFound = errors.New("daemon: method not found")
	// ErrNoEndpoint means every endpoint failed; the error also wraps the
	// last endpoint's cause.
	ErrNoEndpoint = errors.New("daemon: no endpoint answered")
	// ErrBadReply is a reply that is not a JSON-RPC reply (not JSON, wrong
	// id, an error status without an error object).
	ErrBadReply = errors.New("daemon: bad reply")
)

// codeMethodNotFound is the JSON-RPC 2.0 "method not found" code that
// Bitcoin Core and btcd both use.
const codeMethodNotFound = -32601

// RPCError is an error a daemon reported in the "error" member of its reply,
// such as -8 (invalid parameter) or -10 (still downloading blocks).
type RPCError struct {
	Code    int
	Message string
}

// Error formats the error as "rpc error <code>: <message>".
func (e *RPCError) Error() string {
	return fmt.Sprintf("rpc error %d: %s", e.Code, e.Message)
}

// Is makes an RPCError with code -32601 match ErrMethodNotFound.
func (e *RPCError) Is(target error) bool {
	return target == ErrMethodNotFound && e.Code == codeMethodNotFound
}

// Endpoint is one daemon's RPC address and credentials.
type Endpoint struct {
	Host     string
	Port     int
	User     string
	Password string
}

// String returns "host:port". It never includes the credentials, so an
// Endpoint can be logged as is.
func (e Endpoint) String() string {
	return net.JoinHostPort(e.Host, strconv.Itoa(e.Port))
}

// Config configures a Client.
type Config struct {
	// Endpoints are daemons of the same coin, tried in order.
	Endpoints []Endpoint
	// Timeout bounds one request to one endpoint; 0 means DefaultTimeout.
	Timeout time.Duration
	// Wallet, when set, sends every call to /wallet/<Wallet> (Litecoin and
	// Bitcoin Core multiwallet). Non-wallet methods work on that URL too.
	Wallet string
}

// Request is one call of a batch.
type Request struct {
	Method string
	Params []any
}

// Reply is one endpoint's (CallAll) or one request's (Batch) outcome:
// either the raw JSON result or an error.
type Reply struct {
	// Endpoint is the "host:port" that answered or failed.
	Endpoint string
	Result   json.RawMessage
	Err      error
}

// Client calls one coin's daemons. It is safe for concurrent use.
type Client struct {
	eps     []endpoint
	timeout time.Duration
	http    *http.Client
	log     *slog.Logger
	// last is the index of the endpoint that last answered; calls start there.
	last   atomic.Int32
	nextID atomic.Uint64
}

// endpoint is an Endpoint with its precomputed URL.
type endpoint struct {
	Endpoint
	url  string
	name string
}

// New validates cfg and returns a Client. It opens no connection.
// A nil log discards.
func New(cfg Config, log *slog.Logger) (*Client, error) {
	if len(cfg.Endpoints) == 0 {
		return nil, fmt.Errorf("%w: endpoints: need at least one", ErrConfig)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: timeout %v is negative", ErrConfig, cfg.Timeout)
	}
	path, rawPath := "/", ""
	if cfg.Wallet != "" {
		path, rawPath = "/wallet/"+cfg.Wallet, "/wallet/"+url.PathEscape(cfg.Wallet)
	}
	eps := make([]endpoint, len(cfg.Endpoints))
	for i, e := range cfg.Endpoints {
		if e.Host == "" {
			return nil, fmt.Errorf("%w: endpoints[%d].host is empty", ErrConfig, i)
		}
		if strings.ContainsAny(e.Host, "/ \t\r\n@?#") {
			return nil, fmt.Errorf("%w: endpoints[%d].host %q is not a host name or address", ErrConfig, i, e.Host)
		}
		if e.Port < 1 || e.Port > 65535 {
			return nil, fmt.Errorf("%w: endpoints[%d].port %d is not in 1..65535", ErrConfig, i, e.Port)
		}
		u := url.URL{Scheme: "http", Host: e.String(), Path: path, RawPath: rawPath}
		eps[i] = endpoint{Endpoint: e, url: u.String(), name: e.String()}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	tr := &http.Transport{
		// Daemons are reached directly; an HTTP proxy from the environment
		// would see the credentials.
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 8,
		IdleConnTimeout:     idleConnTimeout,
	}
	return &Client{
		eps:     eps,
		timeout: timeout,
		http:    &http.Client{Transport: tr},
		log:     log,
	}, nil
}

// Endpoints returns the configured endpoints as "host:port" strings, in order.
func (c *Client) Endpoints() []string {
	out := make([]string, len(c.eps))
	for i := range c.eps {
		out[i] = c.eps[i].name
	}
	return out
}

// CloseIdleConnections closes the client's idle keep-alive connections. Call
// it when done with a Client, or before stopping a daemon, which waits for
// open connections before it exits. The Client stays usable.
func (c *Client) CloseIdleConnections() {
	c.http.CloseIdleConnections()
}

// rpcRequest is the JSON-RPC 1.0 request body. btcd needs both jsonrpc and id.
type rpcRequest struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  []any  `json:"params"`
}

// rpcReply is one JSON-RPC reply object.
type rpcReply struct {
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
	ID     json.RawMessage `json:"id"`
}

func (c *Client) newRequest(method string, params []any) rpcRequest {
	if params == nil {
		params = []any{}
	}
	return rpcRequest{JSONRPC: "1.0", ID: c.nextID.Add(1), Method: method, Params: params}
}

// Call calls method on the endpoint that last answered, failing over to the
// next endpoint on a transport error, timeout, HTTP 401/403 or a reply that
// is not JSON. A daemon's RPC error is returned as *RPCError without
// failover. The result is decoded into result unless result is nil; nil
// params send [].
//
// Failover makes a call at-least-once: when a connection breaks after the
// request was sent, the first daemon may have executed it before the next
// one does. For calls that must not repeat (sendmany), use a Client with one
// endpoint and reconcile on error.
func (c *Client) Call(ctx context.Context, method string, params []any, result any) error {
	req := c.newRequest(method, params)
	body, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("encode %s request: %w", method, err)
	}
	var raw json.RawMessage
	err = c.failover(ctx, method, func(ep *endpoint) (bool, error) {
		r, failover, err := c.callOne(ctx, ep, body, req.ID)
		raw = r
		return failover, err
	})
	if err != nil {
		return err
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(raw, result); err != nil {
		return fmt.Errorf("decode %s result: %w", method, err)
	}
	return nil
}

// CallAll sends the same call to every endpoint concurrently and returns one
// Reply per endpoint, in the configured order. It never fails over.
func (c *Client) CallAll(ctx context.Context, method string, params []any) []Reply {
	replies := make([]Reply, len(c.eps))
	req := c.newRequest(method, params)
	body, err := json.Marshal(req)
	if err != nil {
		for i := range replies {
			replies[i] = Reply{Endpoint: c.eps[i].name, Err: fmt.Errorf("encode %s request: %w", method, err)}
		}
		return replies
	}
	var wg sync.WaitGroup
	for i := range c.eps {
		wg.Go(func() {
			ep := &c.eps[i]
			r, _, err := c.callOne(ctx, ep, body, req.ID)
			if err != nil {
				var rpcErr *RPCError
				if !errors.As(err, &rpcErr) {
					err = fmt.Errorf("call %s on %s: %w", method, ep.name, err)
				}
			}
			replies[i] = Reply{Endpoint: ep.name, Result: r, Err: err}
		})
	}
	wg.Wait()
	return replies
}

// Batch sends reqs as one JSON-RPC batch to one endpoint (failing over like
// Call) and returns the replies in request order. Each Reply carries the
// request's own result or RPC error; the returned error is for the batch as
// a whole.
func (c *Client) Batch(ctx context.Context, reqs []Request) ([]Reply, error) {
	if len(reqs) == 0 {
		return nil, nil
	}
	batch := make([]rpcRequest, len(reqs))
	for i, r := range reqs {
		batch[i] = c.newRequest(r.Method, r.Params)
	}
	body, err := json.Marshal(batch)
	if err != nil {
		return nil, fmt.Errorf("encode batch: %w", err)
	}
	var replies []Reply
	err = c.failover(ctx, "batch", func(ep *endpoint) (bool, error) {
		status, reply, err := c.post(ctx, ep, body)
		if err != nil {
			return true, err
		}
		out, failover, err := decodeBatch(status, reply, batch, ep.name)
		replies = out
		return failover, err
	})
	if err != nil {
		return nil, err
	}
	return replies, nil
}

// failover runs attempt against the endpoints, starting with the one that
// last answered. attempt reports whether its error allows trying the next.
func (c *Client) failover(ctx context.Context, method string, attempt func(ep *endpoint) (failover bool, err error)) error {
	n := len(c.eps)
	start := int(c.last.Load())
	var lastErr error
	for i := range n {
		idx := (start + i) % n
		ep := &c.eps[idx]
		failover, err := attempt(ep)
		if err == nil || !failover {
			// The endpoint answered, even if with an error.
			c.last.Store(int32(idx))
			var rpcErr *RPCError
			if err != nil && !errors.As(err, &rpcErr) {
				err = fmt.Errorf("call %s on %s: %w", method, ep.name, err)
			}
			return err
		}
		if ctx.Err() != nil {
			// The caller gave up; the next endpoint would fail the same way.
			return fmt.Errorf("call %s on %s: %w", method, ep.name, err)
		}
		lastErr = fmt.Errorf("%s: %w", ep.name, err)
		if n > 1 {
			c.log.Warn("daemon endpoint failed, trying next", "endpoint", ep.name, "method", method, "err", err)
		}
	}
	return fmt.Errorf("call %s: %w: %w", method, ErrNoEndpoint, lastErr)
}

// callOne sends one request body to ep and decodes the single reply.
func (c *Client) callOne(ctx context.Context, ep *endpoint, body []byte, id uint64) (result json.RawMessage, failover bool, err error) {
	status, reply, err := c.post(ctx, ep, body)
	if err != nil {
		return nil, true, err
	}
	if err := checkStatus(status, ep.name); err != nil {
		return nil, true, err
	}
	var r rpcReply
	if err := json.Unmarshal(reply, &r); err != nil {
		if status == http.StatusNotFound {
			return nil, false, ErrMethodNotFound
		}
		return nil, true, fmt.Errorf("%w: HTTP %d, %s", ErrBadReply, status, describeBody(reply))
	}
	return decodeReply(status, r, strconv.FormatUint(id, 10))
}

// post sends body and returns the HTTP status and the reply body. Errors are
// transport errors and timeouts.
func (c *Client) post(ctx context.Context, ep *endpoint, body []byte) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.url, bytes.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("build request: %w", err)
	}
	req.SetBasicAuth(ep.User, ep.Password)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		// url.Error repeats the URL; the caller already names the endpoint.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			err = fmt.Errorf("no reply within %v: %w", c.timeout, err)
		}
		return 0, nil, err
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(io.LimitReader(resp.Body, maxReplySize+1))
	if err != nil {
		return 0, nil, fmt.Errorf("read reply: %w", err)
	}
	if len(reply) > maxReplySize {
		return 0, nil, fmt.Errorf("%w: reply larger than %d bytes", ErrBadReply, maxReplySize)
	}
	return resp.StatusCode, reply, nil
}

// checkStatus turns 401/403 into ErrUnauthorized naming the endpoint.
func checkStatus(status int, name string) error {
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		return fmt.Errorf("%w: %s answered HTTP %d (check rpcuser/rpcpassword and rpcallowip)", ErrUnauthorized, name, status)
	}
	return nil
}

// decodeReply interprets one reply object. A non-null error member is the
// daemon's answer whatever the HTTP status (Core sends 500 or 404 with it).
func decodeReply(status int, r rpcReply, wantID string) (json.RawMessage, bool, error) {
	if !isNull(r.Error) {
		var e RPCError
		var obj struct {
			Code    *int   `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(r.Error, &obj); err != nil || obj.Code == nil {
			// Some daemons put a bare string here.
			var s string
			if json.Unmarshal(r.Error, &s) == nil {
				return nil, false, &RPCError{Code: 0, Message: s}
			}
			return nil, true, fmt.Errorf("%w: error member %s", ErrBadReply, truncate(string(r.Error), 200))
		}
		e.Code, e.Message = *obj.Code, obj.Message
		return nil, false, &e
	}
	if status == http.StatusNotFound {
		return nil, false, ErrMethodNotFound
	}
	if status != http.StatusOK {
		return nil, true, fmt.Errorf("%w: HTTP %d without an error object", ErrBadReply, status)
	}
	if wantID != "" && string(bytes.TrimSpace(r.ID)) != wantID {
		return nil, true, fmt.Errorf("%w: reply id %s, want %s", ErrBadReply, truncate(string(r.ID), 40), wantID)
	}
	if len(r.Result) == 0 {
		return json.RawMessage("null"), false, nil
	}
	return r.Result, false, nil
}

// decodeBatch matches a batch reply to its requests by id.
func decodeBatch(status int, body []byte, reqs []rpcRequest, name string) ([]Reply, bool, error) {
	if err := checkStatus(status, name); err != nil {
		return nil, true, err
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		// The batch as a whole was refused (parse error, not supported).
		var r rpcReply
		if err := json.Unmarshal(trimmed, &r); err == nil {
			_, failover, err := decodeReply(status, r, "")
			if err == nil {
				err = fmt.Errorf("%w: object where a batch array was expected", ErrBadReply)
				failover = true
			}
			return nil, failover, err
		}
	}
	var items []rpcReply
	if err := json.Unmarshal(trimmed, &items); err != nil {
		if status == http.StatusNotFound {
			return nil, false, ErrMethodNotFound
		}
		return nil, true, fmt.Errorf("%w: HTTP %d, %s", ErrBadReply, status, describeBody(body))
	}
	byID := make(map[string]rpcReply, len(items))
	for _, it := range items {
		byID[string(bytes.TrimSpace(it.ID))] = it
	}
	out := make([]Reply, len(reqs))
	for i, rq := range reqs {
		id := strconv.FormatUint(rq.ID, 10)
		out[i].Endpoint = name
		it, ok := byID[id]
		if !ok {
			out[i].Err = fmt.Errorf("%w: no reply for %s (id %s)", ErrBadReply, rq.Method, id)
			continue
		}
		// Items of a batch come with HTTP 200 even when they carry errors;
		// judge each by its own error member.
		res, _, err := decodeReply(http.StatusOK, it, "")
		out[i].Result, out[i].Err = res, err
	}
	return out, false, nil
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || string(t) == "null"
}

func describeBody(b []byte) string {
	if len(bytes.TrimSpace(b)) == 0 {
		return "empty body"
	}
	return fmt.Sprintf("body %q", truncate(string(b), 120))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
