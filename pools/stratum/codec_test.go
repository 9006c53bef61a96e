package stratum

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// memConn is a deadlineConn over fixed input; with repeat set it replays
// the input forever.
type memConn struct {
	in     []byte
	off    int
	repeat bool
	out    bytes.Buffer
}

func (c *memConn) Read(p []byte) (int, error) {
	if c.off >= len(c.in) {
		if !c.repeat || len(c.in) == 0 {
			return 0, io.EOF
		}
		c.off = 0
	}
	n := copy(p, c.in[c.off:])
	c.off += n
	return n, nil
}
func (c *memConn) Write(p []byte) (int, error)      { return c.out.Write(p) }
func (c *memConn) Close() error                     { return nil }
func (c *memConn) SetReadDeadline(time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }

func TestDecodeRequest(t *testing.T) {
	tests := []struct {
		name   string
		line   string
		id     string // "" for no id at all
		method string
		params string
		err    bool
		hasID  bool // for errors
	}{
		{name: "submit", line: `{"id":4,"method":"mining.submit","params":["a","b","c","d","e"]}`, id: "4", method: methodSubmit, params: `["a","b","c","d","e"]`},
		{name: "string id", line: `{"id":"x-1","method":"mining.subscribe","params":[]}`, id: `"x-1"`, method: methodSubscribe, params: `[]`},
		{name: "null id", line: `{"id":null,"method":"mining.subscribe","params":[]}`, id: "null", method: methodSubscribe, params: `[]`},
		{name: "missing id and params", line: `{"method":"mining.subscribe"}`, id: "", method: methodSubscribe, params: `[]`},
		{name: "null params", line: `{"id":1,"method":"mining.subscribe","params":null}`, id: "1", method: methodSubscribe, params: `[]`},
		{name: "escaped method", line: `{"id":1,"method":"mining.sub\u0073cribe"}`, id: "1", method: methodSubscribe, params: `[]`},
		{name: "unknown method", line: `{"id":1,"method":"foo.bar","params":[1]}`, id: "1", method: "foo.bar", params: `[1]`},
		{name: "float id", line: `{"id":1.5e3,"method":"m"}`, id: "1.5e3", method: "m", params: `[]`},
		{name: "extra fields", line: `{"id":1,"jsonrpc":"2.0","method":"m","params":[],"worker":"x"}`, id: "1", method: "m", params: `[]`},
		{name: "broken json with id", line: `{"id":12,"method":"mining.submit","params":[`, err: true, hasID: true, id: "12"},
		{name: "broken json with string id", line: `{"id": "a\"b","method":`, err: true, hasID: true, id: `"a\"b"`},
		{name: "broken json without id", line: `{"method":"mining.submit"`, err: true},
		{name: "not json", line: `GET / HTTP/1.1`, err: true},
		{name: "array", line: `[1,2,3]`, err: true},
		{name: "object id", line: `{"id":{},"method":"m"}`, err: true},
		{name: "bool id", line: `{"id":true,"method":"m"}`, err: true},
		{name: "method not a string", line: `{"id":3,"method":5}`, err: true, hasID: true, id: "3"},
		{name: "missing method", line: `{"id":3,"params":[]}`, err: true, hasID: true, id: "3"},
		{name: "params object", line: `{"id":3,"method":"m","params":{"a":1}}`, err: true, hasID: true, id: "3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req request
			err := decodeRequest([]byte(tt.line), &req)
			if tt.err {
				var de *decodeError
				if !errors.As(err, &de) {
					t.Fatalf("error %v, want a decodeError", err)
				}
				if de.hasID != tt.hasID || (tt.hasID && string(de.id) != tt.id) {
					t.Fatalf("error id %v %q, want %v %q", de.hasID, de.id, tt.hasID, tt.id)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(req.ID) != tt.id || req.Method != tt.method || string(req.Params) != tt.params {
				t.Fatalf("got id %q method %q params %q", req.ID, req.Method, req.Params)
			}
		})
	}
}

func TestReadLines(t *testing.T) {
	in := "\n" + `{"id":1,"method":"a"}` + "\r\n  \r\n" + `{"id":2,"method":"b"}` + "\n" +
		`{"id":3,"method":"` + strings.Repeat("c", 5000) + `"}` + "\n" + `{"id":4,"method":"d"}`
	cd := newJSONCodec(&memConn{in: []byte(in)}, 10240, time.Second, time.Second)
	var req request
	for _, want := range []string{"a", "b"} {
		if err := cd.readRequest(&req); err != nil || req.Method != want {
			t.Fatalf("got %q, %v; want %q", req.Method, err, want)
		}
	}
	// A 5000-byte line spans several buffer fills; its method name is
	// too long to be one we know.
	var de *decodeError
	if err := cd.readRequest(&req); !errors.As(err, &de) || !de.hasID || string(de.id) != "3" {
		t.Fatalf("long line: %v", err)
	}
	// An unterminated last line is dropped.
	if err := cd.readRequest(&req); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last line: %v", err)
	}

	long := strings.Repeat("x", 300) + "\n"
	for _, max := range []int{128, 299, 4000} {
		cd := newJSONCodec(&memConn{in: []byte(long)}, max, 0, 0)
		err := cd.readRequest(&req)
		if max < 300 && !errors.Is(err, ErrLineTooLong) {
			t.Fatalf("max %d: %v", max, err)
		}
		if max >= 300 && !errors.As(err, &de) {
			t.Fatalf("max %d: %v", max, err)
		}
	}
}

