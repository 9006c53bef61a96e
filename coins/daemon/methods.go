package daemon

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// SubmitResult is the combined verdict of all endpoints on a submitted block.
type SubmitResult struct {
	// Accepted is true when at least one daemon has the block: it answered
	// null (accepted now) or "duplicate" (it already had it, valid). A block
	// one daemon has is not lost: that daemon relays it.
	Accepted bool
	// Reason explains a block that was not accepted: the BIP22 reason
	// ("high-hash", "bad-txnmrklroot", ...; btcd's "rejected: <reason>" with
	// the prefix removed), a daemon's RPC error message ("Block decode
	// failed"), "inconclusive" when a daemon could not decide yet, or the
	// transport error when no daemon answered. For an accepted block it is
	// "" or, when every accepting daemon said so, "duplicate".
	Reason string
	// Inconclusive is true when no daemon accepted or rejected the block but
	// one answered "inconclusive" (BIP22: it may still become valid).
	Inconclusive bool
	// Unreachable is true when no daemon answered at all; Reason then holds
	// the last transport error.
	Unreachable bool
	// PerEndpoint holds each endpoint's raw reply, in configured order.
	PerEndpoint []Reply
}

// SubmitBlock sends a serialized block (hex) to every endpoint concurrently
// and combines the answers; see SubmitResult for the rules. Endpoints that
// disagree are logged.
func (c *Client) SubmitBlock(ctx context.Context, blockHex string) SubmitResult {
	replies := c.CallAll(ctx, "submitblock", []any{blockHex})
	res := judgeSubmit(replies)
	if disagree(replies) {
		var verdicts []string
		for _, r := range replies {
			out, reason := submitVerdict(r)
			verdicts = append(verdicts, fmt.Sprintf("%s=%s(%s)", r.Endpoint, out, reason))
		}
		c.log.Warn("daemons disagree on submitted block", "verdicts", strings.Join(verdicts, " "))
	}
	return res
}

// submit outcomes of one endpoint
const (
	outAccepted     = "accepted"
	outDuplicate    = "duplicate"
	outInconclusive = "inconclusive"
	outRejected     = "rejected"
	outUnreachable  = "unreachable"
)

// submitVerdict classifies one endpoint's reply to submitblock and returns
// the outcome and a reason.
func submitVerdict(r Reply) (outcome, reason string) {
	if r.Err != nil {
		var rpcErr *RPCError
		if errors.As(r.Err, &rpcErr) {
			return outRejected, rpcErr.Message
		}
		return outUnreachable, r.Err.Error()
	}
	if isNull(r.Result) {
		return outAccepted, ""
	}
	var s string
	if err := json.Unmarshal(r.Result, &s); err != nil {
		return outRejected, "unexpected reply " + truncate(string(r.Result), 100)
	}
	s = strings.TrimSpace(s)
	switch {
	case s == "duplicate":
		return outDuplicate, s
	case s == "inconclusive", s == "duplicate-inconclusive":
		return outInconclusive, "inconclusive"
	case strings.HasPrefix(s, "rejected: "):
		return outRejected, strings.TrimPrefix(s, "rejected: ")
	case s == "":
		return outRejected, "rejected"
	default:
		return outRejected, s
	}
}

func judgeSubmit(replies []Reply) SubmitResult {
	res := SubmitResult{PerEndpoint: replies}
	var accepted, duplicate, inconclusive bool
	var rejectReason, unreachable string
	for _, r := range replies {
		out, reason := submitVerdict(r)
		switch out {
		case outAccepted:
			accepted = true
		case outDuplicate:
			duplicate = true
		case outInconclusive:
			inconclusive = true
		case outRejected:
			if rejectReason == "" {
				rejectReason = reason
			}
		case outUnreachable:
			unreachable = reason
		}
	}
	switch {
	case accepted:
		res.Accepted = true
	case duplicate:
		res.Accepted, res.Reason = true, "duplicate"
	case inconclusive:
		res.Inconclusive, res.Reason = true, "inconclusive"
	case rejectReason != "":
		res.Reason = rejectReason
	default:
		res.Unreachable = true
		res.Reason = unreachable
		if res.Reason == "" {
			res.Reason = "no endpoint"
		}
	}
	return res
}

// disagree reports whether the daemons that answered gave different verdicts.
func disagree(replies []Reply) bool {
	first := ""
	for _, r := range replies {
		out, reason := submitVerdict(r)
		if out == outUnreachable {
			continue
		}
		if v := out + ":" + reason; first == "" {
			first = v
		} else if v != first {
			return true
		}
	}
	return false
}

// ValidateAddress reports whether the daemon considers addr a valid address
// of its chain. It needs no wallet.
func (c *Client) ValidateAddress(ctx context.Context, addr string) (bool, error) {
	var r struct {
		IsValid bool `json:"isvalid"`
	}
	if err := c.Call(ctx, "validateaddress", []any{addr}, &r); err != nil {
		return false, fmt.Errorf("validate address: %w", err)
	}
	return r.IsValid, nil
}

// BlockInfo is getblock's verbosity-1 view of a block.
type BlockInfo struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	// Confirmations is -1 for a block that is not on the main chain.
	Confirmations     int64    `json:"confirmations"`
	Tx                []string `json:"tx"`
	PreviousBlockHash string   `json:"previousblockhash"`
	NextBlockHash     string   `json:"nextblockhash"`
	Time              int64    `json:"time"`
	Bits              string   `json:"bits"`
}

// GetBlock returns the block with the given hash (verbosity 1). An unknown
// block is an *RPCError (code -5).
func (c *Client) GetBlock(ctx context.Context, hash string) (*BlockInfo, error) {
	var b BlockInfo
	if err := c.Call(ctx, "getblock", []any{hash, 1}, &b); err != nil {
		return nil, err
	}
	if b.Hash == "" {
		return nil, fmt.Errorf("%w: getblock %s: no hash in reply", ErrBadReply, hash)
	}
	return &b, nil
}

// GetBestBlockHash returns the hash of the chain tip.
func (c *Client) GetBestBlockHash(ctx context.Context) (string, error) {
	var h string
	if err := c.Call(ctx, "getbestblockhash", nil, &h); err != nil {
		return "", err
	}
	if !isHexLen(h, 64) {
		return "", fmt.Errorf("%w: getbestblockhash returned %q", ErrBadReply, truncate(h, 80))
	}
	return h, nil
}

// GetBlockCount returns the height of the chain tip.
func (c *Client) GetBlockCount(ctx context.Context) (int64, error) {
	var n int64
	if err := c.Call(ctx, "getblockcount", nil, &n); err != nil {
		return 0, err
	}
	return n, nil
}
