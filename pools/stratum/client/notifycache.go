package client

import (
	"sync"

	"github.com/multipool/multipool/pools/stratum"
)

// decodedNotify is a mining.notify line decoded: the job as sent and its
// work. Shared between clients, so read-only.
type decodedNotify struct {
	job  stratum.Job
	work *stratum.Work
}

// notifies holds the newest decoded notify lines of the process. A pool
// sends the same line to every connection of a port, and a process with
// many clients (the load tool, an upstream proxy with several
// connections) would otherwise decode every copy. Decoding is a function
// of the line alone, so a hit gives what decoding would have.
var notifies = newNotifyCache(64, 16<<10)

// notifyCache maps whole lines to their decoding; it holds at most size
// lines of at most maxLine bytes, dropping the oldest first.
type notifyCache struct {
	maxLine int
	mu      sync.RWMutex
	m       map[string]*decodedNotify
	order   []string // ring of the keys, oldest at next
	next    int
}

func newNotifyCache(size, maxLine int) *notifyCache {
	return &notifyCache{maxLine: maxLine, m: make(map[string]*decodedNotify, size), order: make([]string, 0, size)}
}

func (nc *notifyCache) get(line []byte) *decodedNotify {
	if len(line) > nc.maxLine {
		return nil
	}
	nc.mu.RLock()
	d := nc.m[string(line)]
	nc.mu.RUnlock()
	return d
}

func (nc *notifyCache) put(line []byte, d *decodedNotify) {
	if len(line) > nc.maxLine {
		return
	}
	nc.mu.Lock()
	defer nc.mu.Unlock()
	key := string(line)
	if _, ok := nc.m[key]; ok {
		return
	}
	if len(nc.order) < cap(nc.order) {
		nc.order = append(nc.order, key)
	} else {
		delete(nc.m, nc.order[nc.next])
		nc.order[nc.next] = key
		nc.next = (nc.next + 1) % len(nc.order)
	}
	nc.m[key] = d
}
