package daemon

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrBadTemplate marks a getblocktemplate reply that fails the checks in
// GetBlockTemplate (bad hex, missing fields, inconsistent ids).
var ErrBadTemplate = errors.New("daemon: bad block template")

// BlockTemplate is the part of a BIP22/BIP23 getblocktemplate reply the pool
// builds jobs from, normalised across Litecoin Core and btcd.
type BlockTemplate struct {
	Version uint32 `json:"version"`
	// PreviousBlockHash is in RPC display order (byte-reversed), 64 hex digits.
	PreviousBlockHash string       `json:"previousblockhash"`
	Transactions      []TemplateTx `json:"transactions"`
	// CoinbaseValue is the subsidy plus all template fees, in satoshis.
	CoinbaseValue int64 `json:"coinbasevalue"`
	// Target is the block target, 64 hex digits, big-endian.
	Target  string `json:"target"`
	MinTime int64  `json:"mintime"`
	CurTime int64  `json:"curtime"`
	// Bits is the compact target as 8 lower-case hex digits (btcd does not
	// zero-pad; GetBlockTemplate pads).
	Bits   string `json:"bits"`
	Height int64  `json:"height"`
	// DefaultWitnessCommitment is Core's full output script
	// (6a24aa21a9ed + 32-byte hash). btcd sends only the 32-byte hash, and
	// only when a transaction has witness data; use WitnessCommitmentScript.
	DefaultWitnessCommitment string `json:"default_witness_commitment"`
	// MWEB is Litecoin's extension block (hex) once MWEB is active; a block
	// appends 0x01 and these bytes after its transactions. Empty otherwise.
	MWEB string `json:"mweb"`
	// Rules are the active rules ("csv", "!segwit", "mweb", ...); btcd sends none.
	Rules       []string          `json:"rules"`
	CoinbaseAux map[string]string `json:"coinbaseaux"`
	LongPollID  string            `json:"longpollid"`

	// Masternode lists the masternode payments (and, from Dash 20, the
	// platform's share) a Dash coinbase must carry, out of CoinbaseValue.
	// Dash 0.12.1 sent one object, later versions an array; both decode.
	Masternode Payments `json:"masternode"`
	// Superblock lists the governance payments of a Dash superblock.
	Superblock Payments `json:"superblock"`
	// Payee and PayeeAmount are the single masternode payment of Dash
	// 0.11/0.12.0 templates; normalise moves them into Masternode.
	Payee       string `json:"payee"`
	PayeeAmount int64  `json:"payee_amount"`
	// CoinbasePayload is Dash's DIP4 coinbase payload (CbTx), hex. When it
	// is set the coinbase must be a version 3, type 5 special transaction
	// that carries it after the lock time.
	CoinbasePayload string `json:"coinbase_payload"`
}

// Payment is one output a template requires in the coinbase.
type Payment struct {
	// Payee is the address, as the daemon prints it; may be empty (the
	// platform's OP_RETURN output has none).
	Payee string `json:"payee"`
	// Script is the output script, hex; when empty the pool derives it
	// from Payee.
	Script string `json:"script"`
	// Amount is in the smallest unit.
	Amount int64 `json:"amount"`
}

// Payments is a list of required coinbase outputs. It decodes from an
// array, a single object or null.
type Payments []Payment

// UnmarshalJSON accepts an array of payments, one payment object or null.
func (p *Payments) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0 || string(b) == "null":
		*p = nil
		return nil
	case b[0] == '{':
		var one Payment
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*p = Payments{one}
		return nil
	}
	var many []Payment
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*p = many
	return nil
}

// Total returns the sum of the amounts.
func (p Payments) Total() int64 {
	var t int64
	for _, x := range p {
		t += x.Amount
	}
	return t
}

// RequiredPayments returns the masternode and superblock payments, in
// that order: the outputs besides the pool's that the coinbase must carry.
func (t *BlockTemplate) RequiredPayments() Payments {
	if len(t.Masternode) == 0 && len(t.Superblock) == 0 {
		return nil
	}
	return append(slices.Clone(t.Masternode), t.Superblock...)
}

