package clienttest

import (
	"context"
	"fmt"
	"sync"

	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
)

// Source is a stratum.WorkSource for running clients against the
// project's own stratum.Server: it serves one job at a time, accepts every
// login and checks each share's proof of work the way Server does.
type Source struct {
	alg *pow.Algorithm

	mu sync.Mutex // guards the fields below
	// job is the current job; works holds every job shares may be for.
	job    *stratum.Job
	works  map[string]*stratum.Work
	seen   map[string]bool
	shares []Share
}

// NewSource returns a Source serving first.
func NewSource(algorithm string, first *stratum.Job) (*Source, error) {
	alg, err := pow.Lookup(algorithm)
	if err != nil {
		return nil, fmt.Errorf("clienttest: %w", err)
	}
	s := &Source{alg: alg, works: map[string]*stratum.Work{}, seen: map[string]bool{}}
	if err := s.SetJob(first); err != nil {
		return nil, err
	}
	return s, nil
}

// SetJob makes j the current job and wakes the sessions waiting on the
// previous one. A clean job makes every earlier job stale.
func (s *Source) SetJob(j *stratum.Job) error {
	w, err := stratum.DecodeJob(j)
	if err != nil {
		return fmt.Errorf("clienttest: %w", err)
	}
	s.mu.Lock()
	old := s.job
	if j.CleanJobs {
		s.works = map[string]*stratum.Work{}
		s.seen = map[string]bool{}
	}
	s.works[j.ID] = w
	s.job = j
	s.mu.Unlock()
	if old != nil {
		old.Replace()
	}
	return nil
}

// CurrentJob implements stratum.WorkSource.
func (s *Source) CurrentJob() *stratum.Job {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.job
}

// Authorize implements stratum.WorkSource; every login is accepted.
func (s *Source) Authorize(context.Context, *stratum.Worker) error { return nil }

// Submit implements stratum.WorkSource: it rebuilds the header and checks
// the hash against the share's difficulty, and rejects stale jobs and
// duplicates.
func (s *Source) Submit(_ context.Context, in *stratum.Share) stratum.Result {
	sh := Share{
		JobID: in.JobID, Extranonce1: in.Extranonce1, Extranonce2: in.Extranonce2,
		NTime: in.NTime, Nonce: in.Nonce, Difficulty: in.Difficulty,
	}
	if in.Worker != nil {
		sh.User = in.Worker.Name
	}
	s.mu.Lock()
	w := s.works[in.JobID]
	s.mu.Unlock()
	var key string
	var serr *stratum.Error
	if w == nil {
		serr = stratum.ErrJobNotFound
	} else {
		sh.Version = w.Version
		if in.VersionRolled {
			sh.Version = w.Version&^0x1fffe000 | in.VersionBits
		}
		key, serr = checkPoW(s.alg, w, &sh)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if key != "" {
		if s.seen[key] {
			serr = stratum.ErrDuplicate
		}
		s.seen[key] = true
	}
	sh.Err = serr
	s.shares = append(s.shares, sh)
	return stratum.Result{Err: serr}
}

// Shares returns every share submitted so far, in the order checked.
func (s *Source) Shares() []Share {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Share(nil), s.shares...)
}
