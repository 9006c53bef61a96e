package pow

import (
	"runtime"
	"sync/atomic"
)

// retainScratchBytes is the largest scratch buffer a scratchPool keeps
// between hashes. Larger ones (scrypt-jane from N factor 18, 64 MiB and
// up) go back to the garbage collector: allocating them costs little next
// to the seconds such a hash takes, and an idle pool then holds no memory.
const retainScratchBytes = 64 << 20

// scratchPool caps how many memory-hard hashes run at once and recycles
// their scratch memory. It holds one token per allowed hash; a token is a
// scratch buffer, or nil until a hash needs one. A hash takes a token (and
// waits when none is left) and gives it back, so at most cap(tokens)
// buffers exist at any time.
type scratchPool struct {
	tokens chan []uint32

	inUse, peak atomic.Int32 // hashes running now and at most so far (tests)
}

func newScratchPool(maxConcurrent int) *scratchPool {
	if maxConcurrent <= 0 {
		maxConcurrent = runtime.GOMAXPROCS(0)
	}
	p := &scratchPool{tokens: make(chan []uint32, maxConcurrent)}
	for range maxConcurrent {
		p.tokens <- nil
	}
	return p
}

// get waits for a token and returns a buffer of the given number of words
// (uninitialised: the callers write before they read).
func (p *scratchPool) get(words int) []uint32 {
	buf := <-p.tokens
	n := p.inUse.Add(1)
	for {
		old := p.peak.Load()
		if n <= old || p.peak.CompareAndSwap(old, n) {
			break
		}
	}
	if cap(buf) < words {
		buf = make([]uint32, words)
	}
	return buf[:words]
}

// put gives a token back, with its buffer if it is small enough to keep.
func (p *scratchPool) put(buf []uint32) {
	if cap(buf)*4 > retainScratchBytes {
		buf = nil
	}
	p.inUse.Add(-1)
	p.tokens <- buf
}