// TemplateTx is one transaction of a block template, in template order.
//
// Litecoin Core 0.21 and btcd v0.26 both send txid and hash (btcd's captured
// templates: txid == hash for legacy transactions, different for the witness
// one). Should a daemon leave either out, ParseBlockTemplate computes it
// from Data.
type TemplateTx struct {
	// Data is the full serialization (with witness), hex.
	Data string `json:"data"`
	// TxID is the id without witness, in RPC display order; the merkle root
	// is built from these.
	TxID string `json:"txid"`
	// Hash is the witness id (wtxid); equal to TxID without witness data.
	Hash string `json:"hash"`
	Fee  int64  `json:"fee"`
	// Weight is the BIP141 weight; 0 when the daemon does not report it.
	Weight int64 `json:"weight"`
	// Depends are 1-based indexes of template transactions this one spends.
	Depends []int `json:"depends"`
}

// HasRule reports whether the template lists rule, with or without the
// "!" prefix BIP9 uses for rules a client must understand.
func (t *BlockTemplate) HasRule(rule string) bool {
	return slices.ContainsFunc(t.Rules, func(r string) bool {
		return strings.TrimPrefix(r, "!") == rule
	})
}

// witnessCommitmentPrefix is OP_RETURN, push 36, and the BIP141 commitment
// header aa21a9ed.
const witnessCommitmentPrefix = "6a24aa21a9ed"

// WitnessCommitmentScript returns the coinbase output script committing to
// the witness data, hex, or "" when the template has none. It accepts both
// Core's full script and btcd's bare 32-byte hash.
func (t *BlockTemplate) WitnessCommitmentScript() string {
	c := t.DefaultWitnessCommitment
	if len(c) == 64 {
		return witnessCommitmentPrefix + c
	}
	return c
}

// GetBlockTemplate asks for a block template with the given rules. Litecoin
// Core needs rules {"mweb","segwit"}; pass nil for btcd, which takes no
// rules key. The reply is checked and normalised: Bits padded to 8 digits,
// hex fields validated, a missing txid derived from the transaction.
func (c *Client) GetBlockTemplate(ctx context.Context, rules []string) (*BlockTemplate, error) {
	// "coinbasevalue" keeps btcd from answering with a coinbasetxn instead
	// of a coinbasevalue.
	req := map[string]any{"capabilities": []string{"coinbasevalue", "longpoll", "workid"}}
	if rules != nil {
		req["rules"] = rules
	}
	var raw json.RawMessage
	if err := c.Call(ctx, "getblocktemplate", []any{req}, &raw); err != nil {
		return nil, err
	}
	return ParseBlockTemplate(raw)
}

// ParseBlockTemplate decodes and normalises a getblocktemplate result (the
// "result" member, not the whole reply).
func ParseBlockTemplate(raw []byte) (*BlockTemplate, error) {
	var t BlockTemplate
	if err := json.Unmarshal(raw, &t); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadTemplate, err)
	}
	if err := t.normalise(); err != nil {
		return nil, err
	}
	return &t, nil
}

func (t *BlockTemplate) normalise() error {
	if !isHexLen(t.PreviousBlockHash, 64) {
		return fmt.Errorf("%w: previousblockhash %q is not 64 hex digits", ErrBadTemplate, truncate(t.PreviousBlockHash, 80))
	}
	t.PreviousBlockHash = strings.ToLower(t.PreviousBlockHash)
	bits := strings.ToLower(t.Bits)
	if bits == "" || len(bits) > 8 || !isHex(bits) {
		return fmt.Errorf("%w: bits %q is not up to 8 hex digits", ErrBadTemplate, truncate(t.Bits, 20))
	}
	t.Bits = strings.Repeat("0", 8-len(bits)) + bits
	if t.Target != "" && !isHexLen(t.Target, 64) {
		return fmt.Errorf("%w: target %q is not 64 hex digits", ErrBadTemplate, truncate(t.Target, 80))
	}
	if t.Height < 1 {
		return fmt.Errorf("%w: height %d", ErrBadTemplate, t.Height)
	}
	if t.CoinbaseValue < 0 {
		return fmt.Errorf("%w: coinbasevalue %d is negative", ErrBadTemplate, t.CoinbaseValue)
	}
	if c := t.DefaultWitnessCommitment; c != "" && (!isHex(c) || len(c)%2 != 0) {
		return fmt.Errorf("%w: default_witness_commitment is not hex", ErrBadTemplate)
	}
	if t.MWEB != "" && (!isHex(t.MWEB) || len(t.MWEB)%2 != 0) {
		return fmt.Errorf("%w: mweb is not hex", ErrBadTemplate)
	}
	if err := t.normalisePayments(); err != nil {
		return err
	}
	for i := range t.Transactions {
		if err := t.Transactions[i].normalise(); err != nil {
			return fmt.Errorf("%w: transaction %d: %w", ErrBadTemplate, i, err)
		}
		for _, d := range t.Transactions[i].Depends {
			if d < 1 || d > i {
				return fmt.Errorf("%w: transaction %d depends on %d, not an earlier transaction", ErrBadTemplate, i, d)
			}
		}
	}
	return nil
}

