package coins

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

var (
	// ErrInvalidAddress is returned for a string that is no address at all:
	// bad characters, a bad checksum, a bad length or witness program.
	ErrInvalidAddress = errors.New("coins: invalid address")
	// ErrWrongNetwork is returned for a well-formed address whose version
	// byte or bech32 prefix belongs to another coin or network.
	ErrWrongNetwork = errors.New("coins: address of another network")
	// ErrMWEBAddress is returned by AddressScript and Address.Script for a
	// Litecoin MWEB (stealth) address: no coinbase output can pay it.
	ErrMWEBAddress = errors.New("coins: cannot pay an MWEB address from a coinbase")
)

// AddressKind says what an address pays to.
type AddressKind int

// The kinds of address DecodeAddress knows.
const (
	AddressUnknown      AddressKind = iota
	P2PKH                           // base58, hash160 of a public key
	P2SH                            // base58, hash160 of a script
	WitnessV0KeyHash                // bech32, version 0, 20-byte program
	WitnessV0ScriptHash             // bech32, version 0, 32-byte program
	WitnessV1Taproot                // bech32m, version 1, 32-byte program
	WitnessUnknown                  // bech32m, version 1..16 with any other program of 2..40 bytes
	MWEB                            // Litecoin MWEB stealth address: not payable from a coinbase
)

var kindNames = [...]string{"unknown", "p2pkh", "p2sh", "witness_v0_keyhash", "witness_v0_scripthash", "witness_v1_taproot", "witness_unknown", "mweb"}

// String returns a short lower-case name such as "p2pkh" or "witness_v0_keyhash".
func (k AddressKind) String() string {
	if k < 0 || int(k) >= len(kindNames) {
		return fmt.Sprintf("AddressKind(%d)", int(k))
	}
	return kindNames[k]
}

// IsWitness reports whether the kind is a segwit output.
func (k AddressKind) IsWitness() bool {
	return k >= WitnessV0KeyHash && k <= WitnessUnknown
}

// Address is a decoded address, independent of its text form.
type Address struct {
	Kind AddressKind
	// Hash is the hash160 for P2PKH and P2SH, the witness program for
	// segwit kinds, and the scan and spend public keys (33+33 bytes) for MWEB.
	Hash []byte
	// WitnessVersion is the segwit version (0..16); for MWEB, the address
	// version; otherwise 0.
	WitnessVersion int
	// Version is the base58 version byte the address was decoded with
	// (P2PKH, P2SH). EncodeAddress keeps a P2SH version if the coin accepts
	// it and otherwise uses the coin's ScriptHashVersion.
	Version byte
}

// Script returns the scriptPubKey that pays the address.
func (a Address) Script() ([]byte, error) {
	switch a.Kind {
	case P2PKH:
		if len(a.Hash) != 20 {
			return nil, fmt.Errorf("%w: p2pkh hash of %d bytes", ErrInvalidAddress, len(a.Hash))
		}
		s := make([]byte, 0, 25)
		s = append(s, 0x76, 0xa9, 0x14) // OP_DUP OP_HASH160 push20
		s = append(s, a.Hash...)
		return append(s, 0x88, 0xac), nil // OP_EQUALVERIFY OP_CHECKSIG
	case P2SH:
		if len(a.Hash) != 20 {
			return nil, fmt.Errorf("%w: p2sh hash of %d bytes", ErrInvalidAddress, len(a.Hash))
		}
		s := make([]byte, 0, 23)
		s = append(s, 0xa9, 0x14) // OP_HASH160 push20
		s = append(s, a.Hash...)
		return append(s, 0x87), nil // OP_EQUAL
	case WitnessV0KeyHash, WitnessV0ScriptHash, WitnessV1Taproot, WitnessUnknown:
		if err := checkWitness(a.WitnessVersion, a.Hash); err != nil {
			return nil, err
		}
		op := byte(0x00)
		if a.WitnessVersion > 0 {
			op = 0x50 + byte(a.WitnessVersion) // OP_1..OP_16
		}
		s := make([]byte, 0, 2+len(a.Hash))
		s = append(s, op, byte(len(a.Hash)))
		return append(s, a.Hash...), nil
	case MWEB:
		return nil, ErrMWEBAddress
	}
	return nil, fmt.Errorf("%w: kind %v", ErrInvalidAddress, a.Kind)
}

