//go:build unix

package stratum

import "syscall"

const rawWriteSupported = true

// writeNow writes as much of p as the socket takes without blocking. The
// descriptor is non-blocking (the runtime's poller owns it), so a full send
// buffer shows as EAGAIN, which is not an error here.
func (w rawWriter) writeNow(p []byte) (int, error) {
	var (
		n    int
		werr error
	)
	err := w.rc.Write(func(fd uintptr) bool {
		for n < len(p) {
			m, e := syscall.Write(int(fd), p[n:])
			if m > 0 {
				n += m
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
				werr = e
				return true
			}
		}
		return true // done: never wait for the socket
	})
	if err == nil {
		err = werr
	}
	return n, err
}
