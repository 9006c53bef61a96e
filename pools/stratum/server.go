package stratum

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerRunning is returned by a second call to Run.
var ErrServerRunning = errors.New("stratum: server already running")

const (
	// jobPollInterval is how often the broadcaster asks a source that has
	// no job yet (a nil job has no Done channel to wait on).
	jobPollInterval = 100 * time.Millisecond
	// proxyHeaderTimeout bounds the wait for a PROXY protocol header.
	proxyHeaderTimeout = 10 * time.Second
	// maxAcceptBackoff caps the pause after failed accepts.
	maxAcceptBackoff = time.Second
)

// Server is a stratum v1 server: it listens on its ports, runs one session
// per miner connection and feeds them the jobs of its WorkSource.
type Server struct {
	cfg   Config
	ports []*port
	en    *ExtranonceAllocator
	log   *slog.Logger
	enc   jsonEncoder
	bans  *banList

	src        atomic.Pointer[sourceRef]
	srcChanged chan struct{} // capacity 1: a SetSource happened
	wire       atomic.Pointer[wireJob]

	running atomic.Bool
	ready   chan struct{}
	addrs   []net.Addr // written once before ready is closed
	nextID  atomic.Uint64
	// wg counts every goroutine Run owns, those of the sessions included.
	wg sync.WaitGroup

	mu sync.Mutex // guards the fields below
	// sessions holds every live session.
	sessions map[*session]struct{}
	// stopping is set when Run is closing the sessions; no new one is
	// added after.
	stopping bool
}

// port is one configured port with its listening port number.
type port struct {
	cfg    PortConfig
	number int
}

// sourceRef boxes a WorkSource for atomic.Pointer.
type sourceRef struct{ src WorkSource }

// SessionInfo is a snapshot of one miner connection.
type SessionInfo struct {
	ID          uint64
	RemoteAddr  string
	LocalPort   int
	Worker      string // the first worker authorized on the connection
	Workers     int    // how many workers are authorized on it
	Agent       string // the user agent sent with mining.subscribe
	Difficulty  float64
	Extranonce1 string
	ConnectedAt time.Time
	LastShareAt time.Time
	Accepted    uint64
	Rejected    uint64
}

