package daemon

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// inRequest is a request as the fake daemons see it.
type inRequest struct {
	JSONRPC string            `json:"jsonrpc"`
	ID      json.RawMessage   `json:"id"`
	Method  string            `json:"method"`
	Params  []json.RawMessage `json:"params"`
}

// fakeDaemon is an httptest server that counts requests and answers with
// handle. It checks what every daemon needs from a request (auth, jsonrpc,
// id) and answers 401 with an empty body, as Litecoin Core does, when the
// credentials are wrong.
type fakeDaemon struct {
	srv   *httptest.Server
	hits  atomic.Int32
	paths chan string
}

// rpcHandler answers one request: a result, or an RPC error with an HTTP status.
type rpcHandler func(req inRequest) (result any, rpcErr *RPCError, status int)

func newFakeDaemon(t *testing.T, h rpcHandler) *fakeDaemon {
	t.Helper()
	f := &fakeDaemon{paths: make(chan string, 100)}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		select {
		case f.paths <- r.URL.Path:
		default:
		}
		if u, p, ok := r.BasicAuth(); !ok || u != "user" || p != "secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if bytes.HasPrefix(bytes.TrimSpace(body), []byte("[")) {
			var reqs []inRequest
			if err := json.Unmarshal(body, &reqs); err != nil {
				http.Error(w, "bad batch", http.StatusBadRequest)
				return
			}
			// Answer in reverse order: the client must match by id.
			var out []map[string]any
			for i := len(reqs) - 1; i >= 0; i-- {
				res, rpcErr, _ := h(reqs[i])
				out = append(out, replyObject(reqs[i].ID, res, rpcErr))
			}
			json.NewEncoder(w).Encode(out)
			return
		}
		var req inRequest
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		if req.JSONRPC != "1.0" || len(req.ID) == 0 || req.Params == nil {
			// btcd answers such requests with an empty body.
			w.WriteHeader(http.StatusOK)
			return
		}
		res, rpcErr, status := h(req)
		w.Header().Set("Content-Type", "application/json")
		if status == 0 {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(replyObject(req.ID, res, rpcErr))
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func replyObject(id json.RawMessage, res any, rpcErr *RPCError) map[string]any {
	obj := map[string]any{"result": res, "error": nil, "id": id}
	if rpcErr != nil {
		obj["result"] = nil
		obj["error"] = map[string]any{"code": rpcErr.Code, "message": rpcErr.Message}
	}
	return obj
}

func (f *fakeDaemon) endpoint(t *testing.T) Endpoint {
	t.Helper()
	return endpointOf(t, f.srv.URL)
}

func endpointOf(t *testing.T, rawURL string) Endpoint {
	t.Helper()
	hostport := strings.TrimPrefix(rawURL, "http://")
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	return Endpoint{Host: host, Port: p, User: "user", Password: "secret"}
}

// rawServer answers every request with a fixed status and body.
func rawServer(t *testing.T, status int, body string) Endpoint {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return endpointOf(t, srv.URL)
}

// closedPort returns an endpoint on a loopback port nothing listens on.
func closedPort(t *testing.T) Endpoint {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	return Endpoint{Host: "127.0.0.1", Port: port, User: "user", Password: "secret"}
}

// logRecorder collects log records for assertions.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (l *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (l *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.Key + "=" + a.Value.String())
		return true
	})
	l.mu.Lock()
	l.msgs = append(l.msgs, b.String())
	l.mu.Unlock()
	return nil
}
func (l *logRecorder) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logRecorder) WithGroup(string) slog.Handler      { return l }
func (l *logRecorder) lines() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.msgs...)
}

func newClient(t *testing.T, cfg Config, log *slog.Logger) *Client {
	t.Helper()
	c, err := New(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func okHandler(result any) rpcHandler {
	return func(inRequest) (any, *RPCError, int) { return result, nil, 0 }
}

func TestNewValidates(t *testing.T) {
	good := Endpoint{Host: "127.0.0.1", Port: 9332}
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"one endpoint", Config{Endpoints: []Endpoint{good}}, true},
		{"wallet and timeout", Config{Endpoints: []Endpoint{good, good}, Wallet: "pool wallet", Timeout: time.Second}, true},
		{"ipv6", Config{Endpoints: []Endpoint{{Host: "::1", Port: 1}}}, true},
		{"no endpoints", Config{}, false},
		{"empty host", Config{Endpoints: []Endpoint{{Port: 9332}}}, false},
		{"host with path", Config{Endpoints: []Endpoint{{Host: "a/b", Port: 9332}}}, false},
		{"port zero", Config{Endpoints: []Endpoint{{Host: "h"}}}, false},
		{"port too big", Config{Endpoints: []Endpoint{good, {Host: "h", Port: 65536}}}, false},
		{"negative timeout", Config{Endpoints: []Endpoint{good}, Timeout: -time.Second}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, nil)
			if tt.ok && err != nil {
				t.Fatalf("New: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrConfig) {
				t.Fatalf("New: got %v, want ErrConfig", err)
			}
		})
	}
}

