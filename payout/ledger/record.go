package ledger

import (
	"fmt"
	"math"
	"time"
)

// ShareStatus is the pool's verdict on a submitted share.
type ShareStatus string

// The share verdicts the ledger counts. Only StatusValid shares add to the
// round and to the hashrate.
const (
	StatusValid     ShareStatus = "valid"
	StatusStale     ShareStatus = "stale"
	StatusDuplicate ShareStatus = "duplicate"
	StatusLowDiff   ShareStatus = "lowdiff"
	StatusInvalid   ShareStatus = "invalid"
)

// statsField maps a status to its counter field; ok is false for an unknown
// status.
func (s ShareStatus) statsField() (field string, ok bool) {
	switch s {
	case StatusValid:
		return fieldValid, true
	case StatusStale:
		return fieldStale, true
	case StatusDuplicate:
		return fieldDuplicate, true
	case StatusLowDiff:
		return fieldLowDiff, true
	case StatusInvalid:
		return fieldInvalid, true
	}
	return "", false
}

// Share is one submitted share as the pool judged it.
type Share struct {
	// Coin is the coin's symbol key, e.g. "ltc" (1-32 of [A-Za-z0-9._-]).
	Coin string
	// Worker is the full login, "address.worker".
	Worker string
	// Address is the payout address the share is credited to in the round.
	// When empty the round credits Worker instead (e.g. MPOS accounts).
	Address string
	// Difficulty is the share difficulty credited: the stratum difficulty
	// of the job, finite and in [0, MaxDifficulty].
	Difficulty float64
	// Status is the pool's verdict.
	Status ShareStatus
	// Reason says why a share is not valid. The ledger does not store it.
	Reason string
	// Time is when the share was accepted; zero means now.
	Time time.Time
	// Height is the block height the job was for. The ledger does not
	// store it.
	Height int64
}

// Block is a block the pool found and submitted.
type Block struct {
	Coin string
	// Height and Hash (hex) name the block and the round it closes.
	Height int64
	Hash   string
	// CoinbaseTxID is the txid of the block's coinbase transaction.
	CoinbaseTxID string
	// Reward is the coinbase value to the pool, in smallest units.
	Reward int64
	// Worker and Address found the block.
	Worker  string
	Address string
	// Difficulty is the share difficulty of the finding share;
	// NetworkDifficulty the network's at the time.
	Difficulty        float64
	NetworkDifficulty float64
	// Time is when the block was found; zero means now.
	Time time.Time
}

// MaxDifficulty bounds Share.Difficulty and the difficulties of a Block, far
// above any real share, so sums in Redis stay finite.
const MaxDifficulty = 1e20

// maxTxIDLen bounds Block.CoinbaseTxID.
const maxTxIDLen = 128

// record is one queued entry: a share, or a block when block is non-nil.
type record struct {
	share Share
	block *Block
}

func validDifficulty(d float64) bool {
	return !math.IsNaN(d) && !math.IsInf(d, 0) && d >= 0 && d <= MaxDifficulty
}

// check validates a share and fills in its time.
func (s *Share) check() error {
	if !validCoin(s.Coin) {
		return fmt.Errorf("%w: share coin %q", ErrInvalidRecord, s.Coin)
	}
	if !validWorker(s.Worker) {
		return fmt.Errorf("%w: share worker %q", ErrInvalidRecord, s.Worker)
	}
	if s.Address != "" && !validWorker(s.Address) {
		return fmt.Errorf("%w: share address %q", ErrInvalidRecord, s.Address)
	}
	if !validDifficulty(s.Difficulty) {
		return fmt.Errorf("%w: share difficulty %v", ErrInvalidRecord, s.Difficulty)
	}
	if _, ok := s.Status.statsField(); !ok {
		return fmt.Errorf("%w: share status %q", ErrInvalidRecord, s.Status)
	}
	if s.Time.IsZero() {
		s.Time = time.Now()
	}
	return nil
}

