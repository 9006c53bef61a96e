// Package ledger is the pool's record of work and money in Redis: shares,
// rounds, blocks, share counters, hashrate samples, and the payout's block
// states, balances, payments and lock. It is the one package that builds Redis key strings; every other
// package reads and writes through its methods.
//
// # Writing: no accepted share is lost or counted twice
//
// The pool calls RecordShare (and RecordBlock) before it answers the miner.
// RecordShare makes no network call: it appends to a bounded in-memory queue
// and returns. When BufferSize records wait it returns ErrBufferFull and the
// pool rejects the share, so every share the pool accepted is in the queue.
//
// Run's writer drains the queue in order, in batches of up to BatchSize
// records (a batch leaves once it is full or BatchInterval after the writer
// saw the queue non-empty). Each batch is one EVALSHA of one Lua script
// (EVAL when Redis lacks it), which is atomic in Redis. The script first
// sets the batch's marker with SET <prefix>batch:<uuid> 1 NX EX 86400 and
// does nothing if the marker exists, so a batch that failed with a
// connection error after Redis applied it is not applied again when retried.
// A failed write is retried with the same batch id, keys and arguments, with
// backoff from 100ms to 5s, for as long as Redis is away; records keep
// queuing meanwhile. Each outage is logged once when it starts and once when
// it ends, and counted (Outages, WriteErrors). When Run's context ends the
// writer flushes within FlushTimeout, then logs and returns how many records
// it could not write (Dropped).
//
// Blocks travel in the same queue as shares, so a block's script runs after
// every share recorded before it and before every share recorded after it.
//
// What Redis acknowledged survives a Redis crash only as far as Redis
// persists it: run it with appendonly yes (appendfsync always loses nothing,
// everysec up to a second). Share.Reason and Share.Height are not stored.
//
// # Key schema
//
// Every key starts with Config.KeyPrefix ("" or e.g. "pool1:"). <coin> is the
// coin's symbol key ("ltc"), 1-32 of [A-Za-z0-9._-]; <round> is RoundID,
// "<height>:<hash>". Names follow NOMP's where they mean the same thing.
//
//	batch:<uuid>                  string  marker of a written batch (24 h TTL)
//	<coin>:shares:roundCurrent    hash    address -> summed difficulty of the
//	                                      valid shares of the open round
//	                                      (HINCRBYFLOAT; the worker login when
//	                                      a share has no address)
//	<coin>:shares:round<round>    hash    the same for the round a block closed
//	                                      (roundCurrent RENAMEd when the block
//	                                      is written)
//	<coin>:blocks:pending         zset    <round> of found blocks awaiting
//	                                      confirmation, score = height
//	<coin>:block:<round>          hash    a block: round height hash
//	                                      coinbaseTxid reward worker address
//	                                      difficulty networkDifficulty
//	                                      time (unix ms)
//	<coin>:stats                  hash    validShares staleShares
//	                                      duplicateShares lowDiffShares
//	                                      invalidShares blocksFound
//	<coin>:workers                set     worker logins seen
//	<coin>:workers:<worker>:stats hash    the <coin>:stats fields for one worker
//	<coin>:hashrate               zset    "<difficulty>:<sample id>:<worker>",
//	                                      score = unix seconds; the valid
//	                                      shares of one worker in one second
//	                                      of one batch; pruned past
//	                                      HashrateWindow on every write
//
// Written by the payout (moneykeys.go, money.go), per coin:
//
//	<coin>:blocks:confirmed       zset    <round> of credited blocks, score =
//	                                      height
//	<coin>:blocks:orphaned        zset    <round> of orphaned blocks
//	<coin>:blocks:kicked          zset    <round> of blocks the wallet never
//	                                      knew
//	<coin>:block:<round>          hash    the fields above plus state
//	                                      confirmations rewardReceived
//	                                      credited fee remainder settledAt
//	                                      reason
//	<coin>:credits:<round>        hash    address -> what the confirmed block
//	                                      credited, smallest units
//	<coin>:balances               hash    address -> owed, integer smallest units
//	<coin>:immature               hash    address -> part of the immature
//	                                      blocks (replaced by every run)
//	<coin>:paid                   hash    address -> paid in total, smallest units
//	<coin>:payees:held            hash    address -> why its balance is set
//	                                      aside (an invalid address)
//	<coin>:payments:pending       hash    payment id -> recipients JSON of a
//	                                      payment recorded before sendmany,
//	                                      removed once its outcome is
//	                                      recorded
//	<coin>:payments               zset    payment ids, score = creation (ms)
//	<coin>:payment:<id>           hash    one payment: id state recipients
//	                                      total created done tip comment txid
//	                                      fee reason
//	payout:lock:<coin>            string  the payout leader's token, with a TTL
//
// Written by the switch ports and the profit module (switching.go):
//
//	switch:<name>                 hash    the coin a switch group works on,
//	                                      since when, and an operator override
//	switch:<name>:log             list    switch events (JSON), newest first, capped
//	profit:history:<algorithm>    list    profit rankings (JSON), newest first, capped
//	profit:cache:<source>         hash    a rate-limited source's last reply, with a TTL
//	<coin>:payees:unresolved      hash    worker login -> why a switch-port miner
//	                                      has no payout address on this coin
//
// Each money write is one Lua script that first checks the caller still
// holds payout:lock:<coin>, then checks key types, then writes: a block is
// credited or orphaned only while it is in <coin>:blocks:pending, and a
// payment's outcome is recorded only while it is in
// <coin>:payments:pending, so every such write happens at most once.
//
// A block written twice (same height and hash) finds its <coin>:block:<round>
// hash and changes nothing. Shares credited with HINCRBYFLOAT are difficulty
// weights; the payout turns them into exact integer amounts.
//
// One batch may touch several coins, so the schema is for a single Redis
// (or a primary with replicas), not Redis Cluster. The batch script uses a
// "#!lua" line and needs Redis 7 or later.
//
// # Imports
//
// ledger imports the standard library and go-redis only. It must not import
// the pool, stratum, switcher, profit, payout or web packages: they use it.
// The subpackage ledgertest starts real redis-server processes for tests.
//
// # Concurrency
//
// New starts nothing and makes no network call. Run owns the one writer
// goroutine and returns after it ended; call it once. RecordShare,
// RecordBlock, Pending and the counters are safe for concurrent use and do
// not block on Redis. The reads (RoundShares, Stats, WorkerStats, Workers,
// Blocks, Hashrate) and Ping are safe for concurrent use and go to Redis
// directly; they see a batch entirely or not at all. The payout's lock,
// money writes and money reads also go to Redis directly, need no Run and
// are safe for concurrent use; the writes take the Lock they are fenced
// by. Call Close after Run has returned (or when done, without Run).
package ledger
