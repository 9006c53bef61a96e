//go:build !unix

package stratum

const rawWriteSupported = false

func (w rawWriter) writeNow(p []byte) (int, error) { return 0, nil }
