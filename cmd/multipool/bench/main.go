package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"
)

// Main runs `multipool bench` with the arguments after the subcommand:
//
//	-o URL -u USER [-p PASS] [-c CONNS] [-d DURATION] [-m random|real]
//	[-a ALGO] [-inflight N] [-ramp DURATION] [-dials N] [-timeout DURATION] [-q]
//
// Progress lines (none with -q) and the report go to stdout, logs to
// stderr. An interrupted run still prints its report. Bad flags are an error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	fs.StringVar(&cfg.URL, "o", "", "pool URL: stratum+tcp://HOST:PORT or HOST:PORT")
	fs.StringVar(&cfg.User, "u", "", "login of every connection")
	fs.StringVar(&cfg.Password, "p", "x", "password")
	fs.IntVar(&cfg.Conns, "c", 1000, "connections")
	fs.DurationVar(&cfg.Duration, "d", 10*time.Second, "how long to submit once connected")
	fs.StringVar(&cfg.Mode, "m", ModeRandom, "random (random nonces: measures the answer rate), real (hash for real) or idle (log in, submit nothing)")
	fs.Float64Var(&cfg.Rate, "rate", 0, "total submissions per second over all connections (0: as fast as replies come)")
	fs.StringVar(&cfg.Algorithm, "a", "sha256d", "algorithm for -m real")
	fs.IntVar(&cfg.InFlight, "inflight", 1, "submissions in flight per connection")
	fs.DurationVar(&cfg.Ramp, "ramp", 0, "spread connection attempts over this time")
	fs.IntVar(&cfg.DialConcurrency, "dials", 100, "logins in progress at once")
	fs.DurationVar(&cfg.Timeout, "timeout", 10*time.Second, "login and reply timeout")
	quiet := fs.Bool("q", false, "no progress lines")
	debug := fs.Bool("debug", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	if cfg.URL == "" || cfg.User == "" {
		fs.Usage()
		return errors.New("bench: -o and -u are required")
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	}
	cfg.Log = slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if !*quiet {
		cfg.Out = stdout
	}
	r, err := Run(ctx, cfg)
	if errors.Is(err, ErrConfig) {
		return err
	}
	fmt.Fprint(stdout, r)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}
