// Package daemontest starts real coin daemons for Go tests: Litecoin Core
// (litecoind) and btcd regtest nodes, so code that talks to coin daemons is
// tested against the real thing rather than a mock.
//
// It owns the node processes it starts: each runs in the foreground as a
// child of the test binary, on free loopback ports, with its data directory
// under t.TempDir(), and is stopped (SIGTERM, then SIGKILL after 10 s) by a
// t.Cleanup. A node can be stopped and restarted on the same ports and data
// directory to test failover (btcd, unlike litecoind, starts a fresh regtest
// chain each time). When the daemon is not installed the tests that need it
// are skipped, or fail when MULTIPOOL_REQUIRE_REAL=1.
//
// btcd has no wallet; Key (secp256k1 signing written for tests, not for
// value) and Node.SendWitnessTx let a test spend the coinbases btcd's
// generate paid to the node's MiningKey with a signed segwit transaction.
//
// It imports coins/daemon (its nodes come with a ready daemon.Client),
// golang.org/x/crypto/ripemd160 and the standard library; it is for tests
// only and must never be imported by production code. It must not import
// coins, so that the coins package's own tests can use it.
//
// Concurrency: a Node's methods are meant to be called from the test
// goroutine that owns it; its Client is safe for concurrent use. FreePort,
// NewKey and a Key's methods are safe for concurrent use.
package daemontest
