package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/multipool/multipool/coins/daemon"
)

// Wallet is the coin daemon's wallet RPC as the payout uses it. A
// *daemon.Client satisfies it; give it exactly one endpoint, because a
// client that fails over could run sendmany twice.
type Wallet interface {
	Call(ctx context.Context, method string, params []any, result any) error
	Batch(ctx context.Context, reqs []daemon.Request) ([]daemon.Reply, error)
}

// RPC error codes of Bitcoin Core descendants that the payout acts on.
const (
	codeInvalidAddressOrKey = -5 // unknown transaction or block, bad address
	codeWalletInsufficient  = -6 // insufficient funds, amount too small (dust)
)

// rpcCode returns the daemon's error code, or ok false when err is not a
// reply of the daemon (a transport failure: the call's outcome is unknown).
func rpcCode(err error) (code int, ok bool) {
	var re *daemon.RPCError
	if errors.As(err, &re) {
		return re.Code, true
	}
	return 0, false
}

// walletTx is gettransaction's reply (Litecoin Core), also the shape of a
// listsinceblock entry.
type walletTx struct {
	TxID          string      `json:"txid"`
	Amount        json.Number `json:"amount"`
	Fee           json.Number `json:"fee"`
	Confirmations int64       `json:"confirmations"`
	Generated     bool        `json:"generated"`
	BlockHash     string      `json:"blockhash"`
	Comment       string      `json:"comment"`
	Details       []txDetail  `json:"details"`
}

// txDetail is one output of a wallet transaction as gettransaction
// lists it; listsinceblock entries carry the same fields at top level.
type txDetail struct {
	Address   string      `json:"address"`
	Category  string      `json:"category"`
	Amount    json.Number `json:"amount"`
	Vout      int         `json:"vout"`
	Abandoned bool        `json:"abandoned"`
}

// sinceEntry is one transaction of listsinceblock.
type sinceEntry struct {
	txDetail
	TxID          string `json:"txid"`
	Confirmations int64  `json:"confirmations"`
	Comment       string `json:"comment"`
}

// blockHeader is getblockheader's reply.
type blockHeader struct {
	Hash          string `json:"hash"`
	Height        int64  `json:"height"`
	Confirmations int64  `json:"confirmations"`
}

// maxAmountLen bounds the text of an RPC amount and its exponent.
const maxAmountLen = 64

// parseAmount reads an RPC amount (whole coins, possibly negative, any
// JSON number form) exactly into smallest units.
func parseAmount(n json.Number, decimals int) (int64, error) {
	if n == "" {
		return 0, nil
	}
	if len(n) > maxAmountLen {
		return 0, fmt.Errorf("amount of %d characters", len(n))
	}
	d, err := decimal.NewFromString(string(n))
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", n, err)
	}
	// An exponent like 1e999999999 would make the shift below allocate
	// without bound.
	if e := d.Exponent(); e < -maxAmountLen || e > maxAmountLen {
		return 0, fmt.Errorf("amount %q is out of range", n)
	}
	v := d.Shift(int32(decimals))
	if !v.IsInteger() {
		return 0, fmt.Errorf("amount %q has more than %d decimals", n, decimals)
	}
	if !v.BigInt().IsInt64() {
		return 0, fmt.Errorf("amount %q is out of range", n)
	}
	return v.IntPart(), nil
}
