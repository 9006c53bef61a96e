package daemontest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/multipool/multipool/coins/daemon"
)

const (
	// startTimeout bounds the wait for a started node's RPC to answer.
	startTimeout = 30 * time.Second
	// stopTimeout is how long a node gets after SIGTERM before SIGKILL.
	stopTimeout = 10 * time.Second
	// waitTimeout bounds WaitHeight and similar polls.
	waitTimeout = 30 * time.Second
	// pollInterval is the pause between polls of a condition.
	pollInterval = 50 * time.Millisecond
	// rpcTimeout is the per-request timeout of a node's Client; mining a
	// batch of blocks takes a few seconds.
	rpcTimeout = 60 * time.Second
	// generateBatch is the most blocks Generate mines in one call.
	generateBatch = 100
	// walletName is the wallet Options.Wallet creates.
	walletName = "w"
	// burnAddress is a valid regtest bech32 address that Generate pays when
	// the node has no wallet and the caller names no address.
	burnAddress = "rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44"
	// mwebHeight is the regtest height of the first MWEB block.
	mwebHeight = 432
)

// Options choose how a node starts.
type Options struct {
	// MWEB lets MWEB activate at height 432 as regtest defines it. When
	// false the node gets -vbparams=mweb:-2:9999999999 and MWEB never
	// activates, so the chain can grow past 432 without peg-ins.
	MWEB bool
	// Wallet creates wallet "w"; the node's Client then uses its URL.
	Wallet bool
	// Peer makes this node connect to the given node (-connect), which gives
	// both a peer: getblocktemplate refuses to work without one.
	Peer *Node
	// BlockNotify is an optional -blocknotify command (%s is the block hash).
	BlockNotify string
	// Args are extra command-line arguments.
	Args []string
}

// Node is a running (or stopped) regtest node: litecoind (Litecoind) or
// btcd (Btcd).
type Node struct {
	Host     string
	RPCPort  int
	P2PPort  int
	User     string
	Password string
	DataDir  string
	// Client talks to the node's RPC; when Options.Wallet is set its calls
	// go to the wallet's URL (non-wallet methods work there too).
	Client *daemon.Client
	// MiningAddr is the address btcd's generate pays; empty for litecoind.
	MiningAddr string
	// MiningKey holds the private key of MiningAddr when Btcd chose the
	// address (BtcdOptions.MiningAddr empty); nil otherwise.
	MiningKey *Key

	opt  Options
	args []string
	proc *process
	// btcd marks a btcd node, exe its executable; the zero values mean
	// litecoind.
	btcd bool
	exe  string
	// spent is the height of the last coinbase SendWitnessTx looked at,
	// in the btcd run spentIn (btcd starts a fresh chain on every start).
	spent   int64
	spentIn *process
}

// process is one run of litecoind.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // exit status, valid after done
	out  *syncBuffer
}

// syncBuffer collects a process's console output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 64<<10 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Require skips the test when bin is not on PATH, or fails it when the
// environment sets MULTIPOOL_REQUIRE_REAL=1.
func Require(t testing.TB, bin string) {
	t.Helper()
	if _, err := exec.LookPath(bin); err != nil {
		if os.Getenv("MULTIPOOL_REQUIRE_REAL") == "1" {
			t.Fatalf("%s is required (MULTIPOOL_REQUIRE_REAL=1) but not on PATH: %v", bin, err)
		}
		t.Skipf("%s not on PATH: %v", bin, err)
	}
}

var (
	portsMu sync.Mutex
	// portsGiven keeps FreePort from handing out a port twice in one test
	// binary: the kernel may offer a just-closed port again.
	portsGiven = map[int]bool{}
)

// FreePort returns a loopback TCP port that was free a moment ago and that
// this test binary has not handed out before.
func FreePort(t testing.TB) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 100 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("find a free port: %v", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !portsGiven[port] {
			portsGiven[port] = true
			return port
		}
	}
	t.Fatal("find a free port: every port offered was already given out")
	return 0
}

