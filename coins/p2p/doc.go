// Package p2p is a minimal Bitcoin-family p2p peer: it connects to one coin
// daemon, completes the version/verack handshake, answers pings, and reports
// the blocks the daemon announces with inv messages.
//
// The pool needs it for two reasons. Announcements arrive as soon as the
// daemon has a new block, faster than polling getblocktemplate. And Litecoin
// Core refuses getblocktemplate (-9 "not connected") while it has no peer;
// on a private or regtest chain this peer is that peer.
//
// It owns the wire format it speaks (message framing with magic, command,
// length and sha256d checksum; version, verack, ping/pong, inv) and one TCP
// connection at a time. It never sends sendheaders, so the daemon announces
// blocks with inv rather than headers. It never requests blocks or
// transactions. Every message from the network is checked (magic, command
// characters, payload size, checksum, exact payload lengths); a bad one drops
// the connection and Run reconnects with backoff, never panics.
//
// It imports only the standard library; it must not import coins/daemon or
// any pool package: the pool hands it a callback.
//
// Concurrency: New starts nothing. Run owns the connection and its one
// goroutine per connection, calls onBlock from that goroutine (so onBlock
// must return quickly), and returns after the connection is closed. Run is
// called once per Peer. Connected is safe to call from any goroutine.
package p2p
