package stratum

import (
	"net"
	"syscall"
)

// rawWriter writes to a socket without ever waiting for it: what the
// kernel's send buffer does not take at once is left to the caller. The
// zero value writes nothing (the connection is not a plain socket).
type rawWriter struct {
	rc syscall.RawConn
	st *rawWriteState
}

// rawWriteState is one write in progress, kept with its callback so that
// a write allocates nothing; only the holder of the session's write side
// writes, so one per connection serves.
type rawWriteState struct {
	p   []byte
	n   int
	err error
	fn  func(fd uintptr) bool // st.write, bound once
}

// newRawWriter returns a rawWriter for a plain socket connection, or the
// zero value for anything else (TLS, net.Pipe) and where non-blocking
// writes are not supported.
func newRawWriter(c net.Conn) rawWriter {
	if !rawWriteSupported {
		return rawWriter{}
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return rawWriter{}
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return rawWriter{}
	}
	st := &rawWriteState{}
	st.fn = st.write
	return rawWriter{rc: rc, st: st}
}
