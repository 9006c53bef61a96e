package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/coins/pow"
)

func mustLoad(t *testing.T, dir string) *Config {
	t.Helper()
	cfg, err := Load(dir)
	if err != nil {
		t.Fatalf("Load(%s):\n%v", dir, err)
	}
	return cfg
}

func hasLine(list []string, parts ...string) bool {
	for _, s := range list {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(s, p)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestSeedFixture loads the seed README's pool config exactly as written.
func TestSeedFixture(t *testing.T) {
	cfg := mustLoad(t, "testdata/seed")
	if len(cfg.Pools) != 1 || len(cfg.Disabled) != 0 {
		t.Fatalf("pools %d disabled %v", len(cfg.Pools), cfg.Disabled)
	}
	p := cfg.Pools[0]
	if p.File != "pool_configs/litecoin.json" || p.Coin.Key != "litecoin" || p.Address != "mi4iBXbBsydtcc5yFmsff2zCFVX4XG7qJc" {
		t.Errorf("pool %s coin %s address %s", p.File, p.Coin.Key, p.Address)
	}
	wantPorts := []PortConfig{
		{Port: 3032, Diff: 32, VarDiff: &VarDiff{MinDiff: 8, MaxDiff: 512, TargetTime: 15 * time.Second, RetargetTime: 90 * time.Second, VariancePercent: 30}},
		{Port: 3256, Diff: 256},
	}
	if len(p.Ports) != 2 {
		t.Fatalf("ports %+v", p.Ports)
	}
	for i, w := range wantPorts {
		g := p.Ports[i]
		if g.Port != w.Port || g.Diff != w.Diff || g.TLS || (g.VarDiff == nil) != (w.VarDiff == nil) || g.VarDiff != nil && *g.VarDiff != *w.VarDiff {
			t.Errorf("port %d: %+v %+v", i, g, g.VarDiff)
		}
	}
	wantDaemons := []Daemon{{"localhost", 19332, "litecoinrpc", "testnet"}, {"localhost", 19344, "litecoinrpc", "testnet"}}
	if !slices.Equal(p.Daemons, wantDaemons) {
		t.Errorf("daemons %+v", p.Daemons)
	}
	if p.BlockRefreshInterval != time.Second || p.JobRebroadcastTimeout != DefaultJobRebroadcastTimeout || p.ConnectionTimeout != DefaultConnectionTimeout {
		t.Errorf("intervals %v %v %v", p.BlockRefreshInterval, p.JobRebroadcastTimeout, p.ConnectionTimeout)
	}
	if !p.ValidateWorkerUsername || p.EmitInvalidBlockHashes || p.TCPProxyProtocol {
		t.Errorf("flags %v %v %v", p.ValidateWorkerUsername, p.EmitInvalidBlockHashes, p.TCPProxyProtocol)
	}
	wantPay := PaymentConfig{Enabled: true, Interval: 30 * time.Second, Schedule: "@every 30s", MinimumPayment: 1_000_000, Daemon: wantDaemons[0]}
	if p.Payment != wantPay {
		t.Errorf("payment %+v", p.Payment)
	}
	wantMPOS := MPOSConfig{Host: "localhost", Port: 3306, User: "me", Password: "mypass", Database: "ltc", CheckPassword: true}
	if p.MPOS != wantMPOS {
		t.Errorf("mpos %+v", p.MPOS)
	}
	wantP2P := P2PConfig{Host: "localhost", Port: 19333, Magic: "fcc1b7dc", ProtocolVersion: 70002, DisableTransactions: true}
	if p.P2P != wantP2P {
		t.Errorf("p2p %+v", p.P2P)
	}
	wantBan := Banning{Enabled: true, Time: 600 * time.Second, InvalidPercent: 50, CheckThreshold: 500, PurgeInterval: 300 * time.Second}
	if p.Banning != wantBan {
		t.Errorf("banning %+v", p.Banning)
	}
	if len(p.RewardRecipients) != 0 || len(p.Recipients) != 0 {
		t.Errorf("recipients %v", p.RewardRecipients)
	}
	// The address is litecoin testnet/regtest's while the coin is mainnet: a warning.
	if !hasLine(cfg.Warnings, "pool_configs/litecoin.json: address:", "litecoin-regtest/litecoin-testnet", "not a litecoin one") {
		t.Errorf("warnings %q", cfg.Warnings)
	}
	m := cfg.Main
	if m.LogLevel != "info" || m.CLIPort != DefaultCLIPort || m.InstanceID != 0 || m.Website.Enabled || m.BlockNotifyListener.Enabled || m.ProfitSwitch.Enabled {
		t.Errorf("main %+v", m)
	}
	if m.Redis != (Redis{Host: "127.0.0.1", Port: 6379}) {
		t.Errorf("redis %+v", m.Redis)
	}
	if cfg.Coins == nil || len(cfg.Coins.All()) < 7 {
		t.Errorf("coins %v", cfg.Coins)
	}
}

// TestNOMPLayout loads a config.json with NOMP's example layout and pool
// files in the newer NOMP shape, a coins/ override and a disabled file.
func TestNOMPLayout(t *testing.T) {
	cfg := mustLoad(t, "testdata/nomp")
	if got := []string{cfg.Pools[0].Coin.Key, cfg.Pools[1].Coin.Key}; len(cfg.Pools) != 2 || !slices.Equal(got, []string{"dogecoin", "litecoin-regtest"}) {
		t.Fatalf("pools %v", got)
	}
	if !slices.Equal(cfg.Disabled, []string{"pool_configs/bitcoin_example.json"}) {
		t.Errorf("disabled %v", cfg.Disabled)
	}
	m := cfg.Main
	if m.LogLevel != "debug" || !m.LogColors || m.InstanceID != 7 {
		t.Errorf("main %+v", m)
	}
	if !m.Website.Enabled || m.Website.Addr() != "0.0.0.0:8080" || m.Website.StratumHost != "pool.example.org" ||
		m.Website.Stats != (WebsiteStats{time.Minute, 43200 * time.Second, 300 * time.Second}) || m.Website.AdminCenter.Enabled {
		t.Errorf("website %+v", m.Website)
	}
	if m.BlockNotifyListener != (BlockNotifyListener{Enabled: true, Host: "127.0.0.1", Port: 8117, Password: "s3cret-notify"}) {
		t.Errorf("blocknotify %+v", m.BlockNotifyListener)
	}
	if len(m.Switching) != 1 || m.Switching[0].Name != "switch2" || m.Switching[0].Algorithm != "scrypt" || m.Switching[0].Ports[0].Port != 4444 {
		t.Errorf("switching %+v", m.Switching)
	}
	if m.ProfitSwitch.Enabled || m.ProfitSwitch.Depth != 0.9 || m.ProfitSwitch.UpdateInterval != 10*time.Minute || !m.ProfitSwitch.UseBittrex {
		t.Errorf("profitSwitch %+v", m.ProfitSwitch)
	}
	if !hasLine(cfg.Ignored, "config.json: clustering:") || !hasLine(cfg.Ignored, "pool_configs/dogecoin.json: txRefreshInterval:") {
		t.Errorf("ignored %q", cfg.Ignored)
	}

	ltc := cfg.Pools[1]
	if ltc.JobRebroadcastTimeout != 55*time.Second || ltc.ConnectionTimeout != 600*time.Second || !ltc.Banning.Enabled {
		t.Errorf("defaults not merged: %v %v %+v", ltc.JobRebroadcastTimeout, ltc.ConnectionTimeout, ltc.Banning)
	}
	if ltc.RewardRecipients["mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3q"] != 1.5 || len(ltc.Recipients) != 2 {
		t.Errorf("recipients %+v", ltc.Recipients)
	}
	for _, r := range ltc.Recipients {
		if len(r.Script) != 25 {
			t.Errorf("recipient %s script %x", r.Address, r.Script)
		}
	}
	if ltc.Recipients[0].Address != "22851477d63a085dbc2398c8430af1c09e7343f6" ||
		string(ltc.Recipients[0].Script[3:23]) != "\x22\x85\x14\x77\xd6\x3a\x08\x5d\xbc\x23\x98\xc8\x43\x0a\xf1\xc0\x9e\x73\x43\xf6" {
		t.Errorf("mining key recipient %+v", ltc.Recipients[0])
	}
	if ltc.Payment.MinimumPayment != 70*100_000_000 || ltc.Payment.Schedule != "*/5 * * * *" || ltc.Payment.Interval != 20*time.Second {
		t.Errorf("payment %+v", ltc.Payment)
	}
	if !ltc.P2P.Enabled || ltc.P2P.Magic != "fabfb5da" || ltc.P2P.ProtocolVersion != 70015 || ltc.P2P.Port != 19444 {
		t.Errorf("p2p %+v", ltc.P2P)
	}
	wantCert, _ := filepath.Abs("testdata/nomp/tls/cert.pem")
	if !ltc.Ports[1].TLS || ltc.TLS.CertFile != wantCert {
		t.Errorf("tls %+v %+v", ltc.Ports, ltc.TLS)
	}
	if ltc.MPOS.Enabled || !ltc.MPOS.CheckPassword {
		t.Errorf("mpos %+v", ltc.MPOS)
	}

	doge := cfg.Pools[0]
	if doge.Coin.File != "coins/dogecoin.json" || doge.Coin.Multiplier() != 65536 || doge.BlockRefreshInterval != 0 || doge.Banning.Enabled {
		t.Errorf("dogecoin %+v", doge)
	}
	if doge.Ports[0].Diff != 0.5 || doge.Payment.Enabled || doge.P2P.Enabled {
		t.Errorf("dogecoin %+v", doge)
	}
	if len(cfg.Warnings) != 0 {
		t.Errorf("warnings %q", cfg.Warnings)
	}
}

// A good directory that the bad cases below break one file at a time.
var baseFiles = map[string]string{
	"config.json": `{
    "website": { "enabled": true, "port": 8080 },
    "switching": { "sw": { "algorithm": "scrypt", "ports": { "4444": { "diff": 16 } } } }
}`,
	"pool_configs/ltc.json": `{
    "coin": "litecoin-regtest",
    "address": "rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44",
    "ports": {
        "3032": { "diff": 32,
            "varDiff": { "minDiff": 8, "maxDiff": 512, "targetTime": 15, "retargetTime": 90, "variancePercent": 30 } }
    },
    "daemons": [ { "host": "127.0.0.1", "port": 19443, "user": "u", "password": "p" } ]
}`,
}

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "pool_configs"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func with(changes map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range baseFiles {
		out[k] = v
	}
	for k, v := range changes {
		if v == "" {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

// pool returns a pool file: the base with one field's text replaced.
func pool(old, repl string) string {
	p := baseFiles["pool_configs/ltc.json"]
	if !strings.Contains(p, old) {
		panic("pool(): no " + old)
	}
	return strings.Replace(p, old, repl, 1)
}

func TestBaseLoads(t *testing.T) {
	cfg := mustLoad(t, writeDir(t, baseFiles))
	if len(cfg.Pools) != 1 || len(cfg.Warnings) != 0 || len(cfg.Ignored) != 0 {
		t.Fatalf("pools %d warnings %q ignored %q", len(cfg.Pools), cfg.Warnings, cfg.Ignored)
	}
}

func TestBadConfigs(t *testing.T) {
	const ltc = "pool_configs/ltc.json"
	tests := []struct {
		name  string
		files map[string]string
		want  []string
		is    error
	}{
		{"unknown field in varDiff", with(map[string]string{ltc: pool(`"minDiff": 8`, `"minDif": 8`)}),
			[]string{"pool_configs/ltc.json: ports.3032.varDiff.minDif: unknown field (line 6)"}, nil},
		{"unknown top-level field", with(map[string]string{ltc: pool(`"coin"`, `"coins": 1, "coin"`)}),
			[]string{"pool_configs/ltc.json: coins: unknown field"}, nil},
		{"unknown field in config.json", with(map[string]string{"config.json": `{"logLevl": "debug"}`}),
			[]string{"config.json: logLevl: unknown field (line 1)"}, nil},
		{"field names are case-sensitive", with(map[string]string{ltc: pool(`"address"`, `"Address"`)}),
			[]string{"pool_configs/ltc.json: Address: unknown field (line 3)"}, nil},
		{"wrong type", with(map[string]string{ltc: pool(`"diff": 32`, `"diff": "32"`)}),
			[]string{"pool_configs/ltc.json: ports.3032.diff: want a number, got a string"}, nil},
		{"fractional port", with(map[string]string{ltc: pool(`"port": 19443`, `"port": 19443.5`)}),
			[]string{"pool_configs/ltc.json: daemons[0].port: want a whole number, got 19443.5"}, nil},
		{"syntax error", with(map[string]string{ltc: pool(`"daemons"`, `"daemons": 1,, "x"`)}),
			[]string{"pool_configs/ltc.json: invalid JSON: line 8"}, nil},
		{"trailing comma", with(map[string]string{"config.json": "{\n\"logLevel\": \"info\",\n}"}),
			[]string{"config.json: invalid JSON: line 3"}, nil},
		{"duplicate key", with(map[string]string{ltc: pool(`"coin": "litecoin-regtest",`, `"coin": "litecoin-regtest", "coin": "litecoin",`)}),
			[]string{"pool_configs/ltc.json: coin: duplicate key"}, nil},
		{"unknown coin", with(map[string]string{ltc: pool(`"litecoin-regtest"`, `"nosuchcoin"`)}),
			[]string{`pool_configs/ltc.json: coin: unknown coin "nosuchcoin"`}, coins.ErrUnknownCoin},
		{"garbage address", with(map[string]string{ltc: pool(`"rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44"`, `"rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu45"`)}),
			[]string{"pool_configs/ltc.json: address: invalid address", "checksum"}, coins.ErrInvalidAddress},
		{"bitcoin address on litecoin", with(map[string]string{ltc: pool(`"rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44"`, `"bcrt1qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqdku202"`)}),
			[]string{"pool_configs/ltc.json: address: address of another network"}, coins.ErrWrongNetwork},
		{"MWEB address", with(map[string]string{ltc: pool(`"rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44"`, `"tmweb1qqgplppk3cva5dmacz8zgrg56rjkyyrc44c48cjkzllr0m6g47t7jwq7ssja99kvefttmfm9v05xssj70gvmattzgh6zea4vmg0qgy636gvsf5f48"`)}),
			[]string{"pool_configs/ltc.json: address: cannot pay an MWEB address from a coinbase"}, coins.ErrMWEBAddress},
		{"missing address", with(map[string]string{ltc: pool(`"address": "rltc1qla8epxvuv9f9cxf4tjs9ygqgslv6qzrmugzu44",`, ``)}),
			[]string{"pool_configs/ltc.json: address: missing"}, nil},
		{"port 0", with(map[string]string{ltc: pool(`"3032"`, `"0"`)}),
			[]string{`pool_configs/ltc.json: ports.0: "0" is not a port number`}, nil},
		{"port too big", with(map[string]string{ltc: pool(`"3032"`, `"70000"`)}),
			[]string{`pool_configs/ltc.json: ports.70000: "70000" is not a port number`}, nil},
		{"port not a number", with(map[string]string{ltc: pool(`"3032"`, `"stratum"`)}),
			[]string{`pool_configs/ltc.json: ports.stratum: "stratum" is not a port number`}, nil},
		{"diff zero", with(map[string]string{ltc: pool(`"diff": 32`, `"diff": 0`)}),
			[]string{"pool_configs/ltc.json: ports.3032.diff: 0 must be > 0"}, nil},
		{"diff missing", with(map[string]string{ltc: pool(`"diff": 32,`, ``)}),
			[]string{"pool_configs/ltc.json: ports.3032.diff: missing"}, nil},
		{"diff below minDiff", with(map[string]string{ltc: pool(`"diff": 32`, `"diff": 4`)}),
			[]string{"pool_configs/ltc.json: ports.3032.diff: 4 is below varDiff.minDiff 8"}, nil},
		{"diff above maxDiff", with(map[string]string{ltc: pool(`"diff": 32`, `"diff": 1024`)}),
			[]string{"pool_configs/ltc.json: ports.3032.diff: 1024 is above varDiff.maxDiff 512"}, nil},
		{"minDiff above maxDiff", with(map[string]string{ltc: pool(`"minDiff": 8`, `"minDiff": 800`)}),
			[]string{"pool_configs/ltc.json: ports.3032.varDiff.minDiff: 800 is above maxDiff 512"}, nil},
		{"targetTime zero", with(map[string]string{ltc: pool(`"targetTime": 15`, `"targetTime": 0`)}),
			[]string{"pool_configs/ltc.json: ports.3032.varDiff.targetTime: 0 must be > 0"}, nil},
		{"retargetTime negative", with(map[string]string{ltc: pool(`"retargetTime": 90`, `"retargetTime": -1`)}),
			[]string{"pool_configs/ltc.json: ports.3032.varDiff.retargetTime: -1 must be > 0"}, nil},
		{"variancePercent over 100", with(map[string]string{ltc: pool(`"variancePercent": 30`, `"variancePercent": 130`)}),
			[]string{"pool_configs/ltc.json: ports.3032.varDiff.variancePercent: 130 is not a percentage"}, nil},
		{"no daemons", with(map[string]string{ltc: pool(`[ { "host": "127.0.0.1", "port": 19443, "user": "u", "password": "p" } ]`, `[]`)}),
			[]string{"pool_configs/ltc.json: daemons: at least one daemon is needed"}, nil},
		{"daemon without host and port", with(map[string]string{ltc: pool(`"host": "127.0.0.1", "port": 19443, `, ``)}),
			[]string{"pool_configs/ltc.json: daemons[0].host: missing", "pool_configs/ltc.json: daemons[0].port: missing"}, nil},
		{"daemon port out of range", with(map[string]string{ltc: pool(`"port": 19443`, `"port": 0`)}),
			[]string{"pool_configs/ltc.json: daemons[0].port: 0 is not a port"}, nil},
		{"negative blockRefreshInterval", with(map[string]string{ltc: pool(`"coin"`, `"blockRefreshInterval": -5, "coin"`)}),
			[]string{"pool_configs/ltc.json: blockRefreshInterval: -5 must be >= 0"}, nil},
		{"reward percent over 100", with(map[string]string{ltc: pool(`"coin"`, `"rewardRecipients": {"mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3q": 101}, "coin"`)}),
			[]string{"pool_configs/ltc.json: rewardRecipients.mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3q: 101 is not a percentage"}, nil},
		{"reward percents sum to 100", with(map[string]string{ltc: pool(`"coin"`, `"rewardRecipients": {"mjyjruoiZTeizXwvTHiMAH1ZysPvTtcg3q": 60, "22851477d63a085dbc2398c8430af1c09e7343f6": 40}, "coin"`)}),
			[]string{"pool_configs/ltc.json: rewardRecipients: percentages add up to 100"}, nil},
		{"reward address invalid", with(map[string]string{ltc: pool(`"coin"`, `"rewardRecipients": {"nope": 1}, "coin"`)}),
			[]string{"pool_configs/ltc.json: rewardRecipients.nope: invalid address"}, coins.ErrInvalidAddress},
		{"p2p magic not hex", with(map[string]string{ltc: pool(`"coin"`, `"p2p": {"enabled": false, "magic": "fcc1b7"}, "coin"`)}),
			[]string{`pool_configs/ltc.json: p2p.magic: "fcc1b7" is not 8 hex digits`}, nil},
		{"p2p enabled without port", with(map[string]string{ltc: pool(`"coin": "litecoin-regtest"`, `"coin": "dogecoin"`),
			"coins/dogecoin.json": `{"name": "Dogecoin", "symbol": "DOGE", "algorithm": "scrypt", "pubKeyHashVersion": 30, "scriptHashVersion": 22}`}),
			[]string{`pool_configs/ltc.json: coin: unknown`}, nil}, // placeholder replaced below
		{"switching algorithm unknown", with(map[string]string{"config.json": `{"switching": {"sw": {"algorithm": "blah", "ports": {"4444": {"diff": 1}}}}}`}),
			[]string{`config.json: switching.sw.algorithm: unknown algorithm "blah"`}, pow.ErrUnknownAlgorithm},
		{"switching without ports", with(map[string]string{"config.json": `{"switching": {"sw": {"algorithm": "scrypt"}}}`}),
			[]string{"config.json: switching.sw.ports: no ports"}, nil},
		{"instanceId out of range", with(map[string]string{"config.json": `{"instanceId": 256}`}),
			[]string{"config.json: instanceId: 256 is not in 0..255"}, nil},
		{"bad log level", with(map[string]string{"config.json": `{"logLevel": "loud"}`}),
			[]string{`config.json: logLevel: "loud" is not one of`}, nil},
		{"profit depth", with(map[string]string{"config.json": `{"profitSwitch": {"depth": 1.5}}`}),
			[]string{"config.json: profitSwitch.depth: 1.5 is not in (0, 1]"}, nil},
		{"duplicate port across pools", with(map[string]string{"pool_configs/ltc2.json": pool(`"litecoin-regtest"`, `"litecoin-testnet"`)}),
			[]string{"pool_configs/ltc2.json: ports.3032: port 3032 is also used by pool_configs/ltc.json (ports.3032)"}, nil},
		{"pool port used by switching", with(map[string]string{ltc: pool(`"3032"`, `"4444"`)}),
			[]string{"pool_configs/ltc.json: ports.4444: port 4444 is also used by config.json (switching.sw.ports.4444)"}, nil},
		{"pool port used by website", with(map[string]string{ltc: pool(`"3032"`, `"8080"`)}),
			[]string{"pool_configs/ltc.json: ports.8080: port 8080 is also used by config.json (website.port)"}, nil},
		{"same coin twice", with(map[string]string{"pool_configs/ltc2.json": pool(`"3032"`, `"3033"`)}),
			[]string{`pool_configs/ltc2.json: coin: coin "litecoin-regtest" is already mined by pool_configs/ltc.json`}, nil},
		{"enabled and disabled disagree", with(map[string]string{ltc: pool(`"coin"`, `"enabled": true, "disabled": true, "coin"`)}),
			[]string{`pool_configs/ltc.json: disabled: contradicts "enabled": true`}, nil},
		{"old and new payment shapes", with(map[string]string{ltc: pool(`"coin"`, `"paymentProcessing": {}, "shareProcessing": {"internal": {}}, "coin"`)}),
			[]string{"pool_configs/ltc.json: shareProcessing.internal: give paymentProcessing or shareProcessing.internal, not both"}, nil},
		{"minimumPayment with too many decimals", with(map[string]string{ltc: pool(`"coin"`, `"paymentProcessing": {"minimumPayment": 0.000000001}, "coin"`)}),
			[]string{"pool_configs/ltc.json: paymentProcessing.minimumPayment: bad amount"}, coins.ErrBadAmount},
		{"bad cron schedule", with(map[string]string{ltc: pool(`"coin"`, `"paymentProcessing": {"schedule": "every tuesday"}, "coin"`)}),
			[]string{`pool_configs/ltc.json: paymentProcessing.schedule: "every tuesday" is not a cron schedule`}, nil},
		{"mpos without database", with(map[string]string{ltc: pool(`"coin"`, `"mposMode": {"user": "me"}, "coin"`)}),
			[]string{"pool_configs/ltc.json: mposMode.database: missing"}, nil},
		{"tls port without certificate", with(map[string]string{ltc: pool(`"diff": 32,`, `"diff": 32, "tls": true,`)}),
			[]string{"pool_configs/ltc.json: tlsOptions: missing: a port has tls set"}, nil},
		{"tls certificate file missing", with(map[string]string{ltc: pool(`"diff": 32,`, `"diff": 32, "tls": true,`) + "\n"}),
			nil, nil}, // replaced below
		{"no ports and no switching", with(map[string]string{"config.json": `{}`, ltc: pool(`"3032"`, `"3032"`)}), nil, nil}, // replaced below
		{"bad coin file", with(map[string]string{"coins/bad.json": `{"name": "Bad", "symbol": "BAD", "algorithm": "blah", "pubKeyHashVersion": 1, "scriptHashVersion": 2}`}),
			[]string{`coins/bad.json: algorithm: unknown algorithm "blah"`}, pow.ErrUnknownAlgorithm},
		{"missing config.json", with(map[string]string{"config.json": ""}),
			[]string{"config.json: open"}, os.ErrNotExist},
		{"unterminated comment", with(map[string]string{"config.json": "{} /* open"}),
			[]string{"config.json: line 1: unterminated /* comment"}, nil},
		{"root not an object", with(map[string]string{ltc: "[]"}),
			[]string{"pool_configs/ltc.json: want a JSON object, got an array (line 1)"}, nil},
		{"blocknotify listener without port", with(map[string]string{"config.json": `{"blockNotifyListener": {"password": "x"}}`}),
			[]string{"config.json: blockNotifyListener.port: missing"}, nil},
		{"admin center without password", with(map[string]string{"config.json": `{"website": {"adminCenter": {"enabled": true}}}`}),
			[]string{"config.json: website.adminCenter.password: missing"}, nil},
	}
	// Cases that need more than one edit.
	for i := range tests {
		switch tests[i].name {
		case "p2p enabled without port":
			tests[i].files = with(map[string]string{
				ltc:                   pool(`"coin": "litecoin-regtest"`, `"coin": "dogecoin"`),
				"coins/dogecoin.json": `{"name": "Dogecoin", "symbol": "DOGE", "algorithm": "scrypt", "pubKeyHashVersion": 30, "scriptHashVersion": 22, "bech32HRP": "rltc"}`,
			})
			tests[i].files[ltc] = strings.Replace(tests[i].files[ltc], `"coin"`, `"p2p": {"host": "127.0.0.1"}, "coin"`, 1)
			tests[i].want = []string{"pool_configs/ltc.json: p2p.port: missing", "pool_configs/ltc.json: p2p.magic: missing, and dogecoin has no peerMagic"}
		case "tls certificate file missing":
			tests[i].files[ltc] = strings.Replace(tests[i].files[ltc], `"coin"`, `"tlsOptions": {"serverCert": "nope.pem", "serverKey": "key.pem"}, "coin"`, 1)
			tests[i].files["key.pem"] = "x"
			tests[i].want = []string{"pool_configs/ltc.json: tlsOptions.serverCert: stat ", "nope.pem: no such file"}
		case "no ports and no switching":
			tests[i].files[ltc] = strings.Replace(tests[i].files[ltc], `"ports": {`, `"ports": {}, "x": {`, 1)
			tests[i].files[ltc] = strings.Replace(tests[i].files[ltc], `"x": {`, `"_comment_x": {`, 1)
			tests[i].want = []string{"pool_configs/ltc.json: ports: no ports, and no switching port for scrypt"}
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(writeDir(t, tt.files))
			if err == nil {
				t.Fatalf("loaded: %s", cfg.Summary())
			}
			t.Log(err)
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%v\nlacks %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error does not wrap %v", tt.is)
			}
			var fe *FieldError
			if !errors.As(err, &fe) && !strings.HasPrefix(err.Error(), "coins/") {
				t.Errorf("no FieldError in %T %v", err, err)
			}
		})
	}
}

// TestErrorsAreCollected checks that one Load reports every problem, not
// just the first.
func TestErrorsAreCollected(t *testing.T) {
	files := with(map[string]string{"pool_configs/ltc.json": pool(`"diff": 32`, `"diff": 0`)})
	files["pool_configs/ltc.json"] = strings.Replace(files["pool_configs/ltc.json"], `"port": 19443`, `"port": 0`, 1)
	files["pool_configs/other.json"] = `{"coin": "bitcoin", "bogus": 1}`
	_, err := Load(writeDir(t, files))
	if err == nil {
		t.Fatal("loaded")
	}
	for _, w := range []string{"ports.3032.diff", "daemons[0].port", "pool_configs/other.json: bogus: unknown field"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

// TestDefaultPoolConfigs checks NOMP's shallow merge and that a bad value
// from config.json's defaults is reported against config.json.
func TestDefaultPoolConfigs(t *testing.T) {
	files := with(map[string]string{"config.json": `{
    "defaultPoolConfigs": {
        "jobRebroadcastTimeout": 30,
        "connectionTimeout": 120,
        "tcpProxyProtocol": true,
        "banning": { "enabled": true, "time": 60 },
        "redis": { "host": "127.0.0.1", "port": 6379 }
    },
    "switching": {}
}`})
	files["pool_configs/ltc.json"] = pool(`"coin"`, `"connectionTimeout": 90, "coin"`)
	cfg := mustLoad(t, writeDir(t, files))
	p := cfg.Pools[0]
	if p.JobRebroadcastTimeout != 30*time.Second || p.ConnectionTimeout != 90*time.Second || !p.TCPProxyProtocol {
		t.Errorf("merge: %v %v %v", p.JobRebroadcastTimeout, p.ConnectionTimeout, p.TCPProxyProtocol)
	}
	// The pool's banning is the defaults' object, its missing fields NOMP's defaults.
	if p.Banning.Time != time.Minute || p.Banning.CheckThreshold != DefaultBanCheckThreshold {
		t.Errorf("banning %+v", p.Banning)
	}

	files["config.json"] = `{
    "defaultPoolConfigs": {
        "banning": { "time": -1 }
    }
}`
	_, err := Load(writeDir(t, files))
	if err == nil || !strings.Contains(err.Error(), "config.json: defaultPoolConfigs.banning.time: -1 must be >= 0 (line 3)") {
		t.Errorf("error %v", err)
	}
	files["config.json"] = `{"defaultPoolConfigs": {"banning": {"tme": 1}}}`
	_, err = Load(writeDir(t, files))
	if err == nil || !strings.Contains(err.Error(), "config.json: defaultPoolConfigs.banning.tme: unknown field") {
		t.Errorf("error %v", err)
	}
}

func TestWarningsAndIgnored(t *testing.T) {
	files := with(map[string]string{
		"config.json": `{
    "clustering": {"enabled": true, "forks": 4},
    "proxy": {"sha256": {"port": "3333"}},
    "redis": {"host": "10.0.0.1"},
    "website": {"adminCenter": {"password": "password"}},
    "switching": {"sw": {"algorithm": "sha256", "ports": {"4444": {"diff": 16}}}}
}`,
		"pool_configs/ltc.json": pool(`"coin"`, `"redis": {"host": "127.0.0.1"}, "shareProcessing": {"internal": {"feePercent": 0.05}}, "coin"`),
	})
	cfg := mustLoad(t, writeDir(t, files))
	for _, w := range [][]string{
		{"config.json: website.adminCenter.password: still the example's"},
		{"pool_configs/ltc.json: redis: differs from config.json's redis (10.0.0.1:6379 db 0)"},
		{"config.json: switching.sw.algorithm: no enabled pool mines sha256d"},
	} {
		if !hasLine(cfg.Warnings, w...) {
			t.Errorf("warnings %q lack %q", cfg.Warnings, w)
		}
	}
	for _, w := range []string{"config.json: clustering:", "config.json: proxy:", "pool_configs/ltc.json: shareProcessing.internal.feePercent: ignored"} {
		if !hasLine(cfg.Ignored, w) {
			t.Errorf("ignored %q lacks %q", cfg.Ignored, w)
		}
	}
	if cfg.Pools[0].Payment.Enabled != true {
		t.Errorf("a present shareProcessing.internal without enabled is on: %+v", cfg.Pools[0].Payment)
	}
}

func TestDisabledPools(t *testing.T) {
	files := with(map[string]string{
		"pool_configs/a.json":     `{"enabled": false, "coin": "nothing", "ports": {"3032": {"diff": 1}}}`,
		"pool_configs/b.json":     `{"disabled": true}`,
		"pool_configs/notes.txt":  "not json",
		"pool_configs/dir.json/x": "a directory named like a file",
	})
	cfg := mustLoad(t, writeDir(t, files))
	if !slices.Equal(cfg.Disabled, []string{"pool_configs/a.json", "pool_configs/b.json"}) || len(cfg.Pools) != 1 {
		t.Errorf("disabled %v pools %d", cfg.Disabled, len(cfg.Pools))
	}
	// Disabled files are still decoded strictly.
	files["pool_configs/b.json"] = `{"disabled": true, "cion": "x"}`
	if _, err := Load(writeDir(t, files)); err == nil || !strings.Contains(err.Error(), "pool_configs/b.json: cion: unknown field") {
		t.Errorf("error %v", err)
	}
}

// TestShippedPoolConfigs loads every file in the repository's
// pool_configs/ (disabled examples included) next to a minimal config.json.
func TestShippedPoolConfigs(t *testing.T) {
	src := filepath.Join("..", "..", "..", "pool_configs")
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if filepath.Ext(e.Name()) != ".json" {
			continue
		}
		n++
		t.Run(e.Name(), func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join(src, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			dir := writeDir(t, map[string]string{"config.json": "{}", "pool_configs/" + e.Name(): string(body)})
			cfg, err := load(dir, loadOptions{validateDisabled: true})
			if err != nil {
				t.Fatalf("%v", err)
			}
			if len(cfg.Pools) != 1 {
				t.Fatalf("%d pools", len(cfg.Pools))
			}
			if len(cfg.Warnings) > 0 {
				t.Errorf("warnings %q", cfg.Warnings)
			}
			if plain, err := Load(dir); err != nil {
				t.Errorf("plain Load: %v", err)
			} else if len(plain.Pools)+len(plain.Disabled) != 1 {
				t.Errorf("plain Load: pools %d disabled %v", len(plain.Pools), plain.Disabled)
			}
		})
	}
	if n == 0 {
		t.Fatal("no shipped pool configs")
	}
}

func TestSummaryHasNoSecrets(t *testing.T) {
	for _, dir := range []string{"testdata/seed", "testdata/nomp"} {
		cfg := mustLoad(t, dir)
		s := cfg.Summary()
		for _, secret := range []string{"testnet\"", "mypass", "testpass", "s3cret-notify", "litecoinrpc"} {
			if strings.Contains(s, secret) {
				t.Errorf("%s: summary shows %q:\n%s", dir, secret, s)
			}
		}
		for _, want := range []string{"pool ", "ports: "} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: summary lacks %q:\n%s", dir, want, s)
			}
		}
		if dir == "testdata/seed" && !strings.Contains(s, "3032 diff 32 (varDiff 8..512, 15s/share, retarget 1m30s, ±30%), 3256 diff 256") {
			t.Errorf("summary:\n%s", s)
		}
	}
}

func TestStripComments(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"url": "http://x"} // tail`, `{"url": "http://x"}        `},
		{`{"a": "/* not a comment */"}`, `{"a": "/* not a comment */"}`},
		{`{"a": "say \"//hi\""}//c`, `{"a": "say \"//hi\""}   `},
		{"/* one\ntwo */{}", "      \n      {}"},
		{"{\"a\": 1, // one\n\"b\": 2}", "{\"a\": 1,       \n\"b\": 2}"},
		{`{"a": "\\"}//x`, `{"a": "\\"}   `},
		{"\xef\xbb\xbf{}", "   {}"},
		{`{"a": 1/2}`, `{"a": 1/2}`},
	}
	for _, tt := range tests {
		got, err := coins.StripComments([]byte(tt.in))
		if err != nil || string(got) != tt.want {
			t.Errorf("stripComments(%q) = %q, %v\nwant %q", tt.in, got, err, tt.want)
		}
	}
	// And the value survives decoding.
	var f struct {
		URL string `json:"url"`
	}
	d := decodeFile("x.json", []byte("{\n  // where\n  \"url\": \"http://example.org//path\" /* c */\n}"), &f)
	if len(d.errs) > 0 || f.URL != "http://example.org//path" || d.lines["url"] != 3 {
		t.Errorf("decoded %q errs %v line %d", f.URL, d.errs, d.lines["url"])
	}
}

