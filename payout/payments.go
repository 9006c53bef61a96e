package payout

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/payout/ledger"
)

// errStopPaying ends the payments of a run after a payment whose outcome
// is unknown: it stays pending and the next run reconciles it first.
var errStopPaying = errors.New("payout: payment outcome unknown")

// newPaymentID returns a unique payment id: unix milliseconds and 6
// random bytes.
func newPaymentID(now time.Time) string {
	var r [6]byte
	rand.Read(r[:]) // never fails (crypto/rand)
	return strconv.FormatInt(now.UnixMilli(), 10) + "-" + hex.EncodeToString(r[:])
}

// paymentComment is the wallet comment a payment is sent with; the
// reconciliation finds the payment in the wallet by it.
func paymentComment(coin, id string) string {
	return "multipool payout " + coin + " " + id
}

// found is what the wallet knows of a payment.
type found int

const (
	notFound found = iota
	foundSent
	foundConflict // in the wallet but not as recorded, or conflicted/abandoned
)

// findPayment searches the wallet for pay by its comment, from the block
// that was the tip when it was recorded (the whole wallet when the daemon
// does not know that block). It returns the txid when the wallet sent it
// to exactly the recorded recipients.
func (p *Processor) findPayment(ctx context.Context, pay ledger.Payment) (found, string, string, error) {
	var res struct {
		Transactions []sinceEntry `json:"transactions"`
	}
	params := []any{}
	if pay.Tip != "" {
		params = []any{pay.Tip}
	}
	err := p.wallet.Call(ctx, "listsinceblock", params, &res)
	if code, ok := rpcCode(err); ok && code == codeInvalidAddressOrKey && pay.Tip != "" {
		err = p.wallet.Call(ctx, "listsinceblock", nil, &res)
	}
	if err != nil {
		return notFound, "", "", fmt.Errorf("listsinceblock: %w", err)
	}
	sent := map[string]map[string]int64{} // txid -> address -> amount
	var bad []string
	for _, e := range res.Transactions {
		if e.Comment != pay.Comment || e.Category != "send" {
			continue
		}
		if e.Confirmations < 0 || e.Abandoned {
			bad = append(bad, fmt.Sprintf("%s (confirmations %d, abandoned %v)", e.TxID, e.Confirmations, e.Abandoned))
			continue
		}
		a, err := parseAmount(e.Amount, p.cfg.Coin.Decimals)
		if err != nil {
			return notFound, "", "", fmt.Errorf("listsinceblock %s: %w", e.TxID, err)
		}
		if sent[e.TxID] == nil {
			sent[e.TxID] = map[string]int64{}
		}
		sent[e.TxID][e.Address] += -a
	}
	if len(bad) > 0 {
		return foundConflict, "", "the wallet holds it as " + strings.Join(bad, ", "), nil
	}
	if len(sent) == 0 {
		return notFound, "", "", nil
	}
	if len(sent) > 1 {
		return foundConflict, "", fmt.Sprintf("%d wallet transactions carry its comment", len(sent)), nil
	}
	want := map[string]int64{}
	for _, r := range pay.Recipients {
		want[r.Address] = p.rpcAmount(r.Amount)
	}
	for txid, got := range sent {
		if len(got) != len(want) {
			return foundConflict, txid, fmt.Sprintf("transaction %s pays %d addresses, the record %d", txid, len(got), len(want)), nil
		}
		for a, v := range want {
			if got[a] != v {
				return foundConflict, txid, fmt.Sprintf("transaction %s pays %s %d, the record %d", txid, a, got[a], v), nil
			}
		}
		return foundSent, txid, "", nil
	}
	return notFound, "", "", nil
}

