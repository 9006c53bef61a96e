package ledgertest

import (
	"bufio"
	"bytes"
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

	"github.com/multipool/multipool/coins/daemon/daemontest"
)

const (
	// startTimeout bounds the wait for a started server's PING.
	startTimeout = 15 * time.Second
	// stopTimeout is how long a server gets after SIGTERM before SIGKILL.
	stopTimeout = 10 * time.Second
	// pollInterval is the pause between PINGs while a server starts.
	pollInterval = 20 * time.Millisecond
)

// Options choose how a server runs.
type Options struct {
	// Persist keeps data across Stop/Kill and Start: --appendonly yes
	// --appendfsync always instead of --appendonly no.
	Persist bool
	// Args are extra redis-server arguments ("--name", "value", ...).
	Args []string
}

// Server is a redis-server child process (running or stopped).
type Server struct {
	// Addr is "127.0.0.1:<port>".
	Addr string
	// Port is the TCP port, the same across restarts.
	Port int
	// Dir is the server's data directory.
	Dir string

	opt  Options
	proc *process
}

// process is one run of redis-server.
type process struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	err  error         // exit status, valid after done
	out  *syncBuffer
}

// syncBuffer collects a process's console output (the first 64 KiB).
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() < 64<<10 {
		s.b.Write(p)
	}
	return len(p), nil
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Require skips the test when bin is not on PATH, or fails it when the
// environment sets MULTIPOOL_REQUIRE_REAL=1 (daemontest's rule).
func Require(t testing.TB, bin string) {
	t.Helper()
	daemontest.Require(t, bin)
}

// FreePort returns a free loopback port. It shares daemontest's record of
// ports handed out, so a test binary that starts daemons and Redis never
// gets one port twice.
func FreePort(t testing.TB) int {
	t.Helper()
	return daemontest.FreePort(t)
}

// Redis starts a redis-server that persists nothing and waits until it
// answers PING. It is stopped when the test ends.
func Redis(t testing.TB) *Server {
	t.Helper()
	return RedisWith(t, Options{})
}

// RedisWith starts a redis-server with opt and waits until it answers PING.
// It is stopped when the test ends. A start that fails because the port was
// taken in the meantime is retried on a new port.
func RedisWith(t testing.TB, opt Options) *Server {
	t.Helper()
	Require(t, "redis-server")
	s := &Server{Dir: t.TempDir(), opt: opt}
	t.Cleanup(func() {
		if t.Failed() && s.proc != nil {
			t.Logf("redis-server %s output:\n%s", s.Addr, tail(s.proc.out.String(), 20))
		}
		s.Stop(t)
	})
	var err error
	for attempt := range 3 {
		s.Port = FreePort(t)
		s.Addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port))
		if err = s.start(); err == nil {
			return s
		}
		t.Logf("redis-server start attempt %d: %v", attempt+1, err)
	}
	t.Fatalf("start redis-server: %v", err)
	return nil
}

func (s *Server) args() []string {
	args := []string{
		"--port", strconv.Itoa(s.Port),
		"--bind", "127.0.0.1",
		"--dir", s.Dir,
		"--save", "",
		"--logfile", "",
		"--daemonize", "no",
	}
	if s.opt.Persist {
		args = append(args, "--appendonly", "yes", "--appendfsync", "always")
	} else {
		args = append(args, "--appendonly", "no")
	}
	return append(args, s.opt.Args...)
}

// start runs redis-server and waits for PING.
func (s *Server) start() error {
	out := &syncBuffer{}
	cmd := exec.Command("redis-server", s.args()...)
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
	if err := s.waitReady(p); err != nil {
		cmd.Process.Kill()
		<-p.done
		return err
	}
	s.proc = p
	return nil
}

// waitReady PINGs until the server answers +PONG (not -LOADING), the process
// exits or startTimeout passes.
func (s *Server) waitReady(p *process) error {
	deadline := time.Now().Add(startTimeout)
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var lastErr error
	for {
		if lastErr = ping(s.Addr); lastErr == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no PONG within %v: %w; output:\n%s", startTimeout, lastErr, tail(p.out.String(), 20))
		}
		select {
		case <-p.done:
			return fmt.Errorf("redis-server exited during start (%v):\n%s", p.err, tail(p.out.String(), 20))
		case <-tick.C:
		}
	}
}

// ping sends one inline PING and expects +PONG.
func ping(addr string) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	if line = strings.TrimSpace(line); line != "+PONG" {
		return fmt.Errorf("PING answered %q", line)
	}
	return nil
}

// Running reports whether the server's process is up.
func (s *Server) Running() bool {
	if s.proc == nil {
		return false
	}
	select {
	case <-s.proc.done:
		return false
	default:
		return true
	}
}

// Stop stops the server with SIGTERM (a persisting server syncs its
// append-only file first), or SIGKILL if it has not exited after 10 s.
// Stopping a stopped server does nothing.
func (s *Server) Stop(t testing.TB) {
	t.Helper()
	s.signal(t, syscall.SIGTERM)
}

// Kill stops the server with SIGKILL, as a crash would. With
// Options.Persist every acknowledged write survives it.
func (s *Server) Kill(t testing.TB) {
	t.Helper()
	s.signal(t, syscall.SIGKILL)
}

func (s *Server) signal(t testing.TB, sig syscall.Signal) {
	t.Helper()
	p := s.proc
	if p == nil {
		return
	}
	s.proc = nil
	if err := p.cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Logf("redis-server %s: %v: %v", s.Addr, sig, err)
	}
	timer := time.NewTimer(stopTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		t.Logf("redis-server %s ignored %v for %v; killing it", s.Addr, sig, stopTimeout)
		p.cmd.Process.Kill()
		<-p.done
	}
}

// Start restarts a stopped server on the same port and data directory and
// waits for PING.
func (s *Server) Start(t testing.TB) {
	t.Helper()
	if s.proc != nil {
		t.Fatal("Start: redis-server is running")
	}
	if err := s.start(); err != nil {
		t.Fatalf("restart redis-server %s: %v", s.Addr, err)
	}
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
