package stratum

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"
)

// ErrLineTooLong is returned by a codec when a miner sends a line longer
// than Config.MaxLineBytes. The connection is then closed.
var ErrLineTooLong = errors.New("stratum: line too long")

// rawID is a request id exactly as the miner sent it: the JSON text of a
// number, a string or null. A nil or empty rawID is sent back as null.
type rawID []byte

// rawParams is the params array of a request in the codec's encoding; the
// parse* functions in params.go turn it into typed values.
type rawParams []byte

// request is one decoded message from a miner. Its byte slices are only
// valid until the next readRequest.
type request struct {
	ID     rawID
	Method string
	Params rawParams
	env    envelope // decoding scratch, reused between lines
}

// message is one outbound line: a response when Method is empty, else a
// notification with Params.
type message struct {
	ID     rawID
	Result any
	Err    *Error
	Method string
	Params any
}

// The typed results and params the encoder knows how to write.
type (
	// subscribeResult is the reply to mining.subscribe.
	subscribeResult struct {
		SubscriptionID  string
		Extranonce1     string
		Extranonce2Size int
	}
	// notifyParams are the params of mining.notify; JobID is the id on the
	// wire, which differs from Job.ID for a re-notify (see doc.go).
	notifyParams struct {
		JobID string
		Job   *Job
		Clean bool
	}
	// difficultyParams are the params of mining.set_difficulty.
	difficultyParams struct{ Difficulty float64 }
)

// decodeError reports a line that is not a valid request; the connection
// stays usable. When hasID is set, id is what to answer with.
type decodeError struct {
	hasID  bool
	id     rawID
	reason string
}

func (e *decodeError) Error() string { return "stratum: malformed request: " + e.reason }

// encoder turns messages into wire bytes; it is safe for concurrent use.
type encoder interface {
	encode(dst []byte, m *message) []byte
}

// codec frames stratum messages on one connection. readRequest and
// buffered are called by the session's reader, one goroutine at a time;
// write and tryWrite by whichever goroutine owns the write side (see
// session); close may be called by anyone, any number of times. Handlers
// see only requests and messages, never the connection or the encoding.
type codec interface {
	encoder
	// readRequest reads the next request into req. A *decodeError leaves
	// the codec usable; any other error ends the connection.
	readRequest(req *request) error
	// buffered reports whether a whole line is already read, so that the
	// next readRequest will not wait for the network.
	buffered() bool
	// write sends bytes made by encode, within the write timeout.
	write(p []byte) error
	// tryWrite sends what the connection takes without waiting and
	// returns how much that was; a codec that cannot write without
	// blocking returns 0 and no error, leaving it all to write.
	tryWrite(p []byte) (int, error)
	close() error
}

// deadlineConn is the part of net.Conn the codec uses.
type deadlineConn interface {
	io.ReadWriteCloser
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
}

// readBufSize is the read buffer each connection keeps: room for the
// usual requests (a submit is about 150 bytes). A longer line is read into
// a larger buffer that is dropped once the line has been handled.
const readBufSize = 512

// jsonCodec is the line-delimited JSON codec miners speak.
type jsonCodec struct {
	jsonEncoder
	conn deadlineConn
	// raw writes to the socket without blocking; nil when the connection
	// is not a plain socket (TLS, tests).
	raw          rawWriter
	maxLine      int
	readTimeout  time.Duration
	writeTimeout time.Duration
	// buf[r:w] holds bytes read but not yet returned; buf is small, or a
	// larger slice while a long line is read. err is a read error to
	// report once the buffered lines are used up.
	buf       []byte
	r, w      int
	err       error
	closeOnce sync.Once
	small     [readBufSize]byte
}

func newJSONCodec(c deadlineConn, maxLine int, readTimeout, writeTimeout time.Duration) *jsonCodec {
	cd := &jsonCodec{
		conn:         c,
		maxLine:      maxLine,
		readTimeout:  readTimeout,
		writeTimeout: writeTimeout,
	}
	cd.buf = cd.small[:]
	return cd
}

func (c *jsonCodec) readRequest(req *request) error {
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue // a bare newline: some miners send them as keepalives
		}
		return decodeRequest(line, req)
	}
}

func (c *jsonCodec) buffered() bool {
	return bytes.IndexByte(c.buf[c.r:c.w], '\n') >= 0
}

