//go:build unix

package stratum

import "syscall"

const rawWriteSupported = true

// writeNow writes as much of p as the socket takes without blocking. The
// descriptor is non-blocking (the runtime's poller owns it), so a full send
// buffer shows as EAGAIN, which is not an error here.
func (w rawWriter) writeNow(p []byte) (int, error) {
	st := w.st
	st.p, st.n, st.err = p, 0, nil
	err := w.rc.Write(st.fn)
	if err == nil {
		err = st.err
	}
	n := st.n
	st.p = nil
	return n, err
}

// write is the RawConn callback: it writes until the socket would block.
func (st *rawWriteState) write(fd uintptr) bool {
	for st.n < len(st.p) {
		m, e := syscall.Write(int(fd), st.p[st.n:])
		if m > 0 {
			st.n += m
		}
		switch e {
		case nil:
			if m <= 0 {
				return true
			}
		case syscall.EINTR:
		case syscall.EAGAIN:
			return true
		default:
			st.err = e
			return true
		}
	}
	return true // done: never wait for the socket
}