// normalisePayments checks the Dash fields: payments with a script or a
// payee and an amount that fits in the coinbase value, a hex payload.
func (t *BlockTemplate) normalisePayments() error {
	if len(t.Masternode) == 0 && t.Payee != "" && t.PayeeAmount > 0 {
		t.Masternode = Payments{{Payee: t.Payee, Amount: t.PayeeAmount}}
	}
	var total int64
	for _, list := range []struct {
		name string
		p    Payments
	}{{"masternode", t.Masternode}, {"superblock", t.Superblock}} {
		for i := range list.p {
			x := &list.p[i]
			if x.Amount < 0 || x.Amount > t.CoinbaseValue {
				return fmt.Errorf("%w: %s payment %d: amount %d outside 0..coinbasevalue %d", ErrBadTemplate, list.name, i, x.Amount, t.CoinbaseValue)
			}
			if x.Script != "" && (!isHex(x.Script) || len(x.Script)%2 != 0) {
				return fmt.Errorf("%w: %s payment %d: script is not hex", ErrBadTemplate, list.name, i)
			}
			if x.Script == "" && x.Payee == "" {
				return fmt.Errorf("%w: %s payment %d has neither script nor payee", ErrBadTemplate, list.name, i)
			}
			x.Script = strings.ToLower(x.Script)
			total += x.Amount
		}
	}
	if total > t.CoinbaseValue {
		return fmt.Errorf("%w: required payments %d exceed coinbasevalue %d", ErrBadTemplate, total, t.CoinbaseValue)
	}
	if p := t.CoinbasePayload; p != "" && (!isHex(p) || len(p)%2 != 0) {
		return fmt.Errorf("%w: coinbase_payload is not hex", ErrBadTemplate)
	}
	t.CoinbasePayload = strings.ToLower(t.CoinbasePayload)
	return nil
}

// normalise checks the hex fields and fills in a missing txid or hash.
//
// Litecoin Core and btcd v0.26 both send txid and hash (see testdata: btcd's
// witness transaction has txid != hash, its legacy ones txid == hash). Older
// daemons sent only "hash", meaning the txid; when txid is missing it is
// computed from the data: sha256d of the serialization without witness.
func (tx *TemplateTx) normalise() error {
	raw, err := hex.DecodeString(tx.Data)
	if err != nil || len(raw) == 0 {
		return errors.New("data is not hex")
	}
	tx.Data = strings.ToLower(tx.Data)
	for _, f := range []*string{&tx.TxID, &tx.Hash} {
		if *f != "" && !isHexLen(*f, 64) {
			return fmt.Errorf("id %q is not 64 hex digits", truncate(*f, 80))
		}
		*f = strings.ToLower(*f)
	}
	if tx.TxID == "" && tx.Hash != "" && !hasWitness(raw) {
		// Without witness data the hash is the txid, whatever hash
		// function the chain uses for ids.
		tx.TxID = tx.Hash
	}
	if tx.TxID == "" {
		id, err := TxID(raw)
		if err != nil {
			return fmt.Errorf("compute txid: %w", err)
		}
		tx.TxID = id
	}
	if tx.Hash == "" {
		tx.Hash = WitnessHash(raw, tx.TxID)
	}
	return nil
}

// WitnessHash returns the wtxid (display order hex) of a serialized
// transaction whose txid is known: sha256d of the full serialization when it
// carries witness data, else the txid (Litecoin's HogEx, flag 0x08 without
// witness, has wtxid == txid).
func WitnessHash(raw []byte, txid string) string {
	if hasWitness(raw) {
		return displayHash(sha256d(raw))
	}
	return txid
}