// readLine returns the next line without its terminator. The slice is
// valid until the next call.
func (c *jsonCodec) readLine() ([]byte, error) {
	if c.r == c.w {
		// Nothing pending: start over in the small buffer, letting go of
		// a large one that the previous line needed.
		c.r, c.w = 0, 0
		if cap(c.buf) != readBufSize {
			c.buf = c.small[:]
		}
	}
	scanned := 0 // buf[r:r+scanned] has no newline
	for {
		if i := bytes.IndexByte(c.buf[c.r+scanned:c.w], '\n'); i >= 0 {
			end := c.r + scanned + i
			line := c.buf[c.r:end]
			c.r = end + 1
			if n := len(line); n > 0 && line[n-1] == '\r' {
				line = line[:n-1]
			}
			if len(line) > c.maxLine {
				return nil, ErrLineTooLong
			}
			return line, nil
		}
		scanned = c.w - c.r
		if scanned > c.maxLine+1 { // the line and a '\r'
			return nil, ErrLineTooLong
		}
		if c.err != nil {
			return nil, c.err
		}
		if c.w == len(c.buf) {
			if c.r > 0 {
				c.w = copy(c.buf, c.buf[c.r:c.w])
				c.r = 0
			} else {
				// The line and its "\r\n" must fit.
				nb := make([]byte, max(len(c.buf), min(2*len(c.buf), c.maxLine+2)))
				if len(nb) == len(c.buf) {
					return nil, ErrLineTooLong
				}
				c.w = copy(nb, c.buf[c.r:c.w])
				c.buf = nb
			}
		}
		if c.readTimeout > 0 {
			if err := c.conn.SetReadDeadline(time.Now().Add(c.readTimeout)); err != nil {
				return nil, err
			}
		}
		n, err := c.conn.Read(c.buf[c.w:])
		c.w += n
		c.err = err
	}
}

func (c *jsonCodec) write(p []byte) error {
	if c.writeTimeout > 0 {
		if err := c.conn.SetWriteDeadline(time.Now().Add(c.writeTimeout)); err != nil {
			return err
		}
	}
	_, err := c.conn.Write(p)
	return err
}

func (c *jsonCodec) tryWrite(p []byte) (int, error) {
	if c.raw.rc == nil {
		return 0, nil
	}
	return c.raw.writeNow(p)
}

func (c *jsonCodec) close() error {
	var err error
	c.closeOnce.Do(func() { err = c.conn.Close() })
	return err
}

// envelope is the outer shape of a request; RawMessage fields reuse the
// request's buffers between lines.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method json.RawMessage `json:"method"`
	Params json.RawMessage `json:"params"`
}

// decodeRequest parses one line into req.
func decodeRequest(line []byte, req *request) error {
	env := &req.env
	env.ID, env.Method, env.Params = env.ID[:0], env.Method[:0], env.Params[:0]
	req.Method = ""
	if id, method, params, ok := scanEnvelope(line); ok {
		env.ID, env.Method, env.Params = append(env.ID, id...), append(env.Method, method...), append(env.Params, params...)
	} else if err := json.Unmarshal(line, env); err != nil {
		req.ID, req.Params = rawID(env.ID[:0]), rawParams(env.Params[:0])
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			if id, ok := findID(line); ok {
				return &decodeError{hasID: true, id: id, reason: "invalid JSON"}
			}
			return &decodeError{reason: "invalid JSON"}
		}
		return &decodeError{reason: "not a JSON object"}
	}
	req.ID, req.Params = rawID(env.ID), rawParams(env.Params)
	if len(req.ID) > 0 && !validID(req.ID) {
		return &decodeError{reason: "id must be a number, a string or null"}
	}
	method, ok := decodeMethod(env.Method)
	if !ok {
		return &decodeError{hasID: true, id: req.ID, reason: "method must be a string"}
	}
	req.Method = method
	switch {
	case len(req.Params) == 0 || string(req.Params) == "null":
		req.Params = append(req.Params[:0], "[]"...)
	case req.Params[0] != '[':
		return &decodeError{hasID: true, id: req.ID, reason: "params must be an array"}
	}
	return nil
}

// Method names the server handles; decodeMethod returns these constants so
// that common requests cost no allocation.
const (
	methodSubscribe         = "mining.subscribe"
	methodAuthorize         = "mining.authorize"
	methodSubmit            = "mining.submit"
	methodConfigure         = "mining.configure"
	methodExtranonceSub     = "mining.extranonce.subscribe"
	methodSuggestDifficulty = "mining.suggest_difficulty"
	methodGetTransactions   = "mining.get_transactions"
	methodMultiVersion      = "mining.multi_version"
	methodNotify            = "mining.notify"
	methodSetDifficulty     = "mining.set_difficulty"
	maxMethodNameBytes      = 128
)

var knownMethods = []string{
	methodSubmit, methodSubscribe, methodAuthorize, methodConfigure, methodExtranonceSub,
	methodSuggestDifficulty, methodGetTransactions, methodMultiVersion,
}

