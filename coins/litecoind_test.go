package coins

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestAgainstLitecoind asks a real litecoind -regtest what each address we
// encode pays, and whether it rejects what we reject.
func TestAgainstLitecoind(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no litecoind")
	}
	rpc := startLitecoind(t)
	r := mustLoad(t)
	c := mustCoin(t, r, "litecoin-regtest")
	h20 := bytes.Repeat([]byte{0xab}, 20)
	h32 := bytes.Repeat([]byte{0xcd}, 32)
	var addrs []string
	for _, a := range []Address{
		{Kind: P2PKH, Hash: h20},
		{Kind: P2SH, Hash: h20},
		{Kind: P2SH, Hash: h20, Version: 0xc4},
		{Kind: WitnessV0KeyHash, Hash: h20},
		{Kind: WitnessV0ScriptHash, Hash: h32},
		{Kind: WitnessV1Taproot, Hash: h32, WitnessVersion: 1},
		{Kind: WitnessUnknown, Hash: h20[:2], WitnessVersion: 16},
	} {
		s, err := c.EncodeAddress(a)
		if err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, s)
	}
	addrs = append(addrs,
		"rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44",                                 // valid
		"mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3r",                                           // bad checksum
		"LM2WMpR1Rp6j3Sa59cMXMs1SPzj9eXpGc1",                                           // mainnet
		"ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9",                                  // mainnet bech32
		"rltc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kqzeuqx", // likely bad checksum
		"tmweb1qqgplppk3cva5dmacz8zgrg56rjkyyrc44c48cjkzllr0m6g47t7jwq7ssja99kvefttmfm9v05xssj70gvmattzgh6zea4vmg0qgy636gvsf5f48", // MWEB
	)
	for _, addr := range addrs {
		t.Run(addr, func(t *testing.T) {
			var res struct {
				IsValid      bool   `json:"isvalid"`
				ScriptPubKey string `json:"scriptPubKey"`
				IsMWEB       bool   `json:"ismweb"`
			}
			rpc("validateaddress", []any{addr}, &res)
			a, err := c.DecodeAddress(addr)
			if res.IsValid != (err == nil) {
				t.Fatalf("litecoind isvalid=%v, we say %v", res.IsValid, err)
			}
			if !res.IsValid {
				return
			}
			if res.IsMWEB != (a.Kind == MWEB) {
				t.Fatalf("litecoind ismweb=%v, we decoded %v", res.IsMWEB, a.Kind)
			}
			script, err := c.AddressScript(addr)
			if a.Kind == MWEB {
				if err == nil {
					t.Fatal("MWEB address got a script")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(script); got != res.ScriptPubKey {
				t.Errorf("script %s, litecoind says %s", got, res.ScriptPubKey)
			}
		})
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startLitecoind runs litecoind -regtest in a temporary directory and
// returns a JSON-RPC caller; the daemon is stopped when the test ends.
func startLitecoind(t *testing.T) func(method string, params []any, out any) {
	t.Helper()
	bin, err := exec.LookPath("litecoind")
	if err != nil {
		if os.Getenv("MULTIPOOL_REQUIRE_REAL") == "1" {
			t.Fatal("litecoind not installed and MULTIPOOL_REQUIRE_REAL=1")
		}
		t.Skip("litecoind not installed")
	}
	dir := t.TempDir()
	rpcPort, p2pPort := freePort(t), freePort(t)
	cmd := exec.Command(bin, "-regtest", "-datadir="+dir,
		"-rpcport="+strconv.Itoa(rpcPort), "-port="+strconv.Itoa(p2pPort),
		"-bind=127.0.0.1", "-rpcbind=127.0.0.1", "-rpcallowip=127.0.0.1",
		"-rpcuser=u", "-rpcpassword=p", "-listenonion=0", "-dnsseed=0", "-upnp=0",
		"-disablewallet=1", "-printtoconsole=0")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	url := fmt.Sprintf("http://127.0.0.1:%d/", rpcPort)
	// No keep-alive: litecoind waits for open HTTP connections before it exits.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 30 * time.Second}
	call := func(method string, params []any, out any) error {
		body, _ := json.Marshal(map[string]any{"jsonrpc": "1.0", "id": 1, "method": method, "params": params})
		req, _ := http.NewRequest("POST", url, bytes.NewReader(body))
		req.SetBasicAuth("u", "p")
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var env struct {
			Result json.RawMessage `json:"result"`
			Error  *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			return fmt.Errorf("%s: HTTP %d: %w", method, resp.StatusCode, err)
		}
		if env.Error != nil {
			return fmt.Errorf("%s: %d %s", method, env.Error.Code, env.Error.Message)
		}
		return json.Unmarshal(env.Result, out)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		var info map[string]any
		err := call("getblockchaininfo", nil, &info)
		if err == nil {
			if info["chain"] != "regtest" {
				t.Fatalf("chain %v", info["chain"])
			}
			break
		}
		select {
		case <-exited:
			t.Fatalf("litecoind exited: %v", cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("litecoind RPC not up: %v", err)
		}
		time.Sleep(100 * time.Millisecond) // polling a condition with a deadline
	}
	return func(method string, params []any, out any) {
		t.Helper()
		if err := call(method, params, out); err != nil {
			t.Fatal(err)
		}
	}
}
