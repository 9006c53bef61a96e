// Package stratum speaks stratum v1 to miners. It owns the listeners (TCP,
// TLS, PROXY protocol v1/v2), one session per miner connection, the
// line-delimited JSON codec, extranonce1 allocation, variable difficulty
// and IP bans. It knows nothing of coins, Redis or profit: every job comes
// from a WorkSource and every share goes back to it. source.go, errors.go
// and work.go define that seam and are shared with pools, switcher,
// upstream and the miner in stratum/client.
//
// It imports the standard library and coins/pow (for Work) only; it must
// not import pools, switcher, upstream, payout, profit or web.
//
// # Concurrency
//
// Server.Run owns every goroutine: one accept loop per port, one
// broadcaster, one ban purger, and those of the sessions; it returns once
// all of them have ended.
//
// Reading. Per connection one goroutine at a time reads, decodes and
// handles the miner's requests, calling WorkSource.Authorize and Submit
// itself, so share validation never delays anybody else and replies go out
// in request order. After handling a request the reader starts a fresh
// goroutine to read the next one (unless that is already buffered) and
// ends: the goroutine that waits on a quiet connection always has a small
// stack, whatever handling grew. The state the reader owns passes from one
// to the next with the go statement, so there is never more than one
// reader per connection. Each connection keeps a 512-byte read buffer; a
// longer line is read into a larger one, dropped once the line is handled.
//
// Writing. A session's outbound lines go through a bounded queue under its
// mutex, and at most one goroutine holds its write side at a time. Whoever
// queues a line (the reader replying, the broadcaster sending a job) takes
// the write side if it is free, and writes the queue to the socket without
// blocking: a write the socket's buffer takes at once is made right there.
// What the socket does not take goes, with the write side, to a writer
// goroutine, which writes with the write timeout until the queue is empty
// and then ends. A quiet connection thus has no writer goroutine and holds
// no write buffer (they come from a pool). On TLS connections every write
// goes through a writer goroutine. Deadlines: a read waits at most
// ConnectionTimeout, a writer goroutine's write at most WriteTimeout, and
// the other writes never wait.
//
// Broadcast. The broadcaster waits on the current job's Done channel (or
// SetSource) and hands the new job to each ready session, splitting the
// sessions between up to GOMAXPROCS goroutines. Handing over never waits:
// an unsent job in the queue is replaced (keeping clean_jobs if either had
// it), a session whose queue is full of other lines is closed, and the
// write is made only if the socket takes it at once. So a new job reaches
// the kernel for thousands of miners in one pass of a few goroutines,
// rather than behind thousands of woken writers in the scheduler's queues,
// and replies to shares are written as soon as they are made. Notify lines
// are encoded once per job and shared by all sessions.
//
// An idle connection (subscribed, authorized, first job sent) costs the
// process about 6 KB of heap and stack (BenchmarkIdleSession measures it;
// about 7 KB of resident memory with 5000 of them): one small goroutine
// stack, the session with its read buffer, and the socket's own objects.
//
// # Difficulty and job ids
//
// A session sends mining.set_difficulty only when its difficulty changes,
// right before the notify it applies to. A new difficulty (varDiff,
// mining.suggest_difficulty, the "d=" password option, BIP310
// minimum-difficulty) is used from the next notify on. After a varDiff
// retarget the session does not wait for the next job: unless a job is
// already queued, it sends its newest job again with clean_jobs false.
//
// The rule that keeps shares exact: on one connection a wire job id
// always means one (job, difficulty) pair. A job is first sent under its
// own id; when it is sent again at another difficulty it gets the id
// "<job id>.<n>" (n counts per session), and sending it again at a
// difficulty it already had reuses that earlier id. A share names its wire
// id, so Share.Difficulty is exactly the difficulty the miner was given
// with that notify, whichever way the miner applies set_difficulty to
// work in flight, and Share.JobID is always the source's job id. A
// session remembers its last 16 sends; a share on anything else gets 21.
//
// # varDiff
//
// As in NOMP: each accepted share records the time since the previous
// one in a ring; the first check comes RetargetTime/2 after the first
// share, later ones at most every RetargetTime. When the average interval
// is outside TargetTime±VariancePercent, the difficulty becomes
// current*TargetTime/average, moved by at most a factor of 4 up or down
// and clamped to [MinDiff, MaxDiff]; the ring is then cleared. Only
// accepted shares count, and these checks happen on submit. A miner that
// finds nothing would never be retargeted that way, so a session with no
// accepted share for RetargetTime (since its last share, difficulty
// change or start) gets a quarter of its difficulty, at least MinDiff,
// with its next job, and its ring starts over.
//
// # Bans
//
// Counted per IP address across its connections: an accepted share
// counts valid; a rejected share (except 21 reported by the source, which
// is staleness, not misbehaviour), a malformed line and an oversized line
// count invalid. After CheckThreshold counts, an IP with at least
// InvalidPercent invalid is banned for Time and the count starts over.
// Banned IPs are refused at accept (after the PROXY header on PROXY
// ports); the connection that triggered the ban is closed.
package stratum
