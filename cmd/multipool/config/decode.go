package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/multipool/multipool/coins"
)

// FieldError is one problem in one field of one configuration file.
type FieldError struct {
	// File is relative to the configuration directory:
	// "config.json", "pool_configs/litecoin.json".
	File string
	// Field is the JSON path: "ports.3032.varDiff.minDiff", "daemons[1].port";
	// empty for the whole file.
	Field string
	// Line is the line of the field in File, 0 if unknown.
	Line int
	// Msg says what is wrong.
	Msg string
	// Err is the underlying error, if any (coins.ErrUnknownCoin, ...).
	Err error
}

// Error reads "pool_configs/litecoin.json: ports.3032.diff: must be > 0 (line 7)".
func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Line > 0 {
		fmt.Fprintf(&b, " (line %d)", e.Line)
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *FieldError) Unwrap() error { return e.Err }

func lineAt(src []byte, off int) int {
	if off > len(src) {
		off = len(src)
	}
	return 1 + bytes.Count(src[:off], []byte("\n"))
}

type nodeKind int

const (
	kindNull nodeKind = iota
	kindObject
	kindArray
	kindString
	kindNumber
	kindBool
)

var kindNames = [...]string{"null", "an object", "an array", "a string", "a number", "a boolean"}

// node is a parsed JSON value that remembers its line and key order.
type node struct {
	kind nodeKind
	line int
	keys []string // object keys in file order
	vals []*node  // object values (parallel to keys) or array elements
	str  string   // string value, or number text
	b    bool
}

type parser struct {
	src []byte
	dec *json.Decoder
}

// parseJSON parses comment-free JSON into a node tree.
func parseJSON(src []byte) (*node, error) {
	p := &parser{src: src, dec: json.NewDecoder(bytes.NewReader(src))}
	p.dec.UseNumber()
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("line %d: data after the top-level value", lineAt(src, p.next()))
	}
	return n, nil
}

// next returns the offset of the next token: past whitespace and the
// separators the decoder has not consumed yet.
func (p *parser) next() int {
	off := int(p.dec.InputOffset())
	for off < len(p.src) {
		switch p.src[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
			continue
		}
		break
	}
	return off
}

func (p *parser) syntax(err error) error {
	off := p.next()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = int(se.Offset)
	}
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return fmt.Errorf("line %d: %w", lineAt(p.src, off), err)
}

func (p *parser) value() (*node, error) {
	n := &node{line: lineAt(p.src, p.next())}
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntax(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			n.kind = kindObject
			for p.dec.More() {
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, p.syntax(err)
				}
				key, ok := ktok.(string)
				if !ok {
					return nil, fmt.Errorf("line %d: object key is not a string", n.line)
				}
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.vals = append(n.vals, v)
			}
		case '[':
			n.kind = kindArray
			for p.dec.More() {
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.vals = append(n.vals, v)
			}
		default:
			return nil, fmt.Errorf("line %d: unexpected %q", n.line, t)
		}
		if _, err := p.dec.Token(); err != nil { // the closing delimiter
			return nil, p.syntax(err)
		}
	case string:
		n.kind, n.str = kindString, t
	case json.Number:
		n.kind, n.str = kindNumber, string(t)
	case bool:
		n.kind, n.b = kindBool, t
	case nil:
		n.kind = kindNull
	}
	return n, nil
}

// generic converts a node to plain Go values (map[string]any, []any,
// string, json.Number, bool, nil).
func (n *node) generic() any {
	switch n.kind {
	case kindObject:
		m := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			m[k] = n.vals[i].generic()
		}
		return m
	case kindArray:
		a := make([]any, len(n.vals))
		for i, v := range n.vals {
			a[i] = v.generic()
		}
		return a
	case kindString:
		return n.str
	case kindNumber:
		return json.Number(n.str)
	case kindBool:
		return n.b
	}
	return nil
}

// decoder fills Go structs from nodes strictly: every object key must be a
// field (spelled exactly as its json tag), every value of the field's type.
// Keys starting with "_comment" are skipped. Problems are collected, not
// returned at the first one.
type decoder struct {
	file  string
	errs  []error
	lines map[string]int // JSON path -> line, for later validation errors
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, lines: map[string]int{}}
}

