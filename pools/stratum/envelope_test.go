package stratum

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestScanEnvelopeShapes lists the request lines miners send, which must
// take the fast path, and lines it must leave to encoding/json.
func TestScanEnvelopeShapes(t *testing.T) {
	fast := []string{
		`{"id":4,"method":"mining.submit","params":["LTCaddr.rig1","1a2b3c4d","0000a1b2","5f5e1000","deadbeef"]}`,
		`{"params": ["w", "j", "00", "5f5e1000", "deadbeef", "1fffe000"], "id": 17, "method": "mining.submit"}` + "\r\n",
		`{"id": "a-1", "method": "mining.subscribe", "params": ["cgminer/4.12.0"]}`,
		`{"id":1,"method":"mining.configure","params":[["version-rolling"],["x"]],"jsonrpc":"2.0"}`,
		`{"id":null,"method":"mining.extranonce.subscribe","params":[]}`,
		`{"id":2,"method":"mining.suggest_difficulty","params":[1.5e-3]}`,
		`{"id":2,"method":"mining.authorize","params":["a\"b\\c\u00e9","x"]}`,
		`{"id":3,"method":"mining.submit"}`,
		`{"method":"mining.submit","params":null,"id":-0.5E+2}`,
	}
	for _, line := range fast {
		if _, _, _, ok := scanEnvelope([]byte(line)); !ok {
			t.Errorf("declined %s", line)
		}
	}
	slow := []string{
		``, `[]`, `{}x`, `{"id":1,}`, `{"id":1 "method":"m"}`, `{"id":01}`, `{"id":1.}`, `{"id":-}`,
		`{"id":1,"id":2,"method":"m"}`, `{"ID":1,"method":"m"}`, `{"id":1,"Method":"m"}`,
		`{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff"}]}`,
		`{"id":1,"method":"é","params":[]}`, `{"id":1,"method":"a\qb"}`, `{"id":1,"method":"a` + "\t" + `b"}`,
		`{"id":[[[[[1]]]]],"method":"m"}`, `{"\u0069d":1,"method":"m"}`, `{"id":1,"meth\u006fd":"m"}`, `{"id":tru,"method":"m"}`, `{"id":1,"method":"m",`, `{"id":"\u12"}`,
	}
	for _, line := range slow {
		if _, _, _, ok := scanEnvelope([]byte(line)); ok {
			t.Errorf("accepted %s", line)
		}
	}
}

// FuzzEnvelope checks the fast path against encoding/json: whatever
// scanEnvelope accepts, json.Unmarshal accepts too, with the same bytes in
// every field.
func FuzzEnvelope(f *testing.F) {
	for _, s := range []string{
		`{"id":4,"method":"mining.submit","params":["a","b","00","5f5e1000","deadbeef"]}`,
		`{"params": [1, [true, null], -0.5e3], "id": "x", "method": "m", "extra": "y"}`,
		`{"id":1,"method":"m","params":[["version-rolling"],{"a":1}]}`,
		`{"Id":1,"method":"m"}`, ` {"id":null} `, `{"id":"\ud800"}`, `{"\u0069d":7}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		id, method, params, ok := scanEnvelope(line)
		if !ok {
			return
		}
		var env envelope
		if err := json.Unmarshal(line, &env); err != nil {
			t.Fatalf("fast path accepted %q, encoding/json: %v", line, err)
		}
		if !bytes.Equal(env.ID, id) || !bytes.Equal(env.Method, method) || !bytes.Equal(env.Params, params) {
			t.Fatalf("%q: fast %q %q %q, encoding/json %q %q %q", line, id, method, params, env.ID, env.Method, env.Params)
		}
	})
}
