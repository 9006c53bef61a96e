// Package daemontest starts real Litecoin Core (litecoind) regtest nodes for
// Go tests, so code that talks to coin daemons is tested against the real
// thing rather than a mock.
//
// It owns the node processes it starts: each runs in the foreground as a
// child of the test binary, on free loopback ports, with its data directory
// under t.TempDir(), and is stopped (SIGTERM, then SIGKILL after 10 s) by a
// t.Cleanup. A node can be stopped and restarted on the same ports and data
// directory to test failover. When litecoind is not on PATH the tests that
// need it are skipped, or fail when MULTIPOOL_REQUIRE_REAL=1.
//
// It imports coins/daemon (its nodes come with a ready daemon.Client) and
// the standard library; it is for tests only and must never be imported by
// production code.
//
// Concurrency: a Node's methods are meant to be called from the test
// goroutine that owns it; its Client is safe for concurrent use. FreePort is
// safe for concurrent use.
package daemontest
