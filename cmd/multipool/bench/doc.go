// Package bench is `multipool bench`, a load tool for stratum pools: it
// opens many connections (bounded dial concurrency, optional ramp), logs
// each in, keeps a number of mining.submit requests in flight on every
// connection for a fixed time and reports the pool's answer rate, reply
// latency (p50/p99/max from a fixed log-bucket histogram, so memory does
// not grow with the run), the answers by reason, connection failures and
// how far apart the connections received the same clean job.
//
// Two modes: "random" submits random extranonce2/nonce values for the
// current job (most are rejected as low difficulty: it measures how fast
// the pool answers), "real" hashes for real until a share meets the
// difficulty the pool set, like a miner.
//
// It imports pools/stratum/client, coins/pow and the miner package (for
// the URL syntax and rate formatting), and no pool-side package.
//
// Concurrency: Run starts one goroutine per connection (plus the client's
// reader and writer) and a progress printer, and returns after all have
// ended. Counters shared by connections are atomics; per-reason counts are
// kept per connection and merged at the end.
package bench
