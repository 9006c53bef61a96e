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
// broadcaster, one ban purger, and per connection a reader (the goroutine
// that serves it) and a writer. The reader decodes requests and handles
// them, calling WorkSource.Authorize and Submit itself, so share
// validation never delays anybody else. The writer drains a bounded queue
// and writes with a deadline. The broadcaster waits on the current job's
// Done channel (or SetSource) and puts the new job into each ready
// session's queue under the session's mutex without waiting: an unsent job
// in the queue is replaced (keeping clean_jobs if either had it), and a
// session whose queue is full of other lines is closed. Notify lines are
// encoded once per job and shared by all sessions.
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
// accepted shares count; checks happen on submit, so a miner that finds
// no share at all keeps its difficulty.
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