// check validates a block and fills in its time.
func (b *Block) check() error {
	if !validCoin(b.Coin) {
		return fmt.Errorf("%w: block coin %q", ErrInvalidRecord, b.Coin)
	}
	if b.Height < 0 {
		return fmt.Errorf("%w: block height %d", ErrInvalidRecord, b.Height)
	}
	if !validHash(b.Hash) {
		return fmt.Errorf("%w: block hash %q", ErrInvalidRecord, b.Hash)
	}
	if len(b.CoinbaseTxID) > maxTxIDLen || (b.CoinbaseTxID != "" && !validHash(b.CoinbaseTxID)) {
		return fmt.Errorf("%w: block coinbase txid %q", ErrInvalidRecord, b.CoinbaseTxID)
	}
	if b.Reward < 0 {
		return fmt.Errorf("%w: block reward %d", ErrInvalidRecord, b.Reward)
	}
	if b.Worker != "" && !validWorker(b.Worker) {
		return fmt.Errorf("%w: block worker %q", ErrInvalidRecord, b.Worker)
	}
	if b.Address != "" && !validWorker(b.Address) {
		return fmt.Errorf("%w: block address %q", ErrInvalidRecord, b.Address)
	}
	if !validDifficulty(b.Difficulty) || !validDifficulty(b.NetworkDifficulty) {
		return fmt.Errorf("%w: block difficulty %v / network %v", ErrInvalidRecord, b.Difficulty, b.NetworkDifficulty)
	}
	if b.Time.IsZero() {
		b.Time = time.Now()
	}
	return nil
}

// RecordShare queues a share for the writer and returns at once; it makes no
// network call. The share is written by Run, in order with every other
// record. It returns ErrBufferFull when BufferSize records are waiting (the
// pool must then reject the share), ErrClosed after Run has returned, and an
// error wrapping ErrInvalidRecord for a malformed share. A nil return means
// the share will be written exactly once, or counted by Dropped if Run stops
// before Redis takes it.
func (l *Ledger) RecordShare(s Share) error {
	if err := s.check(); err != nil {
		return err
	}
	return l.enqueue(record{share: s})
}

// RecordBlock queues a block found by the pool. When written it closes the
// coin's current round: the round's shares move to round RoundID(Height,
// Hash) and the block joins the coin's pending blocks. Record the finding
// share before the block, so that it counts in the round the block closes.
// A block recorded again (same height and hash) is ignored when written.
// Errors are those of RecordShare.
func (l *Ledger) RecordBlock(b Block) error {
	if err := b.check(); err != nil {
		return err
	}
	return l.enqueue(record{block: &b})
}

// enqueue appends r to the queue and wakes the writer when the queue turned
// non-empty or reached a full batch.
func (l *Ledger) enqueue(r record) error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return ErrClosed
	}
	if len(l.queue)+l.held >= l.cfg.BufferSize {
		l.mu.Unlock()
		l.full.Add(1)
		return ErrBufferFull
	}
	l.queue = append(l.queue, r)
	n := len(l.queue)
	l.mu.Unlock()
	if n == 1 || n == l.cfg.BatchSize {
		select {
		case l.notify <- struct{}{}:
		default:
		}
	}
	return nil
}

// shrinkCap is the capacity above which an emptied queue slice is dropped
// rather than reused, giving back the memory of a backlog.
const shrinkCap = 1 << 16

// take returns the next up to max records for the writer, in order. When
// the writer's own slice is used up it swaps it for the whole queue, so the
// lock is held for O(1) and RecordShare never waits behind a copy. It returns
// nil when nothing is queued, and then also marks the ledger closed if close
// is set. Only the writer goroutine calls take; the records it returns stay
// valid until its next call.
func (l *Ledger) take(max int, close bool) []record {
	if l.localHead == len(l.local) {
		clear(l.local) // let the strings go
		spare := l.local[:0]
		if cap(spare) > shrinkCap {
			spare = nil
		}
		l.mu.Lock()
		if len(l.queue) == 0 {
			if close {
				l.closed = true
			}
			l.mu.Unlock()
			l.local, l.localHead = spare, 0
			return nil
		}
		l.local, l.queue = l.queue, spare
		l.held += len(l.local)
		l.mu.Unlock()
		l.localHead = 0
	}
	n := min(max, len(l.local)-l.localHead)
	recs := l.local[l.localHead : l.localHead+n : l.localHead+n]
	l.localHead += n
	return recs
}

// done marks n taken records as written.
func (l *Ledger) done(n int) {
	l.mu.Lock()
	l.held -= n
	l.mu.Unlock()
}

// queued returns the number of records the writer has not taken yet. Only
// the writer goroutine calls it.
func (l *Ledger) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue) + len(l.local) - l.localHead
}

// abandon closes the ledger and returns how many records, queued or held by
// the writer, will never be written. Only the writer goroutine calls it.
func (l *Ledger) abandon() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	n := len(l.queue) + l.held
	l.queue, l.held = nil, 0
	l.local, l.localHead = nil, 0
	return n
}

// Pending returns the number of records accepted but not yet written,
// including a batch being written.
func (l *Ledger) Pending() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.queue) + l.held
}
