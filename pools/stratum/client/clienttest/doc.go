// Package clienttest runs a small stratum v1 pool on a loopback port for
// the tests of stratum clients (package client, the miner, the load tool).
// It speaks the protocol as pools/stratum documents it and checks every
// submitted share for real: it rebuilds coinbase, merkle root and header
// from the job and the share and hashes them with the algorithm's PoW.
//
// Source is the same share check as a stratum.WorkSource, and
// ServeStratum runs the project's own stratum.Server with it, so that
// clients can also be tested against the real server.
//
// It imports pools/stratum and coins/pow only, and is not meant for
// production: it keeps every share in memory. All methods are safe for
// concurrent use.
package clienttest
