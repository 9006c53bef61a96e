package ledger

import (
	"strconv"
	"strings"
)

// Hash fields of the stats hashes (per coin and per worker). The Lua batch
// script names fieldBlocksFound literally; keep the two in step.
const (
	fieldValid       = "validShares"
	fieldStale       = "staleShares"
	fieldDuplicate   = "duplicateShares"
	fieldLowDiff     = "lowDiffShares"
	fieldInvalid     = "invalidShares"
	fieldBlocksFound = "blocksFound"
)

// Hash fields of a block record (<coin>:block:<height>:<hash>).
const (
	blockFieldRound        = "round"
	blockFieldHeight       = "height"
	blockFieldHash         = "hash"
	blockFieldCoinbaseTxID = "coinbaseTxid"
	blockFieldReward       = "reward"
	blockFieldWorker       = "worker"
	blockFieldAddress      = "address"
	blockFieldDifficulty   = "difficulty"
	blockFieldNetworkDiff  = "networkDifficulty"
	blockFieldTime         = "time" // unix milliseconds
)

// CurrentRound names the round that is still open, for RoundShares.
const CurrentRound = "current"

// keys builds every Redis key the ledger uses. Nothing outside this file
// spells a key; doc.go lists the schema.
type keys struct {
	prefix string
}

// batch is the idempotency marker of one written batch.
func (k keys) batch(id string) string { return k.prefix + "batch:" + id }

// roundCurrent is the hash address -> summed difficulty of the open round.
func (k keys) roundCurrent(coin string) string {
	return k.prefix + coin + ":shares:roundCurrent"
}

// round is the hash of a closed round; id is RoundID(height, hash).
func (k keys) round(coin, id string) string {
	return k.prefix + coin + ":shares:round" + id
}

// blocksPending is the zset of round ids (score: height) of blocks waiting
// for confirmation.
func (k keys) blocksPending(coin string) string {
	return k.prefix + coin + ":blocks:pending"
}

// block is the hash holding one block's fields.
func (k keys) block(coin, id string) string {
	return k.prefix + coin + ":block:" + id
}

// stats is the coin's counter hash.
func (k keys) stats(coin string) string { return k.prefix + coin + ":stats" }

// workers is the set of worker logins that have sent a share for the coin.
func (k keys) workers(coin string) string { return k.prefix + coin + ":workers" }

// workerStats is one worker's counter hash.
func (k keys) workerStats(coin, worker string) string {
	return k.prefix + coin + ":workers:" + worker + ":stats"
}

// hashrate is the zset of hashrate samples (score: unix seconds).
func (k keys) hashrate(coin string) string { return k.prefix + coin + ":hashrate" }

// RoundID names the round a block closed: "<height>:<hash>". It is also the
// member of the pending block set and the suffix of the round's share hash.
func RoundID(height int64, hash string) string {
	return strconv.FormatInt(height, 10) + ":" + hash
}

// parseRoundID splits a RoundID; ok is false when id is not one.
func parseRoundID(id string) (height int64, hash string, ok bool) {
	h, hash, found := strings.Cut(id, ":")
	if !found || !validHash(hash) {
		return 0, "", false
	}
	height, err := strconv.ParseInt(h, 10, 64)
	if err != nil || height < 0 || strconv.FormatInt(height, 10) != h {
		return 0, "", false
	}
	return height, hash, true
}

// Limits on the strings that become parts of keys.
const (
	maxCoinLen   = 32
	maxWorkerLen = 256
	maxHashLen   = 128
)

// validCoin accepts a coin symbol key: 1-32 of [A-Za-z0-9._-]. The
// restriction keeps ':' and braces out of keys.
func validCoin(s string) bool {
	if s == "" || len(s) > maxCoinLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// validWorker accepts a non-empty login of at most 256 bytes without control
// characters. Colons are fine: workers are the last part of a hashrate
// sample and of their stats key.
func validWorker(s string) bool {
	if s == "" || len(s) > maxWorkerLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}

// validHash accepts a block hash: 1-128 hex digits.
func validHash(s string) bool {
	if s == "" || len(s) > maxHashLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
