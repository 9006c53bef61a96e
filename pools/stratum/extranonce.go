package stratum

import (
	"errors"
	"sync"
)

// ErrExtranonceExhausted is returned when every extranonce1 of an
// allocator is held by a live connection.
var ErrExtranonceExhausted = errors.New("stratum: extranonce1 space exhausted")

// ExtranonceAllocator hands out 4-byte extranonce1 values: the instance id
// byte, then a 24-bit big-endian counter. A value is never given to two
// live connections at once, across every Server sharing the allocator; on
// wrap-around the counter skips values still in use. Safe for concurrent
// use.
type ExtranonceAllocator struct {
	instance byte
	space    uint32 // size of the counter space; 1<<24 except in tests

	mu sync.Mutex // guards the fields below
	// next is the counter value to try first.
	next uint32
	// inUse holds the counter values of live connections.
	inUse map[uint32]struct{}
}

// NewExtranonceAllocator returns an allocator whose values all start with
// instanceID, so that processes sharing one Redis never collide.
func NewExtranonceAllocator(instanceID byte) *ExtranonceAllocator {
	return &ExtranonceAllocator{instance: instanceID, space: 1 << 24, inUse: make(map[uint32]struct{})}
}

// Allocate returns an extranonce1 no live connection holds.
func (a *ExtranonceAllocator) Allocate() ([4]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if uint32(len(a.inUse)) >= a.space {
		return [4]byte{}, ErrExtranonceExhausted
	}
	for {
		v := a.next
		a.next = (a.next + 1) % a.space
		if _, used := a.inUse[v]; !used {
			a.inUse[v] = struct{}{}
			return [4]byte{a.instance, byte(v >> 16), byte(v >> 8), byte(v)}, nil
		}
	}
}

// Release returns en to the allocator; the connection holding it has gone.
func (a *ExtranonceAllocator) Release(en [4]byte) {
	if en[0] != a.instance {
		return
	}
	v := uint32(en[1])<<16 | uint32(en[2])<<8 | uint32(en[3])
	a.mu.Lock()
	delete(a.inUse, v)
	a.mu.Unlock()
}

// InUse returns how many values are held by live connections.
func (a *ExtranonceAllocator) InUse() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.inUse)
}
