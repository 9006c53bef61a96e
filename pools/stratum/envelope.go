package stratum

import "bytes"

// scanEnvelope is the fast path of decodeRequest: it reads a request line
// of the plain shape miners send, {"id":..,"method":"..","params":[..]}
// in any key order with any JSON whitespace, and returns the raw bytes of
// the three values (nil for an absent key) as encoding/json would hand
// them to the envelope's RawMessage fields. It declines (ok false), and
// encoding/json decides, on anything outside a strict subset of JSON:
// objects as values, non-ASCII bytes, escapes in keys, duplicate keys,
// keys that only match a field case-insensitively, nesting deeper than
// maxScanDepth. So whatever it accepts, encoding/json accepts with the
// same result (FuzzEnvelope checks that).
func scanEnvelope(line []byte) (id, method, params []byte, ok bool) {
	i := skipSpace(line, 0)
	if i >= len(line) || line[i] != '{' {
		return nil, nil, nil, false
	}
	i = skipSpace(line, i+1)
	var seen [3]bool
	for {
		key, n := scanString(line, i)
		if n < 0 || bytes.IndexByte(key, '\\') >= 0 { // "\u0069d" is "id" to encoding/json
			return nil, nil, nil, false
		}
		i = skipSpace(line, n)
		if i >= len(line) || line[i] != ':' {
			return nil, nil, nil, false
		}
		i = skipSpace(line, i+1)
		end := scanValue(line, i, 0)
		if end < 0 {
			return nil, nil, nil, false
		}
		val := line[i:end]
		field := -1
		switch string(key[1 : len(key)-1]) {
		case "id":
			field, id = 0, val
		case "method":
			field, method = 1, val
		case "params":
			field, params = 2, val
		default:
			if foldsToField(key[1 : len(key)-1]) {
				return nil, nil, nil, false
			}
		}
		if field >= 0 {
			if seen[field] {
				return nil, nil, nil, false
			}
			seen[field] = true
		}
		i = skipSpace(line, end)
		if i >= len(line) {
			return nil, nil, nil, false
		}
		switch line[i] {
		case ',':
			i = skipSpace(line, i+1)
			continue
		case '}':
			if skipSpace(line, i+1) != len(line) {
				return nil, nil, nil, false
			}
			return id, method, params, true
		}
		return nil, nil, nil, false
	}
}

// maxScanDepth bounds the array nesting scanValue follows.
const maxScanDepth = 4

// foldsToField reports whether key names an envelope field only when case
// is ignored, as encoding/json would match it.
func foldsToField(key []byte) bool {
	for _, f := range [...]string{"id", "method", "params"} {
		if len(key) != len(f) {
			continue
		}
		same := true
		for j := range key {
			c := key[j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != f[j] {
				same = false
				break
			}
		}
		if same {
			return true
		}
	}
	return false
}

// scanString returns the string starting at b[i] with its quotes and the
// index after it; -1 when it is not a plain ASCII string (no escapes other
// than JSON's, no control characters).
func scanString(b []byte, i int) ([]byte, int) {
	if i >= len(b) || b[i] != '"' {
		return nil, -1
	}
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return b[i : j+1], j + 1
		case c < 0x20 || c >= 0x80:
			return nil, -1
		case c == '\\':
			j++
			if j >= len(b) {
				return nil, -1
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) || !isHex(b[j+1]) || !isHex(b[j+2]) || !isHex(b[j+3]) || !isHex(b[j+4]) {
					return nil, -1
				}
				j += 4
			default:
				return nil, -1
			}
		}
	}
	return nil, -1
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// scanValue returns the index after the JSON value starting at b[i]: a
// string, number, true, false, null, or an array of those; -1 otherwise.
func scanValue(b []byte, i, depth int) int {
	if i >= len(b) {
		return -1
	}
	switch c := b[i]; {
	case c == '"':
		_, n := scanString(b, i)
		return n
	case c == '[':
		if depth >= maxScanDepth {
			return -1
		}
		i = skipSpace(b, i+1)
		if i < len(b) && b[i] == ']' {
			return i + 1
		}
		for {
			i = scanValue(b, i, depth+1)
			if i < 0 {
				return -1
			}
			i = skipSpace(b, i)
			if i >= len(b) {
				return -1
			}
			switch b[i] {
			case ',':
				i = skipSpace(b, i+1)
			case ']':
				return i + 1
			default:
				return -1
			}
		}
	case c == '-' || '0' <= c && c <= '9':
		return scanNumber(b, i)
	}
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(b)-i >= len(lit) && string(b[i:i+len(lit)]) == lit {
			return i + len(lit)
		}
	}
	return -1
}

// scanNumber follows JSON's number grammar:
// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
func scanNumber(b []byte, i int) int {
	digits := func(i int) (int, bool) {
		j := i
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
		return j, j > i
	}
	if b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	default:
		var ok bool
		if i, ok = digits(i); !ok {
			return -1
		}
	}
	if i < len(b) && b[i] == '.' {
		var ok bool
		if i, ok = digits(i + 1); !ok {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		var ok bool
		if i, ok = digits(i); !ok {
			return -1
		}
	}
	return i
}
