package clienttest

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
)

// Config describes the fake pool.
type Config struct {
	// Algorithm checks shares; empty means sha256d.
	Algorithm string
	// Difficulty is the share difficulty sent after authorize; zero means 1.
	Difficulty float64
	// Extranonce2Size is sent with the subscribe reply; zero means 4.
	Extranonce2Size int
	// VersionMask is the mask version rolling is granted with; zero means 1fffe000.
	VersionMask uint32
	// Authorize decides logins; nil accepts everyone.
	Authorize func(user, password string) bool
	// OnShare, if set, runs after each submit was answered, on the
	// session's goroutine; it may call the Server's methods.
	OnShare func(Share)
	// Log receives debug lines; nil discards.
	Log *slog.Logger
}

// Share is one mining.submit and the server's verdict.
type Share struct {
	Conn        int // 1 for the first connection accepted, and so on
	User        string
	JobID       string
	Extranonce1 []byte
	Extranonce2 []byte
	NTime       uint32
	Nonce       uint32
	Version     uint32 // header version the share was checked with
	Difficulty  float64
	Hash        [32]byte
	// Err is nil for an accepted share.
	Err *stratum.Error
}

// Server is the fake pool.
type Server struct {
	cfg  Config
	alg  *pow.Algorithm
	ln   net.Listener
	log  *slog.Logger
	wg   sync.WaitGroup
	quit chan struct{}

	mu sync.Mutex // guards the fields below
	// jobs are the jobs shares may still be submitted for.
	jobs     map[string]*stratum.Work
	current  *stratum.Job
	diff     float64
	sessions map[*session]struct{}
	conns    int
	shares   []Share
	seen     map[string]bool
	closed   bool
}

// Start listens on a free loopback port and serves first as the current job.
func Start(cfg Config, first *stratum.Job) (*Server, error) {
	if cfg.Algorithm == "" {
		cfg.Algorithm = "sha256d"
	}
	if cfg.Difficulty == 0 {
		cfg.Difficulty = 1
	}
	if cfg.Extranonce2Size == 0 {
		cfg.Extranonce2Size = 4
	}
	if cfg.VersionMask == 0 {
		cfg.VersionMask = 0x1fffe000
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	alg, err := pow.Lookup(cfg.Algorithm)
	if err != nil {
		return nil, fmt.Errorf("clienttest: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("clienttest: listen: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		alg:      alg,
		ln:       ln,
		log:      cfg.Log.With("component", "fakepool"),
		quit:     make(chan struct{}),
		jobs:     map[string]*stratum.Work{},
		diff:     cfg.Difficulty,
		sessions: map[*session]struct{}{},
		seen:     map[string]bool{},
	}
	if first != nil {
		if err := s.Notify(first); err != nil {
			ln.Close()
			return nil, err
		}
	}
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr returns the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops listening, drops every connection and waits for the
// server's goroutines.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.ln.Close()
	close(s.quit)
	s.DropConnections()
	s.wg.Wait()
}

// Notify makes j the current job and sends it to every authorized
// session. A clean job makes every earlier job stale.
func (s *Server) Notify(j *stratum.Job) error {
	w, err := stratum.DecodeJob(j)
	if err != nil {
		return fmt.Errorf("clienttest: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if j.CleanJobs {
		s.jobs = map[string]*stratum.Work{}
		s.seen = map[string]bool{}
	}
	s.jobs[j.ID] = w
	s.current = j
	for ss := range s.sessions {
		ss.sendJob(j)
	}
	return nil
}

// SetDifficulty sends mining.set_difficulty to every session; it applies
// to the jobs notified after it, and to new sessions.
func (s *Server) SetDifficulty(d float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.diff = d
	for ss := range s.sessions {
		ss.mu.Lock()
		ss.diff = d
		ss.mu.Unlock()
		ss.send(mustLine(map[string]any{"id": nil, "method": "mining.set_difficulty", "params": []any{d}}))
	}
}

// Broadcast sends a raw line (a newline is added) to every session.
func (s *Server) Broadcast(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ss := range s.sessions {
		ss.send([]byte(line + "\n"))
	}
}

// DropConnections closes every open connection.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ss := range s.sessions {
		ss.conn.Close()
	}
}

// Connections returns how many connections the server has accepted.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// Active returns how many connections are open.
func (s *Server) Active() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Shares returns every share submitted so far, in the order answered.
func (s *Server) Shares() []Share {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Share(nil), s.shares...)
}

// Accepted counts the accepted shares.
func (s *Server) Accepted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for i := range s.shares {
		if s.shares[i].Err == nil {
			n++
		}
	}
	return n
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			select {
			case <-s.quit:
				return
			default:
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.conns++
		ss := &session{
			srv:     s,
			id:      s.conns,
			conn:    conn,
			out:     make(chan []byte, 1024),
			en1:     binary.BigEndian.AppendUint32(nil, uint32(0x10000000+s.conns)),
			diff:    s.diff,
			jobDiff: map[string]float64{},
		}
		s.sessions[ss] = struct{}{}
		s.mu.Unlock()
		s.wg.Add(2)
		go ss.readLoop()
		go ss.writeLoop()
	}
}

