package payout

import (
	"fmt"
	"slices"
	"strings"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/payout/ledger"
)

// BlockOutcome is what a run found for one pending block.
type BlockOutcome struct {
	Round         string
	Height        int64
	Hash          string
	State         ledger.BlockState
	Confirmations int64
	// Split is the reward's division for confirmed and immature blocks.
	Split  *Split
	Reason string
}

// Outcomes of a payment a run settled or left.
const (
	OutcomePaid       = "paid"
	OutcomeVoided     = "voided"
	OutcomeUnresolved = "unresolved"
)

// PaymentOutcome is what a run found for a payment left pending, or for a
// payment the wallet refused.
type PaymentOutcome struct {
	ID         string
	Outcome    string
	TxID       string
	Total      int64
	Recipients int
	Reason     string
}

// Report says what one run did (or, in a dry run, would do).
type Report struct {
	Coin   string
	DryRun bool
	// Blocks are the pending blocks looked at, oldest first.
	Blocks []BlockOutcome
	// Immature is each address's part of the immature blocks.
	Immature map[string]int64
	// Reconciled are the payments earlier runs left pending, payments of
	// this run whose outcome is unknown, and the wallet audit's findings
	// (payout transactions the ledger does not expect).
	Reconciled []PaymentOutcome
	// Unresolved counts pending payments the run could not settle; while
	// there are any, nothing is paid.
	Unresolved int
	// Payments are the payments sent (planned, in a dry run).
	Payments []ledger.Payment
	// Failed are payments the wallet refused (a refusal for funds or dust
	// is retried without the smallest payment); their amounts were
	// credited back.
	Failed []PaymentOutcome
	// Held are the addresses whose balances are set aside, with why.
	Held map[string]string
	// Deferred are payable balances left for later: the wallet's funds did
	// not cover them.
	Deferred []ledger.Credit
}

// PaidTotal is the sum of the payments sent.
func (r *Report) PaidTotal() int64 {
	var s int64
	for _, p := range r.Payments {
		s += p.Total
	}
	return s
}

// Format writes the report for people, amounts in whole coins.
func (r *Report) Format(decimals int) string {
	var b strings.Builder
	amt := func(v int64) string { return coins.Amount(v).Format(decimals) }
	mode := ""
	if r.DryRun {
		mode = " (dry run: nothing written or sent)"
	}
	fmt.Fprintf(&b, "%s payout%s\n", r.Coin, mode)
	for _, bo := range r.Blocks {
		fmt.Fprintf(&b, "  block %d %s: %s", bo.Height, bo.Hash, bo.State)
		if bo.Confirmations != 0 {
			fmt.Fprintf(&b, ", %d confirmations", bo.Confirmations)
		}
		if s := bo.Split; s != nil {
			fmt.Fprintf(&b, ", reward %s = miners %s (%d) + fee %s + remainder %s",
				amt(s.Reward), amt(s.Credited), len(s.Credits), amt(s.Fee), amt(s.Remainder))
		}
		if bo.Reason != "" {
			fmt.Fprintf(&b, " (%s)", bo.Reason)
		}
		b.WriteString("\n")
	}
	for _, o := range r.Reconciled {
		if o.Recipients > 0 {
			fmt.Fprintf(&b, "  pending payment %s (%s to %d): %s", o.ID, amt(o.Total), o.Recipients, o.Outcome)
		} else {
			fmt.Fprintf(&b, "  wallet audit, payment %s: %s", o.ID, o.Outcome)
		}
		if o.TxID != "" {
			fmt.Fprintf(&b, " txid %s", o.TxID)
		}
		if o.Reason != "" {
			fmt.Fprintf(&b, " (%s)", o.Reason)
		}
		b.WriteString("\n")
	}
	if r.Unresolved > 0 {
		fmt.Fprintf(&b, "  %d pending payment(s) unresolved: nothing paid this run\n", r.Unresolved)
	}
	for _, p := range r.Payments {
		verb := "paid"
		if r.DryRun {
			verb = "would pay"
		}
		fmt.Fprintf(&b, "  %s %s to %d address(es)", verb, amt(p.Total), len(p.Recipients))
		if p.TxID != "" {
			fmt.Fprintf(&b, " txid %s", p.TxID)
		}
		b.WriteString("\n")
		for _, c := range p.Recipients {
			fmt.Fprintf(&b, "    %s %s\n", c.Address, amt(c.Amount))
		}
	}
	for _, f := range r.Failed {
		fmt.Fprintf(&b, "  refused by the wallet, credited back: %s to %d address(es): %s\n", amt(f.Total), f.Recipients, f.Reason)
	}
	held := make([]string, 0, len(r.Held))
	for a := range r.Held {
		held = append(held, a)
	}
	slices.Sort(held)
	for _, a := range held {
		fmt.Fprintf(&b, "  set aside %s: %s\n", a, r.Held[a])
	}
	for _, d := range r.Deferred {
		fmt.Fprintf(&b, "  kept for later (wallet funds): %s %s\n", d.Address, amt(d.Amount))
	}
	if len(r.Blocks) == 0 && len(r.Payments) == 0 && len(r.Reconciled) == 0 && len(r.Held) == 0 {
		b.WriteString("  nothing to do\n")
	}
	return b.String()
}
