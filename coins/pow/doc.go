// Package pow holds the proof-of-work functions of the algorithms that coin
// definitions name, their share-difficulty multipliers, and the target and
// difficulty arithmetic that stratum shares and blocks are checked with.
//
// It imports only the standard library and golang.org/x/crypto. Every
// Algorithm is safe for concurrent use: hashers that keep state are drawn
// from a pool per call.
package pow
