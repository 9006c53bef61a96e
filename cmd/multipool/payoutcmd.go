package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"

	"github.com/multipool/multipool/cmd/multipool/config"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/payout"
	"github.com/multipool/multipool/payout/ledger"
)

// payoutCmd is `multipool payout --once [--dry-run] -config DIR [-coin C]`:
// one payout run for every pool whose paymentProcessing is enabled, a
// report per coin on stdout, the log on stderr. Without --once it pays on
// each pool's schedule until stopped, as `multipool run` does, for an
// operator who runs payouts in a process of their own.
//
// A run that finds another runner holding a coin's lock says so and
// counts as success. $MULTIPOOL_PAYOUT_FAULT (payout.FaultEnv) makes the
// process kill itself at a payment's crash window; it is for crash tests.
func payoutCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("payout", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := configFlag(fs)
	once := fs.Bool("once", false, "run one payout for each pool with paymentProcessing enabled, then exit")
	dry := fs.Bool("dry-run", false, "with --once: report what would be credited and paid; write and send nothing")
	only := fs.String("coin", "", "only the pool of this coin (key, symbol or name)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Errorf("payout: unexpected argument %q", fs.Arg(0))}
	}
	if *dry && !*once {
		return usageError{errors.New("payout: --dry-run needs --once")}
	}
	cfg, err := config.Load(*dir)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.Main.SlogLevel()}))
	if err := followDaemonNetworks(ctx, cfg, log); err != nil {
		return err
	}
	fault, err := payout.FaultFromEnv(stderr)
	if err != nil {
		return usageError{err}
	}
	led, err := ledger.New(ledger.Config{
		Addr: cfg.Main.Redis.Addr(), Password: cfg.Main.Redis.Password, DB: cfg.Main.Redis.DB,
	}, log)
	if err != nil {
		return err
	}
	defer led.Close()

	var procs []*payout.Processor
	for _, pc := range cfg.Pools {
		c := pc.Coin
		if *only != "" && !strings.EqualFold(*only, c.Key) && !strings.EqualFold(*only, c.Symbol) && !strings.EqualFold(*only, c.Name) {
			continue
		}
		if !pc.Payment.Enabled {
			log.Info("payments are off for this pool", "coin", c.Key, "file", pc.File)
			continue
		}
		p, wallet, err := newPayoutProcessor(pc, led, log, fault)
		if err != nil {
			return fmt.Errorf("%s: %w", pc.File, err)
		}
		defer wallet.CloseIdleConnections()
		procs = append(procs, p)
	}
	if len(procs) == 0 {
		return errors.New("payout: no pool with paymentProcessing enabled")
	}

	if !*once {
		var wg sync.WaitGroup
		errs := make([]error, len(procs))
		for i, p := range procs {
			wg.Go(func() { errs[i] = p.Run(ctx) })
		}
		wg.Wait()
		return errors.Join(errs...)
	}
	var errs []error
	for _, p := range procs {
		c := p.Coin()
		var rep *payout.Report
		if *dry {
			rep, err = p.Plan(ctx)
		} else {
			rep, err = p.Once(ctx)
		}
		if errors.Is(err, payout.ErrLocked) {
			fmt.Fprintf(stdout, "%s payout: another payout run holds the lock; nothing done (%v)\n", c.Key, err)
			continue
		}
		if rep != nil {
			fmt.Fprint(stdout, rep.Format(c.Decimals))
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c.Key, err))
		}
	}
	return errors.Join(errs...)
}

// newPayoutProcessor builds a pool's payout processor with a wallet client
// of its own: one endpoint (the paymentProcessing daemon), because a
// client that fails over could run sendmany twice.
func newPayoutProcessor(pc *config.PoolConfig, led *ledger.Ledger, log *slog.Logger, fault func(payout.FaultPoint) error) (*payout.Processor, *daemon.Client, error) {
	d := pc.Payment.Daemon
	wallet, err := daemon.New(daemon.Config{
		Endpoints: []daemon.Endpoint{{Host: d.Host, Port: d.Port, User: d.User, Password: d.Password}},
		Wallet:    pc.Payment.Wallet,
		Timeout:   payout.DefaultSendTimeout,
	}, log.With("coin", pc.Coin.Key))
	if err != nil {
		return nil, nil, fmt.Errorf("paymentProcessing.daemon: %w", err)
	}
	var fees []payout.Fee
	if pc.Payment.FeePercent.IsPositive() {
		fees = []payout.Fee{{Address: pc.Payment.FeeAddress, Percent: pc.Payment.FeePercent}}
	}
	p, err := payout.New(payout.Config{
		Coin: pc.Coin, PoolAddress: pc.Address, Schedule: pc.Payment.Schedule,
		MinimumPayment: pc.Payment.MinimumPayment, Fees: fees, Fault: fault,
	}, led, wallet, log)
	if err != nil {
		return nil, nil, err
	}
	return p, wallet, nil
}
