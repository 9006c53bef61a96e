package coins

import (
	"bytes"
	"errors"
	"fmt"
	"math/big"

	"github.com/multipool/multipool/coins/pow"
)

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var base58Rev = func() [128]int8 {
	var t [128]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

var errBase58 = errors.New("bad base58 string")

// maxBase58Len bounds the input so hostile strings cannot cost quadratic
// time; addresses are 25 bytes, about 34 characters.
const maxBase58Len = 128

func base58Decode(s string) ([]byte, error) {
	if s == "" {
		return nil, fmt.Errorf("%w: empty", errBase58)
	}
	if len(s) > maxBase58Len {
		return nil, fmt.Errorf("%w: longer than %d characters", errBase58, maxBase58Len)
	}
	n := new(big.Int)
	radix := big.NewInt(58)
	digit := new(big.Int)
	zeros := 0
	for i := 0; i < len(s) && s[i] == '1'; i++ {
		zeros++
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 128 || base58Rev[c] < 0 {
			return nil, fmt.Errorf("%w: character %q not in the alphabet", errBase58, c)
		}
		n.Mul(n, radix)
		n.Add(n, digit.SetInt64(int64(base58Rev[c])))
	}
	return append(make([]byte, zeros), n.Bytes()...), nil
}

func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b)
	radix := big.NewInt(58)
	mod := new(big.Int)
	var out []byte
	for n.Sign() > 0 {
		n.DivMod(n, radix, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for i := 0; i < zeros; i++ {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

// checksum4 is the base58check checksum of payload: the first four bytes
// of sum(payload); nil sum means SHA-256d.
func checksum4(sum pow.HashFunc, payload []byte) []byte {
	if sum == nil {
		sum = pow.Sha256d
	}
	var h [32]byte
	sum(&h, payload)
	return h[:4]
}

// base58CheckDecode returns the payload (version byte included) after
// verifying the 4-byte checksum made with sum (nil: SHA-256d).
func base58CheckDecode(sum pow.HashFunc, s string) ([]byte, error) {
	raw, err := base58Decode(s)
	if err != nil {
		return nil, err
	}
	if len(raw) < 5 {
		return nil, fmt.Errorf("%w: too short", errBase58)
	}
	payload, check := raw[:len(raw)-4], raw[len(raw)-4:]
	if !bytes.Equal(checksum4(sum, payload), check) {
		return nil, fmt.Errorf("%w: checksum mismatch", errBase58)
	}
	return payload, nil
}

func base58CheckEncode(sum pow.HashFunc, version byte, payload []byte) string {
	b := make([]byte, 0, 1+len(payload)+4)
	b = append(b, version)
	b = append(b, payload...)
	b = append(b, checksum4(sum, b)...)
	return base58Encode(b)
}
