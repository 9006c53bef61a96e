package daemon

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// loadResult reads a captured reply from testdata and returns its result
// member; files hold either the whole reply or only the result.
func loadResult(t testing.TB, name string) json.RawMessage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var wrapped struct {
		Result json.RawMessage `json:"result"`
	}
	if json.Unmarshal(b, &wrapped) == nil && len(wrapped.Result) > 0 {
		return wrapped.Result
	}
	return b
}

// replay answers method with a captured result and records the params.
func replay(t *testing.T, method string, result json.RawMessage, params *[]json.RawMessage) *fakeDaemon {
	return newFakeDaemon(t, func(req inRequest) (any, *RPCError, int) {
		if req.Method != method {
			return nil, &RPCError{Code: -32601, Message: "Method not found"}, 404
		}
		if params != nil {
			*params = req.Params
		}
		return result, nil, 0
	})
}

func TestGetBlockTemplateSamples(t *testing.T) {
	tests := []struct {
		file       string
		rules      []string
		height     int64
		txs        int
		mweb       bool
		commitment string // expected WitnessCommitmentScript prefix, "" for none
	}{
		{"ltc-getblocktemplate-h102-premweb.json", []string{"mweb", "segwit"}, 102, 0, false, "6a24aa21a9ede2f61c3f"},
		{"ltc-getblocktemplate-h102-with-tx.json", []string{"mweb", "segwit"}, 102, 1, false, "6a24aa21a9ed39deca82"},
		{"ltc-getblocktemplate-h432-mweb-active.json", []string{"mweb", "segwit"}, 432, 2, true, "6a24aa21a9ede8b633dc"},
		{"ltc-getblocktemplate-h433-empty-mempool.json", []string{"mweb", "segwit"}, 433, 1, true, "6a24aa21a9ed0c2f06c4"},
		{"ltc-getblocktemplate-post-mweb-with-tx.json", []string{"mweb", "segwit"}, 542, 2, true, "6a24aa21a9ed"},
		{"btcd-regtest-getblocktemplate.json", nil, 102, 0, false, ""},
		{"btcd-simnet-getblocktemplate-with-tx.json", nil, 313, 2, false, ""},
		{"btcd-simnet-getblocktemplate-witness-tx.json", nil, 314, 1, false, "6a24aa21a9ed5f21d0ced7a6db0b"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var params []json.RawMessage
			f := replay(t, "getblocktemplate", loadResult(t, tt.file), &params)
			c := newClient(t, Config{Endpoints: []Endpoint{f.endpoint(t)}}, nil)
			tpl, err := c.GetBlockTemplate(context.Background(), tt.rules)
			if err != nil {
				t.Fatal(err)
			}
			var req map[string]json.RawMessage
			if len(params) != 1 || json.Unmarshal(params[0], &req) != nil {
				t.Fatalf("params %s", params)
			}
			rules, hasRules := req["rules"]
			if tt.rules == nil && hasRules {
				t.Fatalf("rules sent to btcd: %s", rules)
			}
			if tt.rules != nil && string(rules) != `["mweb","segwit"]` {
				t.Fatalf("rules %s", rules)
			}
			if tpl.Height != tt.height || len(tpl.Transactions) != tt.txs || len(tpl.Bits) != 8 || tpl.CoinbaseValue <= 0 {
				t.Fatalf("template %+v", tpl)
			}
			if (tpl.MWEB != "") != tt.mweb || tpl.HasRule("mweb") != tt.mweb {
				t.Fatalf("mweb %q rules %v, want mweb=%v", tpl.MWEB, tpl.Rules, tt.mweb)
			}
			if got := tpl.WitnessCommitmentScript(); !strings.HasPrefix(got, tt.commitment) || (tt.commitment == "") != (got == "") {
				t.Fatalf("commitment script %q, want prefix %q", got, tt.commitment)
			}
			if tt.commitment != "" && len(tpl.WitnessCommitmentScript()) != 76 {
				t.Fatalf("commitment script %q is not 38 bytes", tpl.WitnessCommitmentScript())
			}
			for i, tx := range tpl.Transactions {
				if len(tx.TxID) != 64 || len(tx.Hash) != 64 || tx.Data == "" {
					t.Fatalf("tx %d: %+v", i, tx)
				}
			}
		})
	}
}

