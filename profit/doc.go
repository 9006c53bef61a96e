// Package profit decides which coin of an algorithm pays best. It owns the
// price and network data sources (the coins' own daemons, the exchanges
// CoinGecko, Kraken and Binance, and the profitability sites CoinWarz,
// CoinChoose and WhatToMine), the revenue formula, the ranking snapshot the
// switcher reads, and the hysteresis rule (Chooser) that keeps a switch
// group from flapping.
//
// # Formula
//
// With D the network difficulty (diff1/target), R the block reward in coins
// (subsidy plus fees), P the price in the quote currency and H hashes per
// second:
//
//	revenue/day = P * R * H * 86400 / (D * 2^32)
//
// Coins of one algorithm share H, so they are ranked by P*R/D (Score).
// Revenue is shown per unit hashrate: MH/s for scrypt-like algorithms, TH/s
// for sha256d, GH/s for the rest.
//
// # Sources and staleness
//
// A Source returns Quotes (difficulty, reward, price; zero = unknown) for
// the coins it knows. Every UpdateInterval the Module asks every source at
// once, each bounded by RoundTimeout, and then publishes an immutable
// Snapshot with whatever came back: a source that times out, answers 429,
// HTML, malformed JSON or leaves a coin out never delays the snapshot past
// RoundTimeout and never fails it. Per coin and figure the module takes the
// first source in configuration order whose latest attempt succeeded and
// included the coin ("fresh"); when none did, the most recent older value
// ("stale", with its age) is used, up to MaxAge. Every figure in a snapshot
// names its source and time, and every source's status (last success, last
// error, failure counts) is in the snapshot for the dashboard.
//
// CoinWarz allows about 25 calls a day on its free tier: its source never
// calls more often than MinInterval (default one hour), answers from its
// cache in between, keeps the cache in Redis across restarts when given a
// Cache, and stops until the next UTC day when the reply says no calls
// remain. API keys go in headers or query strings and never into errors or
// logs.
//
// # Imports
//
// profit imports the standard library, coins (the Coin type for wiring
// helpers), coins/pow (difficulty from bits) and coins/daemon (block
// templates). It must not import pools, stratum, switcher, payout or web;
// the ledger reaches it through the small History and Cache interfaces.
//
// # Concurrency
//
// New validates and starts nothing. Run owns every goroutine (one per
// source fetch in flight) and returns after they have ended. Current,
// Snapshot and UpdateNow are safe for concurrent use; snapshots are never
// modified after they are published. A Chooser is not safe for concurrent
// use: each switch group owns one.
package profit