// witnessKind classifies a witness program that checkWitness accepted.
func witnessKind(version int, program []byte) AddressKind {
	switch {
	case version == 0 && len(program) == 20:
		return WitnessV0KeyHash
	case version == 0:
		return WitnessV0ScriptHash
	case version == 1 && len(program) == 32:
		return WitnessV1Taproot
	}
	return WitnessUnknown
}

func checkWitness(version int, program []byte) error {
	if version < 0 || version > 16 {
		return fmt.Errorf("%w: witness version %d", ErrInvalidAddress, version)
	}
	if len(program) < 2 || len(program) > 40 {
		return fmt.Errorf("%w: witness program of %d bytes", ErrInvalidAddress, len(program))
	}
	if version == 0 && len(program) != 20 && len(program) != 32 {
		return fmt.Errorf("%w: version 0 witness program of %d bytes", ErrInvalidAddress, len(program))
	}
	return nil
}

// maxAddressLen bounds any address string; MWEB addresses are about 120
// characters, and bech32 checksums are defined up to 1023.
const maxAddressLen = 1023

// DecodeAddress parses a base58check (P2PKH, P2SH) or bech32/bech32m
// (segwit, MWEB) address and checks it against the coin's version bytes
// and prefixes. It needs no daemon.
func (c *Coin) DecodeAddress(addr string) (Address, error) {
	if addr == "" {
		return Address{}, fmt.Errorf("%w: empty", ErrInvalidAddress)
	}
	if len(addr) > maxAddressLen {
		return Address{}, fmt.Errorf("%w: %d characters", ErrInvalidAddress, len(addr))
	}
	if i := strings.LastIndexByte(addr, '1'); i > 0 {
		hrp := strings.ToLower(addr[:i])
		if c.Bech32HRP != "" && hrp == c.Bech32HRP {
			return c.decodeSegwit(addr)
		}
		if c.MWEBHRP != "" && hrp == c.MWEBHRP {
			return c.decodeMWEB(addr)
		}
	}
	payload, b58err := base58CheckDecode(c.addrChecksum, addr)
	if b58err == nil {
		if len(payload) != 21 {
			return Address{}, fmt.Errorf("%w %q: payload of %d bytes, want 21", ErrInvalidAddress, addr, len(payload))
		}
		v, hash := payload[0], slices.Clone(payload[1:])
		if v == c.PubKeyHashVersion {
			return Address{Kind: P2PKH, Hash: hash, Version: v}, nil
		}
		if slices.Contains(c.ScriptHashVersions(), v) {
			return Address{Kind: P2SH, Hash: hash, Version: v}, nil
		}
		return Address{}, fmt.Errorf("%w: %q has version byte %d (0x%02x); %s uses %s",
			ErrWrongNetwork, addr, v, v, c.Key, c.versionList())
	}
	if hrp, _, _, err := bech32Decode(addr, maxAddressLen); err == nil {
		want := c.Bech32HRP
		if want == "" {
			return Address{}, fmt.Errorf("%w: %q is a bech32 address with prefix %q; %s has no segwit addresses",
				ErrWrongNetwork, addr, hrp, c.Key)
		}
		return Address{}, fmt.Errorf("%w: %q has prefix %q; %s uses %q", ErrWrongNetwork, addr, hrp, c.Key, want)
	}
	if i := strings.LastIndexByte(addr, '1'); i > 0 {
		_, _, _, b32err := bech32Decode(addr, maxAddressLen)
		return Address{}, fmt.Errorf("%w %q: neither base58check (%v) nor bech32 (%v)", ErrInvalidAddress, addr, b58err, b32err)
	}
	return Address{}, fmt.Errorf("%w %q: %v", ErrInvalidAddress, addr, b58err)
}

func (c *Coin) versionList() string {
	parts := []string{fmt.Sprintf("p2pkh %d (0x%02x)", c.PubKeyHashVersion, c.PubKeyHashVersion)}
	for _, v := range c.ScriptHashVersions() {
		parts = append(parts, fmt.Sprintf("p2sh %d (0x%02x)", v, v))
	}
	return strings.Join(parts, ", ")
}