// FuzzDecodeFile makes sure no file content panics the decoder.
func FuzzDecodeFile(f *testing.F) {
	for _, s := range []string{baseFiles["pool_configs/ltc.json"], baseFiles["config.json"], "{} /*", `{"ports": {"1": null}}`, `[`, `{"a":}`, "\"\\"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		var pf poolFile
		decodeFile("f.json", src, &pf)
		var mf mainFile
		decodeFile("f.json", src, &mf)
	})
}

func TestPoolFee(t *testing.T) {
	for _, c := range []struct {
		fee, want string
	}{
		{`"poolFeePercent": 1.5`, ""},
		{`"poolFeePercent": 100`, "poolFeePercent: 100 is outside 0 to 100"},
		{`"poolFeePercent": -1`, "poolFeePercent: -1 is outside 0 to 100"},
		{`"poolFeePercent": 1, "poolFeeAddress": "nope"`, "paymentProcessing.poolFeeAddress"},
		{`"poolFeePercent": 1.5, "wallet": "pool"`, ""},
		{`"poolFeePercent": 1.5, "wallet": " pool"`, "paymentProcessing.wallet"},
	} {
		dir := t.TempDir()
		os.MkdirAll(filepath.Join(dir, "pool_configs"), 0o755)
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{}`), 0o644)
		os.WriteFile(filepath.Join(dir, "pool_configs", "ltc.json"), []byte(`{
			"coin": "litecoin-regtest", "address": "rltc1qstjy47fvhfv0d9mphttqdctjr8m87n5al7mlmn",
			"ports": {"3333": {"diff": 8}},
			"daemons": [{"host": "127.0.0.1", "port": 19443, "user": "u", "password": "p"}],
			"paymentProcessing": {"enabled": true, `+c.fee+`}
		}`), 0o644)
		cfg, err := Load(dir)
		if c.want == "" {
			if err != nil {
				t.Fatalf("%s: %v", c.fee, err)
			}
			if got := cfg.Pools[0].Payment.FeePercent.String(); got != "1.5" {
				t.Fatalf("fee %s, want 1.5", got)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.fee, err, c.want)
		}
	}
}