func TestEndpointString(t *testing.T) {
	tests := []struct {
		ep   Endpoint
		want string
	}{
		{Endpoint{Host: "127.0.0.1", Port: 9332, User: "u", Password: "hunter2"}, "127.0.0.1:9332"},
		{Endpoint{Host: "::1", Port: 19443, Password: "hunter2"}, "[::1]:19443"},
		{Endpoint{Host: "node.example", Port: 1}, "node.example:1"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.ep.String(); got != tt.want {
				t.Fatalf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRequestShape(t *testing.T) {
	tests := []struct {
		name     string
		wallet   string
		params   []any
		wantPath string
		want     string
	}{
		{"nil params", "", nil, "/", "[]"},
		{"params", "", []any{"abc", 1}, "/", `["abc",1]`},
		{"wallet", "w", nil, "/wallet/w", "[]"},
		{"wallet escaped", "my wallet", nil, "/wallet/my wallet", "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got inRequest
			f := newFakeDaemon(t, func(req inRequest) (any, *RPCError, int) {
				got = req
				return "pong", nil, 0
			})
			c := newClient(t, Config{Endpoints: []Endpoint{f.endpoint(t)}, Wallet: tt.wallet}, nil)
			var res string
			if err := c.Call(context.Background(), "echo", tt.params, &res); err != nil {
				t.Fatal(err)
			}
			if res != "pong" || got.Method != "echo" || got.JSONRPC != "1.0" || len(got.ID) == 0 {
				t.Fatalf("result %q, request %+v", res, got)
			}
			params, _ := json.Marshal(got.Params)
			if string(params) != tt.want {
				t.Fatalf("params %s, want %s", params, tt.want)
			}
			if p := <-f.paths; p != tt.wantPath {
				t.Fatalf("path %q, want %q", p, tt.wantPath)
			}
		})
	}
}

// TestCallReplies covers the reply shapes daemons really send (TESTING.md)
// and whether each makes the client try the next endpoint.
func TestCallReplies(t *testing.T) {
	tests := []struct {
		name     string
		first    func(t *testing.T) Endpoint
		failover bool
		check    func(t *testing.T, err error)
	}{
		{
			name: "rpc error with HTTP 500",
			first: func(t *testing.T) Endpoint {
				return rawServer(t, 500, `{"result":null,"error":{"code":-8,"message":"blockhash must be of length 64 (not 2, for 'zz')"},"id":1}`)
			},
			check: func(t *testing.T, err error) {
				var rpcErr *RPCError
				if !errors.As(err, &rpcErr) || rpcErr.Code != -8 {
					t.Fatalf("got %v, want *RPCError -8", err)
				}
				if !strings.HasPrefix(err.Error(), "rpc error -8: blockhash") {
					t.Fatalf("message %q", err)
				}
			},
		},
		{
			name: "unknown method HTTP 404 with error object",
			first: func(t *testing.T) Endpoint {
				return rawServer(t, 404, `{"result":null,"error":{"code":-32601,"message":"Method not found"},"id":1}`)
			},
			check: func(t *testing.T, err error) {
				var rpcErr *RPCError
				if !errors.Is(err, ErrMethodNotFound) || !errors.As(err, &rpcErr) {
					t.Fatalf("got %v, want ErrMethodNotFound as *RPCError", err)
				}
			},
		},
		{
			name:  "HTTP 404 without body",
			first: func(t *testing.T) Endpoint { return rawServer(t, 404, "") },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrMethodNotFound) {
					t.Fatalf("got %v, want ErrMethodNotFound", err)
				}
			},
		},
		{
			name: "wallet error with HTTP 500",
			first: func(t *testing.T) Endpoint {
				return rawServer(t, 500, `{"result":null,"error":{"code":-18,"message":"Requested wallet does not exist or is not loaded"},"id":1}`)
			},
			check: func(t *testing.T, err error) {
				var rpcErr *RPCError
				if !errors.As(err, &rpcErr) || rpcErr.Code != -18 {
					t.Fatalf("got %v, want *RPCError -18", err)
				}
			},
		},
		{
			name: "bad credentials HTTP 401 empty body",
			first: func(t *testing.T) Endpoint {
				ep := rawServer(t, 401, "")
				ep.Password = "hunter2"
				return ep
			},
			failover: true,
		},
		{
			name:     "HTTP 403",
			first:    func(t *testing.T) Endpoint { return rawServer(t, 403, "Forbidden") },
			failover: true,
		},
		{
			name:     "HTML error page",
			first:    func(t *testing.T) Endpoint { return rawServer(t, 502, "<html>bad gateway</html>") },
			failover: true,
		},
		{
			name:     "empty body HTTP 200 (btcd on a malformed request)",
			first:    func(t *testing.T) Endpoint { return rawServer(t, 200, "") },
			failover: true,
		},
		{
			name:     "HTTP 500 without error object",
			first:    func(t *testing.T) Endpoint { return rawServer(t, 500, `{"result":null,"error":null,"id":1}`) },
			failover: true,
		},
		{
			name:     "closed port",
			first:    closedPort,
			failover: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			good := newFakeDaemon(t, okHandler(7))
			first := tt.first(t)
			c := newClient(t, Config{Endpoints: []Endpoint{first, good.endpoint(t)}}, nil)
			var n int
			err := c.Call(context.Background(), "getblockcount", nil, &n)
			if tt.failover {
				if err != nil || n != 7 {
					t.Fatalf("Call = %d, %v; want failover to the good endpoint", n, err)
				}
			} else {
				if good.hits.Load() != 0 {
					t.Fatal("failed over on a daemon's own answer")
				}
				tt.check(t, err)
			}

			// Alone, a failing-over endpoint yields ErrNoEndpoint.
			if tt.failover {
				alone := newClient(t, Config{Endpoints: []Endpoint{first}}, nil)
				err := alone.Call(context.Background(), "getblockcount", nil, nil)
				if !errors.Is(err, ErrNoEndpoint) {
					t.Fatalf("single endpoint: got %v, want ErrNoEndpoint", err)
				}
				if strings.Contains(err.Error(), "hunter2") || strings.Contains(err.Error(), "secret") {
					t.Fatalf("error leaks the password: %v", err)
				}
			}
		})
	}
}

