// Package pow holds the proof-of-work functions of the algorithms that coin
// definitions name, their share-difficulty multipliers, and the target and
// difficulty arithmetic that stratum shares and blocks are checked with.
//
// Algorithms (canonical name, aliases, multiplier):
//
//	sha256d      sha256, sha-256           1   crypto/sha256 twice
//	scrypt                               65536 x/crypto/scrypt, N=1024 r=1 p=1
//	x11                                    1   github.com/samli88/go-x11-hash
//	x13                                    1   go-x11-hash's X11 chain, then written here: Hamsi-512, Fugue-512
//	quark                                  1   chained here from go-x11-hash's 512-bit functions
//	groestl                              256   Groestl-512 twice, go-x11-hash's groestl
//	neoscrypt                            65536 written here: FastKDF-BLAKE2s, ChaCha20/20 + Salsa20/20 SMix
//	scrypt-jane  scryptjane, scrypt_jane 65536 written here: Keccak-512 PBKDF2, ChaCha20/8 ROMix
//	scrypt-n     scryptn, scrypt_n       65536 x/crypto/scrypt with N from a time table
//	lyra2rev2    lyra2re2, lyra2v2         256 BLAKE-256 (github.com/dchest/blake256), Keccak-256,
//	                                           and written here: CubeHash-256, Lyra2, Skein-512-256, BMW-256
//
// Each algorithm also carries the conventions of the chains that use it,
// which coin definitions can override: whether a block's id is its PoW
// hash (x11, x13, quark, groestl, scrypt-jane) or SHA-256d of the header, the
// transaction hash (single SHA-256 on groestl chains) and the base58check
// checksum hash (Groestl on groestl chains).
//
// Lookup returns an algorithm with its defaults; scrypt-jane and scrypt-n
// take per-coin parameters (chain start, N factor bounds, time table),
// which ForParams, NewScryptJane and NewScryptN apply. Both read the block
// time from bytes 68..72 of the header; HashAt takes it explicitly.
//
// It imports the standard library, golang.org/x/crypto and the pinned
// github.com/samli88/go-x11-hash (ISC) and github.com/dchest/blake256 (MIT),
// and nothing else of this project or outside it: everything that hashes
// shares may import it.
//
// Concurrency: every Algorithm is safe for concurrent use. Hashers that
// keep state (x11, x13, quark, groestl, neoscrypt, lyra2rev2) come from
// sync.Pools, so a warm x11, x13, quark, groestl or lyra2rev2 hash allocates
// nothing. Memory-hard hashes (scrypt-jane: 2^(Nfactor+8) bytes,
// 512 MiB at YACoin's N factor 21; scrypt-n) take one of MaxConcurrent
// tokens per Algorithm, waiting when none is free, which bounds their
// memory. The registry is written by init functions and read afterwards.
package pow
