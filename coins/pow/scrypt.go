package pow

import (
	"crypto/sha256"
	"encoding/binary"
	"sync"
)

// Litecoin's scrypt: N=1024, r=1, p=1, 32-byte output, the header as both
// password and salt. golang.org/x/crypto/scrypt computes the same thing but
// allocates its 128 KiB of scratch on every call; at thousands of shares a
// second that garbage costs the share path a good part of a core, so the
// pool uses this version with pooled scratch (checked against x/crypto in
// the tests).

const ltcScryptN = 1024

// scryptScratch is one hash's working memory.
type scryptScratch struct {
	v   [ltcScryptN * 32]uint32
	x   [32]uint32
	b   [128]byte
	msg [64 + 128 + 4]byte // HMAC input: pad block, salt, block index
}

var scryptPool = sync.Pool{New: func() any { return new(scryptScratch) }}

// scryptLTC writes scrypt(header, header, 1024, 1, 1, 32) into dst.
func scryptLTC(dst *[32]byte, header []byte) {
	if len(header) > 128 { // not a block header; the scratch is sized for those
		scryptHash(dst, header)
		return
	}
	s := scryptPool.Get().(*scryptScratch)
	defer scryptPool.Put(s)

	// The HMAC key pads, from the header (hashed first when longer than a block).
	var key [64]byte
	if len(header) > 64 {
		k := sha256.Sum256(header)
		copy(key[:], k[:])
	} else {
		copy(key[:], header)
	}
	var ipad, opad [64]byte
	for i := range key {
		ipad[i] = key[i] ^ 0x36
		opad[i] = key[i] ^ 0x5c
	}

	pbkdf2SHA256(s.b[:], header, &ipad, &opad, s.msg[:])
	for i := range s.x {
		s.x[i] = binary.LittleEndian.Uint32(s.b[4*i:])
	}
	x := &s.x
	v := s.v[:]
	for i := 0; i < ltcScryptN; i++ {
		copy(v[32*i:32*i+32], x[:])
		blockMix(x)
	}
	for i := 0; i < ltcScryptN; i++ {
		j := int(x[16] & (ltcScryptN - 1))
		vj := v[32*j : 32*j+32]
		for k := range x {
			x[k] ^= vj[k]
		}
		blockMix(x)
	}
	for i := range s.x {
		binary.LittleEndian.PutUint32(s.b[4*i:], s.x[i])
	}
	var out [32]byte
	pbkdf2SHA256(out[:], s.b[:], &ipad, &opad, s.msg[:])
	*dst = out
}

// blockMix is scrypt's BlockMix with Salsa20/8 for r=1, in place.
func blockMix(b *[32]uint32) {
	var t [16]uint32
	copy(t[:], b[16:])
	for k := 0; k < 16; k++ {
		t[k] ^= b[k]
	}
	salsaCore(&t, 8)
	copy(b[:16], t[:])
	for k := 0; k < 16; k++ {
		t[k] ^= b[16+k]
	}
	salsaCore(&t, 8)
	copy(b[16:], t[:])
}

// pbkdf2SHA256 fills out with PBKDF2-HMAC-SHA256 of one iteration, the
// key given by its pads; msg is scratch of at least 64+len(salt)+4 bytes.
func pbkdf2SHA256(out, salt []byte, ipad, opad *[64]byte, msg []byte) {
	n := copy(msg, ipad[:])
	n += copy(msg[n:], salt)
	var outer [64 + 32]byte
	copy(outer[:], opad[:])
	for block := uint32(1); len(out) > 0; block++ {
		binary.BigEndian.PutUint32(msg[n:], block)
		inner := sha256.Sum256(msg[:n+4])
		copy(outer[64:], inner[:])
		t := sha256.Sum256(outer[:])
		out = out[copy(out, t[:]):]
	}
}
