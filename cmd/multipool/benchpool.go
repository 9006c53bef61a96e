package main

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/daemon"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/pools"
	"github.com/multipool/multipool/pools/stratum"
)

// benchTemplates are captured block templates (btcd simnet, litecoind
// after MWEB activation) the load-test pool serves.
//
//go:embed benchdata/*.json
var benchTemplates embed.FS

// benchPoolCmd is `multipool bench-pool`: a real pool, stratum server and
// Redis ledger for load tests, fed by a captured template whose network
// target is set to Bitcoin's difficulty 1, so that random-nonce shares are
// validated and recorded like real ones but are never blocks.
func benchPoolCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench-pool", flag.ContinueOnError)
	fs.SetOutput(stderr)
	algo := fs.String("algo", "sha256d", "sha256d or scrypt")
	listen := fs.String("listen", "127.0.0.1:3333", "stratum listen address")
	redisAddr := fs.String("redis", "127.0.0.1:6379", "Redis address for the ledger")
	diff := fs.Float64("diff", 1e-12, "port difficulty (the default accepts every share)")
	logLevel := fs.String("log", "warn", "log level")
	blockEvery := fs.Duration("block-every", 0, "publish a new block (a clean job to every miner) this often; 0: never")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file (go tool pprof)")
	memProfile := fs.String("memprofile", "", "write an allocation profile to this file at exit (go tool pprof -sample_index=alloc_space)")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	files := map[string][2]string{
		"sha256d": {"bitcoin-regtest", "benchdata/btcd-simnet-getblocktemplate-with-tx.json"},
		"scrypt":  {"litecoin-regtest", "benchdata/ltc-getblocktemplate-post-mweb-with-tx.json"},
	}
	f, ok := files[*algo]
	if !ok {
		return usageError{fmt.Errorf("bench-pool: -algo %q: want sha256d or scrypt", *algo)}
	}
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(*logLevel)); err != nil {
		return usageError{fmt.Errorf("bench-pool: -log: %w", err)}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fmt.Errorf("bench-pool: -cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("bench-pool: -cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		f, err := os.Create(*memProfile)
		if err != nil {
			return fmt.Errorf("bench-pool: -memprofile: %w", err)
		}
		defer func() {
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				fmt.Fprintf(stderr, "bench-pool: -memprofile: %v\n", err)
			}
			f.Close()
		}()
	}
	log := slog.New(slog.NewTextHandler(stdout, &slog.HandlerOptions{Level: lvl}))

	reg, err := coins.Load("")
	if err != nil {
		return err
	}
	coin, err := reg.Get(f[0])
	if err != nil {
		return err
	}
	raw, err := benchTemplates.ReadFile(f[1])
	if err != nil {
		return err
	}
	var env struct {
		Result json.RawMessage `json:"result"`
	}
	if json.Unmarshal(raw, &env) == nil && len(env.Result) > 0 {
		raw = env.Result
	}
	tmpl, err := daemon.ParseBlockTemplate(raw)
	if err != nil {
		return err
	}
	tmpl.Bits = "1d00ffff"
	addr, err := coin.EncodeAddress(coins.Address{Kind: coins.WitnessV0KeyHash, Hash: make([]byte, 20)})
	if err != nil {
		return err
	}
	led, err := ledger.New(ledger.Config{Addr: *redisAddr}, log)
	if err != nil {
		return err
	}
	src := &rotatingTemplate{t: tmpl}
	pool, err := pools.New(pools.Config{Coin: coin, Address: addr}, src, led, log)
	if err != nil {
		return err
	}
	srv, err := stratum.NewServer(stratum.Config{
		Name: "bench-" + *algo, Ports: []stratum.PortConfig{{Addr: *listen, Diff: *diff}},
	}, pool, stratum.NewExtranonceAllocator(0), log)
	if err != nil {
		return err
	}
	workCtx, stop := context.WithCancel(ctx)
	defer stop()
	ledgerCtx, stopLedger := context.WithCancel(context.WithoutCancel(ctx))
	defer stopLedger()
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	ledgerDone := make(chan struct{})
	go func() { defer close(ledgerDone); errs <- led.Run(ledgerCtx) }()
	for _, run := range []func(context.Context) error{pool.Run, srv.Run} {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- run(workCtx) }()
	}
	if *blockEvery > 0 {
		go func() {
			tick := time.NewTicker(*blockEvery)
			defer tick.Stop()
			for {
				select {
				case <-workCtx.Done():
					return
				case <-tick.C:
					src.next()
					pool.Refresh()
				}
			}
		}()
	}
	go func() {
		select {
		case <-srv.Ready():
			fmt.Fprintf(stdout, "bench-pool: %s on %s, difficulty %g, Redis %s\n", *algo, srv.Addrs()[0], *diff, *redisAddr)
		case <-workCtx.Done():
		}
	}()
	<-workCtx.Done()
	wg.Wait()
	stopLedger()
	<-ledgerDone
	led.Close()
	close(errs)
	var all []error
	for err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, ledger.ErrNotFlushed) {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

// rotatingTemplate serves a fixed template that next turns into the
// template of a following (made-up) block: new previous hash, height + 1.
type rotatingTemplate struct {
	pools.StaticDaemon
	mu sync.Mutex // guards t
	t  *daemon.BlockTemplate
}

func (r *rotatingTemplate) GetBlockTemplate(context.Context, []string) (*daemon.BlockTemplate, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.t, nil
}

func (r *rotatingTemplate) next() {
	r.mu.Lock()
	defer r.mu.Unlock()
	t := *r.t
	var prev [32]byte
	rand.Read(prev[:])
	t.PreviousBlockHash = hex.EncodeToString(prev[:])
	t.Height++
	r.t = &t
}