func TestUnauthorizedNamesEndpoint(t *testing.T) {
	ep := rawServer(t, 401, "")
	ep.Password = "hunter2"
	c := newClient(t, Config{Endpoints: []Endpoint{ep}}, nil)
	err := c.Call(context.Background(), "getblockcount", nil, nil)
	if !errors.Is(err, ErrUnauthorized) || !errors.Is(err, ErrNoEndpoint) {
		t.Fatalf("got %v, want ErrUnauthorized and ErrNoEndpoint", err)
	}
	if !strings.Contains(err.Error(), ep.String()) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error %q must name %s and not the password", err, ep)
	}
}

func TestFailoverSticksToWorkingEndpoint(t *testing.T) {
	rec := &logRecorder{}
	good := newFakeDaemon(t, okHandler(42))
	dead := closedPort(t)
	dead.Password = "hunter2"
	c := newClient(t, Config{Endpoints: []Endpoint{dead, good.endpoint(t)}}, slog.New(rec))
	for i := range 3 {
		n, err := c.GetBlockCount(context.Background())
		if err != nil || n != 42 {
			t.Fatalf("call %d: %d, %v", i, n, err)
		}
	}
	lines := rec.lines()
	if len(lines) != 1 {
		t.Fatalf("want one failover log line (later calls start at the working endpoint), got %q", lines)
	}
	if !strings.Contains(lines[0], dead.String()) || strings.Contains(lines[0], "hunter2") {
		t.Fatalf("log line %q must name the endpoint and not the password", lines[0])
	}
	if good.hits.Load() != 3 {
		t.Fatalf("good endpoint saw %d calls, want 3", good.hits.Load())
	}
}

func TestTimeout(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	ep := endpointOf(t, hang.URL)

	t.Run("per-request timeout", func(t *testing.T) {
		c := newClient(t, Config{Endpoints: []Endpoint{ep}, Timeout: 100 * time.Millisecond}, nil)
		err := c.Call(context.Background(), "getblockcount", nil, nil)
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrNoEndpoint) {
			t.Fatalf("got %v, want a deadline error", err)
		}
	})
	t.Run("timeout fails over", func(t *testing.T) {
		good := newFakeDaemon(t, okHandler(1))
		c := newClient(t, Config{Endpoints: []Endpoint{ep, good.endpoint(t)}, Timeout: 100 * time.Millisecond}, nil)
		if n, err := c.GetBlockCount(context.Background()); err != nil || n != 1 {
			t.Fatalf("got %d, %v", n, err)
		}
	})
	t.Run("caller context", func(t *testing.T) {
		good := newFakeDaemon(t, okHandler(1))
		c := newClient(t, Config{Endpoints: []Endpoint{ep, good.endpoint(t)}, Timeout: time.Hour}, nil)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		err := c.Call(ctx, "getblockcount", nil, nil)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("got %v, want the caller's deadline", err)
		}
		if good.hits.Load() != 0 {
			t.Fatal("tried the next endpoint after the caller gave up")
		}
	})
}

