package stratum

import (
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Extranonce2Size is the extranonce2 length in bytes every server hands out.
const Extranonce2Size = 4

// Limits on what a miner may send in a login.
const (
	maxUserBytes     = 256
	maxPasswordBytes = 256
	maxAgentBytes    = 128
)

// submitParams are the params of mining.submit after shape checks.
type submitParams struct {
	User        string
	JobID       string
	Extranonce2 []byte
	NTime       uint32
	Nonce       uint32
	VersionBits uint32
	HasVersion  bool
}

var (
	errSubmitShape = Errorf(CodeOther, "Submit needs 5 or 6 string params")
	errExtranonce2 = Errorf(CodeOther, "Incorrect size of extranonce2")
	errNTime       = Errorf(CodeOther, "Incorrect size of ntime")
	errNonce       = Errorf(CodeOther, "Incorrect size of nonce")
	errVersionBits = Errorf(CodeOther, "Incorrect version bits")
)

// parseSubmitParams checks the shape of mining.submit params: five strings
// (user, job id, extranonce2, ntime, nonce) and optionally the rolled
// version bits. It allocates only the user, the job id and extranonce2.
func parseSubmitParams(p rawParams) (submitParams, *Error) {
	var sp submitParams
	var fields [6][]byte
	n, ok := parseStringArray(p, fields[:])
	if !ok || n < 5 {
		return sp, errSubmitShape
	}
	en2 := fields[2]
	if len(en2) != 2*Extranonce2Size {
		return sp, errExtranonce2
	}
	sp.Extranonce2 = make([]byte, Extranonce2Size)
	if _, err := hex.Decode(sp.Extranonce2, en2); err != nil {
		return submitParams{}, errExtranonce2
	}
	var good bool
	if sp.NTime, good = parseHex32(fields[3]); !good {
		return submitParams{}, errNTime
	}
	if sp.Nonce, good = parseHex32(fields[4]); !good {
		return submitParams{}, errNonce
	}
	if n == 6 {
		if sp.VersionBits, good = parseHex32(fields[5]); !good {
			return submitParams{}, errVersionBits
		}
		sp.HasVersion = true
	}
	if len(fields[0]) > maxUserBytes || len(fields[1]) > maxUserBytes {
		return submitParams{}, errSubmitShape
	}
	sp.User = string(fields[0])
	sp.JobID = string(fields[1])
	return sp, nil
}

// parseHex32 parses exactly 8 hex digits as a big-endian uint32.
func parseHex32(b []byte) (uint32, bool) {
	if len(b) != 8 {
		return 0, false
	}
	var v uint32
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(d)
	}
	return v, true
}

// parseStringArray decodes a JSON array of at most len(dst) strings into
// dst and returns how many it held. Plain ASCII strings are returned as
// slices of p without copying; anything with escapes or non-ASCII bytes
// goes through encoding/json, so the result is always what encoding/json
// would decode.
func parseStringArray(p []byte, dst [][]byte) (int, bool) {
	i := skipSpace(p, 0)
	if i >= len(p) || p[i] != '[' {
		return 0, false
	}
	i = skipSpace(p, i+1)
	n := 0
	if i < len(p) && p[i] == ']' {
		return 0, skipSpace(p, i+1) == len(p)
	}
	for {
		if i >= len(p) || p[i] != '"' {
			return 0, false
		}
		start := i + 1
		j := start
		for j < len(p) && p[j] != '"' {
			if c := p[j]; c == '\\' || c < 0x20 || c >= utf8.RuneSelf {
				return parseStringArraySlow(p, dst)
			}
			j++
		}
		if j >= len(p) || n >= len(dst) {
			return 0, false
		}
		dst[n] = p[start:j]
		n++
		i = skipSpace(p, j+1)
		if i >= len(p) {
			return 0, false
		}
		switch p[i] {
		case ',':
			i = skipSpace(p, i+1)
		case ']':
			return n, skipSpace(p, i+1) == len(p)
		default:
			return 0, false
		}
	}
}

func parseStringArraySlow(p []byte, dst [][]byte) (int, bool) {
	var raw []json.RawMessage
	if err := json.Unmarshal(p, &raw); err != nil || len(raw) > len(dst) {
		return 0, false
	}
	for i, r := range raw {
		var s string
		if len(r) == 0 || r[0] != '"' || json.Unmarshal(r, &s) != nil {
			return 0, false
		}
		dst[i] = []byte(s)
	}
	return len(raw), true
}