// reconcile settles the payments left pending by an earlier run: found in
// the wallet means paid (the txid is recorded); not found, once the
// payment is older than SettleTime, means never sent (credited back, to be
// paid again). It returns how many stay unresolved.
func (p *Processor) reconcile(ctx context.Context, lk *ledger.Lock, rep *Report) (int, error) {
	coin := p.cfg.Coin.Key
	pending, err := p.led.PendingPayments(ctx, coin)
	if err != nil || len(pending) == 0 {
		return 0, err
	}
	now, err := p.led.RedisTime(ctx)
	if err != nil {
		return 0, err
	}
	unresolved := 0
	for _, pay := range pending {
		out := PaymentOutcome{ID: pay.ID, Total: pay.Total, Recipients: len(pay.Recipients)}
		f, txid, why, err := p.findPayment(ctx, pay)
		age := now.Sub(pay.Created)
		switch {
		case err != nil:
			out.Outcome, out.Reason = OutcomeUnresolved, err.Error()
		case f == foundSent:
			out.Outcome, out.TxID = OutcomePaid, txid
		case f == foundConflict:
			out.Outcome, out.TxID, out.Reason = OutcomeUnresolved, txid, why+"; resolve by hand"
		case age < p.cfg.SettleTime:
			out.Outcome = OutcomeUnresolved
			out.Reason = fmt.Sprintf("not in the wallet yet; recorded %v ago, waiting until %v have passed", age.Round(time.Second), p.cfg.SettleTime)
		default:
			out.Outcome = OutcomeVoided
			out.Reason = fmt.Sprintf("not in the wallet %v after it was recorded", age.Round(time.Second))
		}
		if !rep.DryRun {
			switch out.Outcome {
			case OutcomePaid:
				if _, err := p.led.RecordSent(ctx, lk, pay.ID, txid); err != nil {
					return unresolved, err
				}
				p.noteFee(ctx, pay.ID, txid)
				p.log.Info("pending payment found in the wallet; recorded as paid", "payment", pay.ID, "txid", txid, "total", pay.Total)
			case OutcomeVoided:
				if _, err := p.led.VoidPayment(ctx, lk, pay.ID, out.Reason); err != nil {
					return unresolved, err
				}
				p.log.Warn("pending payment was never sent; credited back", "payment", pay.ID, "total", pay.Total, "reason", out.Reason)
			default:
				p.log.Error("pending payment unresolved; no payments this run", "payment", pay.ID, "reason", out.Reason)
			}
		}
		if out.Outcome == OutcomeUnresolved {
			unresolved++
		}
		rep.Reconciled = append(rep.Reconciled, out)
	}
	return unresolved, nil
}

// audit looks in the wallet for payout transactions the ledger does not
// expect: one whose payment the ledger does not know (Redis lost data,
// e.g. restored from an old snapshot, so its balances may be owed again),
// or one of a payment that was credited back (the wallet ran a sendmany
// later than SettleTime). Either stops payments until an operator looks:
// paying on would pay twice. It searches from the tip recorded with the
// latest payment the ledger knows (the whole wallet when it knows none),
// so a lost suffix of payments is always in view. It returns how many
// problems it found.
func (p *Processor) audit(ctx context.Context, rep *Report) (int, error) {
	coin := p.cfg.Coin.Key
	latest, err := p.led.Payments(ctx, coin, 1)
	if err != nil {
		return 0, err
	}
	var res struct {
		Transactions []sinceEntry `json:"transactions"`
	}
	params := []any{}
	if len(latest) > 0 && latest[0].Tip != "" {
		params = []any{latest[0].Tip}
	}
	err = p.wallet.Call(ctx, "listsinceblock", params, &res)
	if code, ok := rpcCode(err); ok && code == codeInvalidAddressOrKey && len(params) > 0 {
		err = p.wallet.Call(ctx, "listsinceblock", nil, &res)
	}
	if err != nil {
		return 0, fmt.Errorf("audit the wallet: listsinceblock: %w", err)
	}
	prefix := paymentComment(coin, "")
	sent := map[string]string{} // txid -> payment id
	for _, e := range res.Transactions {
		if e.Category != "send" || e.Confirmations < 0 || e.Abandoned || !strings.HasPrefix(e.Comment, prefix) {
			continue
		}
		sent[e.TxID] = strings.TrimPrefix(e.Comment, prefix)
	}
	txids := make([]string, 0, len(sent))
	for txid := range sent {
		txids = append(txids, txid)
	}
	slices.Sort(txids)
	problems := 0
	for _, txid := range txids {
		id := sent[txid]
		var pay ledger.Payment
		known := false
		if _, err := strconv.ParseInt(strings.SplitN(id, "-", 2)[0], 10, 64); err == nil {
			pay, known, err = p.led.PaymentByID(ctx, coin, id)
			if err != nil {
				return problems, err
			}
		}
		var why string
		switch {
		case !known:
			why = "the wallet sent payout transaction " + txid + " for payment " + id +
				", which the ledger does not know: Redis lost data, and the balances it paid may be owed again"
		case pay.State == ledger.PaymentVoided:
			why = "payment " + id + " was credited back, but the wallet sent it as " + txid
		case pay.State == ledger.PaymentPaid && pay.TxID != txid:
			why = "payment " + id + " is recorded as " + pay.TxID + ", but the wallet sent it as " + txid
		default:
			continue
		}
		problems++
		rep.Reconciled = append(rep.Reconciled, PaymentOutcome{ID: id, TxID: txid, Outcome: OutcomeUnresolved,
			Reason: why + "; no payments until resolved by hand"})
		p.log.Error("wallet audit: payout transaction the ledger does not expect; payments stop", "txid", txid, "payment", id, "reason", why)
	}
	return problems, nil
}

