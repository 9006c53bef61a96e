// Package daemon is the JSON-RPC 1.0 client the pool uses to talk to coin
// daemons (Litecoin Core and other Bitcoin Core descendants, btcd).
//
// It owns the HTTP conversation with one or more daemon endpoints of the
// same coin: request framing (every request carries "jsonrpc":"1.0" and an
// id, which btcd insists on), basic authentication, failover from an endpoint
// that cannot be reached to the next, JSON-RPC batches, and typed helpers for
// the calls the pool makes on every block (getblocktemplate, submitblock,
// getblock, ...). Anything else is reachable through Call.
//
// Error model: a daemon's own RPC error comes back as *RPCError and is final
// (the next endpoint would say the same). Transport failures, timeouts,
// HTTP 401/403 and replies that are not JSON make Call try the next
// endpoint; when every endpoint failed the error wraps ErrNoEndpoint and the
// last cause.
//
// It imports only the standard library. It must not import pool, stratum,
// ledger or profit packages: they depend on it, not the other way round.
// The subpackage daemontest starts real litecoind regtest nodes for tests.
//
// Failover makes calls at-least-once: a request whose connection broke after
// it was sent may have run on the first daemon before the next one runs it.
// Use a single-endpoint Client for calls that must not repeat (sendmany).
//
// Concurrency: a Client is safe for concurrent use by any number of
// goroutines; it shares one http.Client (with keep-alive connections) across
// all calls. Idle keep-alive connections close after 5 s, before the
// daemons' own idle timeouts, and because Litecoin Core 0.21 does not finish
// shutting down while a keep-alive connection is open. New starts nothing,
// and a Client has no goroutines of its own outside a running call.
// Passwords are never logged or put in errors.
package daemon