// Litecoind starts a litecoind regtest node and waits until its RPC answers.
// The node is stopped when the test ends. A start that fails because a port
// was taken in the meantime is retried on new ports.
func Litecoind(t testing.TB, opt Options) *Node {
	t.Helper()
	Require(t, "litecoind")
	n := &Node{
		Host:     "127.0.0.1",
		User:     "multipool",
		Password: randomHex(t, 16),
		DataDir:  t.TempDir(),
		opt:      opt,
	}
	t.Cleanup(func() {
		if t.Failed() {
			n.logTail(t)
		}
		n.Stop(t)
	})
	var err error
	for attempt := range 3 {
		n.RPCPort, n.P2PPort = FreePort(t), FreePort(t)
		n.args = n.buildArgs()
		if err = n.start(); err == nil {
			break
		}
		t.Logf("litecoind start attempt %d: %v", attempt+1, err)
	}
	if err != nil {
		t.Fatalf("start litecoind: %v", err)
	}
	n.Client = n.newClient(t, opt.Wallet)
	if opt.Wallet {
		plain := n.newClient(t, false)
		defer plain.CloseIdleConnections()
		if err := plain.Call(context.Background(), "createwallet", []any{walletName}, nil); err != nil {
			t.Fatalf("createwallet: %v", err)
		}
	}
	return n
}

func (n *Node) buildArgs() []string {
	args := []string{
		"-regtest",
		"-datadir=" + n.DataDir,
		"-rpcport=" + strconv.Itoa(n.RPCPort),
		"-port=" + strconv.Itoa(n.P2PPort),
		"-bind=127.0.0.1",
		"-rpcbind=127.0.0.1",
		"-rpcallowip=127.0.0.1",
		"-rpcuser=" + n.User,
		"-rpcpassword=" + n.Password,
		"-listen=1", // -connect would turn listening off
		"-listenonion=0",
		"-dnsseed=0",
		"-upnp=0",
		"-discover=0",
		"-txindex",
		"-fallbackfee=0.0002",
		"-printtoconsole=0",
		// Close idle keep-alive connections after 2 s: litecoind does not
		// exit while one is open, and tests' clients are not ours to close.
		"-rpcservertimeout=2",
	}
	if !n.opt.MWEB {
		args = append(args, "-vbparams=mweb:-2:9999999999")
	}
	if n.opt.Peer != nil {
		args = append(args, "-connect="+net.JoinHostPort(n.opt.Peer.Host, strconv.Itoa(n.opt.Peer.P2PPort)))
	}
	if n.opt.BlockNotify != "" {
		args = append(args, "-blocknotify="+n.opt.BlockNotify)
	}
	return append(args, n.opt.Args...)
}

// start runs litecoind with n.args and waits for its RPC.
func (n *Node) start() error {
	out := &syncBuffer{}
	cmd := exec.Command(n.binary(), n.args...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = procAttr()
	if err := cmd.Start(); err != nil {
		return err
	}
	p := &process{cmd: cmd, done: make(chan struct{}), out: out}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	n.proc = p
	if err := n.waitReady(p); err != nil {
		n.kill(p)
		n.proc = nil
		return err
	}
	return nil
}

// waitReady polls getblockcount until the node answers, the process exits
// or startTimeout passes.
func (n *Node) waitReady(p *process) error {
	c, err := daemon.New(daemon.Config{Endpoints: []daemon.Endpoint{n.Endpoint()}, Timeout: 2 * time.Second}, nil)
	if err != nil {
		return err
	}
	defer c.CloseIdleConnections()
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var lastErr error
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, lastErr = c.GetBlockCount(ctx)
		cancel()
		if lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no RPC answer within %v: %w; output: %s", startTimeout, lastErr, p.out)
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited during start (%v): %s%s", n.binary(), p.err, p.out, n.debugTail(10))
		case <-tick.C:
		}
	}
}