func (d *decoder) fail(path string, line int, format string, args ...any) {
	d.errs = append(d.errs, &FieldError{File: d.file, Field: path, Line: line, Msg: fmt.Sprintf(format, args...)})
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

var (
	numberType = reflect.TypeOf(json.Number(""))
	anyType    = reflect.TypeOf((*any)(nil)).Elem()
)

// fieldIndex maps json tag names to struct field indexes.
func fieldIndex(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" || !f.IsExported() {
			continue
		}
		m[name] = i
	}
	return m
}

func (d *decoder) decode(n *node, v reflect.Value, path string) {
	d.lines[path] = n.line
	t := v.Type()
	if t.Kind() == reflect.Pointer {
		if n.kind == kindNull {
			return // null means "not given"
		}
		p := reflect.New(t.Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
		return
	}
	if t == anyType {
		if g := n.generic(); g != nil {
			v.Set(reflect.ValueOf(g))
		}
		return
	}
	want := func(k nodeKind, what string) bool {
		if n.kind != k {
			d.fail(path, n.line, "want %s, got %s", what, kindNames[n.kind])
			return false
		}
		return true
	}
	if t == numberType {
		if want(kindNumber, "a number") {
			v.SetString(n.str)
		}
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if !want(kindObject, "an object") {
			return
		}
		idx := fieldIndex(t)
		seen := map[string]bool{}
		for i, key := range n.keys {
			kp := joinPath(path, key)
			if seen[key] {
				d.fail(kp, n.vals[i].line, "duplicate key")
				continue
			}
			seen[key] = true
			if strings.HasPrefix(key, "_comment") {
				continue
			}
			fi, ok := idx[key]
			if !ok {
				d.fail(kp, n.vals[i].line, "unknown field")
				continue
			}
			d.decode(n.vals[i], v.Field(fi), kp)
		}
	case reflect.Map:
		if !want(kindObject, "an object") {
			return
		}
		m := reflect.MakeMapWithSize(t, len(n.keys))
		for i, key := range n.keys {
			kp := joinPath(path, key)
			if m.MapIndex(reflect.ValueOf(key)).IsValid() {
				d.fail(kp, n.vals[i].line, "duplicate key")
				continue
			}
			e := reflect.New(t.Elem()).Elem()
			d.decode(n.vals[i], e, kp)
			m.SetMapIndex(reflect.ValueOf(key), e)
		}
		v.Set(m)
	case reflect.Slice:
		if !want(kindArray, "an array") {
			return
		}
		s := reflect.MakeSlice(t, len(n.vals), len(n.vals))
		for i, e := range n.vals {
			d.decode(e, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.String:
		if want(kindString, "a string") {
			v.SetString(n.str)
		}
	case reflect.Bool:
		if want(kindBool, "true or false") {
			v.SetBool(n.b)
		}
	case reflect.Int, reflect.Int32, reflect.Int64:
		if !want(kindNumber, "a whole number") {
			return
		}
		i, err := strconv.ParseInt(n.str, 10, t.Bits())
		if err != nil {
			f, ferr := strconv.ParseFloat(n.str, 64)
			if ferr != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
				d.fail(path, n.line, "want a whole number, got %s", n.str)
				return
			}
			i = int64(f)
		}
		v.SetInt(i)
	case reflect.Float64:
		if !want(kindNumber, "a number") {
			return
		}
		f, err := strconv.ParseFloat(n.str, 64)
		if err != nil || math.IsInf(f, 0) {
			d.fail(path, n.line, "number %s out of range", n.str)
			return
		}
		v.SetFloat(f)
	default:
		panic("config: cannot decode into " + t.String()) // a bug in the file types
	}
}

// decodeFile strips comments, parses src and decodes it into out.
func decodeFile(file string, src []byte, out any) *decoder {
	d := newDecoder(file)
	clean, err := coins.StripComments(src)
	if err != nil {
		d.errs = append(d.errs, &FieldError{File: file, Msg: err.Error()})
		return d
	}
	root, err := parseJSON(clean)
	if err != nil {
		d.errs = append(d.errs, &FieldError{File: file, Msg: "invalid JSON: " + err.Error(), Err: err})
		return d
	}
	if root.kind != kindObject {
		d.fail("", root.line, "want a JSON object, got %s", kindNames[root.kind])
		return d
	}
	d.decode(root, reflect.ValueOf(out).Elem(), "")
	return d
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
