package ledgertest

import "syscall"

// procAttr makes the kernel stop a server whose test binary died without
// running its cleanups (a test timeout, a crash).
func procAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