// NewServer checks cfg and prepares a server; it opens no socket. The
// allocator may be shared with other servers of the process. log may be
// nil.
func NewServer(cfg Config, src WorkSource, en *ExtranonceAllocator, log *slog.Logger) (*Server, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if src == nil {
		return nil, fmt.Errorf("%w: %s: no work source", ErrConfig, cfg.Name)
	}
	if en == nil {
		return nil, fmt.Errorf("%w: %s: no extranonce allocator", ErrConfig, cfg.Name)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{
		cfg:        cfg,
		en:         en,
		log:        log.With("component", "stratum", "name", cfg.Name),
		bans:       newBanList(cfg.Banning, cfg.Now),
		srcChanged: make(chan struct{}, 1),
		ready:      make(chan struct{}),
		sessions:   make(map[*session]struct{}),
	}
	for _, p := range cfg.Ports {
		s.ports = append(s.ports, &port{cfg: p})
	}
	s.src.Store(&sourceRef{src})
	return s, nil
}

// SetSource makes src the source of every new job and authorization. The
// sessions get src's current job with clean_jobs set; shares on jobs sent
// before the switch still go to the source that made them, and workers
// authorized before stay authorized.
func (s *Server) SetSource(src WorkSource) {
	if src == nil {
		return
	}
	s.src.Store(&sourceRef{src})
	select {
	case s.srcChanged <- struct{}{}:
	default:
	}
}

func (s *Server) source() WorkSource { return s.src.Load().src }

// Ready returns a channel that is closed once every port listens.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addrs returns the listening addresses, in the order of Config.Ports, or
// nil before the server listens.
func (s *Server) Addrs() []net.Addr {
	select {
	case <-s.ready:
		return append([]net.Addr(nil), s.addrs...)
	default:
		return nil
	}
}

// Run listens on every port and serves miners until ctx is cancelled; it
// then stops accepting, closes every session, waits for all its goroutines
// and returns nil. It returns an error if a port cannot be opened.
func (s *Server) Run(ctx context.Context) error {
	if !s.running.CompareAndSwap(false, true) {
		return ErrServerRunning
	}
	var lc net.ListenConfig
	lns := make([]net.Listener, 0, len(s.ports))
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	for _, p := range s.ports {
		ln, err := lc.Listen(ctx, "tcp", p.cfg.Addr)
		if err != nil {
			closeAll()
			return fmt.Errorf("stratum %s: listen %s: %w", s.cfg.Name, p.cfg.Addr, err)
		}
		if a, ok := ln.Addr().(*net.TCPAddr); ok {
			p.number = a.Port
		}
		lns = append(lns, ln)
		s.addrs = append(s.addrs, ln.Addr())
	}
	close(s.ready)
	for i, ln := range lns {
		s.log.Info("listening", "addr", ln.Addr().String(), "diff", s.ports[i].cfg.Diff,
			"vardiff", s.ports[i].cfg.VarDiff != nil, "tls", s.ports[i].cfg.TLS != nil,
			"proxy_protocol", s.ports[i].cfg.ProxyProtocol)
	}

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	for i, ln := range lns {
		s.wg.Go(func() { s.acceptLoop(runCtx, ln, s.ports[i]) })
	}
	s.wg.Go(func() { s.broadcastLoop(runCtx) })
	if s.bans != nil {
		s.wg.Go(func() { s.purgeLoop(runCtx) })
	}
	<-ctx.Done()
	closeAll()
	cancel()
	s.mu.Lock()
	s.stopping = true
	list := s.snapshotLocked(nil)
	s.mu.Unlock()
	for _, ss := range list {
		ss.stop("server stopping")
	}
	s.wg.Wait()
	s.log.Info("stopped")
	return nil
}

func (s *Server) acceptLoop(ctx context.Context, ln net.Listener, p *port) {
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			delay = min(max(2*delay, 5*time.Millisecond), maxAcceptBackoff)
			s.log.Warn("accept failed", "addr", ln.Addr().String(), "err", err, "retry_in", delay)
			select {
			case <-time.After(delay):
			case <-ctx.Done():
				return
			}
			continue
		}
		delay = 0
		if !p.cfg.ProxyProtocol && s.bans.isBanned(ipOf(c.RemoteAddr())) {
			s.log.Debug("refused banned address", "remote", c.RemoteAddr().String())
			c.Close()
			continue
		}
		s.wg.Go(func() { s.serveConn(ctx, c, p) })
	}
}

// serveConn runs one connection to its end.
func (s *Server) serveConn(ctx context.Context, c net.Conn, p *port) {
	var conn net.Conn = c
	remote := c.RemoteAddr()
	if p.cfg.ProxyProtocol {
		br := bufio.NewReaderSize(c, 512)
		c.SetReadDeadline(time.Now().Add(min(proxyHeaderTimeout, s.cfg.ConnectionTimeout)))
		addr, err := readProxyHeader(br)
		if err != nil {
			s.log.Debug("closing connection", "remote", remote.String(), "err", err)
			c.Close()
			return
		}
		c.SetReadDeadline(time.Time{})
		if addr != nil {
			remote = addr
		}
		// Keep what was read past the header, not the buffer.
		pending, _ := br.Peek(br.Buffered())
		conn = &proxiedConn{Conn: c, pending: bytes.Clone(pending), remote: addr}
		if s.bans.isBanned(ipOf(remote)) {
			s.log.Debug("refused banned address", "remote", remote.String())
			c.Close()
			return
		}
	}
	if p.cfg.TLS != nil {
		conn = tls.Server(conn, p.cfg.TLS)
	}
	en1, err := s.en.Allocate()
	if err != nil {
		s.log.Error("refusing connection", "remote", remote.String(), "err", err)
		conn.Close()
		return
	}
	cd := newJSONCodec(conn, s.cfg.MaxLineBytes, s.cfg.ConnectionTimeout, s.cfg.WriteTimeout)
	if p.cfg.TLS == nil {
		cd.raw = newRawWriter(c)
	}
	ss := newSession(ctx, s, s.nextID.Add(1), cd, remote, p, en1)
	ss.releaseEn1 = true
	if !s.register(ss) {
		cd.close()
		s.en.Release(en1)
		return
	}
	ss.start()
}

// serve runs a session over an established codec and returns when it has
// ended; tests call it directly with net.Pipe connections. Cancelling ctx
// closes the session.
func (s *Server) serve(ctx context.Context, cd codec, remote net.Addr, p *port, en1 [4]byte) {
	ss := newSession(ctx, s, s.nextID.Add(1), cd, remote, p, en1)
	ss.done = make(chan struct{})
	if !s.register(ss) {
		cd.close()
		return
	}
	stop := context.AfterFunc(ctx, func() { ss.stop("context done") })
	defer stop()
	ss.start()
	<-ss.done
}

