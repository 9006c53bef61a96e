package stratum

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
)

func proxyV2(cmd, fam byte, body []byte) string {
	h := append([]byte(nil), proxyV2Signature...)
	h = append(h, 0x20|cmd, fam, byte(len(body)>>8), byte(len(body)))
	return string(append(h, body...))
}

func TestReadProxyHeader(t *testing.T) {
	v6 := append(append(net.ParseIP("2001:db8::7").To16(), net.ParseIP("::1").To16()...), 0x9c, 0x41, 0x0d, 0x05)
	tests := []struct {
		name, in, want string // want "" for nil address
		err            bool
	}{
		{"v1 tcp4", "PROXY TCP4 192.0.2.1 192.0.2.2 5000 3333\r\n", "192.0.2.1:5000", false},
		{"v1 tcp6", "PROXY TCP6 2001:db8::2 2001:db8::3 5001 3333\r\n", "[2001:db8::2]:5001", false},
		{"v1 unknown", "PROXY UNKNOWN\r\n", "", false},
		{"v1 unknown with addresses", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n", "", false},
		{"v1 family mismatch", "PROXY TCP4 2001:db8::2 192.0.2.2 5000 3333\r\n", "", true},
		{"v1 bad port", "PROXY TCP4 192.0.2.1 192.0.2.2 70000 3333\r\n", "", true},
		{"v1 missing field", "PROXY TCP4 192.0.2.1 192.0.2.2 5000\r\n", "", true},
		{"v1 no CR", "PROXY TCP4 192.0.2.1 192.0.2.2 5000 3333\n", "", true},
		{"v1 too long", "PROXY TCP4 " + strings.Repeat("1", 200) + "\r\n", "", true},
		{"no header", `{"id":1,"method":"mining.subscribe"}` + "\n", "", true},
		{"short", "PRO", "", true},
		{"v2 tcp4", proxyV2(1, 0x11, []byte{203, 0, 113, 5, 127, 0, 0, 1, 0x13, 0x88, 0x0d, 0x05}), "203.0.113.5:5000", false},
		{"v2 tcp4 with TLVs", proxyV2(1, 0x11, []byte{203, 0, 113, 5, 127, 0, 0, 1, 0x13, 0x88, 0x0d, 0x05, 4, 0, 1, 0}), "203.0.113.5:5000", false},
		{"v2 tcp6", proxyV2(1, 0x21, v6), "[2001:db8::7]:40001", false},
		{"v2 local", proxyV2(0, 0x00, nil), "", false},
		{"v2 unspec", proxyV2(1, 0x00, nil), "", false},
		{"v2 short body", proxyV2(1, 0x11, []byte{1, 2, 3}), "", true},
		{"v2 bad command", proxyV2(5, 0x11, make([]byte, 12)), "", true},
		{"v2 truncated", proxyV2(1, 0x11, make([]byte, 12))[:20], "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tt.in + "REST"))
			addr, err := readProxyHeader(br)
			if tt.err {
				if !errors.Is(err, ErrProxyHeader) {
					t.Fatalf("error %v, want ErrProxyHeader", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if addr != nil {
				got = addr.String()
			}
			if got != tt.want {
				t.Fatalf("address %q, want %q", got, tt.want)
			}
			if rest, _ := io.ReadAll(br); string(rest) != "REST" {
				t.Fatalf("left %q after the header", rest)
			}
		})
	}
}

func FuzzProxyHeader(f *testing.F) {
	f.Add([]byte("PROXY TCP4 192.0.2.1 192.0.2.2 5000 3333\r\nabc"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add([]byte(proxyV2(1, 0x11, []byte{203, 0, 113, 5, 127, 0, 0, 1, 0x13, 0x88, 0x0d, 0x05})))
	f.Add([]byte(proxyV2(1, 0x21, make([]byte, 36))))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		addr, err := readProxyHeader(br)
		if err != nil {
			if !errors.Is(err, ErrProxyHeader) {
				t.Fatalf("error %v does not wrap ErrProxyHeader", err)
			}
			return
		}
		if addr != nil {
			if _, ok := addr.(*net.TCPAddr); !ok {
				t.Fatalf("address of type %T", addr)
			}
		}
	})
}
