// Package switcher runs the auto-switch ports: a Port is a stratum
// WorkSource that forwards to the pool of the coin its group works on now,
// chosen from the profit module's rankings with hysteresis, or by an
// operator's override.
//
// # Switching
//
// A Port republishes the current pool's job as its own stratum.Job (same
// id, a fresh Done channel). On a switch it publishes the new coin's job
// with clean_jobs set and replaces its previous job, so the stratum
// server's broadcaster wakes and every session gets the new work without
// a reconnect: extranonce1, the session's difficulty and its varDiff state
// stay (the session sends set_difficulty only when its difficulty really
// changes). Pool job ids are unique across the process, so a share names
// the pool that made its job: Submit routes it there, and a share on a
// previous coin's job that is still valid is credited to that coin. A
// decision happens only on a new ranking (or an override), only when the
// coin really changes, and never to a pool that has no job yet.
//
// The chosen coin and the override are saved in Redis (through Store) and
// read back by Run: the group resumes on its saved coin after a restart,
// and a saved coin that no longer exists or is disabled falls back to
// automatic switching, which is logged and recorded in the switch log.
// Overrides made by another process (`multipool switch`) are read every
// PollInterval.
//
// # Paying miners
//
// A miner logs in with one address but earns every coin of the group. Per
// coin, its shares are recorded under: an address for that coin given in
// the password ("ltc=ADDR,doge=ADDR", keys being a coin's symbol, key or
// family), else the login itself when it is an address of that coin, else
// an address derived from the login's key hash with the coin's own
// prefixes where that is sound (P2PKH to P2PKH; P2WPKH to P2WPKH, or to
// P2PKH on a coin without segwit; both coins on main or both on a test
// network), else the login as it is: the payout sets such a balance aside
// as an invalid address until the miner gives one, and the reason is kept
// in Redis (<coin>:payees:unresolved) and in Status for the dashboard.
//
// # Imports
//
// switcher imports pools/stratum, coins, profit (snapshots and the
// Chooser) and payout/ledger (the types of its records); it must not
// import pools, upstream, payout or web: the pools, the ranking and the
// store come in through the small interfaces Pool, Ranker and Store.
//
// # Concurrency
//
// New validates and starts nothing. Run owns two goroutines, the mirror
// (follows the chosen pool's jobs and publishes them) and the decider
// (rankings, overrides, persistence), and returns after both ended. The
// WorkSource methods, Override, Current and Status are safe for concurrent
// use; the current job is an atomic pointer, so CurrentJob never waits.
package switcher