func (c *Coin) decodeSegwit(addr string) (Address, error) {
	_, data, enc, err := bech32Decode(addr, 90)
	if err != nil {
		return Address{}, fmt.Errorf("%w %q: %v", ErrInvalidAddress, addr, err)
	}
	if len(data) < 1 {
		return Address{}, fmt.Errorf("%w %q: no witness version", ErrInvalidAddress, addr)
	}
	version := int(data[0])
	program, err := convertBits(data[1:], 5, 8, false)
	if err != nil {
		return Address{}, fmt.Errorf("%w %q: %v", ErrInvalidAddress, addr, err)
	}
	if err := checkWitness(version, program); err != nil {
		return Address{}, fmt.Errorf("%q: %w", addr, err)
	}
	if version == 0 && enc != encBech32 {
		return Address{}, fmt.Errorf("%w %q: witness version 0 needs a bech32 checksum, not bech32m", ErrInvalidAddress, addr)
	}
	if version != 0 && enc != encBech32m {
		return Address{}, fmt.Errorf("%w %q: witness version %d needs a bech32m checksum", ErrInvalidAddress, addr, version)
	}
	return Address{Kind: witnessKind(version, program), Hash: program, WitnessVersion: version}, nil
}

func (c *Coin) decodeMWEB(addr string) (Address, error) {
	_, data, enc, err := bech32Decode(addr, maxAddressLen)
	if err != nil {
		return Address{}, fmt.Errorf("%w %q: %v", ErrInvalidAddress, addr, err)
	}
	if enc != encBech32 || len(data) < 1 {
		return Address{}, fmt.Errorf("%w %q: not an MWEB address", ErrInvalidAddress, addr)
	}
	keys, err := convertBits(data[1:], 5, 8, false)
	if err != nil || len(keys) != 66 {
		return Address{}, fmt.Errorf("%w %q: MWEB address without two 33-byte keys", ErrInvalidAddress, addr)
	}
	return Address{Kind: MWEB, Hash: keys, WitnessVersion: int(data[0])}, nil
}

// EncodeAddress returns the text form of a on this coin's network.
func (c *Coin) EncodeAddress(a Address) (string, error) {
	switch a.Kind {
	case P2PKH:
		if len(a.Hash) != 20 {
			return "", fmt.Errorf("%w: p2pkh hash of %d bytes", ErrInvalidAddress, len(a.Hash))
		}
		return base58CheckEncode(c.addrChecksum, c.PubKeyHashVersion, a.Hash), nil
	case P2SH:
		if len(a.Hash) != 20 {
			return "", fmt.Errorf("%w: p2sh hash of %d bytes", ErrInvalidAddress, len(a.Hash))
		}
		v := c.ScriptHashVersion
		if slices.Contains(c.ScriptHashVersions(), a.Version) {
			v = a.Version
		}
		return base58CheckEncode(c.addrChecksum, v, a.Hash), nil
	case WitnessV0KeyHash, WitnessV0ScriptHash, WitnessV1Taproot, WitnessUnknown:
		if c.Bech32HRP == "" {
			return "", fmt.Errorf("%w: %s has no segwit addresses", ErrWrongNetwork, c.Key)
		}
		if err := checkWitness(a.WitnessVersion, a.Hash); err != nil {
			return "", err
		}
		data, _ := convertBits(a.Hash, 8, 5, true)
		enc := encBech32
		if a.WitnessVersion != 0 {
			enc = encBech32m
		}
		return bech32Encode(c.Bech32HRP, append([]byte{byte(a.WitnessVersion)}, data...), enc), nil
	case MWEB:
		if c.MWEBHRP == "" {
			return "", fmt.Errorf("%w: %s has no MWEB addresses", ErrWrongNetwork, c.Key)
		}
		if len(a.Hash) != 66 || a.WitnessVersion < 0 || a.WitnessVersion > 31 {
			return "", fmt.Errorf("%w: MWEB keys of %d bytes", ErrInvalidAddress, len(a.Hash))
		}
		data, _ := convertBits(a.Hash, 8, 5, true)
		return bech32Encode(c.MWEBHRP, append([]byte{byte(a.WitnessVersion)}, data...), encBech32), nil
	}
	return "", fmt.Errorf("%w: kind %v", ErrInvalidAddress, a.Kind)
}

// AddressScript returns the scriptPubKey that pays addr on this coin: the
// output script a coinbase needs. Addresses of other networks, bad
// checksums and lengths, and MWEB addresses are errors.
func (c *Coin) AddressScript(addr string) ([]byte, error) {
	a, err := c.DecodeAddress(addr)
	if err != nil {
		return nil, err
	}
	s, err := a.Script()
	if err != nil {
		return nil, fmt.Errorf("%q: %w", addr, err)
	}
	return s, nil
}