func TestCallAll(t *testing.T) {
	ok := newFakeDaemon(t, okHandler("0011"))
	rpc := newFakeDaemon(t, func(inRequest) (any, *RPCError, int) {
		return nil, &RPCError{Code: -22, Message: "Block decode failed"}, 500
	})
	dead := closedPort(t)
	c := newClient(t, Config{Endpoints: []Endpoint{ok.endpoint(t), rpc.endpoint(t), dead}}, nil)
	replies := c.CallAll(context.Background(), "submitblock", []any{"00"})
	if len(replies) != 3 {
		t.Fatalf("got %d replies", len(replies))
	}
	if replies[0].Err != nil || string(replies[0].Result) != `"0011"` || replies[0].Endpoint != ok.endpoint(t).String() {
		t.Fatalf("reply 0: %+v", replies[0])
	}
	var rpcErr *RPCError
	if !errors.As(replies[1].Err, &rpcErr) || rpcErr.Code != -22 {
		t.Fatalf("reply 1: %+v", replies[1])
	}
	if replies[2].Err == nil || replies[2].Endpoint != dead.String() {
		t.Fatalf("reply 2: %+v", replies[2])
	}
}

func TestBatch(t *testing.T) {
	handler := func(req inRequest) (any, *RPCError, int) {
		switch req.Method {
		case "getblockcount":
			return 101, nil, 0
		case "getblockhash":
			var h int
			json.Unmarshal(req.Params[0], &h)
			return strings.Repeat("0", 62) + strconv.Itoa(h%100), nil, 0
		default:
			return nil, &RPCError{Code: -32601, Message: "Method not found"}, 404
		}
	}
	reqs := []Request{
		{Method: "getblockcount"},
		{Method: "getblockhash", Params: []any{10}},
		{Method: "nosuch"},
		{Method: "getblockhash", Params: []any{11}},
	}
	check := func(t *testing.T, replies []Reply, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if len(replies) != 4 {
			t.Fatalf("%d replies", len(replies))
		}
		if string(replies[0].Result) != "101" || !strings.HasSuffix(string(replies[1].Result), `10"`) ||
			!strings.HasSuffix(string(replies[3].Result), `11"`) {
			t.Fatalf("replies out of order: %s %s %s", replies[0].Result, replies[1].Result, replies[3].Result)
		}
		if !errors.Is(replies[2].Err, ErrMethodNotFound) {
			t.Fatalf("reply 2 err %v", replies[2].Err)
		}
	}
	t.Run("one endpoint", func(t *testing.T) {
		f := newFakeDaemon(t, handler)
		c := newClient(t, Config{Endpoints: []Endpoint{f.endpoint(t)}}, nil)
		replies, err := c.Batch(context.Background(), reqs)
		check(t, replies, err)
	})
	t.Run("failover", func(t *testing.T) {
		f := newFakeDaemon(t, handler)
		c := newClient(t, Config{Endpoints: []Endpoint{closedPort(t), f.endpoint(t)}}, nil)
		replies, err := c.Batch(context.Background(), reqs)
		check(t, replies, err)
	})
	t.Run("refused as a whole", func(t *testing.T) {
		ep := rawServer(t, 500, `{"result":null,"error":{"code":-32700,"message":"Parse error"},"id":null}`)
		c := newClient(t, Config{Endpoints: []Endpoint{ep}}, nil)
		_, err := c.Batch(context.Background(), reqs)
		var rpcErr *RPCError
		if !errors.As(err, &rpcErr) || rpcErr.Code != -32700 {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("missing item", func(t *testing.T) {
		ep := rawServer(t, 200, `[]`)
		c := newClient(t, Config{Endpoints: []Endpoint{ep}}, nil)
		replies, err := c.Batch(context.Background(), reqs[:1])
		if err != nil || len(replies) != 1 || !errors.Is(replies[0].Err, ErrBadReply) {
			t.Fatalf("got %+v, %v", replies, err)
		}
	})
	t.Run("empty", func(t *testing.T) {
		c := newClient(t, Config{Endpoints: []Endpoint{closedPort(t)}}, nil)
		if replies, err := c.Batch(context.Background(), nil); err != nil || replies != nil {
			t.Fatalf("got %v, %v", replies, err)
		}
	})
}

func TestWrongReplyID(t *testing.T) {
	ep := rawServer(t, 200, `{"result":5,"error":null,"id":999999}`)
	good := newFakeDaemon(t, okHandler(6))
	c := newClient(t, Config{Endpoints: []Endpoint{ep, good.endpoint(t)}}, nil)
	if n, err := c.GetBlockCount(context.Background()); err != nil || n != 6 {
		t.Fatalf("got %d, %v; want the reply with the wrong id skipped", n, err)
	}
}
