//go:build !unix

package stratum

const rawWriteSupported = false

func (w rawWriter) writeNow(p []byte) (int, error) { return 0, nil }

func (st *rawWriteState) write(fd uintptr) bool { return true }
