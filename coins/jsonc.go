package coins

import (
	"bytes"
	"fmt"
)

// StripComments blanks out // line comments and /* */ block comments that
// sit outside JSON strings, as NOMP's JSON.minify allowed. Comment bytes
// become spaces (newlines stay) so offsets and line numbers still match
// the file. A leading UTF-8 byte order mark is blanked too. Coin files and
// the operator's configuration files are read through it.
func StripComments(src []byte) ([]byte, error) {
	out := bytes.Clone(src)
	if bytes.HasPrefix(out, []byte("\xef\xbb\xbf")) {
		out[0], out[1], out[2] = ' ', ' ', ' '
	}
	inString := false
	for i := 0; i < len(out); i++ {
		c := out[i]
		if inString {
			switch c {
			case '\\':
				i++ // skip the escaped byte, whatever it is
			case '"':
				inString = false
			}
			continue
		}
		switch {
		case c == '"':
			inString = true
		case c == '/' && i+1 < len(out) && out[i+1] == '/':
			for ; i < len(out) && out[i] != '\n'; i++ {
				out[i] = ' '
			}
		case c == '/' && i+1 < len(out) && out[i+1] == '*':
			start := i
			out[i], out[i+1] = ' ', ' '
			i += 2
			for ; i < len(out) && !(out[i] == '*' && i+1 < len(out) && out[i+1] == '/'); i++ {
				if out[i] != '\n' {
					out[i] = ' '
				}
			}
			if i >= len(out) {
				return nil, fmt.Errorf("line %d: unterminated /* comment", 1+bytes.Count(src[:start], []byte("\n")))
			}
			out[i], out[i+1] = ' ', ' '
			i++
		}
	}
	return out, nil
}
