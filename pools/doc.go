// Package pools runs one mining pool per coin. A Pool turns the coin
// daemon's block templates into stratum jobs (coinbase with the BIP34
// height, extranonce space, pool tag and payout outputs; segwit witness
// commitment; Litecoin MWEB), validates the shares miners submit against
// them, submits blocks to every daemon and records shares and blocks in
// the ledger. A Pool is a stratum.WorkSource.
//
// It imports coins, coins/pow, coins/daemon (types only, the daemon is an
// interface declared here), pools/stratum and payout/ledger (types only, the
// recorder is an interface declared here). It must not import switcher,
// upstream, profit, payout or web.
//
// Concurrency: Submit, Authorize and CurrentJob are safe for concurrent use
// by any number of sessions. The current job is an atomic pointer; the
// set of live jobs and their duplicate-share sets are guarded by mutexes.
// Run owns the template refresh loop.
package pools
