// Package payout pays a coin's miners by PROP: when a block the pool found
// matures, its reward is split among the addresses of its round in
// proportion to their summed share difficulty, credited to their
// balances, and balances at or above the minimum payment are sent with the
// wallet's sendmany. docs/PAYOUTS.md gives the reasoning; this comment the
// contract.
//
// # One run
//
// A Processor serves one coin. Once takes the coin's payout lock in Redis
// (one runner at a time across every process sharing the Redis; it
// expires after Config.LockTTL, so a crashed runner frees it), then:
//
//  1. Settles the pending blocks. gettransaction on each coinbase and
//     getblockheader on each block say: immature (stays pending, its split
//     makes up the immature balances), mature ("generate": split and
//     credited, once), or orphaned / kicked (its round's shares move into
//     the current round, so that work is paid with the next block). See
//     classify for the rules.
//  2. Reconciles payments an earlier run left pending: the wallet is
//     searched for the payment's unique comment (listsinceblock from the
//     tip recorded with it). Found means paid: the txid is recorded. Not
//     found, once the payment is older than Config.SettleTime, means never
//     sent: the amounts are credited back. Then the wallet is audited for
//     payout transactions the ledger does not expect (a payment it does
//     not know, after Redis lost data; a payment it credited back). While
//     any of this stays unresolved the run pays nothing.
//  3. Pays: every balance at or above the minimum, rounded down to 8
//     decimals, whose address decodes for the coin and passes the daemon's
//     validateaddress (others are set aside with a reason, visible in the
//     ledger), as far as the wallet's balance goes (the rest waits), in
//     batches of Config.MaxRecipients. Each batch is recorded as pending
//     and debited atomically before sendmany, and its txid recorded after.
//
// The split (SplitReward) is exact integer arithmetic on smallest units
// with a written remainder rule, and sum(credits) + fee + remainder ==
// reward always holds.
//
// Run calls Once on Config.Schedule (robfig/cron); Plan is a dry run that
// writes nothing.
//
// # Imports
//
// payout imports the ledger (its only store: it builds no Redis key), the
// coins package and the daemon client's types. It must not import pools,
// stratum, switcher, upstream, profit or web.
//
// # Concurrency
//
// New starts nothing. Run owns its cron goroutine and returns after the
// run in progress ended; call it once. Once and Plan may be called from any
// goroutine; concurrent Once calls on the same coin, in one process or
// many, are serialized by the lock (the loser gets ErrLocked at once).
// Once a payment is recorded its sendmany and the recording of its outcome
// run to the end even if the caller's context ends.
package payout