// TxID computes a transaction's id (display order hex) from its full
// serialization: sha256d of the serialization without the segwit marker,
// flag and witnesses. Litecoin's MWEB flag (0x08) is understood as long as
// the transaction carries no MWEB body (the HogEx does not).
func TxID(raw []byte) (string, error) {
	stripped, err := stripWitness(raw)
	if err != nil {
		return "", err
	}
	return displayHash(sha256d(stripped)), nil
}

// stripWitness returns the legacy serialization of raw.
func stripWitness(raw []byte) ([]byte, error) {
	r := txReader{b: raw}
	r.skip(4) // version
	if r.err != nil {
		return nil, r.err
	}
	if len(raw) < 6 || raw[4] != 0 || raw[5] == 0 {
		// No marker: already the legacy serialization. Check it parses.
		r.txBody()
		r.skip(4)
		if r.err == nil && r.pos != len(raw) {
			r.err = errors.New("trailing bytes")
		}
		if r.err != nil {
			return nil, r.err
		}
		return raw, nil
	}
	flag := raw[5]
	if flag&^0x09 != 0 {
		return nil, fmt.Errorf("unknown serialization flag %#x", flag)
	}
	r.pos = 6
	bodyStart := r.pos
	nIn := r.txBody()
	bodyEnd := r.pos
	if flag&0x01 != 0 {
		for range nIn {
			items := r.varint()
			for range items {
				r.skip(int(r.varint()))
				if r.err != nil {
					return nil, r.err
				}
			}
		}
	}
	if flag&0x08 != 0 {
		// An optional MWEB transaction: 0x00 means none.
		if b := r.byte(); r.err == nil && b != 0 {
			return nil, errors.New("transaction carries an MWEB body; cannot derive its txid")
		}
	}
	lockStart := r.pos
	r.skip(4)
	if r.err == nil && r.pos != len(raw) {
		r.err = errors.New("trailing bytes")
	}
	if r.err != nil {
		return nil, r.err
	}
	out := make([]byte, 0, 4+bodyEnd-bodyStart+4)
	out = append(out, raw[:4]...)
	out = append(out, raw[bodyStart:bodyEnd]...)
	out = append(out, raw[lockStart:lockStart+4]...)
	return out, nil
}

// txReader walks a serialized transaction; the first error sticks.
type txReader struct {
	b   []byte
	pos int
	err error
}

func (r *txReader) skip(n int) {
	if r.err != nil {
		return
	}
	if n < 0 || n > len(r.b)-r.pos {
		r.err = errors.New("truncated transaction")
		return
	}
	r.pos += n
}

func (r *txReader) byte() byte {
	r.skip(1)
	if r.err != nil {
		return 0
	}
	return r.b[r.pos-1]
}

func (r *txReader) varint() uint64 {
	b := r.byte()
	var n int
	switch b {
	case 0xfd:
		n = 2
	case 0xfe:
		n = 4
	case 0xff:
		n = 8
	default:
		return uint64(b)
	}
	r.skip(n)
	if r.err != nil {
		return 0
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(r.b[r.pos-n+i])
	}
	if v > uint64(len(r.b)) {
		// No count or length in a transaction can exceed its size.
		r.err = errors.New("count exceeds transaction size")
		return 0
	}
	return v
}

// txBody skips inputs and outputs and returns the number of inputs.
func (r *txReader) txBody() uint64 {
	nIn := r.varint()
	for range nIn {
		r.skip(36) // outpoint
		r.skip(int(r.varint()))
		r.skip(4) // sequence
		if r.err != nil {
			return 0
		}
	}
	nOut := r.varint()
	for range nOut {
		r.skip(8) // value
		r.skip(int(r.varint()))
		if r.err != nil {
			return 0
		}
	}
	return nIn
}

func sha256d(b []byte) [32]byte {
	h := sha256.Sum256(b)
	return sha256.Sum256(h[:])
}

// displayHash renders a hash in RPC display order (reversed bytes).
func displayHash(h [32]byte) string {
	slices.Reverse(h[:])
	return hex.EncodeToString(h[:])
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isHexLen(s string, n int) bool { return len(s) == n && isHex(s) }

// hasWitness reports whether a serialized transaction has the segwit
// marker and a witness flag.
func hasWitness(raw []byte) bool {
	return len(raw) > 5 && raw[4] == 0 && raw[5]&0x01 != 0
}
