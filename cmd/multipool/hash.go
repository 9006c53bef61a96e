package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/multipool/multipool/coins/pow"
)

const hashUsage = `usage: multipool hash ALGO HEADER_HEX [--time UNIX]

Prints the proof-of-work hash of a block header, big-endian hex as block
explorers show it. HEADER_HEX is the serialized header: 80 bytes (84 for
YACoin's headers with a 64-bit time, scrypt-jane). --time sets the block
time that scrypt-jane and scrypt-n take their N from, instead of the
header's own time field.

algorithms: `

// hashCmd is `multipool hash ALGO HEADER_HEX [--time UNIX]`. Flags may come
// before, between or after the two arguments. Errors in the call (unknown
// algorithm, bad hex, wrong length, bad time) are usageErrors.
func hashCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("hash", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(fs.Output(), hashUsage+strings.Join(pow.Names(), ", ")) }
	timeArg := fs.String("time", "", "block time in unix seconds for time-dependent algorithms")
	var pos []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil
			}
			return usageError{fmt.Errorf("hash: %w", err)}
		}
		if rest = fs.Args(); len(rest) == 0 {
			break
		}
		pos, rest = append(pos, rest[0]), rest[1:]
	}
	if len(pos) != 2 {
		return usageError{fmt.Errorf("hash: want ALGO and HEADER_HEX, got %d arguments (usage: multipool hash ALGO HEADER_HEX [--time UNIX])", len(pos))}
	}
	alg, err := pow.Lookup(pos[0])
	if err != nil {
		return usageError{fmt.Errorf("hash: %w", err)}
	}
	hexStr := strings.TrimPrefix(strings.TrimSpace(pos[1]), "0x")
	header, err := hex.DecodeString(hexStr)
	if err != nil {
		return usageError{fmt.Errorf("hash: header is not hex: %w", err)}
	}
	if !alg.AcceptsHeaderSize(len(header)) {
		sizes := alg.HeaderSizes
		if len(sizes) == 0 {
			sizes = []int{pow.HeaderSize}
		}
		return usageError{fmt.Errorf("hash: header is %d bytes (%d hex digits); %s takes %s bytes",
			len(header), len(hexStr), alg.Name, joinInts(sizes, " or "))}
	}
	hash := alg.Hash
	if *timeArg != "" {
		t, err := strconv.ParseInt(*timeArg, 10, 64)
		if err != nil || t < 0 {
			return usageError{fmt.Errorf("hash: --time %q is not a unix time in seconds", *timeArg)}
		}
		if alg.HashAt == nil {
			fmt.Fprintf(stderr, "multipool hash: --time ignored: %s does not depend on the block time\n", alg.Name)
		} else {
			hash = func(dst *[32]byte, header []byte) { alg.HashAt(dst, header, t) }
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	// scrypt-jane at YACoin's N factor takes seconds: stay interruptible.
	var digest [32]byte
	done := make(chan struct{})
	go func() {
		hash(&digest, header)
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	_, err = fmt.Fprintln(stdout, pow.ReverseHex(&digest))
	return err
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, sep)
}
