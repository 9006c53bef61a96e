package p2p

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

var regtest = [4]byte{0xfa, 0xbf, 0xb5, 0xda}

const (
	hashA = "4e3b4667bf36e770603f61fc07104d49094ece325249858f6915abad024c3320"
	hashB = "51bceee53c73ef5b5fd8bbaefcce86d247c95475f228c19aa5f5734e860186d6"
	hashC = "837ba51bd0e81d54d5856bc10250c5373447b04c738bae2b1620c5cf6ed480bb"
)

func TestParseMagic(t *testing.T) {
	tests := []struct {
		in   string
		want [4]byte
		ok   bool
	}{
		{"fabfb5da", regtest, true},
		{"FBC0B6DB", [4]byte{0xfb, 0xc0, 0xb6, 0xdb}, true},
		{"0xfdd2c8f1", [4]byte{0xfd, 0xd2, 0xc8, 0xf1}, true},
		{" fabfb5da ", regtest, true},
		{"fabfb5", [4]byte{}, false},
		{"fabfb5dazz", [4]byte{}, false},
		{"zzbfb5da", [4]byte{}, false},
		{"", [4]byte{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseMagic(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("ParseMagic(%q) = %x, %v", tt.in, got, err)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"minimal", Config{Addr: "127.0.0.1:19444", Magic: regtest}, true},
		{"ipv6", Config{Addr: "[::1]:19444", Magic: regtest, ProtocolVersion: 70016, StartHeight: 5}, true},
		{"no port", Config{Addr: "127.0.0.1", Magic: regtest}, false},
		{"port zero", Config{Addr: "127.0.0.1:0", Magic: regtest}, false},
		{"no host", Config{Addr: ":19444", Magic: regtest}, false},
		{"no magic", Config{Addr: "127.0.0.1:19444"}, false},
		{"old protocol", Config{Addr: "127.0.0.1:19444", Magic: regtest, ProtocolVersion: 60002}, false},
		{"long user agent", Config{Addr: "127.0.0.1:19444", Magic: regtest, UserAgent: strings.Repeat("x", 300)}, false},
		{"negative height", Config{Addr: "127.0.0.1:19444", Magic: regtest, StartHeight: -1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := New(tt.cfg, nil, nil)
			if tt.ok && (err != nil || p.Connected()) {
				t.Fatalf("New: %v", err)
			}
			if !tt.ok && !errors.Is(err, ErrConfig) {
				t.Fatalf("New: got %v, want ErrConfig", err)
			}
		})
	}
}

func TestMessageRoundTrip(t *testing.T) {
	tests := []struct {
		cmd     string
		payload []byte
	}{
		{"verack", nil},
		{"ping", []byte{1, 2, 3, 4, 5, 6, 7, 8}},
		{"inv", encodeInv(msgBlock, hashA, hashB)},
		{"sendaddrv2", []byte{}},
		{"abcdefghijkl", []byte("twelve chars")},
	}
	for _, tt := range tests {
		t.Run(tt.cmd, func(t *testing.T) {
			wire := encodeMessage(regtest, tt.cmd, tt.payload)
			m, err := readMessage(bytes.NewReader(wire), regtest, MaxPayload)
			if err != nil {
				t.Fatal(err)
			}
			if m.command != tt.cmd || !bytes.Equal(m.payload, tt.payload) {
				t.Fatalf("got %q %x", m.command, m.payload)
			}
		})
	}
}

// TestVerackBytes pins the framing against the well-known empty-payload
// checksum 5df6e0e2.
func TestVerackBytes(t *testing.T) {
	got := encodeMessage(regtest, "verack", nil)
	want := []byte{0xfa, 0xbf, 0xb5, 0xda, 'v', 'e', 'r', 'a', 'c', 'k', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x5d, 0xf6, 0xe0, 0xe2}
	if !bytes.Equal(got, want) {
		t.Fatalf("verack %x, want %x", got, want)
	}
}

func TestReadMessageRejects(t *testing.T) {
	good := encodeMessage(regtest, "ping", []byte{1, 2, 3, 4, 5, 6, 7, 8})
	mutate := func(f func(b []byte) []byte) []byte {
		return f(bytes.Clone(good))
	}
	tests := []struct {
		name string
		wire []byte
		want error
	}{
		{"other network", encodeMessage([4]byte{0xfb, 0xc0, 0xb6, 0xdb}, "ping", nil), ErrBadMagic},
		{"bad checksum", mutate(func(b []byte) []byte { b[20] ^= 1; return b }), ErrBadChecksum},
		{"payload flipped", mutate(func(b []byte) []byte { b[30] ^= 1; return b }), ErrBadChecksum},
		{"oversize", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], MaxPayload+1); return b }), ErrOversize},
		{"max uint32 length", mutate(func(b []byte) []byte { binary.LittleEndian.PutUint32(b[16:], 0xffffffff); return b }), ErrOversize},
		{"empty command", encodeMessage(regtest, "", nil), ErrBadCommand},
		{"control char", mutate(func(b []byte) []byte { b[5] = '\n'; return b }), ErrBadCommand},
		{"junk after NUL", mutate(func(b []byte) []byte { b[10] = 'x'; return b }), ErrBadCommand},
		{"short header", good[:10], io.ErrUnexpectedEOF},
		{"nothing", nil, io.EOF},
		{"short payload", good[:len(good)-3], io.ErrUnexpectedEOF},
		{"header only", good[:headerSize], io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readMessage(bytes.NewReader(tt.wire), regtest, MaxPayload)
			if !errors.Is(err, tt.want) {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestParseInv(t *testing.T) {
	mixed := appendVarInt(nil, 4)
	for _, e := range []struct {
		typ  uint32
		hash string
	}{{1, hashC}, {msgBlock, hashA}, {msgBlock | witnessFlag, hashB}, {msgBlock | witnessFlag | mwebFlag, hashC}} {
		mixed = append(mixed, encodeInv(e.typ, e.hash)[1:]...)
	}
	tests := []struct {
		name    string
		payload []byte
		want    []string
		ok      bool
	}{
		{"one block", encodeInv(msgBlock, hashA), []string{hashA}, true},
		{"transactions only", encodeInv(1, hashA, hashB), nil, true},
		{"mixed types in order", mixed, []string{hashA, hashB, hashC}, true},
		{"empty inv", []byte{0}, nil, true},
		{"empty payload", nil, nil, false},
		{"count too high for payload", append(encodeInv(msgBlock, hashA), 0), nil, false},
		{"truncated entry", encodeInv(msgBlock, hashA)[:20], nil, false},
		{"count above limit", appendVarInt(nil, maxInv+1), nil, false},
		{"huge varint count", appendVarInt(nil, 1<<62), nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseInv(tt.payload)
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadPayload) {
				t.Fatalf("err %v is not ErrBadPayload", err)
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestVersionRoundTrip(t *testing.T) {
	v := versionMsg{Version: 70015, Services: 9, Timestamp: 1795460575, Nonce: 0xdeadbeef,
		UserAgent: DefaultUserAgent, StartHeight: 431, Relay: true}
	wire := encodeVersion(v)
	if len(wire) != 4+8+8+26+26+8+1+len(v.UserAgent)+4+1 {
		t.Fatalf("version payload of %d bytes", len(wire))
	}
	got, err := parseVersion(wire)
	if err != nil || got != v {
		t.Fatalf("got %+v, %v", got, err)
	}

	tests := []struct {
		name string
		p    []byte
		ok   bool
	}{
		{"without relay", wire[:len(wire)-1], true},
		{"without height", wire[:len(wire)-5], true},
		{"cut in user agent", wire[:len(wire)-7], false},
		{"cut in address", wire[:40], false},
		{"user agent too long", append(bytes.Clone(wire[:80]), appendVarInt(nil, 1000)...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseVersion(tt.p)
			if (err == nil) != tt.ok {
				t.Fatalf("err %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

func FuzzReadMessage(f *testing.F) {
	f.Add(encodeMessage(regtest, "verack", nil))
	f.Add(encodeMessage(regtest, "inv", encodeInv(msgBlock, hashA, hashB)))
	f.Add(encodeMessage(regtest, "version", encodeVersion(versionMsg{Version: 70016, UserAgent: "/LitecoinCore:0.21.2.1/"})))
	f.Add(encodeMessage(regtest, "ping", []byte{1, 2, 3, 4, 5, 6, 7, 8}))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		for {
			m, err := readMessage(r, regtest, 1<<16)
			if err != nil {
				return
			}
			// Whatever decodes re-encodes to the same bytes.
			wire := encodeMessage(regtest, m.command, m.payload)
			consumed := len(data) - r.Len()
			if !bytes.Equal(wire, data[consumed-len(wire):consumed]) {
				t.Fatalf("re-encoding differs for %q", m.command)
			}
			switch m.command {
			case "inv":
				hashes, err := parseInv(m.payload)
				for _, h := range hashes {
					if len(h) != 64 || err != nil {
						t.Fatalf("bad hash %q (err %v)", h, err)
					}
				}
			case "version":
				if v, err := parseVersion(m.payload); err == nil && len(v.UserAgent) > maxUserAgent {
					t.Fatalf("user agent of %d bytes accepted", len(v.UserAgent))
				}
			}
		}
	})
}

func FuzzParseInv(f *testing.F) {
	f.Add(encodeInv(msgBlock, hashA, hashB))
	f.Add(encodeInv(1, hashC))
	f.Add([]byte{0xfd, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, p []byte) {
		hashes, err := parseInv(p)
		if err != nil {
			return
		}
		if len(hashes) > (len(p))/invEntrySize {
			t.Fatalf("%d hashes from %d bytes", len(hashes), len(p))
		}
	})
}

func FuzzParseVersion(f *testing.F) {
	f.Add(encodeVersion(versionMsg{Version: 70016, UserAgent: "/LitecoinCore:0.21.2.1/", StartHeight: 1, Relay: true}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, p []byte) {
		v, err := parseVersion(p)
		if err != nil {
			return
		}
		for _, c := range []byte(v.UserAgent) {
			if c < 0x20 || c >= 0x7f {
				t.Fatalf("unsanitised user agent %q", v.UserAgent)
			}
		}
	})
}

// encodeInv builds an inv payload; hashes are in display order.
func encodeInv(typ uint32, hashes ...string) []byte {
	b := appendVarInt(nil, uint64(len(hashes)))
	for _, h := range hashes {
		raw, _ := hex.DecodeString(h)
		slices.Reverse(raw)
		b = binary.LittleEndian.AppendUint32(b, typ)
		b = append(b, raw...)
	}
	return b
}