// rpcDecimals is the most decimals an RPC amount may carry.
const rpcDecimals = 8

// rpcUnit is the smallest amount an RPC can express, in smallest units.
func (p *Processor) rpcUnit() int64 {
	u := int64(1)
	for d := p.cfg.Coin.Decimals; d > rpcDecimals; d-- {
		u *= 10
	}
	return u
}

// rpcAmount rounds a balance down to what an RPC amount can express.
func (p *Processor) rpcAmount(a int64) int64 { return a - a%p.rpcUnit() }

// formatRPC writes an amount for sendmany: whole coins, at most 8
// decimals, as a JSON number.
func (p *Processor) formatRPC(a int64) json.Number {
	u := p.rpcUnit()
	return json.Number(coins.Amount(a / u).Format(min(p.cfg.Coin.Decimals, rpcDecimals)))
}

// checkAddresses sorts candidates into payable ones and held ones (address
// -> reason): each must decode for the coin and not be MWEB, and the
// daemon's validateaddress must call it valid. Addresses the daemon could
// not judge now are neither.
func (p *Processor) checkAddresses(ctx context.Context, cands []string) (ok []string, held map[string]string) {
	held = map[string]string{}
	var ask []string
	for _, a := range cands {
		addr, err := p.cfg.Coin.DecodeAddress(a)
		switch {
		case err != nil:
			held[a] = "not a " + p.cfg.Coin.Key + " address: " + err.Error()
		case addr.Kind == coins.MWEB:
			held[a] = "MWEB addresses are not paid"
		case p.validCached(a):
			ok = append(ok, a)
		default:
			ask = append(ask, a)
		}
	}
	const chunk = 500
	for start := 0; start < len(ask); start += chunk {
		part := ask[start:min(start+chunk, len(ask))]
		reqs := make([]daemon.Request, len(part))
		for i, a := range part {
			reqs[i] = daemon.Request{Method: "validateaddress", Params: []any{a}}
		}
		replies, err := p.wallet.Batch(ctx, reqs)
		if err != nil {
			p.log.Warn("cannot validate addresses now; they wait for the next run", "count", len(part), "err", err)
			continue
		}
		for i, a := range part {
			var r struct {
				IsValid bool `json:"isvalid"`
			}
			if replies[i].Err != nil || json.Unmarshal(replies[i].Result, &r) != nil {
				continue
			}
			if !r.IsValid {
				held[a] = "the daemon's validateaddress says it is not valid"
				continue
			}
			p.cacheValid(a)
			ok = append(ok, a)
		}
	}
	return ok, held
}

func (p *Processor) validCached(a string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.valid[a]
}

func (p *Processor) cacheValid(a string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.valid) > 1_000_000 {
		clear(p.valid)
	}
	p.valid[a] = true
}

