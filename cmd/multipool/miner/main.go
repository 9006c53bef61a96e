package miner

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"

	"github.com/multipool/multipool/coins/pow"
)

// Main runs `multipool mine` with the arguments after the subcommand:
//
//	-a ALGO -o URL -u USER [-p PASS] [-t THREADS] [-n MAXSHARES] [-q] [-debug]
//
// Progress lines go to stdout (none with -q), logs to stderr, and a
// summary line to stdout at the end. Bad flags are an error.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("mine", flag.ContinueOnError)
	fs.SetOutput(stderr)
	algo := fs.String("a", "sha256d", "algorithm: "+strings.Join(pow.Names(), ", "))
	url := fs.String("o", "", "pool URL: stratum+tcp://HOST:PORT or HOST:PORT")
	user := fs.String("u", "", "login: payout address[.worker]")
	pass := fs.String("p", "x", "password (may carry pool options such as d=0.5)")
	threads := fs.Int("t", runtime.NumCPU(), "hashing threads")
	maxShares := fs.Int("n", 0, "stop after this many accepted shares (0: until interrupted)")
	quiet := fs.Bool("q", false, "no share or hashrate lines")
	debug := fs.Bool("debug", false, "debug logging")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("mine: %w", err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("mine: unexpected arguments %q", fs.Args())
	}
	if *url == "" || *user == "" {
		fs.Usage()
		return fmt.Errorf("mine: -o and -u are required")
	}
	level := slog.LevelInfo
	if *debug {
		level = slog.LevelDebug
	} else if *quiet {
		level = slog.LevelWarn
	}
	cfg := Config{
		Algorithm: *algo,
		URL:       *url,
		User:      *user,
		Password:  *pass,
		Threads:   *threads,
		MaxShares: *maxShares,
		Log:       slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level})),
	}
	if !*quiet {
		cfg.Out = stdout
	}
	stats, err := Run(ctx, cfg)
	if err != nil {
		return fmt.Errorf("mine: %w", err)
	}
	fmt.Fprintln(stdout, stats)
	return nil
}