type session struct {
	srv  *Server
	id   int
	conn net.Conn
	out  chan []byte
	en1  []byte

	mu sync.Mutex // guards the fields below
	// subscribed and authorized track the handshake.
	subscribed, authorized bool
	user                   string
	diff                   float64
	jobDiff                map[string]float64
	mask                   uint32
}

type request struct {
	ID     json.RawMessage   `json:"id"`
	Method string            `json:"method"`
	Params []json.RawMessage `json:"params"`
}

func (ss *session) readLoop() {
	defer ss.srv.wg.Done()
	defer func() {
		ss.conn.Close()
		ss.srv.mu.Lock()
		delete(ss.srv.sessions, ss)
		ss.srv.mu.Unlock()
		close(ss.out)
	}()
	sc := bufio.NewScanner(ss.conn)
	sc.Buffer(make([]byte, 4096), 64<<10)
	for sc.Scan() {
		var req request
		if err := json.Unmarshal(sc.Bytes(), &req); err != nil {
			ss.srv.log.Debug("bad line", "err", err)
			return
		}
		ss.handle(&req)
	}
}

func (ss *session) writeLoop() {
	defer ss.srv.wg.Done()
	for line := range ss.out {
		ss.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if _, err := ss.conn.Write(line); err != nil {
			ss.conn.Close()
			for range ss.out { // drain until the reader closes out
			}
			return
		}
	}
}

// send queues a line; a session that does not keep up is dropped.
// Callers hold srv.mu or run on the session's reader, so out is open.
func (ss *session) send(line []byte) {
	select {
	case ss.out <- line:
	default:
		ss.conn.Close()
	}
}

// sendJob sends j with the session's difficulty in force. The caller
// holds srv.mu.
func (ss *session) sendJob(j *stratum.Job) {
	ss.mu.Lock()
	if !ss.authorized {
		ss.mu.Unlock()
		return
	}
	if j.CleanJobs {
		ss.jobDiff = map[string]float64{}
	}
	ss.jobDiff[j.ID] = ss.diff
	ss.mu.Unlock()
	branch := j.MerkleBranch
	if branch == nil {
		branch = []string{}
	}
	ss.send(mustLine(map[string]any{"id": nil, "method": "mining.notify", "params": []any{
		j.ID, j.PrevHash, j.Coinb1, j.Coinb2, branch, j.Version, j.NBits, j.NTime, j.CleanJobs}}))
}

func (ss *session) reply(id json.RawMessage, result any, err *stratum.Error) {
	var e any
	if err != nil {
		e = []any{err.Code, err.Message, nil}
	}
	ss.send(mustLine(map[string]any{"id": id, "result": result, "error": e}))
}

func (ss *session) handle(req *request) {
	srv := ss.srv
	switch req.Method {
	case "mining.configure":
		var opts map[string]json.RawMessage
		var maskHex string
		result := map[string]any{"version-rolling": false}
		if len(req.Params) > 1 && json.Unmarshal(req.Params[1], &opts) == nil &&
			json.Unmarshal(opts["version-rolling.mask"], &maskHex) == nil {
			if m, err := stratum.ParseUint32Hex(maskHex); err == nil {
				ss.mu.Lock()
				ss.mask = m & srv.cfg.VersionMask
				result = map[string]any{"version-rolling": true, "version-rolling.mask": fmt.Sprintf("%08x", ss.mask)}
				ss.mu.Unlock()
			}
		}
		ss.reply(req.ID, result, nil)
	case "mining.subscribe":
		ss.mu.Lock()
		ss.subscribed = true
		ss.mu.Unlock()
		ss.reply(req.ID, []any{
			[]any{[]any{"mining.set_difficulty", "d1"}, []any{"mining.notify", "n1"}},
			hex.EncodeToString(ss.en1), srv.cfg.Extranonce2Size}, nil)
	case "mining.authorize":
		var user, pass string
		if len(req.Params) > 0 {
			json.Unmarshal(req.Params[0], &user)
		}
		if len(req.Params) > 1 {
			json.Unmarshal(req.Params[1], &pass)
		}
		if srv.cfg.Authorize != nil && !srv.cfg.Authorize(user, pass) {
			ss.reply(req.ID, nil, stratum.ErrUnauthorized)
			return
		}
		srv.mu.Lock()
		defer srv.mu.Unlock()
		ss.mu.Lock()
		ss.authorized = true
		ss.user = user
		diff := ss.diff
		ss.mu.Unlock()
		ss.reply(req.ID, true, nil)
		ss.send(mustLine(map[string]any{"id": nil, "method": "mining.set_difficulty", "params": []any{diff}}))
		if srv.current != nil {
			ss.sendJob(srv.current)
		}
	case "mining.extranonce.subscribe", "mining.suggest_difficulty":
		ss.reply(req.ID, true, nil)
	case "mining.submit":
		sh, err := ss.check(req.Params)
		ss.reply(req.ID, err == nil, err)
		if sh != nil && srv.cfg.OnShare != nil {
			srv.cfg.OnShare(*sh)
		}
	default:
		ss.reply(req.ID, nil, stratum.Errorf(stratum.CodeOther, "unknown method %q", req.Method))
	}
}

