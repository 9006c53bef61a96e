package payout

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// FaultPoint names a moment inside a payment where a crash is most
// dangerous. Tests stop the processor there (Config.Fault) or kill the
// process there (FaultFromEnv) and check that a later run neither pays
// twice nor loses a credit.
type FaultPoint string

// The crash windows of a payment.
const (
	// FaultAfterIntent: the payment is recorded as pending and the
	// balances are debited; sendmany has not been called.
	FaultAfterIntent FaultPoint = "after-intent"
	// FaultAfterSend: sendmany returned a txid; it is not recorded yet.
	FaultAfterSend FaultPoint = "after-send"
)

// FaultEnv is the environment variable FaultFromEnv reads.
const FaultEnv = "MULTIPOOL_PAYOUT_FAULT"

// ErrFault is wrapped by the error of a run that Config.Fault stopped.
var ErrFault = errors.New("payout: stopped at fault point")

// fault calls the configured hook at point.
func (p *Processor) fault(point FaultPoint) error {
	if p.cfg.Fault == nil {
		return nil
	}
	if err := p.cfg.Fault(point); err != nil {
		return fmt.Errorf("%w %s: %w", ErrFault, point, err)
	}
	return nil
}

// FaultFromEnv returns a Config.Fault hook that kills the process with
// SIGKILL (no deferred code, no cleanup: a real crash) at the fault point
// named by $MULTIPOOL_PAYOUT_FAULT ("after-intent" or "after-send"), after
// writing one line to w. It returns nil when the variable is unset, and an
// error for an unknown point. For crash tests of the built binary.
func FaultFromEnv(w io.Writer) (func(FaultPoint) error, error) {
	v := os.Getenv(FaultEnv)
	if v == "" {
		return nil, nil
	}
	at := FaultPoint(v)
	if at != FaultAfterIntent && at != FaultAfterSend {
		return nil, fmt.Errorf("%s=%q: want %q or %q", FaultEnv, v, FaultAfterIntent, FaultAfterSend)
	}
	return func(point FaultPoint) error {
		if point != at {
			return nil
		}
		fmt.Fprintf(w, "payout: fault injection: killing process %d at %s\n", os.Getpid(), point)
		if proc, err := os.FindProcess(os.Getpid()); err == nil {
			proc.Kill()
		}
		select {} // the signal arrives; nothing after this point runs
	}, nil
}
