package ledger

// Keys of the payout's money records (doc.go lists them). They live here,
// next to nothing else, so that keys.go and this file are the only places
// that spell a key.

// blocksConfirmed is the zset of round ids of credited blocks (score:
// height).
func (k keys) blocksConfirmed(coin string) string {
	return k.prefix + coin + ":blocks:confirmed"
}

// blocksOrphaned is the zset of round ids of orphaned blocks.
func (k keys) blocksOrphaned(coin string) string {
	return k.prefix + coin + ":blocks:orphaned"
}

// blocksKicked is the zset of round ids of blocks the wallet never knew.
func (k keys) blocksKicked(coin string) string {
	return k.prefix + coin + ":blocks:kicked"
}

// credits is the hash address -> smallest units one confirmed block
// credited.
func (k keys) credits(coin, round string) string {
	return k.prefix + coin + ":credits:" + round
}

// balances is the hash address -> owed smallest units.
func (k keys) balances(coin string) string { return k.prefix + coin + ":balances" }

// immature is the hash address -> smallest units of blocks not mature yet.
func (k keys) immature(coin string) string { return k.prefix + coin + ":immature" }

// paid is the hash address -> smallest units paid in total.
func (k keys) paid(coin string) string { return k.prefix + coin + ":paid" }

// held is the hash address -> why its balance is not paid.
func (k keys) held(coin string) string { return k.prefix + coin + ":payees:held" }

// paymentsPending is the hash payment id -> recipients of payments whose
// outcome is not recorded yet.
func (k keys) paymentsPending(coin string) string {
	return k.prefix + coin + ":payments:pending"
}

// payments is the zset of every payment id (score: creation, unix ms).
func (k keys) payments(coin string) string { return k.prefix + coin + ":payments" }

// payment is the hash of one payment.
func (k keys) payment(coin, id string) string { return k.prefix + coin + ":payment:" + id }

// payoutLock is the string naming the coin's payout leader.
func (k keys) payoutLock(coin string) string { return k.prefix + "payout:lock:" + coin }

// blockStateKey returns the zset that lists blocks in state s, or "" for a
// state without one.
func (k keys) blockStateKey(coin string, s BlockState) string {
	switch s {
	case BlockPending, BlockImmature:
		return k.blocksPending(coin)
	case BlockConfirmed:
		return k.blocksConfirmed(coin)
	case BlockOrphaned:
		return k.blocksOrphaned(coin)
	case BlockKicked:
		return k.blocksKicked(coin)
	}
	return ""
}

// Hash fields the payout adds to a block record.
const (
	blockFieldState          = "state"
	blockFieldConfirmations  = "confirmations"
	blockFieldRewardReceived = "rewardReceived"
	blockFieldCredited       = "credited"
	blockFieldFee            = "fee"
	blockFieldRemainder      = "remainder"
	blockFieldSettled        = "settledAt" // unix ms
	blockFieldReason         = "reason"
)

// Hash fields of a payment record.
const (
	payFieldID         = "id"
	payFieldState      = "state"
	payFieldRecipients = "recipients"
	payFieldTotal      = "total"
	payFieldCreated    = "created" // unix ms, Redis clock
	payFieldDone       = "done"    // unix ms, Redis clock
	payFieldTip        = "tip"
	payFieldComment    = "comment"
	payFieldTxID       = "txid"
	payFieldFee        = "fee"
	payFieldReason     = "reason"
)
