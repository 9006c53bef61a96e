// Package ledgertest starts real redis-server processes for the tests of the
// ledger and of the packages built on it.
//
// Each server runs as a child of the test binary on a free loopback port
// with its data directory in t.TempDir(), and is stopped by PID when the
// test ends (and by the kernel if the test binary dies first, on Linux).
// By default nothing is persisted; Options.Persist turns on an append-only
// file synced on every write, so data survives Stop or Kill and Start.
//
// Tests that need redis-server skip when it is not on PATH, or fail when
// the environment sets MULTIPOOL_REQUIRE_REAL=1. The package imports the
// standard library and daemontest (Require, FreePort: one port record).
//
// Concurrency: a Server's methods are not safe for concurrent use; call them
// from the test goroutine. Its Addr may be read from anywhere.
package ledgertest
