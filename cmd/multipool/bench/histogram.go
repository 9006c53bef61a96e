package bench

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// The histogram keeps 16 buckets per power of two (values below 16 exact),
// so a quantile is off by at most 1/16 of its value, in constant memory.
const (
	subBits  = 4
	subCount = 1 << subBits
	nBuckets = subCount + (63-subBits)*subCount
)

// histogram counts durations in nanoseconds. It is safe for concurrent use.
type histogram struct {
	counts [nBuckets]atomic.Int64
	n      atomic.Int64
	max    atomic.Int64
}

func bucketOf(v int64) int {
	if v < subCount {
		return int(max(v, 0))
	}
	e := bits.Len64(uint64(v)) - 1
	sub := int(v>>(e-subBits)) & (subCount - 1)
	return subCount + (e-subBits)*subCount + sub
}

// bucketUpper returns the largest value that falls in bucket i.
func bucketUpper(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	e := (i-subCount)/subCount + subBits
	sub := int64((i - subCount) % subCount)
	return (subCount+sub+1)<<(e-subBits) - 1
}

func (h *histogram) add(d time.Duration) {
	v := int64(d)
	h.counts[bucketOf(v)].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// quantile returns the upper bound of the bucket holding the q-quantile
// (0 < q <= 1), never more than the largest value seen.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n) + 0.5)
	rank = min(max(rank, 1), n)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(min(bucketUpper(i), h.max.Load()))
		}
	}
	return time.Duration(h.max.Load())
}