// pay pays every balance at or above the minimum payment to a valid
// address, as far as the wallet's funds go. extra holds credits a dry run
// would have added first.
func (p *Processor) pay(ctx context.Context, lk *ledger.Lock, rep *Report, extra map[string]int64) error {
	coin := p.cfg.Coin.Key
	bals, err := p.led.Balances(ctx, coin)
	if err != nil {
		return err
	}
	for a, v := range extra {
		bals[a] += v
	}
	minPay := max(int64(p.cfg.MinimumPayment), 1)
	var cands []string
	for a, v := range bals {
		if p.rpcAmount(v) >= minPay {
			cands = append(cands, a)
		}
	}
	slices.Sort(cands)
	okAddrs, held := p.checkAddresses(ctx, cands)
	rep.Held = held
	if !rep.DryRun {
		if err := p.updateHeld(ctx, okAddrs, held); err != nil {
			return err
		}
	}
	for a, why := range held {
		p.log.Warn("balance set aside: invalid address", "address", a, "balance", bals[a], "reason", why)
	}
	if len(okAddrs) == 0 {
		return nil
	}
	payees := make([]ledger.Credit, len(okAddrs))
	for i, a := range okAddrs {
		payees[i] = ledger.Credit{Address: a, Amount: p.rpcAmount(bals[a])}
	}
	// Largest first; what does not fit the wallet's funds waits.
	slices.SortFunc(payees, func(a, b ledger.Credit) int {
		if a.Amount != b.Amount {
			if a.Amount > b.Amount {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Address, b.Address)
	})
	funds, err := p.spendable(ctx)
	if err != nil {
		return err
	}
	var chosen []ledger.Credit
	var sum int64
	for _, c := range payees {
		if sum+c.Amount <= funds {
			chosen = append(chosen, c)
			sum += c.Amount
		} else {
			rep.Deferred = append(rep.Deferred, c)
		}
	}
	if len(rep.Deferred) > 0 {
		p.log.Warn("wallet funds do not cover every balance; the rest waits", "funds", funds,
			"paying", sum, "deferred", len(rep.Deferred))
	}
	for start := 0; start < len(chosen); start += p.cfg.MaxRecipients {
		batch := chosen[start:min(start+p.cfg.MaxRecipients, len(chosen))]
		if rep.DryRun {
			rep.Payments = append(rep.Payments, ledger.Payment{Coin: coin, Recipients: batch, Total: sumCredits(batch)})
			continue
		}
		if err := p.send(ctx, lk, rep, batch); err != nil {
			if errors.Is(err, errStopPaying) {
				return nil
			}
			return err
		}
	}
	return nil
}

func sumCredits(cs []ledger.Credit) int64 {
	var s int64
	for _, c := range cs {
		s += c.Amount
	}
	return s
}

// updateHeld records the held addresses and clears valid ones.
func (p *Processor) updateHeld(ctx context.Context, okAddrs []string, held map[string]string) error {
	known, err := p.led.HeldPayees(ctx, p.cfg.Coin.Key)
	if err != nil {
		return err
	}
	var clear []string
	for _, a := range okAddrs {
		if _, ok := known[a]; ok {
			clear = append(clear, a)
		}
	}
	return p.led.SetHeld(ctx, p.cfg.Coin.Key, held, clear)
}

// spendable returns the wallet's trusted balance in smallest units.
func (p *Processor) spendable(ctx context.Context) (int64, error) {
	var bal json.Number
	if err := p.wallet.Call(ctx, "getbalance", nil, &bal); err != nil {
		return 0, fmt.Errorf("getbalance: %w", err)
	}
	v, err := parseAmount(bal, p.cfg.Coin.Decimals)
	if err != nil {
		return 0, fmt.Errorf("getbalance: %w", err)
	}
	return v, nil
}

// maxSendAttempts bounds how often one batch is retried with fewer
// recipients after the wallet refused it for funds or dust.
const maxSendAttempts = 8

// send pays one batch: intent, sendmany, txid. A refusal for funds or
// dust (-6) is credited back and retried without the smallest payment.
func (p *Processor) send(ctx context.Context, lk *ledger.Lock, rep *Report, batch []ledger.Credit) error {
	batch = slices.Clone(batch)
	for attempt := 1; len(batch) > 0; attempt++ {
		var tip string
		if err := p.wallet.Call(ctx, "getbestblockhash", nil, &tip); err != nil {
			return fmt.Errorf("getbestblockhash: %w", err)
		}
		now, err := p.led.RedisTime(ctx)
		if err != nil {
			return err
		}
		id := newPaymentID(now)
		comment := paymentComment(p.cfg.Coin.Key, id)
		pay, err := p.led.RecordIntent(ctx, lk, ledger.PaymentIntent{ID: id, Recipients: batch, Tip: tip, Comment: comment})
		if err != nil {
			return err
		}
		if err := p.fault(FaultAfterIntent); err != nil {
			return err
		}
		// From here the payment must be carried through even if ctx ends:
		// an abandoned sendmany would leave its outcome unknown.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.SendTimeout)
		txid, sendErr := p.sendmany(sctx, batch, comment)
		if sendErr == nil {
			if err := p.fault(FaultAfterSend); err != nil {
				cancel()
				return err
			}
			_, err := p.led.RecordSent(sctx, lk, id, txid)
			if err != nil {
				cancel()
				p.log.Error("payment sent but its txid not recorded; the next run finds it in the wallet", "payment", id, "txid", txid, "err", err)
				return fmt.Errorf("%w: %w", errStopPaying, err)
			}
			p.noteFee(sctx, id, txid)
			cancel()
			pay.State, pay.TxID = ledger.PaymentPaid, txid
			rep.Payments = append(rep.Payments, pay)
			p.log.Info("payment sent", "payment", id, "txid", txid, "recipients", len(batch), "total", pay.Total)
			return nil
		}
		code, answered := rpcCode(sendErr)
		if !answered {
			cancel()
			rep.Reconciled = append(rep.Reconciled, PaymentOutcome{ID: id, Total: pay.Total, Recipients: len(batch),
				Outcome: OutcomeUnresolved, Reason: "sendmany: " + sendErr.Error()})
			p.log.Error("sendmany outcome unknown; the payment stays pending until reconciled", "payment", id, "err", sendErr)
			return errStopPaying
		}
		// The daemon answered with an error: it has finished with the call.
		// Look once more all the same before crediting back.
		f, ftxid, why, err := p.findPayment(sctx, pay)
		switch {
		case err != nil || f == foundConflict:
			cancel()
			p.log.Error("sendmany failed and the wallet cannot be checked; the payment stays pending", "payment", id, "err", err, "reason", why)
			return errStopPaying
		case f == foundSent:
			_, err := p.led.RecordSent(sctx, lk, id, ftxid)
			cancel()
			if err != nil {
				return fmt.Errorf("%w: %w", errStopPaying, err)
			}
			pay.State, pay.TxID = ledger.PaymentPaid, ftxid
			rep.Payments = append(rep.Payments, pay)
			return nil
		}
		_, err = p.led.VoidPayment(sctx, lk, id, "sendmany: "+sendErr.Error())
		cancel()
		if err != nil {
			return err
		}
		p.log.Warn("sendmany refused; payment credited back", "payment", id, "recipients", len(batch), "err", sendErr)
		rep.Failed = append(rep.Failed, PaymentOutcome{ID: id, Total: pay.Total, Recipients: len(batch),
			Outcome: OutcomeVoided, Reason: "sendmany: " + sendErr.Error()})
		if code != codeWalletInsufficient || len(batch) == 1 || attempt >= maxSendAttempts {
			if code == codeWalletInsufficient {
				rep.Deferred = append(rep.Deferred, batch...)
			}
			return nil
		}
		// Funds short of the fee, or a dust amount: drop the smallest.
		last := batch[len(batch)-1]
		rep.Deferred = append(rep.Deferred, last)
		batch = batch[:len(batch)-1]
	}
	return nil
}

// sendmany asks the wallet to pay batch in one transaction, the fee paid
// by the wallet, not replaceable (a replacement would change the txid).
func (p *Processor) sendmany(ctx context.Context, batch []ledger.Credit, comment string) (string, error) {
	amounts := make(map[string]json.Number, len(batch))
	for _, c := range batch {
		amounts[c.Address] = p.formatRPC(c.Amount)
	}
	var txid string
	err := p.wallet.Call(ctx, "sendmany", []any{"", amounts, 1, comment, []string{}, false}, &txid)
	if err != nil {
		return "", err
	}
	if len(txid) != 64 {
		return "", fmt.Errorf("%w: sendmany returned %q", daemon.ErrBadReply, txid)
	}
	return txid, nil
}

// walletFee returns a sent transaction's fee as a positive amount:
// Litecoin Core reports it negative, btcwallet positive.
func walletFee(tx walletTx, decimals int) (int64, error) {
	fee, err := parseAmount(tx.Fee, decimals)
	if fee < 0 {
		fee = -fee
	}
	return fee, err
}

// noteFee records the wallet's fee of a sent payment, best effort.
func (p *Processor) noteFee(ctx context.Context, id, txid string) {
	var tx walletTx
	if err := p.wallet.Call(ctx, "gettransaction", []any{txid}, &tx); err != nil {
		p.log.Debug("cannot read the payment's fee", "payment", id, "err", err)
		return
	}
	fee, err := walletFee(tx, p.cfg.Coin.Decimals)
	if err != nil {
		return
	}
	if err := p.led.SetPaymentFee(ctx, p.cfg.Coin.Key, id, fee); err != nil {
		p.log.Debug("cannot record the payment's fee", "payment", id, "err", err)
	}
}