func skipSpace(p []byte, i int) int {
	for i < len(p) {
		switch p[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// rawArray splits params into their elements.
func rawArray(p rawParams) ([]json.RawMessage, bool) {
	var raw []json.RawMessage
	if err := json.Unmarshal(p, &raw); err != nil {
		return nil, false
	}
	return raw, true
}

// jsonString decodes r as a JSON string; null reads as "" with isNull set.
func jsonString(r json.RawMessage) (s string, isNull, ok bool) {
	if string(r) == "null" {
		return "", true, true
	}
	if len(r) == 0 || r[0] != '"' {
		return "", false, false
	}
	if err := json.Unmarshal(r, &s); err != nil {
		return "", false, false
	}
	return s, false, true
}

// jsonNumber decodes r as a finite number, also accepting a numeric string
// (some miners quote their suggested difficulty).
func jsonNumber(r json.RawMessage) (float64, bool) {
	var f float64
	if len(r) > 0 && r[0] == '"' {
		s, _, ok := jsonString(r)
		if !ok {
			return 0, false
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil {
			return 0, false
		}
		f = v
	} else if err := json.Unmarshal(r, &f); err != nil {
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

var errAuthorizeShape = Errorf(CodeOther, "Authorize needs a user and a password")

// parseAuthorizeParams reads [user, password]; the password may be null
// or missing.
func parseAuthorizeParams(p rawParams) (user, password string, err *Error) {
	raw, ok := rawArray(p)
	if !ok || len(raw) < 1 {
		return "", "", errAuthorizeShape
	}
	user, isNull, ok := jsonString(raw[0])
	if !ok || isNull || user == "" || len(user) > maxUserBytes {
		return "", "", errAuthorizeShape
	}
	if len(raw) > 1 {
		password, _, ok = jsonString(raw[1])
		if !ok || len(password) > maxPasswordBytes {
			return "", "", errAuthorizeShape
		}
	}
	return user, password, nil
}

// parseSubscribeParams reads the optional user agent; anything unexpected
// is ignored, as miners send many variants.
func parseSubscribeParams(p rawParams) (agent string) {
	raw, ok := rawArray(p)
	if !ok || len(raw) == 0 {
		return ""
	}
	agent, _, _ = jsonString(raw[0])
	if len(agent) > maxAgentBytes {
		agent = agent[:maxAgentBytes]
	}
	return strings.ToValidUTF8(agent, "?")
}

// configureParams are the params of mining.configure (BIP310).
type configureParams struct {
	Extensions       []string
	VersionMask      uint32 // requested mask; all ones when not given
	MinBitCount      int
	MinDifficulty    float64
	HasMinDifficulty bool
}

var errConfigureShape = Errorf(CodeOther, "Configure needs a list of extensions and an object of options")

func parseConfigureParams(p rawParams) (configureParams, *Error) {
	cp := configureParams{VersionMask: math.MaxUint32}
	raw, ok := rawArray(p)
	if !ok || len(raw) < 1 {
		return cp, errConfigureShape
	}
	if err := json.Unmarshal(raw[0], &cp.Extensions); err != nil || len(cp.Extensions) > 16 {
		return cp, errConfigureShape
	}
	if len(raw) < 2 || string(raw[1]) == "null" {
		return cp, nil
	}
	var opts map[string]json.RawMessage
	if err := json.Unmarshal(raw[1], &opts); err != nil {
		return cp, errConfigureShape
	}
	if r, ok := opts["version-rolling.mask"]; ok {
		s, _, ok := jsonString(r)
		if !ok || len(s) == 0 || len(s) > 8 {
			return cp, errConfigureShape
		}
		v, err := strconv.ParseUint(s, 16, 32)
		if err != nil {
			return cp, errConfigureShape
		}
		cp.VersionMask = uint32(v)
	}
	if r, ok := opts["version-rolling.min-bit-count"]; ok {
		f, ok := jsonNumber(r)
		if !ok || f < 0 || f > 32 {
			return cp, errConfigureShape
		}
		cp.MinBitCount = int(f)
	}
	if r, ok := opts["minimum-difficulty.value"]; ok {
		f, ok := jsonNumber(r)
		if !ok || f <= 0 {
			return cp, errConfigureShape
		}
		cp.MinDifficulty, cp.HasMinDifficulty = f, true
	}
	return cp, nil
}

var errDifficultyShape = Errorf(CodeOther, "Difficulty must be a positive number")

// parseSuggestDifficulty reads [difficulty].
func parseSuggestDifficulty(p rawParams) (float64, *Error) {
	raw, ok := rawArray(p)
	if !ok || len(raw) < 1 {
		return 0, errDifficultyShape
	}
	f, ok := jsonNumber(raw[0])
	if !ok || f <= 0 {
		return 0, errDifficultyShape
	}
	return f, nil
}

var errJobIDShape = Errorf(CodeOther, "Expected a job id")

// parseJobIDParam reads [job_id] (mining.get_transactions).
func parseJobIDParam(p rawParams) (string, *Error) {
	raw, ok := rawArray(p)
	if !ok || len(raw) < 1 {
		return "", errJobIDShape
	}
	s, isNull, ok := jsonString(raw[0])
	if !ok || isNull || len(s) > maxUserBytes {
		return "", errJobIDShape
	}
	return s, nil
}

// ParseLogin splits a mining.authorize user into the payout address and
// the worker name. The address ends at the first '.', or, when there is no
// '.', at the first ','; '_' is kept as part of either name.
func ParseLogin(user, password string) *Worker {
	w := &Worker{Name: user, Address: user, Password: password}
	sep := strings.IndexByte(user, '.')
	if sep < 0 {
		sep = strings.IndexByte(user, ',')
	}
	if sep >= 0 {
		w.Address, w.WorkerName = user[:sep], user[sep+1:]
	}
	return w
}

// passwordDifficulty finds a "d=<number>" option in a password such as
// "x,d=0.5" or "d=16;ltc=ADDR".
func passwordDifficulty(password string) (float64, bool) {
	for _, opt := range strings.FieldsFunc(password, func(r rune) bool { return r == ',' || r == ';' || r == ' ' }) {
		v, ok := strings.CutPrefix(opt, "d=")
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(v, 64)
		if err == nil && f > 0 && !math.IsInf(f, 1) {
			return f, true
		}
	}
	return 0, false
}
