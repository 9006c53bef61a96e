// Package client is a stratum v1 client: it connects to a pool, negotiates
// (mining.configure when version rolling is asked for, mining.subscribe,
// mining.authorize), turns mining.set_difficulty and mining.notify into
// JobUpdates, and submits shares with replies matched by id, one at a time
// (Submit) or pipelined (SubmitAsync). The project's CPU miner, the load
// tool and the upstream proxy build on it.
//
// It owns one pool connection and nothing else. It imports the standard
// library, pools/stratum (Job, Work, Error) and nothing that knows about
// coins, Redis or profit.
//
// Concurrency: Dial starts two goroutines per connection, a reader that
// handles every line from the pool and a writer that drains a bounded
// queue (plus one that closes Done once both have returned); every read
// and write has a deadline. Close ends them and returns after they have
// ended; Done is closed at that point too, whatever ended the connection.
// All methods are safe for concurrent use. The Jobs channel holds at most
// the newest update: a consumer that lags loses older updates, never the
// reader's progress. Submission callbacks run on the reader goroutine, on
// a timer goroutine, or synchronously inside SubmitAsync when the
// connection has ended; they must not block and must not submit again
// themselves.
//
// Everything the pool sends is treated as hostile: lines are bounded,
// malformed messages are logged and ignored, and no input panics (see the
// fuzz test).
package client