// TestTxIDFromData checks the txid fallback against every template sample:
// the txid computed from the data must equal what the daemon reported, for
// legacy, segwit and Litecoin HogEx (flag 0x08) transactions alike.
func TestTxIDFromData(t *testing.T) {
	files, err := filepath.Glob("testdata/*getblocktemplate*.json")
	if err != nil || len(files) == 0 {
		t.Fatal("no samples", err)
	}
	seen := map[string]int{}
	for _, file := range files {
		var tpl struct {
			Transactions []TemplateTx `json:"transactions"`
		}
		if err := json.Unmarshal(loadResult(t, filepath.Base(file)), &tpl); err != nil {
			t.Fatal(err)
		}
		for i, tx := range tpl.Transactions {
			t.Run(filepath.Base(file)+"/"+tx.TxID[:8], func(t *testing.T) {
				raw, _ := hex.DecodeString(tx.Data)
				got, err := TxID(raw)
				if err != nil {
					t.Fatalf("tx %d: %v", i, err)
				}
				if got != tx.TxID {
					t.Fatalf("tx %d: txid %s, want %s", i, got, tx.TxID)
				}
				if h := WitnessHash(raw, got); h != tx.Hash {
					t.Fatalf("tx %d: hash %s, want %s", i, h, tx.Hash)
				}
				switch {
				case raw[4] == 0 && raw[5] == 1:
					seen["segwit"]++
				case raw[4] == 0 && raw[5] == 8:
					seen["hogex"]++
				default:
					seen["legacy"]++
				}
			})
		}
	}
	if seen["segwit"] == 0 || seen["hogex"] == 0 || seen["legacy"] == 0 {
		t.Fatalf("samples did not cover every kind: %v", seen)
	}
}

func TestTemplateMissingTxID(t *testing.T) {
	var tpl map[string]any
	json.Unmarshal(loadResult(t, "btcd-simnet-getblocktemplate-witness-tx.json"), &tpl)
	txs := tpl["transactions"].([]any)
	tx := txs[0].(map[string]any)
	want := tx["txid"].(string)
	delete(tx, "txid")
	raw, _ := json.Marshal(tpl)
	got, err := ParseBlockTemplate(raw)
	if err != nil {
		t.Fatal(err)
	}
	if got.Transactions[0].TxID != want || got.Transactions[0].Hash == want {
		t.Fatalf("txid %s (hash %s), want %s", got.Transactions[0].TxID, got.Transactions[0].Hash, want)
	}
}