// register adds a session, unless Run is closing them all.
func (s *Server) register(ss *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stopping {
		return false
	}
	s.sessions[ss] = struct{}{}
	return true
}

func (s *Server) unregister(ss *session) {
	s.mu.Lock()
	delete(s.sessions, ss)
	s.mu.Unlock()
}

// snapshot returns the live sessions.
func (s *Server) snapshot(dst []*session) []*session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.snapshotLocked(dst)
}

func (s *Server) snapshotLocked(dst []*session) []*session {
	for ss := range s.sessions {
		dst = append(dst, ss)
	}
	return dst
}

// Sessions returns a snapshot of every live connection.
func (s *Server) Sessions() []SessionInfo {
	list := s.snapshot(nil)
	out := make([]SessionInfo, 0, len(list))
	for _, ss := range list {
		out = append(out, ss.info())
	}
	return out
}

// broadcastLoop waits for each new job of the source and hands it to every
// ready session. It never blocks on a session: enqueueJob only swaps a
// queue slot.
func (s *Server) broadcastLoop(ctx context.Context) {
	var (
		last       *Job
		lastRef    *sourceRef
		forceClean bool
		list       []*session
	)
	for {
		ref := s.src.Load()
		if lastRef != nil && ref != lastRef {
			forceClean = true
		}
		lastRef = ref
		j := ref.src.CurrentJob()
		if j != nil && j != last {
			clean := j.CleanJobs || forceClean
			wj := s.wireJobFor(j, ref)
			list = s.snapshot(list[:0])
			s.broadcast(list, wj, clean)
			clear(list)
			s.log.Debug("job broadcast", "job", j.ID, "clean", clean, "sessions", len(list))
			last, forceClean = j, false
		}
		var done <-chan struct{}
		var poll <-chan time.Time
		if j != nil && j.Done() != nil {
			done = j.Done()
		} else {
			poll = time.After(jobPollInterval)
		}
		select {
		case <-ctx.Done():
			return
		case <-done:
		case <-poll:
		case <-s.srcChanged:
		}
	}
}

// broadcastChunk is the fewest sessions worth a goroutine of their own
// in a broadcast.
const broadcastChunk = 256

// broadcast hands a job to every session in list. The sessions write it
// themselves without blocking where their connections take it at once,
// which spares waking a goroutine per miner; the list is split between up
// to GOMAXPROCS goroutines so that every core writes.
func (s *Server) broadcast(list []*session, wj *wireJob, clean bool) {
	parts := min(runtime.GOMAXPROCS(0), (len(list)+broadcastChunk-1)/broadcastChunk)
	if parts <= 1 {
		for _, ss := range list {
			ss.enqueueJob(wj, clean)
		}
		return
	}
	var wg sync.WaitGroup
	size := (len(list) + parts - 1) / parts
	for part := range slices.Chunk(list, size) {
		wg.Go(func() {
			for _, ss := range part {
				ss.enqueueJob(wj, clean)
			}
		})
	}
	wg.Wait()
}

func (s *Server) purgeLoop(ctx context.Context) {
	t := time.NewTicker(s.cfg.Banning.PurgeInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.bans.purge()
		}
	}
}

// wireJob is a job with its source and its notify encodings, shared by
// every session it is sent to.
type wireJob struct {
	job  *Job
	ref  *sourceRef
	once [2]sync.Once
	enc  [2][]byte // index 1: clean_jobs true
}

// wireJobFor returns the shared wireJob of j, making a new one unless j is
// the job most recently asked for.
func (s *Server) wireJobFor(j *Job, ref *sourceRef) *wireJob {
	if w := s.wire.Load(); w != nil && w.job == j && w.ref == ref {
		return w
	}
	w := &wireJob{job: j, ref: ref}
	s.wire.Store(w)
	return w
}

// bytes returns the notify line of the job under its own id.
func (w *wireJob) bytes(e encoder, clean bool) []byte {
	i := 0
	if clean {
		i = 1
	}
	w.once[i].Do(func() {
		w.enc[i] = e.encode(nil, &message{Method: methodNotify, Params: notifyParams{JobID: w.job.ID, Job: w.job, Clean: clean}})
	})
	return w.enc[i]
}
