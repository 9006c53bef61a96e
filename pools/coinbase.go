package pools

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
)

// ExtranonceSize is the room in the coinbase for extranonce1 (per
// connection) plus extranonce2 (the miner's), in bytes.
const ExtranonceSize = 8

// maxScriptSig is the consensus limit on the coinbase scriptSig length.
const maxScriptSig = 100

// txOut is one coinbase output.
type txOut struct {
	Value  int64
	Script []byte
}

// coinbaseSpec is everything that goes into the coinbase transaction.
type coinbaseSpec struct {
	Height int64
	// AuxFlags is the template's coinbaseaux.flags, put after the height.
	AuxFlags []byte
	Tag      []byte
	Outputs  []txOut
	// POSTime is the transaction time field POS coins carry after the
	// version; 0 means none.
	POSTime    uint32
	POS        bool
	TxMessages bool
	Message    []byte
	// ExtraPayload is Dash's DIP4 coinbase payload; when set the coinbase
	// is a special transaction (version 3, type 5) that carries it after
	// the lock time.
	ExtraPayload []byte
}

// dashCoinbaseVersion is the version field of a DIP2 special transaction
// of type 5 (coinbase): version 3 in the low 16 bits, the type above.
const dashCoinbaseVersion = 3 | 5<<16

// tailLen is the length of what follows the outputs: the lock time, a tx
// message and an extra payload. Witness data goes before it.
func (s coinbaseSpec) tailLen() int {
	n := 4
	if s.TxMessages {
		n += len(appendVarInt(nil, uint64(len(s.Message)))) + len(s.Message)
	}
	if s.ExtraPayload != nil {
		n += len(appendVarInt(nil, uint64(len(s.ExtraPayload)))) + len(s.ExtraPayload)
	}
	return n
}

// coinbaseParts is the coinbase split around the extranonce, in the
// serialization without witness (what the txid hashes).
type coinbaseParts struct {
	Coinb1, Coinb2 []byte
}

// buildCoinbase serializes the coinbase around an ExtranonceSize gap.
func buildCoinbase(s coinbaseSpec) (coinbaseParts, error) {
	script := appendScriptNum(nil, s.Height)
	script = append(script, s.AuxFlags...)
	script = append(script, ExtranonceSize) // push opcode for the extranonce
	scriptPrefix := len(script)
	tag := s.Tag
	// Keep the scriptSig within consensus limits by shortening the tag.
	room := maxScriptSig - scriptPrefix - ExtranonceSize - 1
	if room < 0 {
		return coinbaseParts{}, fmt.Errorf("coinbase scriptSig too long (%d bytes before the tag)", scriptPrefix+ExtranonceSize)
	}
	if len(tag) > room {
		tag = tag[:room]
	}
	var tail []byte
	if len(tag) > 0 {
		tail = appendPush(nil, tag)
	}
	scriptLen := scriptPrefix + ExtranonceSize + len(tail)

	var b1 []byte
	version := uint32(1)
	if s.TxMessages {
		version = 2
	}
	if s.ExtraPayload != nil {
		if s.TxMessages || s.POS {
			return coinbaseParts{}, errors.New("coinbase payload on a coin with tx messages or POS time: no chain has both")
		}
		version = dashCoinbaseVersion
	}
	b1 = binary.LittleEndian.AppendUint32(b1, version)
	if s.POS {
		b1 = binary.LittleEndian.AppendUint32(b1, s.POSTime)
	}
	b1 = append(b1, 1)                      // one input
	b1 = append(b1, make([]byte, 32)...)    // null prevout hash
	b1 = append(b1, 0xff, 0xff, 0xff, 0xff) // prevout index
	b1 = appendVarInt(b1, uint64(scriptLen))
	b1 = append(b1, script...)

	b2 := append([]byte(nil), tail...)
	b2 = append(b2, 0xff, 0xff, 0xff, 0xff) // sequence
	if len(s.Outputs) == 0 {
		return coinbaseParts{}, errors.New("coinbase has no outputs")
	}
	b2 = appendVarInt(b2, uint64(len(s.Outputs)))
	for _, o := range s.Outputs {
		b2 = binary.LittleEndian.AppendUint64(b2, uint64(o.Value))
		b2 = appendVarInt(b2, uint64(len(o.Script)))
		b2 = append(b2, o.Script...)
	}
	b2 = append(b2, 0, 0, 0, 0) // lock time
	if s.TxMessages {
		b2 = appendVarInt(b2, uint64(len(s.Message)))
		b2 = append(b2, s.Message...)
	}
	if s.ExtraPayload != nil {
		b2 = appendVarInt(b2, uint64(len(s.ExtraPayload)))
		b2 = append(b2, s.ExtraPayload...)
	}
	return coinbaseParts{Coinb1: b1, Coinb2: b2}, nil
}

// witnessCoinbase turns the non-witness serialization of a coinbase into
// the witness form: marker and flag after the version (and POS time), and
// one 32-zero-byte witness item before the tail (lock time and what
// follows it, tailLen bytes).
func witnessCoinbase(tx []byte, pos bool, tailLen int) []byte {
	head := 4
	if pos {
		head += 4
	}
	body := tx[head : len(tx)-tailLen]
	out := make([]byte, 0, len(tx)+2+34)
	out = append(out, tx[:head]...)
	out = append(out, 0x00, 0x01)
	out = append(out, body...)
	out = append(out, 0x01, 0x20)
	out = append(out, make([]byte, 32)...)
	return append(out, tx[len(tx)-tailLen:]...)
}

// witnessCommitmentScript returns the output script for a template's
// default_witness_commitment: Bitcoin Core sends the whole script, btcd
// only the 32-byte commitment hash.
func witnessCommitmentScript(h string) ([]byte, error) {
	b, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("default_witness_commitment: %w", err)
	}
	switch {
	case len(b) == 32:
		return append([]byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}, b...), nil
	case len(b) >= 38 && b[0] == 0x6a && b[1] == 0x24 && b[2] == 0xaa && b[3] == 0x21 && b[4] == 0xa9 && b[5] == 0xed:
		return b, nil
	default:
		return nil, fmt.Errorf("default_witness_commitment: unexpected form %q", h)
	}
}