func TestTemplateNormalise(t *testing.T) {
	base := string(loadResult(t, "btcd-regtest-getblocktemplate.json"))
	tests := []struct {
		name     string
		from, to string
		wantBits string
		ok       bool
	}{
		{"bits as sent", "", "", "207fffff", true},
		{"short bits padded", `"bits": "207fffff"`, `"bits": "7fffff"`, "007fffff", true},
		{"upper-case bits", `"bits": "207fffff"`, `"bits": "207FFFFF"`, "207fffff", true},
		{"bits too long", `"bits": "207fffff"`, `"bits": "1207fffff"`, "", false},
		{"bits not hex", `"bits": "207fffff"`, `"bits": "zz"`, "", false},
		{"no bits", `"bits": "207fffff",`, ``, "", false},
		{"bad prev hash", `"previousblockhash": "6b1d`, `"previousblockhash": "xx1d`, "", false},
		{"no height", `"height": 102`, `"height": 0`, "", false},
		{"bad tx hex", `"transactions": []`, `"transactions": [{"data":"zz"}]`, "", false},
		{"bad depends", `"transactions": []`, `"transactions": [{"data":"00","txid":"` + strings.Repeat("a", 64) + `","depends":[1]}]`, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := strings.Replace(base, tt.from, tt.to, 1)
			if tt.from != "" && raw == base {
				t.Fatalf("replacement %q did not apply", tt.from)
			}
			tpl, err := ParseBlockTemplate([]byte(raw))
			if !tt.ok {
				if !errors.Is(err, ErrBadTemplate) {
					t.Fatalf("got %v, want ErrBadTemplate", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tpl.Bits != tt.wantBits {
				t.Fatalf("bits %q, want %q", tpl.Bits, tt.wantBits)
			}
		})
	}
}

// TestTemplatePayments: Dash's required payments decode from an array, a
// single object or the old payee fields, and amounts or scripts that
// cannot be paid are refused.
func TestTemplatePayments(t *testing.T) {
	var base map[string]any
	if err := json.Unmarshal(loadResult(t, "btcd-regtest-getblocktemplate.json"), &base); err != nil {
		t.Fatal(err)
	}
	value := int64(base["coinbasevalue"].(float64))
	const script = "76a914bfb885c89c83cd44992a8ade29b610e6ddf00c5788ac"
	tests := []struct {
		name    string
		extra   map[string]any
		want    Payments // nil with ok false: refused
		payload string
		ok      bool
	}{
		{"none", nil, nil, "", true},
		{"null", map[string]any{"masternode": nil, "superblock": nil}, nil, "", true},
		{"array and superblock", map[string]any{
			"masternode":       []any{map[string]any{"payee": "X", "script": strings.ToUpper(script), "amount": 1000}},
			"superblock":       []any{map[string]any{"payee": "", "script": "6a", "amount": 5}},
			"coinbase_payload": "0100AB",
		}, Payments{{Payee: "X", Script: script, Amount: 1000}, {Script: "6a", Amount: 5}}, "0100ab", true},
		{"one object", map[string]any{"masternode": map[string]any{"payee": "X", "amount": 7}},
			Payments{{Payee: "X", Amount: 7}}, "", true},
		{"old payee fields", map[string]any{"payee": "X", "payee_amount": 9}, Payments{{Payee: "X", Amount: 9}}, "", true},
		{"negative amount", map[string]any{"masternode": []any{map[string]any{"script": script, "amount": -1}}}, nil, "", false},
		{"more than the coinbase", map[string]any{
			"masternode": []any{map[string]any{"script": script, "amount": value}},
			"superblock": []any{map[string]any{"script": script, "amount": 1}},
		}, nil, "", false},
		{"script not hex", map[string]any{"masternode": []any{map[string]any{"script": "zz", "amount": 1}}}, nil, "", false},
		{"no script, no payee", map[string]any{"masternode": []any{map[string]any{"amount": 1}}}, nil, "", false},
		{"payload not hex", map[string]any{"coinbase_payload": "0g"}, nil, "", false},
		{"masternode a string", map[string]any{"masternode": "X"}, nil, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := maps.Clone(base)
			maps.Copy(m, tt.extra)
			raw, _ := json.Marshal(m)
			tpl, err := ParseBlockTemplate(raw)
			if !tt.ok {
				if !errors.Is(err, ErrBadTemplate) {
					t.Fatalf("got %v, want ErrBadTemplate", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := tpl.RequiredPayments(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("payments %+v, want %+v", got, tt.want)
			}
			if tpl.CoinbasePayload != tt.payload {
				t.Errorf("payload %q, want %q", tpl.CoinbasePayload, tt.payload)
			}
		})
	}
}

func TestTemplateRPCError(t *testing.T) {
	ep := rawServer(t, 500, `{"result":null,"error":{"code":-9,"message":"Litecoin Core is not connected!"},"id":1}`)
	c := newClient(t, Config{Endpoints: []Endpoint{ep}}, nil)
	_, err := c.GetBlockTemplate(context.Background(), []string{"mweb", "segwit"})
	var rpcErr *RPCError
	if !errors.As(err, &rpcErr) || rpcErr.Code != -9 {
		t.Fatalf("got %v, want rpc error -9", err)
	}
}

func TestSubmitBlock(t *testing.T) {
	answer := func(result any) func(t *testing.T) Endpoint {
		return func(t *testing.T) Endpoint { return newFakeDaemon(t, okHandler(result)).endpoint(t) }
	}
	rpcErr := func(code int, msg string) func(t *testing.T) Endpoint {
		return func(t *testing.T) Endpoint {
			return newFakeDaemon(t, func(inRequest) (any, *RPCError, int) {
				return nil, &RPCError{Code: code, Message: msg}, 500
			}).endpoint(t)
		}
	}
	tests := []struct {
		name         string
		endpoints    []func(t *testing.T) Endpoint
		accepted     bool
		reason       string
		inconclusive bool
		unreachable  bool
	}{
		{"null is accepted", []func(*testing.T) Endpoint{answer(nil)}, true, "", false, false},
		{"accepted by one of two", []func(*testing.T) Endpoint{closedPort, answer(nil)}, true, "", false, false},
		{"duplicate everywhere", []func(*testing.T) Endpoint{answer("duplicate"), answer("duplicate")}, true, "duplicate", false, false},
		{"accepted and duplicate", []func(*testing.T) Endpoint{answer(nil), answer("duplicate")}, true, "", false, false},
		{"duplicate beats a rejection", []func(*testing.T) Endpoint{answer("high-hash"), answer("duplicate")}, true, "duplicate", false, false},
		{"bip22 rejection", []func(*testing.T) Endpoint{answer("high-hash")}, false, "high-hash", false, false},
		{"btcd rejection", []func(*testing.T) Endpoint{answer("rejected: block hash of 00ab is higher than expected max of 7fff")}, false, "block hash of 00ab is higher than expected max of 7fff", false, false},
		{"inconclusive", []func(*testing.T) Endpoint{answer("inconclusive")}, false, "inconclusive", true, false},
		{"duplicate-inconclusive", []func(*testing.T) Endpoint{answer("duplicate-inconclusive"), answer("bad-txnmrklroot")}, false, "inconclusive", true, false},
		{"duplicate-invalid", []func(*testing.T) Endpoint{answer("duplicate-invalid")}, false, "duplicate-invalid", false, false},
		{"decode failed", []func(*testing.T) Endpoint{rpcErr(-22, "Block decode failed")}, false, "Block decode failed", false, false},
		{"unreachable", []func(*testing.T) Endpoint{closedPort, closedPort}, false, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var eps []Endpoint
			for _, mk := range tt.endpoints {
				eps = append(eps, mk(t))
			}
			c := newClient(t, Config{Endpoints: eps}, nil)
			res := c.SubmitBlock(context.Background(), "00")
			if res.Accepted != tt.accepted || res.Inconclusive != tt.inconclusive || res.Unreachable != tt.unreachable {
				t.Fatalf("result %+v", res)
			}
			if !tt.unreachable && res.Reason != tt.reason {
				t.Fatalf("reason %q, want %q", res.Reason, tt.reason)
			}
			if tt.unreachable && res.Reason == "" {
				t.Fatal("unreachable without a reason")
			}
			if len(res.PerEndpoint) != len(eps) {
				t.Fatalf("%d per-endpoint replies", len(res.PerEndpoint))
			}
		})
	}
}

// validateAddressSamples parses testdata/ltc-validateaddress.txt: sections
// "== <address>" followed by the captured result.
func validateAddressSamples(t *testing.T) map[string]json.RawMessage {
	b, err := os.ReadFile("testdata/ltc-validateaddress.txt")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]json.RawMessage{}
	for _, sec := range bytes.Split(b, []byte("== "))[1:] {
		addr, body, _ := bytes.Cut(sec, []byte("\n"))
		out[string(addr)] = json.RawMessage(body)
	}
	return out
}

func TestValidateAddress(t *testing.T) {
	samples := validateAddressSamples(t)
	f := newFakeDaemon(t, func(req inRequest) (any, *RPCError, int) {
		var addr string
		json.Unmarshal(req.Params[0], &addr)
		if r, ok := samples[addr]; ok {
			return r, nil, 0
		}
		return json.RawMessage(`{"isvalid":false}`), nil, 0
	})
	c := newClient(t, Config{Endpoints: []Endpoint{f.endpoint(t)}}, nil)
	tests := []struct {
		addr string
		want bool
	}{
		{"rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44", true},
		{"mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3q", true},
		{"QYeXQQpDEaL4qJrEkmF33LnHLHUsg96mcW", true},
		{"ltc1qg82r2ngjw2m8p7gz9lqrfmtqm5zxmtc8q7qv0k", false},
		{"LTC1notanaddress", false},
		{"tmweb1qqgplppk3cva5dmacz8zgrg56rjkyyrc44c48cjkzllr0m6g47t7jwq7ssja99kvefttmfm9v05xssj70gvmattzgh6zea4vmg0qgy636gvsf5f48", true},
	}
	if len(samples) != len(tests) {
		t.Fatalf("parsed %d samples, want %d", len(samples), len(tests))
	}
	for _, tt := range tests {
		t.Run(tt.addr[:10], func(t *testing.T) {
			got, err := c.ValidateAddress(context.Background(), tt.addr)
			if err != nil || got != tt.want {
				t.Fatalf("ValidateAddress = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestGetBlock(t *testing.T) {
	tests := []struct {
		file   string
		hash   string
		height int64
		txs    int
		prev   string
	}{
		{"ltc-getblock-v1-h437.json", "d5cb35f6d1debeac0b6b44713064e8e075f98bb7d623146810231098ed8d993f", 437, 8, "8fc52ae27ff4a7daf1d4ddbb1cea665347ecfedcb4a3e854ccf37d2a10622d26"},
		{"btcd-simnet-getblock-v1.json", "4e3b4667bf36e770603f61fc07104d49094ece325249858f6915abad024c3320", 313, 3, "51bceee53c73ef5b5fd8bbaefcce86d247c95475f228c19aa5f5734e860186d6"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var params []json.RawMessage
			f := replay(t, "getblock", loadResult(t, tt.file), &params)
			c := newClient(t, Config{Endpoints: []Endpoint{f.endpoint(t)}}, nil)
			b, err := c.GetBlock(context.Background(), tt.hash)
			if err != nil {
				t.Fatal(err)
			}
			if b.Hash != tt.hash || b.Height != tt.height || len(b.Tx) != tt.txs || b.PreviousBlockHash != tt.prev || b.Time == 0 || b.Confirmations < 1 {
				t.Fatalf("block %+v", b)
			}
			if len(params) != 2 || string(params[1]) != "1" {
				t.Fatalf("params %s, want [hash, 1]", params)
			}
		})
	}
}

func TestTipCalls(t *testing.T) {
	hash := "76d1ad7f2634077e833922d8bb51f9f5e29ec0c0b4097431a5f83e6f9e65f85c"
	f := newFakeDaemon(t, func(req inRequest) (any, *RPCError, int) {
		switch req.Method {
		case "getbestblockhash":
			return hash, nil, 0
		case "getblockcount":
			return 541, nil, 0
		}
		return nil, &RPCError{Code: -32601, Message: "Method not found"}, 404
	})
	c := newClient(t, Config{Endpoints: []Endpoint{f.endpoint(t)}}, nil)
	if h, err := c.GetBestBlockHash(context.Background()); err != nil || h != hash {
		t.Fatalf("GetBestBlockHash = %q, %v", h, err)
	}
	if n, err := c.GetBlockCount(context.Background()); err != nil || n != 541 {
		t.Fatalf("GetBlockCount = %d, %v", n, err)
	}
	err := c.Call(context.Background(), "nosuch", nil, nil)
	if !errors.Is(err, ErrMethodNotFound) {
		t.Fatalf("got %v", err)
	}
}

func FuzzParseBlockTemplate(f *testing.F) {
	files, _ := filepath.Glob("testdata/*getblocktemplate*.json")
	for _, file := range files {
		f.Add([]byte(loadResult(f, filepath.Base(file))))
	}
	f.Add([]byte(`{"previousblockhash":"` + strings.Repeat("0", 64) + `","bits":"1","height":1,"transactions":[{"data":"0100000000010000000000"}]}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		tpl, err := ParseBlockTemplate(raw)
		if err != nil {
			return
		}
		if len(tpl.Bits) != 8 || len(tpl.PreviousBlockHash) != 64 {
			t.Fatalf("accepted template with bits %q prev %q", tpl.Bits, tpl.PreviousBlockHash)
		}
		for _, tx := range tpl.Transactions {
			if !isHexLen(tx.TxID, 64) || !isHexLen(tx.Hash, 64) {
				t.Fatalf("accepted tx ids %q %q", tx.TxID, tx.Hash)
			}
		}
	})
}

func FuzzTxID(f *testing.F) {
	files, _ := filepath.Glob("testdata/*getblocktemplate*.json")
	for _, file := range files {
		var tpl struct {
			Transactions []TemplateTx `json:"transactions"`
		}
		json.Unmarshal(loadResult(f, filepath.Base(file)), &tpl)
		for _, tx := range tpl.Transactions {
			raw, _ := hex.DecodeString(tx.Data)
			f.Add(raw)
		}
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		stripped, err := stripWitness(raw)
		if err != nil {
			return
		}
		// The legacy serialization is a fixed point (except with zero
		// inputs, where it reads like a segwit marker: the known ambiguity).
		if stripped[4] == 0 {
			return
		}
		again, err := stripWitness(stripped)
		if err != nil || !bytes.Equal(again, stripped) {
			t.Fatalf("stripped form does not parse as legacy: %v", err)
		}
	})
}
