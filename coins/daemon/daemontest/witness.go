package daemontest

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
)

// sigHashAll is the sighash type that signs every input and output.
const sigHashAll = 1

// txIn is one input of a transaction being built.
type txIn struct {
	// PrevHash is the spent transaction's id in internal byte order (the
	// reverse of the display form).
	PrevHash  [32]byte
	PrevIndex uint32
	Sequence  uint32
	// Witness is the input's witness stack; empty for none.
	Witness [][]byte
}

// txOut is one output of a transaction being built.
type txOut struct {
	Value  int64
	Script []byte
}

// tx is a transaction with no scriptSigs: every input is a native segwit
// spend, so the only unlocking data is in the witnesses.
type tx struct {
	Version  uint32
	In       []txIn
	Out      []txOut
	LockTime uint32
}

// serialize returns the transaction with the BIP144 marker, flag and
// witnesses when any input has a witness, else the legacy form.
func (t *tx) serialize(withWitness bool) []byte {
	hasWitness := false
	for _, in := range t.In {
		hasWitness = hasWitness || len(in.Witness) > 0
	}
	withWitness = withWitness && hasWitness
	b := binary.LittleEndian.AppendUint32(nil, t.Version)
	if withWitness {
		b = append(b, 0x00, 0x01)
	}
	b = appendVarInt(b, uint64(len(t.In)))
	for _, in := range t.In {
		b = append(b, in.PrevHash[:]...)
		b = binary.LittleEndian.AppendUint32(b, in.PrevIndex)
		b = append(b, 0) // empty scriptSig
		b = binary.LittleEndian.AppendUint32(b, in.Sequence)
	}
	b = appendOutputs(b, t.Out)
	if withWitness {
		for _, in := range t.In {
			b = appendVarInt(b, uint64(len(in.Witness)))
			for _, item := range in.Witness {
				b = appendVarInt(b, uint64(len(item)))
				b = append(b, item...)
			}
		}
	}
	return binary.LittleEndian.AppendUint32(b, t.LockTime)
}

func appendOutputs(b []byte, outs []txOut) []byte {
	b = appendVarInt(b, uint64(len(outs)))
	for _, o := range outs {
		b = binary.LittleEndian.AppendUint64(b, uint64(o.Value))
		b = appendVarInt(b, uint64(len(o.Script)))
		b = append(b, o.Script...)
	}
	return b
}

func appendVarInt(b []byte, n uint64) []byte {
	switch {
	case n < 0xfd:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.LittleEndian.AppendUint16(append(b, 0xfd), uint16(n))
	case n <= 0xffffffff:
		return binary.LittleEndian.AppendUint32(append(b, 0xfe), uint32(n))
	default:
		return binary.LittleEndian.AppendUint64(append(b, 0xff), n)
	}
}

func sha256d(b []byte) [32]byte {
	h := sha256.Sum256(b)
	return sha256.Sum256(h[:])
}

// witnessSigHash is the BIP143 signature hash of input i, which spends
// amount satoshis locked by an output whose script code is scriptCode,
// for SIGHASH_ALL.
func (t *tx) witnessSigHash(i int, scriptCode []byte, amount int64) [32]byte {
	var prevouts, sequences []byte
	for _, in := range t.In {
		prevouts = append(prevouts, in.PrevHash[:]...)
		prevouts = binary.LittleEndian.AppendUint32(prevouts, in.PrevIndex)
		sequences = binary.LittleEndian.AppendUint32(sequences, in.Sequence)
	}
	hashPrevouts := sha256d(prevouts)
	hashSequence := sha256d(sequences)
	outs := appendOutputs(nil, t.Out)
	hashOutputs := sha256d(outs[len(appendVarInt(nil, uint64(len(t.Out)))):])

	in := t.In[i]
	b := binary.LittleEndian.AppendUint32(nil, t.Version)
	b = append(b, hashPrevouts[:]...)
	b = append(b, hashSequence[:]...)
	b = append(b, in.PrevHash[:]...)
	b = binary.LittleEndian.AppendUint32(b, in.PrevIndex)
	b = appendVarInt(b, uint64(len(scriptCode)))
	b = append(b, scriptCode...)
	b = binary.LittleEndian.AppendUint64(b, uint64(amount))
	b = binary.LittleEndian.AppendUint32(b, in.Sequence)
	b = append(b, hashOutputs[:]...)
	b = binary.LittleEndian.AppendUint32(b, t.LockTime)
	b = binary.LittleEndian.AppendUint32(b, sigHashAll)
	return sha256d(b)
}

// p2wpkhScriptCode is the BIP143 script code of a P2WPKH output: the
// P2PKH script of the same key hash.
func p2wpkhScriptCode(hash160 []byte) []byte {
	s := []byte{0x76, 0xa9, 0x14}
	s = append(s, hash160...)
	return append(s, 0x88, 0xac)
}

// signP2WPKH fills in the witness of input i, which spends amount
// satoshis from key's P2WPKH output.
func (t *tx) signP2WPKH(i int, key *Key, amount int64) error {
	h := t.witnessSigHash(i, p2wpkhScriptCode(key.Hash160()), amount)
	sig, err := key.Sign(h)
	if err != nil {
		return err
	}
	t.In[i].Witness = [][]byte{append(sig, sigHashAll), key.PubKey()}
	return nil
}

// parseDisplayHash turns a 64-hex-digit id in RPC display order into
// internal byte order.
func parseDisplayHash(s string) ([32]byte, error) {
	var h [32]byte
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != 32 {
		return h, fmt.Errorf("hash %q is not 64 hex digits", s)
	}
	for i := range b {
		h[31-i] = b[i]
	}
	return h, nil
}

// displayHash is the RPC display form of an internal-order hash.
func displayHash(h [32]byte) string {
	var r [32]byte
	for i := range h {
		r[31-i] = h[i]
	}
	return hex.EncodeToString(r[:])
}
