package p2p

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
)

// Wire format limits.
const (
	headerSize  = 24
	commandSize = 12
	// MaxPayload is the largest payload accepted; a larger announced length
	// drops the connection before anything is read. The peer never asks for
	// blocks, so nothing it legitimately receives comes close.
	MaxPayload = 4 << 20
	// maxInv is the most entries an inv may carry (Bitcoin Core's MAX_INV_SZ).
	maxInv = 50000
	// maxUserAgent bounds the user agent (Core's MAX_SUBVERSION_LENGTH).
	maxUserAgent = 256
	// invEntrySize is type (4) + hash (32).
	invEntrySize = 36
)

// Inventory types that announce a block. Witness and MWEB flags may be set on
// top of msgBlock.
const (
	msgBlock    = 2
	witnessFlag = 1 << 30
	mwebFlag    = 1 << 29
)

// Sentinel errors of the wire decoder; each drops the connection.
var (
	ErrBadMagic    = errors.New("p2p: wrong network magic")
	ErrBadCommand  = errors.New("p2p: malformed command")
	ErrOversize    = errors.New("p2p: payload too large")
	ErrBadChecksum = errors.New("p2p: bad checksum")
	ErrBadPayload  = errors.New("p2p: malformed payload")
)

// message is one decoded p2p message.
type message struct {
	command string
	payload []byte
}

func checksum(payload []byte) [4]byte {
	h := sha256.Sum256(payload)
	h = sha256.Sum256(h[:])
	return [4]byte(h[:4])
}

// encodeMessage frames payload under command for the network magic.
func encodeMessage(magic [4]byte, command string, payload []byte) []byte {
	b := make([]byte, headerSize+len(payload))
	copy(b[0:4], magic[:])
	copy(b[4:4+commandSize], command)
	binary.LittleEndian.PutUint32(b[16:20], uint32(len(payload)))
	sum := checksum(payload)
	copy(b[20:24], sum[:])
	copy(b[24:], payload)
	return b
}

// readMessage reads one message. maxPayload bounds the announced length
// before any payload byte is read.
func readMessage(r io.Reader, magic [4]byte, maxPayload int) (message, error) {
	var h [headerSize]byte
	if _, err := io.ReadFull(r, h[:]); err != nil {
		return message{}, err
	}
	if [4]byte(h[0:4]) != magic {
		return message{}, fmt.Errorf("%w: %x", ErrBadMagic, h[0:4])
	}
	cmd, err := parseCommand(h[4 : 4+commandSize])
	if err != nil {
		return message{}, err
	}
	n := binary.LittleEndian.Uint32(h[16:20])
	if uint64(n) > uint64(maxPayload) {
		return message{}, fmt.Errorf("%w: %s announces %d bytes, limit %d", ErrOversize, cmd, n, maxPayload)
	}
	payload := make([]byte, n)
	if _, err := io.ReadFull(r, payload); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return message{}, fmt.Errorf("read %s payload: %w", cmd, err)
	}
	if checksum(payload) != [4]byte(h[20:24]) {
		return message{}, fmt.Errorf("%w: %s", ErrBadChecksum, cmd)
	}
	return message{command: cmd, payload: payload}, nil
}

// parseCommand checks a NUL-padded command: printable ASCII, then only NULs.
func parseCommand(b []byte) (string, error) {
	end := bytes.IndexByte(b, 0)
	if end < 0 {
		end = len(b)
	}
	if end == 0 {
		return "", fmt.Errorf("%w: empty", ErrBadCommand)
	}
	for _, c := range b[:end] {
		if c <= 0x20 || c >= 0x7f {
			return "", fmt.Errorf("%w: %q", ErrBadCommand, b)
		}
	}
	for _, c := range b[end:] {
		if c != 0 {
			return "", fmt.Errorf("%w: %q", ErrBadCommand, b)
		}
	}
	return string(b[:end]), nil
}

// versionMsg holds the version message fields the peer uses.
type versionMsg struct {
	Version     int32
	Services    uint64
	Timestamp   int64
	Nonce       uint64
	UserAgent   string
	StartHeight int32
	Relay       bool
}