func TestEncode(t *testing.T) {
	j := NewJob(testJob("j1", true))
	j.MerkleBranch = nil
	tests := []struct {
		name string
		msg  message
		want string
	}{
		{"true", message{ID: rawID("1"), Result: true}, `{"id":1,"result":true,"error":null}`},
		{"null id", message{Result: false}, `{"id":null,"result":false,"error":null}`},
		{"invalid id becomes null", message{ID: rawID("{"), Result: true}, `{"id":null,"result":true,"error":null}`},
		{"string id", message{ID: rawID(`"a"`), Result: nil}, `{"id":"a","result":null,"error":null}`},
		{"error", message{ID: rawID("7"), Result: true, Err: ErrJobNotFound}, `{"id":7,"result":null,"error":[21,"Job not found",null]}`},
		{"escaped error", message{ID: rawID("7"), Err: Errorf(20, "bad \"x\"\n\x01\xff")}, `{"id":7,"result":null,"error":[20,"bad \"x\"\n\u0001\ufffd",null]}`},
		{"strings", message{ID: rawID("2"), Result: []string{"a", "b"}}, `{"id":2,"result":["a","b"],"error":null}`},
		{"map", message{ID: rawID("2"), Result: map[string]any{"version-rolling": true, "version-rolling.mask": "1fffe000"}},
			`{"id":2,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}`},
		{"subscribe", message{ID: rawID("1"), Result: subscribeResult{"ab", "01000000", 4}},
			`{"id":1,"result":[[["mining.set_difficulty","ab"],["mining.notify","ab"]],"01000000",4],"error":null}`},
		{"set_difficulty", message{Method: methodSetDifficulty, Params: difficultyParams{0.001}}, `{"id":null,"method":"mining.set_difficulty","params":[0.001]}`},
		{"set_difficulty int", message{Method: methodSetDifficulty, Params: difficultyParams{16}}, `{"id":null,"method":"mining.set_difficulty","params":[16]}`},
		{"set_difficulty tiny", message{Method: methodSetDifficulty, Params: difficultyParams{3e-10}}, `{"id":null,"method":"mining.set_difficulty","params":[3e-10]}`},
		{"notify", message{Method: methodNotify, Params: notifyParams{"w1", j, false}},
			`{"id":null,"method":"mining.notify","params":["w1","` + j.PrevHash + `","` + j.Coinb1 + `","` + j.Coinb2 + `",[],"20000000","207fffff","5f5e1000",false]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(jsonEncoder{}.encode(nil, &tt.msg))
			if got != tt.want+"\n" {
				t.Fatalf("got  %s\nwant %s", got, tt.want)
			}
			if !json.Valid([]byte(got)) {
				t.Fatal("invalid JSON")
			}
		})
	}
}

func TestAppendJSONFloatMatchesEncodingJSON(t *testing.T) {
	for _, f := range []float64{0, 1, 0.5, 1e-6, 9.99e-7, 3e-10, 1e20, 1e21, 123456789.125, 65536, 1.0 / 3, -2.5e-9} {
		want, _ := json.Marshal(f)
		if got := appendJSONFloat(nil, f); string(got) != string(want) {
			t.Errorf("%v: got %s want %s", f, got, want)
		}
	}
	if got := appendJSONFloat(nil, math.NaN()); string(got) != "null" {
		t.Errorf("NaN: %s", got)
	}
}

func TestParseSubmitParams(t *testing.T) {
	tests := []struct {
		name   string
		params string
		want   *submitParams
		err    *Error
	}{
		{"five", `["u.w","j1","0a0b0c0d","5F5E1000","deadbeef"]`,
			&submitParams{User: "u.w", JobID: "j1", Extranonce2: []byte{10, 11, 12, 13}, NTime: 0x5f5e1000, Nonce: 0xdeadbeef}, nil},
		{"six", `[ "u" , "j1","00000000","00000000","00000000", "00002000" ]`,
			&submitParams{User: "u", JobID: "j1", Extranonce2: []byte{0, 0, 0, 0}, VersionBits: 0x2000, HasVersion: true}, nil},
		{"escaped user", `["\u0075","j1","00000000","00000000","00000000"]`,
			&submitParams{User: "u", JobID: "j1", Extranonce2: []byte{0, 0, 0, 0}}, nil},
		{"four", `["u","j","00000000","00000000"]`, nil, errSubmitShape},
		{"seven", `["u","j","00000000","00000000","00000000","00000000","00000000"]`, nil, errSubmitShape},
		{"null element", `["u",null,"00000000","00000000","00000000"]`, nil, errSubmitShape},
		{"number element", `["u","j",0,"00000000","00000000"]`, nil, errSubmitShape},
		{"trailing comma", `["u","j","00000000","00000000","00000000",]`, nil, errSubmitShape},
		{"trailing garbage", `["u","j","00000000","00000000","00000000"]x`, nil, errSubmitShape},
		{"en2 size", `["u","j","000000","00000000","00000000"]`, nil, errExtranonce2},
		{"en2 hex", `["u","j","0000000z","00000000","00000000"]`, nil, errExtranonce2},
		{"ntime", `["u","j","00000000","0000000","00000000"]`, nil, errNTime},
		{"nonce", `["u","j","00000000","00000000","0x000000"]`, nil, errNonce},
		{"version", `["u","j","00000000","00000000","00000000","1"]`, nil, errVersionBits},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseSubmitParams(rawParams(tt.params))
			if err != tt.err {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			if tt.want != nil && !equalSubmit(got, *tt.want) {
				t.Fatalf("got %+v, want %+v", got, *tt.want)
			}
		})
	}
}

func equalSubmit(a, b submitParams) bool {
	return a.User == b.User && a.JobID == b.JobID && bytes.Equal(a.Extranonce2, b.Extranonce2) &&
		a.NTime == b.NTime && a.Nonce == b.Nonce && a.VersionBits == b.VersionBits && a.HasVersion == b.HasVersion
}

func TestParseLogin(t *testing.T) {
	tests := []struct{ user, addr, worker string }{
		{"LTCaddr", "LTCaddr", ""},
		{"LTCaddr.rig1", "LTCaddr", "rig1"},
		{"LTCaddr.rig.a", "LTCaddr", "rig.a"},
		{"LTCaddr,rig1", "LTCaddr", "rig1"},
		{"LTCaddr_rig1", "LTCaddr_rig1", ""},
		{"LTCaddr.rig_1", "LTCaddr", "rig_1"},
	}
	for _, tt := range tests {
		t.Run(tt.user, func(t *testing.T) {
			w := ParseLogin(tt.user, "p")
			if w.Name != tt.user || w.Address != tt.addr || w.WorkerName != tt.worker || w.Password != "p" {
				t.Fatalf("got %+v", w)
			}
		})
	}
}

func TestPasswordDifficulty(t *testing.T) {
	tests := []struct {
		pass string
		d    float64
		ok   bool
	}{{"x", 0, false}, {"d=16", 16, true}, {"x,d=0.5", 0.5, true}, {"ltc=ADDR;d=4", 4, true}, {"d=-1", 0, false}, {"d=abc", 0, false}}
	for _, tt := range tests {
		if d, ok := passwordDifficulty(tt.pass); d != tt.d || ok != tt.ok {
			t.Errorf("%q: %v %v", tt.pass, d, ok)
		}
	}
}

func TestParseConfigureParams(t *testing.T) {
	cp, err := parseConfigureParams(rawParams(`[["version-rolling","minimum-difficulty"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":16,"minimum-difficulty.value":2048}]`))
	if err != nil || cp.VersionMask != 0x1fffe000 || cp.MinBitCount != 16 || !cp.HasMinDifficulty || cp.MinDifficulty != 2048 || len(cp.Extensions) != 2 {
		t.Fatalf("%+v %v", cp, err)
	}
	cp, err = parseConfigureParams(rawParams(`[["version-rolling"]]`))
	if err != nil || cp.VersionMask != math.MaxUint32 {
		t.Fatalf("%+v %v", cp, err)
	}
	for _, bad := range []string{`[]`, `["version-rolling"]`, `[["version-rolling"],{"version-rolling.mask":"xyz"}]`, `[["a"],{"version-rolling.mask":123}]`, `[["a"],5]`} {
		if _, err := parseConfigureParams(rawParams(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// FuzzDecode feeds arbitrary bytes through the codec: it must never panic,
// and whatever it accepts must come back out as valid JSON.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"method":"mining.subscribe","params":["cpuminer"]}` + "\n",
		`{"id":"a","method":"mining.submit","params":["u","j","00000000","00000000","00000000"]}` + "\r\n",
		`{"id":null,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff"}]}` + "\n",
		`{"id":12,"method":"mining.submit","params":[` + "\n",
		"\n\n\r\n",
		`{"id":{"a":1},"method":5}` + "\n",
		"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
		`{"id":1e999,"method":"m"}` + "\n",
		`{"id":"\ud800","method":"\u00e9"}` + "\n",
		strings.Repeat("a", 300) + "\n" + `{"id":1,"method":"m"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		cd := newJSONCodec(&memConn{in: data}, 256, 0, 0)
		var req request
		for range 1000 {
			err := cd.readRequest(&req)
			var de *decodeError
			switch {
			case err == nil:
				if len(req.ID) > 0 && !validID(req.ID) {
					t.Fatalf("accepted id %q", req.ID)
				}
				if len(req.Params) == 0 || req.Params[0] != '[' || !json.Valid(req.Params) {
					t.Fatalf("accepted params %q", req.Params)
				}
				checkReply(t, req.ID)
				// The typed parsers must not panic on anything.
				parseSubmitParams(req.Params)
				parseAuthorizeParams(req.Params)
				parseSubscribeParams(req.Params)
				parseConfigureParams(req.Params)
				parseSuggestDifficulty(req.Params)
				parseJobIDParam(req.Params)
			case errors.As(err, &de):
				if de.hasID && len(de.id) > 0 && !validID(de.id) {
					t.Fatalf("error id %q", de.id)
				}
				checkReply(t, de.id)
			case errors.Is(err, ErrLineTooLong), errors.Is(err, io.EOF):
				return
			default:
				t.Fatalf("unexpected error %v", err)
			}
		}
	})
}

func checkReply(t *testing.T, id rawID) {
	t.Helper()
	for _, m := range []message{{ID: id, Result: true}, {ID: id, Err: Errorf(20, "Malformed request: %s", id)}} {
		out := jsonEncoder{}.encode(nil, &m)
		if !json.Valid(out) || bytes.Count(out, []byte("\n")) != 1 {
			t.Fatalf("reply %q is not one line of JSON", out)
		}
	}
}

// FuzzSubmitParams checks parseSubmitParams against encoding/json: it
// accepts exactly the arrays of five or six JSON strings whose fields have
// the right hex sizes, and reads the same values.
func FuzzSubmitParams(f *testing.F) {
	for _, s := range []string{
		`["u.w","j1","0a0b0c0d","5f5e1000","deadbeef"]`,
		`["u","j1","00000000","00000000","00000000","1fffe000"]`,
		` [ "\u0075" ,"j","00000000","00000000","00000000"] `,
		`["u","j","00000000","00000000",null]`,
		`["é","j","00000000","00000000","00000000"]`,
		`["u","j","0000000`,
		`[]`, `{}`, `null`, `["a\"b","j\\","ABCDEF01","00000000","00000000"]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		got, err := parseSubmitParams(rawParams(p))
		want, ok := oracleSubmit(p)
		if ok != (err == nil) {
			t.Fatalf("%q: parse error %v, oracle ok %v", p, err, ok)
		}
		if ok && !equalSubmit(got, want) {
			t.Fatalf("%q: got %+v, oracle %+v", p, got, want)
		}
	})
}

func oracleSubmit(p []byte) (submitParams, bool) {
	var raw []json.RawMessage
	if err := json.Unmarshal(p, &raw); err != nil || len(raw) < 5 || len(raw) > 6 {
		return submitParams{}, false
	}
	f := make([]string, len(raw))
	for i, r := range raw {
		if r[0] != '"' || json.Unmarshal(r, &f[i]) != nil {
			return submitParams{}, false
		}
	}
	var sp submitParams
	en2, err := hex.DecodeString(f[2])
	if err != nil || len(en2) != Extranonce2Size || len(f[0]) > maxUserBytes || len(f[1]) > maxUserBytes {
		return submitParams{}, false
	}
	sp.User, sp.JobID, sp.Extranonce2 = f[0], f[1], en2
	if sp.NTime, err = ParseUint32Hex(f[3]); err != nil {
		return submitParams{}, false
	}
	if sp.Nonce, err = ParseUint32Hex(f[4]); err != nil {
		return submitParams{}, false
	}
	if len(f) == 6 {
		if sp.VersionBits, err = ParseUint32Hex(f[5]); err != nil {
			return submitParams{}, false
		}
		sp.HasVersion = true
	}
	return sp, true
}

// BenchmarkSubmitPath measures what a share costs the server apart from
// the source: reading and decoding the line, checking the submit params
// and encoding the reply.
func BenchmarkSubmitPath(b *testing.B) {
	line := []byte(`{"id":4,"method":"mining.submit","params":["LTCaddr.rig1","1a2b3c4d","0000a1b2","5f5e1000","deadbeef"]}` + "\n")
	for _, tt := range []struct {
		name string
		err  *Error
	}{{"accepted", nil}, {"rejected", ErrLowDifficulty}} {
		b.Run(tt.name, func(b *testing.B) {
			cd := newJSONCodec(&memConn{in: line, repeat: true}, DefaultMaxLineBytes, 0, 0)
			var req request
			var buf []byte
			b.SetBytes(int64(len(line)))
			b.ReportAllocs()
			for b.Loop() {
				if err := cd.readRequest(&req); err != nil {
					b.Fatal(err)
				}
				sp, perr := parseSubmitParams(req.Params)
				if perr != nil || sp.Nonce != 0xdeadbeef {
					b.Fatal(perr)
				}
				m := message{ID: req.ID, Result: true, Err: tt.err}
				buf = cd.encode(buf[:0], &m)
			}
		})
	}
}