func (n *Node) newClient(t testing.TB, wallet bool) *daemon.Client {
	t.Helper()
	cfg := daemon.Config{Endpoints: []daemon.Endpoint{n.Endpoint()}, Timeout: rpcTimeout}
	if wallet {
		cfg.Wallet = walletName
	}
	c, err := daemon.New(cfg, nil)
	if err != nil {
		t.Fatalf("daemon client: %v", err)
	}
	return c
}

// Endpoint returns the node's RPC endpoint with credentials.
func (n *Node) Endpoint() daemon.Endpoint {
	return daemon.Endpoint{Host: n.Host, Port: n.RPCPort, User: n.User, Password: n.Password}
}

// P2PAddr returns the node's p2p "host:port".
func (n *Node) P2PAddr() string {
	return net.JoinHostPort(n.Host, strconv.Itoa(n.P2PPort))
}

// Running reports whether the node's process is up.
func (n *Node) Running() bool {
	if n.proc == nil {
		return false
	}
	select {
	case <-n.proc.done:
		return false
	default:
		return true
	}
}

// Stop stops the node: SIGTERM, then SIGKILL if it has not exited after
// 10 s. Stopping a stopped node does nothing.
func (n *Node) Stop(t testing.TB) {
	t.Helper()
	p := n.proc
	if p == nil {
		return
	}
	n.proc = nil
	if n.Client != nil {
		n.Client.CloseIdleConnections()
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("%s: SIGTERM: %v", n.binary(), err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
		if p.err != nil {
			t.Logf("%s (rpc %d) exited: %v", n.binary(), n.RPCPort, p.err)
		}
	case <-timer.C:
		t.Logf("%s (rpc %d) ignored SIGTERM for %v; killing it", n.binary(), n.RPCPort, stopTimeout)
		n.kill(p)
	}
}

func (n *Node) kill(p *process) {
	p.cmd.Process.Kill()
	<-p.done
}

// Start restarts a stopped node on the same ports and data directory and
// waits for its RPC; a node with a wallet loads it again.
func (n *Node) Start(t testing.TB) {
	t.Helper()
	if n.proc != nil {
		t.Fatal("Start: node is running")
	}
	if err := n.start(); err != nil {
		t.Fatalf("restart %s: %v", n.binary(), err)
	}
	if n.opt.Wallet {
		plain := n.newClient(t, false)
		defer plain.CloseIdleConnections()
		err := plain.Call(context.Background(), "loadwallet", []any{walletName}, nil)
		var rpcErr *daemon.RPCError
		// -35: already loaded.
		if err != nil && !(errors.As(err, &rpcErr) && rpcErr.Code == -35) {
			t.Fatalf("loadwallet: %v", err)
		}
	}
}

// RPC calls method on the node's Client and fails the test on any error.
func (n *Node) RPC(t testing.TB, method string, params ...any) json.RawMessage {
	t.Helper()
	var raw json.RawMessage
	if err := n.Client.Call(context.Background(), method, params, &raw); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
	return raw
}

// NewAddress returns a new wallet address of type typ ("bech32", "legacy",
// "p2sh-segwit", "mweb").
func (n *Node) NewAddress(t testing.TB, typ string) string {
	t.Helper()
	var addr string
	if err := json.Unmarshal(n.RPC(t, "getnewaddress", "", typ), &addr); err != nil || addr == "" {
		t.Fatalf("getnewaddress: %q, %v", addr, err)
	}
	return addr
}

// Generate mines blocks to addr (generatetoaddress, in batches of 100) and
// returns their hashes. An empty addr means a new bech32 wallet address, or
// a fixed address when the node has no wallet. On btcd, which pays only its
// --miningaddr, addr must be empty or n.MiningAddr.
func (n *Node) Generate(t testing.TB, blocks int, addr string) []string {
	t.Helper()
	if n.btcd {
		return n.generateBtcd(t, blocks, addr)
	}
	if addr == "" {
		addr = burnAddress
		if n.opt.Wallet {
			addr = n.NewAddress(t, "bech32")
		}
	}
	var hashes []string
	for left := blocks; left > 0; {
		batch := min(left, generateBatch)
		var got []string
		if err := json.Unmarshal(n.RPC(t, "generatetoaddress", batch, addr), &got); err != nil {
			t.Fatalf("generatetoaddress: %v", err)
		}
		if len(got) != batch {
			t.Fatalf("generatetoaddress %d: mined %d blocks", batch, len(got))
		}
		hashes = append(hashes, got...)
		left -= batch
	}
	return hashes
}

// Height returns the node's block count.
func (n *Node) Height(t testing.TB) int64 {
	t.Helper()
	h, err := n.Client.GetBlockCount(context.Background())
	if err != nil {
		t.Fatalf("getblockcount: %v", err)
	}
	return h
}

// WaitHeight polls getblockcount until the node reaches height h; it fails
// the test after 30 s.
func (n *Node) WaitHeight(t testing.TB, h int64) {
	t.Helper()
	var got int64
	var err error
	ok := poll(waitTimeout, func() bool {
		got, err = n.Client.GetBlockCount(context.Background())
		return err == nil && got >= h
	})
	if !ok {
		t.Fatalf("node rpc %d: height %d (err %v), want %d within %v", n.RPCPort, got, err, h, waitTimeout)
	}
}

// ActivateMWEB brings a node started with Options{MWEB: true, Wallet: true}
// past MWEB activation: it mines to height 431 (to the node's wallet, so the
// coins for the peg-in mature), sends 1 LTC to a new MWEB address (the
// peg-in block 432 needs), mines to 433 and checks getblockchaininfo says
// MWEB is active.
func ActivateMWEB(t testing.TB, n *Node) {
	t.Helper()
	if !n.opt.MWEB || !n.opt.Wallet {
		t.Fatal("ActivateMWEB needs a node started with Options{MWEB: true, Wallet: true}")
	}
	if mwebActive(t, n) && n.Height(t) > mwebHeight {
		return
	}
	h := n.Height(t)
	if h >= mwebHeight {
		t.Fatalf("ActivateMWEB: height %d already past %d without MWEB", h, mwebHeight-1)
	}
	if h < mwebHeight-1 {
		n.Generate(t, int(mwebHeight-1-h), "")
	}
	var balance float64
	if err := json.Unmarshal(n.RPC(t, "getbalance"), &balance); err != nil || balance < 1.01 {
		t.Fatalf("ActivateMWEB: wallet balance %v (%v), need mature coins for the peg-in", balance, err)
	}
	pegIn := n.NewAddress(t, "mweb")
	n.RPC(t, "sendtoaddress", pegIn, 1)
	n.Generate(t, 2, "")
	if !mwebActive(t, n) {
		t.Fatalf("ActivateMWEB: MWEB not active at height %d", n.Height(t))
	}
}

// mwebActive reads softforks.mweb.active from getblockchaininfo.
func mwebActive(t testing.TB, n *Node) bool {
	t.Helper()
	var info struct {
		Softforks map[string]struct {
			Active bool `json:"active"`
		} `json:"softforks"`
	}
	if err := json.Unmarshal(n.RPC(t, "getblockchaininfo"), &info); err != nil {
		t.Fatalf("getblockchaininfo: %v", err)
	}
	return info.Softforks["mweb"].Active
}

// poll calls cond every pollInterval until it returns true or timeout passes.
func poll(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		<-tick.C
	}
}

// logTail writes the end of the node's debug.log to the test log.
func (n *Node) logTail(t testing.TB) {
	t.Helper()
	t.Logf("%s rpc %d p2p %d, log tail:%s", n.binary(), n.RPCPort, n.P2PPort, n.debugTail(30))
}

func (n *Node) debugTail(lines int) string {
	b, err := os.ReadFile(n.logFile())
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return "\n" + strings.Join(all, "\n")
}

func randomHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}
