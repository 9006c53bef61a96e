// Command multipool runs a profit-switching mining pool: a stratum pool per
// configured coin, block templates from the coin daemons, shares and blocks
// in Redis. Subcommands:
//
//	multipool run -config DIR            run the pools
//	multipool check-config -config DIR   validate a configuration and exit
//	multipool mine -a ALGO -o URL -u USER -p PASS -t THREADS
//	                                     a stratum CPU miner
//	multipool bench -o URL -c CONNS -d DURATION
//	                                     load-test a pool
//	multipool blocknotify -listener HOST:PORT -password P -coin COIN HASH
//	                                     tell a running pool about a new block
//	multipool payout --once [--dry-run] -config DIR
//	                                     one payout run per paying pool
//	multipool switch -config DIR NAME COIN|auto
//	                                     hold a switching group on a coin
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/multipool/multipool/cmd/multipool/bench"
	"github.com/multipool/multipool/cmd/multipool/miner"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "multipool:", err)
		var u usageError
		if errors.As(err, &u) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// usageError marks errors in how the command was called (exit status 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

const usage = `usage: multipool COMMAND [flags]

commands:
  run -config DIR            run every enabled pool in DIR (config.json, pool_configs/, coins/)
  check-config -config DIR   validate the configuration and exit non-zero with the reasons
  mine                       stratum CPU miner: -a ALGO -o stratum+tcp://HOST:PORT -u USER -p PASS -t THREADS
  bench                      load-test a pool: -o HOST:PORT -c CONNS -d DURATION -m random|real
  hash ALGO HEADER_HEX [--time UNIX]
                             print the proof-of-work hash of a block header
  bench-pool                 a pool on a fixed template for load tests: -algo sha256d|scrypt -listen ADDR -redis ADDR
  blocknotify                for a daemon's -blocknotify: -listener HOST:PORT -password P -coin COIN HASH
  payout --once [--dry-run] -config DIR
                             one payout run for every pool with paymentProcessing enabled
  switch -config DIR NAME COIN|auto
                             hold switching group NAME on COIN, or let it switch automatically
  version                    print the version
`

// run dispatches a subcommand; main stays thin so tests can call run.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{errors.New("no command")}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "run":
		return runCmd(ctx, rest, stdout, stderr)
	case "check-config":
		return checkConfigCmd(ctx, rest, stdout, stderr)
	case "mine":
		return miner.Main(ctx, rest, stdout, stderr)
	case "bench":
		return bench.Main(ctx, rest, stdout, stderr)
	case "hash":
		return hashCmd(ctx, rest, stdout, stderr)
	case "bench-pool":
		return benchPoolCmd(ctx, rest, stdout, stderr)
	case "blocknotify":
		return blocknotifyCmd(ctx, rest, stdout, stderr)
	case "payout":
		return payoutCmd(ctx, rest, stdout, stderr)
	case "switch":
		return switchCmd(ctx, rest, stdout, stderr)
	case "version", "-version", "--version":
		fmt.Fprintln(stdout, "multipool", version)
		return nil
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return usageError{fmt.Errorf("unknown command %q", cmd)}
	}
}
