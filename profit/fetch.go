package profit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrRateLimited is wrapped by the error of a source that answered 429
	// or that its own rate limit keeps from calling (see RateLimitError).
	ErrRateLimited = errors.New("profit: rate limited")
	// ErrBadReply is wrapped by the error of a reply that is not what the
	// API documents: HTML, malformed JSON, another shape, an error flag.
	ErrBadReply = errors.New("profit: bad reply")
	// ErrHTTP is wrapped by the error of a reply with an unexpected HTTP
	// status.
	ErrHTTP = errors.New("profit: unexpected HTTP status")
	// ErrConfig is wrapped by the errors of New and the source
	// constructors for a bad configuration.
	ErrConfig = errors.New("profit: bad config")
)

// RateLimitError is a 429 reply or a call held back by a source's own
// limit. It wraps ErrRateLimited.
type RateLimitError struct {
	// RetryAfter is how long to wait, from Retry-After or the source's
	// limit; 0 when unknown.
	RetryAfter time.Duration
	Msg        string
}

// Error says why and for how long.
func (e *RateLimitError) Error() string {
	if e.RetryAfter > 0 {
		return fmt.Sprintf("rate limited: %s (retry after %v)", e.Msg, e.RetryAfter.Round(time.Second))
	}
	return "rate limited: " + e.Msg
}

// Unwrap returns ErrRateLimited.
func (e *RateLimitError) Unwrap() error { return ErrRateLimited }

// maxReplyBytes bounds a reply body; Binance's full price list is about
// 200 KB.
const maxReplyBytes = 8 << 20

// userAgent is sent with every request.
const userAgent = "multipool-profit/1"

// DefaultTimeout bounds one HTTP request of a source whose config leaves
// Timeout zero.
const DefaultTimeout = 15 * time.Second

// httpGetter does a source's GET requests: a client, the secrets to keep
// out of errors, and the headers to send.
type httpGetter struct {
	client  *http.Client
	header  http.Header
	secrets []string
	timeout time.Duration
}

// ValidSourceURL reports whether raw can be a price source's base URL: an
// http or https address with a host. The config loader applies the same
// rule, so that a typo fails at start-up rather than at every fetch.
func ValidSourceURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// sourceURL returns a price source's base URL, def when raw is empty, and
// a config error naming the source when raw is not ValidSourceURL.
func sourceURL(source, raw, def string) (string, error) {
	if raw == "" {
		return def, nil
	}
	if !ValidSourceURL(raw) {
		return "", fmt.Errorf("%w: %s url %q: want http(s)://host[:port][/path]", ErrConfig, source, raw)
	}
	return raw, nil
}

func newGetter(client *http.Client, timeout time.Duration, secrets ...string) httpGetter {
	if client == nil {
		client = http.DefaultClient
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	var keep []string
	for _, s := range secrets {
		if s != "" {
			keep = append(keep, s)
		}
	}
	return httpGetter{client: client, header: http.Header{}, secrets: keep, timeout: timeout}
}

// get fetches url and returns the body of a 200 reply that looks like
// JSON. 429 gives a *RateLimitError, other statuses ErrHTTP, an HTML or
// empty body ErrBadReply. Errors never contain the getter's secrets.
func (g httpGetter) get(ctx context.Context, url string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	body, err := g.do(ctx, url)
	if err != nil {
		return nil, g.redact(err)
	}
	return body, nil
}

func (g httpGetter) do(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: request: %v", ErrConfig, err)
	}
	for k, vs := range g.header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set("Accept", "application/json")
	resp, err := g.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReplyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read reply: %w", err)
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		return nil, &RateLimitError{RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
			Msg: "HTTP 429 " + snippet(body)}
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: %d %s", ErrHTTP, resp.StatusCode, snippet(body))
	}
	if len(body) > maxReplyBytes {
		return nil, fmt.Errorf("%w: reply over %d bytes", ErrBadReply, maxReplyBytes)
	}
	return body, checkJSONish(body)
}

// checkJSONish rejects bodies that are plainly not JSON (an HTML error
// page behind a 200, an empty body) with a clear message.
func checkJSONish(body []byte) error {
	t := bytes.TrimSpace(body)
	switch {
	case len(t) == 0:
		return fmt.Errorf("%w: empty reply", ErrBadReply)
	case t[0] == '<':
		return fmt.Errorf("%w: HTML instead of JSON: %s", ErrBadReply, snippet(t))
	case t[0] != '{' && t[0] != '[':
		return fmt.Errorf("%w: not a JSON object or array: %s", ErrBadReply, snippet(t))
	}
	return nil
}

// redact replaces the getter's secrets in an error's text.
func (g httpGetter) redact(err error) error {
	msg := err.Error()
	clean := msg
	for _, s := range g.secrets {
		clean = strings.ReplaceAll(clean, s, "REDACTED")
	}
	if clean == msg {
		return err
	}
	return redactedError{msg: clean, err: err}
}

// redactedError keeps errors.Is/As working while printing no secret.
type redactedError struct {
	msg string
	err error
}

// Error returns the message without the secrets.
func (e redactedError) Error() string { return e.msg }

// Unwrap returns the original error.
func (e redactedError) Unwrap() error { return e.err }

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// snippet returns the start of a body for an error message, on one line.
func snippet(b []byte) string {
	const max = 120
	s := strings.Join(strings.Fields(string(b)), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return strconv.Quote(s)
}

// decodeStrict unmarshals JSON and wraps failures in ErrBadReply.
func decodeStrict(body []byte, dst any) error {
	if err := json.Unmarshal(body, dst); err != nil {
		return fmt.Errorf("%w: %v", ErrBadReply, err)
	}
	return nil
}

// number is a JSON number that APIs also send as a string ("4.000002"),
// as null or as garbage; anything that is not a finite number reads as 0,
// which the module treats as unknown.
type number float64

// UnmarshalJSON never fails: a bad value is 0.
func (n *number) UnmarshalJSON(b []byte) error {
	*n = 0
	s := strings.TrimSpace(string(b))
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		unq, err := strconv.Unquote(s)
		if err != nil {
			return nil
		}
		s = strings.TrimSpace(unq)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return nil
	}
	*n = number(f)
	return nil
}

// clean returns a figure that is positive and finite, else 0.
func clean(f float64) float64 {
	if usable(f) {
		return f
	}
	return 0
}
