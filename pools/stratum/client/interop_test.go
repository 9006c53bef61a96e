package client

import (
	"context"
	"errors"
	"testing"

	"github.com/multipool/multipool/coins/pow"
	"github.com/multipool/multipool/pools/stratum"
	"github.com/multipool/multipool/pools/stratum/client/clienttest"
)

// findNonce hashes until a nonce meets (want true) or misses (want false)
// the job's share target, for the given extranonce2 and version.
func findNonce(t *testing.T, alg *pow.Algorithm, u *JobUpdate, en2 []byte, version uint32, want bool) uint32 {
	t.Helper()
	target, err := pow.ShareTarget(u.Difficulty, alg.Multiplier)
	if err != nil {
		t.Fatal(err)
	}
	w := u.Work
	root := w.MerkleRoot(w.Coinbase(nil, u.Extranonce1, en2))
	var header [80]byte
	var h [32]byte
	for nonce := uint32(0); nonce < 1<<20; nonce++ {
		w.Header(&header, root, version, w.NTime, nonce)
		alg.Hash(&h, header[:])
		if pow.MeetsTarget(&h, target) == want {
			return nonce
		}
	}
	t.Fatal("no nonce found")
	return 0
}

// TestInteropStratumServer runs the client against the pool's own server.
func TestInteropStratumServer(t *testing.T) {
	alg, err := pow.Lookup("scrypt")
	if err != nil {
		t.Fatal(err)
	}
	src, err := clienttest.NewSource("scrypt", clienttest.LitecoinRegtest.Job("i1", 4, 4, true))
	if err != nil {
		t.Fatal(err)
	}
	addr := clienttest.ServeStratum(t, 0.0001, src)
	c := dial(t, Config{Addr: addr, User: "rltc1qinterop.w1", Password: "x", VersionRolling: true})
	if c.VersionMask() != RollingMask || len(c.Extranonce1()) != 4 || c.Extranonce2Size() < 1 {
		t.Fatalf("mask %08x extranonce1 %x size %d", c.VersionMask(), c.Extranonce1(), c.Extranonce2Size())
	}
	u := nextJob(t, c)
	if u.Job.ID == "" || u.Difficulty != 0.0001 || !u.Job.CleanJobs {
		t.Fatalf("job %q diff %v clean %v", u.Job.ID, u.Difficulty, u.Job.CleanJobs)
	}

	en2 := make([]byte, u.Extranonce2Size)
	good := findNonce(t, alg, u, en2, u.Work.Version, true)
	low := findNonce(t, alg, u, en2, u.Work.Version, false)
	bits := uint32(0x00006000)
	rolled := findNonce(t, alg, u, en2, u.Work.Version&^RollingMask|bits, true)
	ctx := context.Background()
	tests := []struct {
		name string
		s    Submission
		code int
	}{
		{"valid", Submission{JobID: u.Job.ID, Extranonce2: en2, NTime: u.Work.NTime, Nonce: good}, 0},
		{"duplicate", Submission{JobID: u.Job.ID, Extranonce2: en2, NTime: u.Work.NTime, Nonce: good}, stratum.CodeDuplicate},
		{"low difficulty", Submission{JobID: u.Job.ID, Extranonce2: en2, NTime: u.Work.NTime, Nonce: low}, stratum.CodeLowDifficulty},
		{"rolled version", Submission{JobID: u.Job.ID, Extranonce2: en2, NTime: u.Work.NTime, Nonce: rolled, VersionBits: &bits}, 0},
		{"unknown job", Submission{JobID: "nope", Extranonce2: en2, NTime: u.Work.NTime}, stratum.CodeJobNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := c.Submit(ctx, tt.s)
			var se *stratum.Error
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("err %v, want accepted", err)
			case tt.code != 0 && (!errors.As(err, &se) || se.Code != tt.code):
				t.Fatalf("err %v, want code %d", err, tt.code)
			}
		})
	}

	// A new clean job reaches the client.
	if err := src.SetJob(clienttest.LitecoinRegtest.Job("i2", 4, 4, true)); err != nil {
		t.Fatal(err)
	}
	u2 := nextJob(t, c)
	if u2.Job.ID == u.Job.ID || !u2.Job.CleanJobs {
		t.Fatalf("second job %q clean %v", u2.Job.ID, u2.Job.CleanJobs)
	}
	select {
	case <-u.Job.Done():
	default:
		t.Fatal("first job not marked done")
	}
}
