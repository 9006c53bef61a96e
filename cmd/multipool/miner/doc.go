// Package miner is `multipool mine`, a stratum v1 CPU miner: the miner
// the project's tests and operators point at a pool to watch shares and
// blocks flow. It hashes for real with the algorithm's proof of work from
// coins/pow, builds every header from the job (coinbase, merkle root,
// header through stratum.Work), submits the shares that meet the share
// target and reconnects with backoff when the pool drops.
//
// It owns its mining threads and one pool connection at a time (through
// pools/stratum/client). It imports no pool-side package (pools, ledger,
// switcher): it knows only what a miner on the wire knows.
//
// Concurrency: Run owns every goroutine it starts (the hashing threads,
// the progress printer and the job feed) and returns after they have
// ended. The current job is published as an immutable snapshot in an
// atomic pointer; threads switch as soon as they notice a new snapshot
// (within 32 hashes), and a share found on a job made stale by a clean
// job is dropped, never submitted.
package miner
