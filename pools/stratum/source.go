package stratum

import (
	"context"
	"net"
)

// Job is one unit of work as mining.notify carries it. A Job is immutable
// once published; sources create a new Job for every change.
type Job struct {
	// ID is unique across every source in the process.
	ID string
	// PrevHash is the previous block hash in stratum order (each 4-byte
	// word of the header bytes swapped), hex.
	PrevHash string
	// Coinb1 and Coinb2 surround extranonce1+extranonce2 in the coinbase, hex.
	Coinb1, Coinb2 string
	// MerkleBranch is the list of merkle branch hashes, hex, in order.
	MerkleBranch []string
	// Version, NBits and NTime are big-endian hex of the 32-bit values.
	Version, NBits, NTime string
	// CleanJobs tells miners to drop all earlier work (a new block).
	CleanJobs bool
	// Transactions are the txids (hex) of the template, for mining.get_transactions.
	Transactions []string

	// done is closed when a newer job replaces this one.
	done chan struct{}
}

// NewJob prepares a job for publishing; sources call it before handing the
// job out from CurrentJob.
func NewJob(j Job) *Job {
	j.done = make(chan struct{})
	return &j
}

// Done returns a channel that is closed when the source has a newer job.
func (j *Job) Done() <-chan struct{} { return j.done }

// Replace marks the job as superseded, waking every session waiting on it.
// It is safe to call more than once.
func (j *Job) Replace() {
	select {
	case <-j.done:
	default:
		close(j.done)
	}
}

// Worker is an authorized miner login on one connection.
type Worker struct {
	// Name is the full login as the miner sent it (address[.worker]).
	Name string
	// Address is the payout address part of the login.
	Address string
	// WorkerName is the part after the separator, may be empty.
	WorkerName string
	// Password is what the miner sent as the password (may carry options).
	Password string
}

// Share is one mining.submit, after the session checked its shape.
type Share struct {
	Worker      *Worker
	JobID       string
	Extranonce1 []byte // 4 bytes, the connection's
	Extranonce2 []byte
	NTime       uint32
	Nonce       uint32
	// VersionBits are the rolled version bits (already checked against the
	// negotiated mask); VersionRolled reports whether the miner sent them.
	VersionBits   uint32
	VersionRolled bool
	// Difficulty is the share difficulty that was in force for this job on
	// this connection.
	Difficulty float64
	RemoteAddr net.Addr
	Port       int
}

// Result is a source's verdict on a share.
type Result struct {
	// Err is nil for an accepted share, else a stratum error (see Error).
	Err *Error
	// Block is set when the share also solved a block (accepted or not by
	// the daemon: BlockAccepted says).
	Block         bool
	BlockAccepted bool
	BlockHash     string
	// Difficulty is the share's actual difficulty (diff of its hash).
	ActualDifficulty float64
}

// WorkSource is where a session gets work and where it sends shares. A
// pools.Pool (one coin), a switcher.Port (the best coin of an algorithm) and
// an upstream.Proxy (a larger pool) are WorkSources. Implementations must
// be safe for concurrent use.
type WorkSource interface {
	// CurrentJob returns the newest job, or nil while there is none yet.
	// Sessions wait on the job's Done channel to learn of the next one.
	CurrentJob() *Job
	// Authorize checks a login; the error is reported to the miner.
	Authorize(ctx context.Context, w *Worker) error
	// Submit validates and records a share. ctx and s are valid for the
	// call only: the session reuses them for later shares.
	Submit(ctx context.Context, s *Share) Result
}

// VersionRollingMask is the pool's BIP310 version-rolling mask: the bits
// miners may roll. A session's negotiated mask is the miner's request
// ANDed with it.
const VersionRollingMask uint32 = 0x1fffe000
