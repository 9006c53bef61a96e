// Package coins describes the coins a pool can mine: the definitions in
// coins/*.json (embedded in the binary; an operator's directory may add
// files or replace embedded ones by file name), the Registry that holds
// them, local address decoding and encoding (base58check P2PKH/P2SH,
// bech32/bech32m segwit per BIP173/BIP350, Litecoin MWEB), the output
// script an address is paid with, and exact Amounts in smallest units.
//
// # Definition files
//
// A definition is NOMP's coin file ({"name", "symbol", "algorithm",
// "reward", "txMessages", "peerMagic", "peerMagicTestnet"}) extended with
// what a pool needs: "network" (main, test, regtest, simnet, signet),
// "family", "protocolVersion", "pubKeyHashVersion", "scriptHashVersion",
// "legacyScriptHashVersions", "bech32HRP", "mwebHRP", "coinbaseMaturity",
// "gbtRules", "decimals", "shareMultiplier", "maxBlockVersion", "blockTime", "p2pPort",
// "rpcPort". NOMP's "mainnet"/"testnet" objects ("pubKeyHash" and
// "scriptHash" as hex, "bech32", "bip32") and algorithm fields
// ("chainStartTime", "nMin", "nMax", "timeTable", "normalHashing",
// "diffShift", "mposDiffMultiplier") are accepted too. Files may hold //
// and /* */ comments; keys are matched exactly and unknown keys are errors
// (keys starting with "_comment" are skipped). Address version bytes are
// required: without them no address can be checked.
//
// # Imports
//
// Standard library and coins/pow only. Nothing here talks to a daemon or
// the network; the RPC client is coins/daemon.
//
// # Concurrency
//
// A Registry and its Coins are immutable once Load returns and may be
// shared by any number of goroutines. The address functions are pure.
package coins