// encodeVersion builds a version payload (protocol 70001 and later layout).
// The address fields are left unroutable: the daemon does not need them.
func encodeVersion(v versionMsg) []byte {
	var b []byte
	b = binary.LittleEndian.AppendUint32(b, uint32(v.Version))
	b = binary.LittleEndian.AppendUint64(b, v.Services)
	b = binary.LittleEndian.AppendUint64(b, uint64(v.Timestamp))
	for range 2 { // addr_recv, addr_from: services, IPv6 address, port
		b = binary.LittleEndian.AppendUint64(b, 0)
		b = append(b, net.IPv6zero...)
		b = binary.BigEndian.AppendUint16(b, 0)
	}
	b = binary.LittleEndian.AppendUint64(b, v.Nonce)
	b = appendVarInt(b, uint64(len(v.UserAgent)))
	b = append(b, v.UserAgent...)
	b = binary.LittleEndian.AppendUint32(b, uint32(v.StartHeight))
	relay := byte(0)
	if v.Relay {
		relay = 1
	}
	return append(b, relay)
}

// parseVersion decodes a version payload. Fields after the user agent are
// optional on the wire (old peers); a payload cut anywhere else is malformed.
func parseVersion(p []byte) (versionMsg, error) {
	r := reader{b: p}
	var v versionMsg
	v.Version = int32(r.uint32())
	v.Services = r.uint64()
	v.Timestamp = int64(r.uint64())
	r.skip(26 + 26) // addr_recv, addr_from
	v.Nonce = r.uint64()
	n := r.varInt()
	if r.err == nil && n > maxUserAgent {
		return v, fmt.Errorf("%w: version user agent of %d bytes", ErrBadPayload, n)
	}
	v.UserAgent = sanitize(r.bytes(int(n)))
	if r.err != nil {
		return v, fmt.Errorf("%w: version: %w", ErrBadPayload, r.err)
	}
	if r.left() >= 4 {
		v.StartHeight = int32(r.uint32())
	}
	if r.left() >= 1 {
		v.Relay = r.byte() != 0
	}
	return v, nil
}

// parseInv returns the block hashes (RPC display order) an inv announces,
// skipping other inventory types. The payload must be exactly a count and
// that many entries.
func parseInv(p []byte) ([]string, error) {
	r := reader{b: p}
	n := r.varInt()
	if r.err != nil {
		return nil, fmt.Errorf("%w: inv count: %w", ErrBadPayload, r.err)
	}
	if n > maxInv {
		return nil, fmt.Errorf("%w: inv with %d entries", ErrBadPayload, n)
	}
	if uint64(r.left()) != n*invEntrySize {
		return nil, fmt.Errorf("%w: inv of %d entries in %d bytes", ErrBadPayload, n, r.left())
	}
	var blocks []string
	for range n {
		typ := r.uint32()
		hash := r.bytes(32)
		if typ&^(witnessFlag|mwebFlag) != msgBlock {
			continue
		}
		rev := slices.Clone(hash)
		slices.Reverse(rev)
		blocks = append(blocks, hex.EncodeToString(rev))
	}
	return blocks, nil
}

func appendVarInt(b []byte, v uint64) []byte {
	switch {
	case v < 0xfd:
		return append(b, byte(v))
	case v <= 0xffff:
		return binary.LittleEndian.AppendUint16(append(b, 0xfd), uint16(v))
	case v <= 0xffffffff:
		return binary.LittleEndian.AppendUint32(append(b, 0xfe), uint32(v))
	default:
		return binary.LittleEndian.AppendUint64(append(b, 0xff), v)
	}
}

// reader decodes little-endian fields; the first error sticks and later
// reads return zero values.
type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) left() int { return len(r.b) - r.pos }

func (r *reader) bytes(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.left() {
		r.err = io.ErrUnexpectedEOF
		return nil
	}
	r.pos += n
	return r.b[r.pos-n : r.pos]
}

func (r *reader) skip(n int) { r.bytes(n) }

func (r *reader) byte() byte {
	if b := r.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *reader) uint32() uint32 {
	if b := r.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (r *reader) uint64() uint64 {
	if b := r.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}

func (r *reader) varInt() uint64 {
	switch p := r.byte(); p {
	case 0xfd:
		if b := r.bytes(2); b != nil {
			return uint64(binary.LittleEndian.Uint16(b))
		}
	case 0xfe:
		return uint64(r.uint32())
	case 0xff:
		return r.uint64()
	default:
		return uint64(p)
	}
	return 0
}

// sanitize keeps printable ASCII of a string from the network, for logs.
func sanitize(b []byte) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r >= 0x7f {
			return '?'
		}
		return r
	}, string(b))
}