// check validates a submit the way a pool does and records the share.
func (ss *session) check(params []json.RawMessage) (*Share, *stratum.Error) {
	srv := ss.srv
	ss.mu.Lock()
	subscribed, authorized, mask := ss.subscribed, ss.authorized, ss.mask
	ss.mu.Unlock()
	if !subscribed {
		return nil, stratum.ErrNotSubscribed
	}
	if !authorized {
		return nil, stratum.ErrUnauthorized
	}
	var f []string
	for _, p := range params {
		var v string
		if json.Unmarshal(p, &v) != nil {
			return nil, stratum.Errorf(stratum.CodeOther, "bad params")
		}
		f = append(f, v)
	}
	if len(f) < 5 {
		return nil, stratum.Errorf(stratum.CodeOther, "bad params")
	}
	sh := &Share{Conn: ss.id, User: f[0], JobID: f[1], Extranonce1: ss.en1}
	en2, err := hex.DecodeString(f[2])
	if err != nil || len(en2) != srv.cfg.Extranonce2Size {
		return nil, stratum.Errorf(stratum.CodeOther, "bad extranonce2")
	}
	sh.Extranonce2 = en2
	if sh.NTime, err = stratum.ParseUint32Hex(f[3]); err != nil {
		return nil, stratum.Errorf(stratum.CodeOther, "bad ntime")
	}
	if sh.Nonce, err = stratum.ParseUint32Hex(f[4]); err != nil {
		return nil, stratum.Errorf(stratum.CodeOther, "bad nonce")
	}

	srv.mu.Lock()
	w := srv.jobs[sh.JobID]
	srv.mu.Unlock()
	ss.mu.Lock()
	diff, ok := ss.jobDiff[sh.JobID]
	ss.mu.Unlock()
	if w == nil || !ok {
		return srv.record(sh, "", stratum.ErrJobNotFound)
	}
	sh.Difficulty = diff
	sh.Version = w.Version
	if len(f) > 5 {
		bits, err := stratum.ParseUint32Hex(f[5])
		if err != nil || bits&^mask != 0 {
			return srv.record(sh, "", stratum.Errorf(stratum.CodeOther, "bad version bits"))
		}
		sh.Version = w.Version&^mask | bits
	}
	key, serr := checkPoW(srv.alg, w, sh)
	return srv.record(sh, key, serr)
}

// checkPoW rebuilds the share's header from w, stores its hash in sh and
// checks it against the share target. It returns the duplicate key of an
// acceptable share, or the error to answer with.
func checkPoW(alg *pow.Algorithm, w *stratum.Work, sh *Share) (string, *stratum.Error) {
	var header [80]byte
	w.Header(&header, w.MerkleRoot(w.Coinbase(nil, sh.Extranonce1, sh.Extranonce2)), sh.Version, sh.NTime, sh.Nonce)
	alg.Hash(&sh.Hash, header[:])
	target, err := pow.ShareTarget(sh.Difficulty, alg.Multiplier)
	if err != nil {
		return "", stratum.Errorf(stratum.CodeOther, "bad difficulty")
	}
	if !pow.MeetsTarget(&sh.Hash, target) {
		return "", stratum.ErrLowDifficulty
	}
	return sh.JobID + "/" + hex.EncodeToString(header[:]), nil
}

// record stores a share; a non-empty key is checked for duplicates first.
func (s *Server) record(sh *Share, key string, err *stratum.Error) (*Share, *stratum.Error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		if s.seen[key] {
			err = stratum.ErrDuplicate
		}
		s.seen[key] = true
	}
	sh.Err = err
	s.shares = append(s.shares, *sh)
	return sh, err
}

func mustLine(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("clienttest: " + err.Error())
	}
	return append(b, '\n')
}

// Code returns a share's stratum error code, 0 for an accepted share.
func (sh Share) Code() int {
	if sh.Err == nil {
		return 0
	}
	return sh.Err.Code
}

// String describes the share for test failures.
func (sh Share) String() string {
	return "conn " + strconv.Itoa(sh.Conn) + " job " + sh.JobID + " en2 " + hex.EncodeToString(sh.Extranonce2) +
		fmt.Sprintf(" ntime %08x nonce %08x: code %d", sh.NTime, sh.Nonce, sh.Code())
}
