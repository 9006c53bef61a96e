package daemontest

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"math/big"

	"golang.org/x/crypto/ripemd160" //nolint:staticcheck // hash160 is what Bitcoin addresses are made of
)

// The secp256k1 curve y² = x³ + 7 over the field of p, with base point
// (gx, gy) of order n (SEC 2, section 2.4.1).
var (
	secpP  = hexInt("fffffffffffffffffffffffffffffffffffffffffffffffffffffffefffffc2f")
	secpN  = hexInt("fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141")
	secpGx = hexInt("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
	secpGy = hexInt("483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8")
	// secpHalfN is n/2: BIP62 low-S signatures have s <= n/2.
	secpHalfN = new(big.Int).Rsh(secpN, 1)
)

func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("daemontest: bad constant " + s)
	}
	return v
}

// point is an affine curve point; a nil *point is the point at infinity.
type point struct{ x, y *big.Int }

func (a *point) add(b *point) *point {
	switch {
	case a == nil:
		return b
	case b == nil:
		return a
	}
	var lambda *big.Int
	if a.x.Cmp(b.x) == 0 {
		if sum := new(big.Int).Add(a.y, b.y); sum.Mod(sum, secpP).Sign() == 0 {
			return nil // a = -b
		}
		// Tangent: 3x² / 2y.
		num := new(big.Int).Mul(a.x, a.x)
		num.Mul(num, big.NewInt(3))
		den := new(big.Int).Lsh(a.y, 1)
		lambda = num.Mul(num, den.ModInverse(den, secpP))
	} else {
		num := new(big.Int).Sub(b.y, a.y)
		den := new(big.Int).Sub(b.x, a.x)
		den.Mod(den, secpP)
		lambda = num.Mul(num, den.ModInverse(den, secpP))
	}
	lambda.Mod(lambda, secpP)
	x := new(big.Int).Mul(lambda, lambda)
	x.Sub(x, a.x).Sub(x, b.x).Mod(x, secpP)
	y := new(big.Int).Sub(a.x, x)
	y.Mul(y, lambda).Sub(y, a.y).Mod(y, secpP)
	return &point{x, y}
}

// scalarMult returns k·q by double-and-add (not constant-time: test keys
// only).
func scalarMult(q *point, k *big.Int) *point {
	var r *point
	for i := k.BitLen() - 1; i >= 0; i-- {
		r = r.add(r)
		if k.Bit(i) == 1 {
			r = r.add(q)
		}
	}
	return r
}

// scalarBaseMult returns k·G.
func scalarBaseMult(k *big.Int) *point { return scalarMult(&point{secpGx, secpGy}, k) }

// Key is a secp256k1 key pair for signing test transactions. It exists so
// tests can spend coins on a wallet-less daemon such as btcd; its
// arithmetic is neither constant-time nor hardened, so it must never hold
// a key of value.
type Key struct {
	d   *big.Int
	pub []byte // compressed public key
}

// NewKey derives a key deterministically from seed (the private key is
// sha256(seed) reduced into the curve order), so a test gets the same
// addresses on every run.
func NewKey(seed string) *Key {
	h := sha256.Sum256([]byte(seed))
	d := new(big.Int).SetBytes(h[:])
	d.Mod(d, new(big.Int).Sub(secpN, big.NewInt(1)))
	return newKeyFromInt(d.Add(d, big.NewInt(1)))
}

// newKeyFromInt builds the key with private scalar d, 1 <= d < n.
func newKeyFromInt(d *big.Int) *Key {
	p := scalarBaseMult(d)
	pub := make([]byte, 33)
	pub[0] = 2 | byte(p.y.Bit(0))
	p.x.FillBytes(pub[1:])
	return &Key{d: d, pub: pub}
}

// PubKey returns the 33-byte compressed public key.
func (k *Key) PubKey() []byte { return append([]byte(nil), k.pub...) }

// Hash160 returns ripemd160(sha256(public key)), the 20 bytes a P2PKH or
// P2WPKH address of the key carries.
func (k *Key) Hash160() []byte {
	s := sha256.Sum256(k.pub)
	r := ripemd160.New()
	r.Write(s[:])
	return r.Sum(nil)
}

// WitnessScript returns the P2WPKH output script of the key: OP_0 and the
// 20-byte Hash160.
func (k *Key) WitnessScript() []byte {
	return append([]byte{0x00, 0x14}, k.Hash160()...)
}

// Sign returns a DER-encoded ECDSA signature of hash with a low S (BIP62),
// as Bitcoin's standardness rules want it, without a sighash byte.
func (k *Key) Sign(hash [32]byte) ([]byte, error) {
	z := new(big.Int).SetBytes(hash[:])
	for {
		nonce, err := rand.Int(rand.Reader, new(big.Int).Sub(secpN, big.NewInt(1)))
		if err != nil {
			return nil, fmt.Errorf("sign: nonce: %w", err)
		}
		nonce.Add(nonce, big.NewInt(1))
		r := new(big.Int).Mod(scalarBaseMult(nonce).x, secpN)
		if r.Sign() == 0 {
			continue
		}
		s := new(big.Int).Mul(r, k.d)
		s.Add(s, z)
		s.Mul(s, new(big.Int).ModInverse(nonce, secpN))
		s.Mod(s, secpN)
		if s.Sign() == 0 {
			continue
		}
		if s.Cmp(secpHalfN) > 0 {
			s.Sub(secpN, s)
		}
		return derSignature(r, s), nil
	}
}

// derSignature encodes (r, s) as a DER SEQUENCE of two INTEGERs.
func derSignature(r, s *big.Int) []byte {
	integer := func(v *big.Int) []byte {
		b := v.Bytes()
		if len(b) == 0 || b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{0x02, byte(len(b))}, b...)
	}
	body := append(integer(r), integer(s)...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

// verify checks a DER signature made by Sign against the key; the tests
// use it to check the curve arithmetic without a daemon.
func (k *Key) verify(hash [32]byte, sig []byte) bool {
	if len(sig) < 8 || sig[0] != 0x30 || int(sig[1]) != len(sig)-2 || sig[2] != 0x02 {
		return false
	}
	rl := int(sig[3])
	if 4+rl+2 > len(sig) || sig[4+rl] != 0x02 {
		return false
	}
	r := new(big.Int).SetBytes(sig[4 : 4+rl])
	sl := int(sig[5+rl])
	if 6+rl+sl != len(sig) {
		return false
	}
	s := new(big.Int).SetBytes(sig[6+rl:])
	if r.Sign() <= 0 || r.Cmp(secpN) >= 0 || s.Sign() <= 0 || s.Cmp(secpN) >= 0 {
		return false
	}
	pub := scalarBaseMult(k.d)
	w := new(big.Int).ModInverse(s, secpN)
	u1 := new(big.Int).Mul(new(big.Int).SetBytes(hash[:]), w)
	u1.Mod(u1, secpN)
	u2 := new(big.Int).Mul(r, w)
	u2.Mod(u2, secpN)
	p := scalarBaseMult(u1).add(scalarMult(pub, u2))
	return p != nil && new(big.Int).Mod(p.x, secpN).Cmp(r) == 0
}
