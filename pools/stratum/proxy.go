package stratum

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// ErrProxyHeader is wrapped by errors about a missing or malformed PROXY
// protocol header.
var ErrProxyHeader = errors.New("stratum: bad PROXY protocol header")

const (
	proxyV1MaxLine = 107
	proxyV2MaxBody = 4096
)

var proxyV2Signature = []byte("\r\n\r\n\x00\r\nQUIT\n")

// readProxyHeader reads a PROXY protocol v1 or v2 header from br and
// returns the client address it names, or nil for a LOCAL/UNKNOWN header
// (the connection's own address then stands).
func readProxyHeader(br *bufio.Reader) (net.Addr, error) {
	sig, err := br.Peek(len(proxyV2Signature))
	if err == nil && bytes.Equal(sig, proxyV2Signature) {
		return readProxyV2(br)
	}
	pre, err := br.Peek(6)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProxyHeader, err)
	}
	if string(pre) != "PROXY " {
		return nil, fmt.Errorf("%w: no header", ErrProxyHeader)
	}
	return readProxyV1(br)
}

func readProxyV1(br *bufio.Reader) (net.Addr, error) {
	var line []byte
	for len(line) <= proxyV1MaxLine {
		c, err := br.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProxyHeader, err)
		}
		line = append(line, c)
		if c == '\n' {
			break
		}
	}
	if len(line) > proxyV1MaxLine || !bytes.HasSuffix(line, []byte("\r\n")) {
		return nil, fmt.Errorf("%w: v1 line too long or not CRLF-terminated", ErrProxyHeader)
	}
	f := strings.Split(string(line[:len(line)-2]), " ")
	if len(f) >= 2 && f[1] == "UNKNOWN" {
		return nil, nil
	}
	if len(f) != 6 || (f[1] != "TCP4" && f[1] != "TCP6") {
		return nil, fmt.Errorf("%w: v1 %q", ErrProxyHeader, line)
	}
	ip, err := netip.ParseAddr(f[2])
	if err != nil || ip.Is4() != (f[1] == "TCP4") {
		return nil, fmt.Errorf("%w: v1 source address %q", ErrProxyHeader, f[2])
	}
	if _, err := netip.ParseAddr(f[3]); err != nil {
		return nil, fmt.Errorf("%w: v1 destination address %q", ErrProxyHeader, f[3])
	}
	port, err := strconv.ParseUint(f[4], 10, 16)
	if err != nil {
		return nil, fmt.Errorf("%w: v1 source port %q", ErrProxyHeader, f[4])
	}
	if _, err := strconv.ParseUint(f[5], 10, 16); err != nil {
		return nil, fmt.Errorf("%w: v1 destination port %q", ErrProxyHeader, f[5])
	}
	return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))), nil
}

func readProxyV2(br *bufio.Reader) (net.Addr, error) {
	var hdr [16]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProxyHeader, err)
	}
	if hdr[12]>>4 != 2 {
		return nil, fmt.Errorf("%w: v2 version %d", ErrProxyHeader, hdr[12]>>4)
	}
	n := int(binary.BigEndian.Uint16(hdr[14:16]))
	if n > proxyV2MaxBody {
		return nil, fmt.Errorf("%w: v2 body of %d bytes", ErrProxyHeader, n)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(br, body); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrProxyHeader, err)
	}
	switch cmd := hdr[12] & 0xf; cmd {
	case 0: // LOCAL: a health check from the proxy itself
		return nil, nil
	case 1: // PROXY
	default:
		return nil, fmt.Errorf("%w: v2 command %d", ErrProxyHeader, cmd)
	}
	switch fam := hdr[13] >> 4; fam {
	case 1: // AF_INET
		if n < 12 {
			return nil, fmt.Errorf("%w: v2 short IPv4 body", ErrProxyHeader)
		}
		ip := netip.AddrFrom4([4]byte(body[0:4]))
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, binary.BigEndian.Uint16(body[8:10]))), nil
	case 2: // AF_INET6
		if n < 36 {
			return nil, fmt.Errorf("%w: v2 short IPv6 body", ErrProxyHeader)
		}
		ip := netip.AddrFrom16([16]byte(body[0:16])).Unmap()
		return net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, binary.BigEndian.Uint16(body[32:34]))), nil
	default: // AF_UNSPEC, AF_UNIX: keep the connection's address
		return nil, nil
	}
}

// proxiedConn is a connection whose first bytes (the PROXY header) were
// read through a buffer; pending holds what that buffer read beyond the
// header. It reports the client address the header named.
type proxiedConn struct {
	net.Conn
	pending []byte
	remote  net.Addr
}

func (c *proxiedConn) Read(p []byte) (int, error) {
	if len(c.pending) > 0 {
		n := copy(p, c.pending)
		c.pending = c.pending[n:]
		if len(c.pending) == 0 {
			c.pending = nil
		}
		return n, nil
	}
	return c.Conn.Read(p)
}

func (c *proxiedConn) RemoteAddr() net.Addr {
	if c.remote != nil {
		return c.remote
	}
	return c.Conn.RemoteAddr()
}