func decodeMethod(raw json.RawMessage) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		for _, m := range knownMethods {
			if string(inner) == m {
				return m, true
			}
		}
	}
	if len(raw) > maxMethodNameBytes {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// validID reports whether b is the JSON text of a number, a string or null.
func validID(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	switch c := b[0]; {
	case c == '"', c == '-', c >= '0' && c <= '9', c == 'n':
		return json.Valid(b)
	}
	return false
}

// findID looks for an "id" member in a line that is not valid JSON, so
// that the miner can still get an error reply.
func findID(line []byte) (rawID, bool) {
	const key = `"id"`
	for off := 0; ; {
		i := bytes.Index(line[off:], []byte(key))
		if i < 0 {
			return nil, false
		}
		off += i + len(key)
		rest := bytes.TrimLeft(line[off:], " \t")
		if len(rest) == 0 || rest[0] != ':' {
			continue
		}
		rest = bytes.TrimLeft(rest[1:], " \t")
		if tok := idToken(rest); tok != nil && validID(tok) {
			return append(rawID(nil), tok...), true
		}
	}
}

// idToken returns the scalar token at the start of b, or nil.
func idToken(b []byte) []byte {
	if len(b) == 0 {
		return nil
	}
	switch c := b[0]; {
	case c == '"':
		for i := 1; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '"':
				return b[:i+1]
			}
		}
		return nil
	case c == 'n':
		if bytes.HasPrefix(b, []byte("null")) {
			return b[:4]
		}
		return nil
	default:
		n := 0
		for n < len(b) && bytes.IndexByte([]byte("+-.eE0123456789"), b[n]) >= 0 {
			n++
		}
		if n == 0 {
			return nil
		}
		return b[:n]
	}
}

// jsonEncoder writes messages as one JSON object per line.
type jsonEncoder struct{}

func (jsonEncoder) encode(dst []byte, m *message) []byte {
	if m.Method != "" {
		dst = append(dst, `{"id":null,"method":`...)
		dst = appendJSONString(dst, m.Method)
		dst = append(dst, `,"params":`...)
		dst = appendJSONValue(dst, m.Params)
		return append(dst, "}\n"...)
	}
	dst = append(dst, `{"id":`...)
	if len(m.ID) > 0 && validID(m.ID) {
		dst = append(dst, m.ID...)
	} else {
		dst = append(dst, "null"...)
	}
	if m.Err != nil {
		dst = append(dst, `,"result":null,"error":[`...)
		dst = strconv.AppendInt(dst, int64(m.Err.Code), 10)
		dst = append(dst, ',')
		dst = appendJSONString(dst, m.Err.Message)
		return append(dst, ",null]}\n"...)
	}
	dst = append(dst, `,"result":`...)
	dst = appendJSONValue(dst, m.Result)
	return append(dst, `,"error":null}`+"\n"...)
}

func appendJSONValue(dst []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, v)
	case string:
		return appendJSONString(dst, v)
	case int:
		return strconv.AppendInt(dst, int64(v), 10)
	case float64:
		return appendJSONFloat(dst, v)
	case []string:
		return appendJSONStrings(dst, v)
	case subscribeResult:
		dst = append(dst, `[[["mining.set_difficulty",`...)
		dst = appendJSONString(dst, v.SubscriptionID)
		dst = append(dst, `],["mining.notify",`...)
		dst = appendJSONString(dst, v.SubscriptionID)
		dst = append(dst, "]],"...)
		dst = appendJSONString(dst, v.Extranonce1)
		dst = append(dst, ',')
		dst = strconv.AppendInt(dst, int64(v.Extranonce2Size), 10)
		return append(dst, ']')
	case notifyParams:
		j := v.Job
		dst = append(dst, '[')
		for _, s := range [...]string{v.JobID, j.PrevHash, j.Coinb1, j.Coinb2} {
			dst = appendJSONString(dst, s)
			dst = append(dst, ',')
		}
		dst = appendJSONStrings(dst, j.MerkleBranch)
		for _, s := range [...]string{j.Version, j.NBits, j.NTime} {
			dst = append(dst, ',')
			dst = appendJSONString(dst, s)
		}
		dst = append(dst, ',')
		dst = strconv.AppendBool(dst, v.Clean)
		return append(dst, ']')
	case difficultyParams:
		dst = append(dst, '[')
		dst = appendJSONFloat(dst, v.Difficulty)
		return append(dst, ']')
	default:
		b, err := json.Marshal(v)
		if err != nil {
			return append(dst, "null"...)
		}
		return append(dst, b...)
	}
}

func appendJSONStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONString(dst, s)
	}
	return append(dst, ']')
}

// appendJSONFloat writes f the way encoding/json does; NaN and infinities
// become null.
func appendJSONFloat(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(dst, "null"...)
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		n := len(dst)
		dst = strconv.AppendFloat(dst, f, 'e', -1, 64)
		// Shorten e-07 to e-7 like encoding/json.
		if m := len(dst) - n; m >= 4 && dst[len(dst)-4] == 'e' && dst[len(dst)-3] == '-' && dst[len(dst)-2] == '0' {
			dst[len(dst)-2] = dst[len(dst)-1]
			dst = dst[:len(dst)-1]
		}
		return dst
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string; invalid UTF-8 becomes
// U+FFFD. For encoders that build lines by hand, like the client's submit.
func AppendJSONString(dst []byte, s string) []byte { return appendJSONString(dst, s) }

// appendJSONString writes s as a JSON string; invalid UTF-8 becomes U+FFFD.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
