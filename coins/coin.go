package coins

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/multipool/multipool/coins/pow"
)

// Defaults for fields a coin file may leave out.
const (
	DefaultProtocolVersion  = 70015
	DefaultCoinbaseMaturity = 100
	DefaultDecimals         = 8
)

// Networks a coin definition can describe (the "network" field).
const (
	NetworkMain    = "main"
	NetworkTest    = "test"
	NetworkRegtest = "regtest"
	NetworkSimnet  = "simnet"
	NetworkSignet  = "signet"
)

var networks = []string{NetworkMain, NetworkTest, NetworkRegtest, NetworkSimnet, NetworkSignet}

// Coin is one coin on one network, as its definition file describes it.
// A Coin is immutable after Load and safe for concurrent use.
type Coin struct {
	// Key is the file name without ".json", lower case: "litecoin-regtest".
	Key string
	// Name is the display name, "Litecoin".
	Name string
	// Symbol is the ticker, "LTC"; the networks of one coin share it.
	Symbol string
	// Algorithm is the canonical proof-of-work name after lookup
	// ("sha256" in a file becomes "sha256d").
	Algorithm string
	// Reward is "POW" or "POS".
	Reward string
	// TxMessages is true for coins whose transactions carry a message field.
	TxMessages bool
	// PeerMagic is the p2p message start, hex in wire order ("fbc0b6db").
	PeerMagic string
	// PeerMagicTestnet is the testnet magic of NOMP-style files; optional.
	PeerMagicTestnet string
	// ProtocolVersion is the p2p protocol version to announce (default 70015).
	ProtocolVersion int32
	// Network is "main", "test", "regtest", "simnet" or "signet".
	Network string
	// Testnet is true on every network but "main".
	Testnet bool
	// Family names the coin whatever the network: the networks of one coin
	// (litecoin, litecoin-testnet, litecoin-regtest) share it. Default: the
	// key without a "-testnet", "-regtest", "-simnet" or "-signet" suffix.
	Family string
	// PubKeyHashVersion is the base58 version byte of P2PKH addresses.
	PubKeyHashVersion byte
	// ScriptHashVersion is the base58 version byte of P2SH addresses that
	// EncodeAddress writes.
	ScriptHashVersion byte
	// LegacyScriptHashVersions are further P2SH version bytes accepted on
	// decoding (Litecoin's old 5, "3..." addresses).
	LegacyScriptHashVersions []byte
	// Bech32HRP is the segwit address prefix ("ltc", "rltc", "bcrt");
	// empty for coins without segwit.
	Bech32HRP string
	// MWEBHRP is the prefix of Litecoin MWEB addresses ("ltcmweb", "tmweb").
	MWEBHRP string
	// CoinbaseMaturity is the confirmations a coinbase needs before it can
	// be spent (default 100).
	CoinbaseMaturity int
	// GBTRules are the getblocktemplate "rules": ["mweb","segwit"] for
	// Litecoin, ["segwit"] for segwit coins, none for coins without segwit.
	GBTRules []string
	// Decimals is the number of decimal places of one coin (default 8).
	Decimals int
	// ShareMultiplier overrides the algorithm's share multiplier; 0 = the
	// algorithm's default. Use Multiplier to read the effective value.
	ShareMultiplier int64
	// MaxBlockVersion, when set, is the newest block version the pool
	// can build for this coin: a template of a later version (a chain
	// that changed its block format) is refused with an error rather
	// than mined into blocks the daemon would reject. 0 = no limit.
	MaxBlockVersion uint32
	// BlockTime is the target block spacing in seconds; informational.
	BlockTime int
	// P2PPort and RPCPort are the daemon's default ports; informational.
	P2PPort, RPCPort int
	// MPOSDiffMultiplier is NOMP's per-coin factor for share difficulty
	// written to MPOS; 0 = none.
	MPOSDiffMultiplier float64
	// Params holds algorithm parameters from NOMP files (scrypt-jane,
	// scrypt-n); empty for most coins.
	Params AlgorithmParams
	// BlockHash is how the chain names its blocks: "sha256d" (SHA-256d of
	// the header) or "pow" (the proof-of-work hash: Dash, Quarkcoin,
	// Groestlcoin, YACoin). Default: the algorithm's convention.
	BlockHash string
	// TxHash is how the chain hashes transactions into ids and merkle
	// leaves: "sha256d" or "sha256" (Groestlcoin). Default: the
	// algorithm's convention.
	TxHash string
	// AddressChecksum is the hash of base58check checksums: "sha256d" or
	// "groestl" (Groestlcoin). Default: the algorithm's convention.
	AddressChecksum string
	// File is where the definition came from: "coins/litecoin.json" for an
	// embedded file, the path given for the operator's.
	File string

	algo         *pow.Algorithm
	txHash       pow.HashFunc
	addrChecksum pow.HashFunc
}

// chainHashes are the values of the blockHash, txHash and addressChecksum
// fields and the functions they stand for; "pow" is resolved per coin.
var chainHashes = map[string]pow.HashFunc{"sha256d": pow.Sha256d, "sha256": pow.Sha256}

// BlockIDIsPoW reports whether the chain names blocks by their PoW hash.
func (c *Coin) BlockIDIsPoW() bool { return c.BlockHash == "pow" }

// BlockID writes the block id of a header into dst: powHash when the
// chain names blocks by their PoW hash, SHA-256d of the header otherwise.
func (c *Coin) BlockID(dst *[32]byte, header []byte, powHash *[32]byte) {
	if c.BlockIDIsPoW() {
		*dst = *powHash
		return
	}
	pow.Sha256d(dst, header)
}

// HashTx writes the id of a serialized transaction (without witness) into
// dst, with the chain's transaction hash.
func (c *Coin) HashTx(dst *[32]byte, tx []byte) { c.TxHasher()(dst, tx) }

// TxHasher returns the chain's transaction hash function.
func (c *Coin) TxHasher() pow.HashFunc {
	if c.txHash != nil {
		return c.txHash
	}
	return pow.Sha256d
}

// AlgorithmParams are the per-coin parameters some algorithms take, in
// NOMP's field names. Zero values mean "not given".
type AlgorithmParams struct {
	ChainStartTime int64            // scrypt-jane: chain start (unix seconds)
	NMin, NMax     int              // scrypt-jane: N factor bounds
	TimeTable      map[string]int64 // scrypt-n: N by activation time
	NormalHashing  bool             // NOMP: hash with the normal (non-reversed) header
	DiffShift      int              // NOMP: difficulty shift of some sha256 coins
}

// Multiplier returns the share-difficulty multiplier: the coin's override
// or the algorithm's default.
func (c *Coin) Multiplier() int64 {
	if c.ShareMultiplier > 0 {
		return c.ShareMultiplier
	}
	return c.algo.Multiplier
}

// PoW returns the coin's proof-of-work algorithm.
func (c *Coin) PoW() *pow.Algorithm { return c.algo }

// ScriptHashVersions lists every accepted P2SH version byte, the one
// EncodeAddress writes first.
func (c *Coin) ScriptHashVersions() []byte {
	return append([]byte{c.ScriptHashVersion}, c.LegacyScriptHashVersions...)
}

// String returns the key.
func (c *Coin) String() string { return c.Key }

// nompNet is the "mainnet"/"testnet" object of NOMP coin files.
type nompNet struct {
	Bech32     *string
	PubKeyHash *string
	ScriptHash *string
	BIP32      map[string]string
}

// coinFile is a coin definition as written; pointers tell "absent" from zero.
type coinFile struct {
	Name, Symbol, Algorithm, Reward *string
	TxMessages                      *bool
	PeerMagic, PeerMagicTestnet     *string
	ProtocolVersion                 *int32
	Network, Family                 *string
	PubKeyHashVersion               *int
	ScriptHashVersion               *int
	LegacyScriptHashVersions        []int
	Bech32HRP, MWEBHRP              *string
	CoinbaseMaturity                *int
	GBTRules                        *[]string
	Decimals                        *int
	ShareMultiplier                 *int64
	MaxBlockVersion                 *int64
	BlockTime, P2PPort, RPCPort     *int
	MPOSDiffMultiplier              *float64
	ChainStartTime                  *int64
	NMin, NMax, DiffShift           *int
	TimeTable                       map[string]int64
	NormalHashing                   *bool
	BlockHash, TxHash               *string
	AddressChecksum                 *string
	Mainnet, Testnet                *nompNet
}

// fields maps every accepted key, spelled exactly, to where it decodes.
func (f *coinFile) fields() map[string]any {
	return map[string]any{
		"name": &f.Name, "symbol": &f.Symbol, "algorithm": &f.Algorithm,
		"reward": &f.Reward, "txMessages": &f.TxMessages,
		"peerMagic": &f.PeerMagic, "peerMagicTestnet": &f.PeerMagicTestnet,
		"peerMagicTestNet": &f.PeerMagicTestnet, // a spelling in some NOMP files
		"protocolVersion":  &f.ProtocolVersion,
		"network":          &f.Network, "family": &f.Family,
		"pubKeyHashVersion": &f.PubKeyHashVersion, "scriptHashVersion": &f.ScriptHashVersion,
		"legacyScriptHashVersions": &f.LegacyScriptHashVersions,
		"bech32HRP":                &f.Bech32HRP, "mwebHRP": &f.MWEBHRP,
		"coinbaseMaturity": &f.CoinbaseMaturity, "gbtRules": &f.GBTRules,
		"decimals": &f.Decimals, "shareMultiplier": &f.ShareMultiplier, "maxBlockVersion": &f.MaxBlockVersion,
		"blockTime": &f.BlockTime, "p2pPort": &f.P2PPort, "rpcPort": &f.RPCPort,
		"mposDiffMultiplier": &f.MPOSDiffMultiplier,
		"chainStartTime":     &f.ChainStartTime, "nMin": &f.NMin, "nMax": &f.NMax,
		"timeTable": &f.TimeTable, "normalHashing": &f.NormalHashing, "diffShift": &f.DiffShift,
		"blockHash": &f.BlockHash, "txHash": &f.TxHash, "addressChecksum": &f.AddressChecksum,
		"mainnet": &f.Mainnet, "testnet": &f.Testnet,
	}
}

// FileError is an error in one field of one definition file.
type FileError struct {
	File  string // "coins/litecoin.json"
	Field string // "algorithm", "mainnet.pubKeyHash"; empty for the whole file
	Err   error
}

// Error reads "coins/foo.json: algorithm: unknown algorithm "blah" (...)".
func (e *FileError) Error() string {
	msg := strings.TrimPrefix(strings.TrimPrefix(e.Err.Error(), "pow: "), "coins: ")
	if e.Field == "" {
		return e.File + ": " + msg
	}
	return e.File + ": " + e.Field + ": " + msg
}

// Unwrap returns the cause.
func (e *FileError) Unwrap() error { return e.Err }

// decodeExact decodes the object src into the targets named by fields,
// reporting keys not in fields, in file order, each under prefix.
func decodeExact(file, prefix string, src []byte, fields map[string]any) []error {
	dec := json.NewDecoder(bytes.NewReader(src))
	tok, err := dec.Token()
	if err != nil {
		return []error{&FileError{File: file, Field: strings.TrimSuffix(prefix, "."), Err: syntaxErr(src, dec, err)}}
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return []error{&FileError{File: file, Field: strings.TrimSuffix(prefix, "."), Err: errors.New("want a JSON object")}}
	}
	var errs []error
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return append(errs, &FileError{File: file, Err: syntaxErr(src, dec, err)})
		}
		key := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return append(errs, &FileError{File: file, Field: prefix + key, Err: syntaxErr(src, dec, err)})
		}
		if seen[key] {
			errs = append(errs, &FileError{File: file, Field: prefix + key, Err: errors.New("duplicate key")})
			continue
		}
		seen[key] = true
		if strings.HasPrefix(key, "_comment") {
			continue
		}
		target, ok := fields[key]
		if !ok {
			errs = append(errs, &FileError{File: file, Field: prefix + key, Err: errors.New("unknown field")})
			continue
		}
		if n, isNet := target.(**nompNet); isNet {
			net := &nompNet{}
			*n = net
			errs = append(errs, decodeExact(file, prefix+key+".", raw, map[string]any{
				"bech32": &net.Bech32, "pubKeyHash": &net.PubKeyHash,
				"scriptHash": &net.ScriptHash, "bip32": &net.BIP32,
			})...)
			continue
		}
		if err := json.Unmarshal(raw, target); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				err = fmt.Errorf("cannot use JSON %s here (want %s)", te.Value, te.Type)
			}
			errs = append(errs, &FileError{File: file, Field: prefix + key, Err: err})
		}
	}
	if _, err := dec.Token(); err != nil {
		errs = append(errs, &FileError{File: file, Err: syntaxErr(src, dec, err)})
	}
	if prefix == "" {
		if _, err := dec.Token(); err != io.EOF {
			errs = append(errs, &FileError{File: file, Err: errors.New("data after the top-level object")})
		}
	}
	return errs
}

func syntaxErr(src []byte, dec *json.Decoder, err error) error {
	off := dec.InputOffset()
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = se.Offset
	}
	if off > int64(len(src)) {
		off = int64(len(src))
	}
	return fmt.Errorf("line %d: %w", 1+bytes.Count(src[:off], []byte("\n")), err)
}

// parseCoin decodes and validates one definition file. key is the file name
// without ".json", lower case.
func parseCoin(file, key string, src []byte) (*Coin, error) {
	clean, err := StripComments(src)
	if err != nil {
		return nil, &FileError{File: file, Err: err}
	}
	var f coinFile
	if errs := decodeExact(file, "", clean, f.fields()); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	c := &Coin{Key: key, File: file}
	var errs []error
	bad := func(field string, format string, args ...any) {
		errs = append(errs, &FileError{File: file, Field: field, Err: fmt.Errorf(format, args...)})
	}
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return strings.TrimSpace(*p)
	}

	if c.Name = str(f.Name); c.Name == "" {
		bad("name", "missing")
	}
	if c.Symbol = str(f.Symbol); c.Symbol == "" {
		bad("symbol", "missing")
	}
	c.Symbol = strings.ToUpper(c.Symbol)
	if f.Algorithm == nil {
		bad("algorithm", "missing")
	} else if a, err := pow.Lookup(*f.Algorithm); err != nil {
		errs = append(errs, &FileError{File: file, Field: "algorithm", Err: err})
	} else {
		c.algo, c.Algorithm = a, a.Name
	}
	switch c.Reward = strings.ToUpper(str(f.Reward)); c.Reward {
	case "":
		c.Reward = "POW"
	case "POW", "POS":
	default:
		bad("reward", "%q is neither POW nor POS", *f.Reward)
	}
	c.TxMessages = f.TxMessages != nil && *f.TxMessages
	magic := func(field string, p *string) string {
		m := strings.ToLower(str(p))
		if m == "" {
			return ""
		}
		if b, err := hex.DecodeString(m); err != nil || len(b) != 4 {
			bad(field, "%q is not 4 bytes of hex", *p)
		}
		return m
	}
	c.PeerMagic = magic("peerMagic", f.PeerMagic)
	c.PeerMagicTestnet = magic("peerMagicTestnet", f.PeerMagicTestnet)
	c.ProtocolVersion = DefaultProtocolVersion
	if f.ProtocolVersion != nil {
		if c.ProtocolVersion = *f.ProtocolVersion; c.ProtocolVersion <= 0 {
			bad("protocolVersion", "%d is not positive", c.ProtocolVersion)
		}
	}
	c.Network = NetworkMain
	if f.Network != nil {
		c.Network = strings.ToLower(str(f.Network))
		if !slices.Contains(networks, c.Network) {
			bad("network", "%q is not one of %s", *f.Network, strings.Join(networks, ", "))
		}
	}
	c.Testnet = c.Network != NetworkMain
	c.Family = strings.ToLower(str(f.Family))
	if c.Family == "" {
		c.Family = key
		for _, n := range networks[1:] {
			c.Family = strings.TrimSuffix(c.Family, "-"+n)
		}
		c.Family = strings.TrimSuffix(c.Family, "-testnet")
	}

	c.parseVersions(&f, bad)

	c.CoinbaseMaturity = DefaultCoinbaseMaturity
	if f.CoinbaseMaturity != nil {
		if c.CoinbaseMaturity = *f.CoinbaseMaturity; c.CoinbaseMaturity < 0 {
			bad("coinbaseMaturity", "%d is negative", c.CoinbaseMaturity)
		}
	}
	switch {
	case f.GBTRules != nil:
		c.GBTRules = slices.Clone(*f.GBTRules)
		for i, r := range c.GBTRules {
			if strings.TrimSpace(r) == "" {
				bad(fmt.Sprintf("gbtRules[%d]", i), "empty rule")
			}
		}
	case c.Bech32HRP != "":
		c.GBTRules = []string{"segwit"}
	default:
		c.GBTRules = []string{}
	}
	c.Decimals = DefaultDecimals
	if f.Decimals != nil {
		if c.Decimals = *f.Decimals; c.Decimals < 0 || c.Decimals > maxDecimals {
			bad("decimals", "%d is not in 0..%d", c.Decimals, maxDecimals)
		}
	}
	if f.ShareMultiplier != nil {
		if c.ShareMultiplier = *f.ShareMultiplier; c.ShareMultiplier < 0 {
			bad("shareMultiplier", "%d is negative (0 = the algorithm's default)", c.ShareMultiplier)
		}
	}
	if v := f.MaxBlockVersion; v != nil {
		if *v < 0 || *v > math.MaxUint32 {
			bad("maxBlockVersion", "%d is not in 0..%d (0 = no limit)", *v, uint32(math.MaxUint32))
		} else {
			c.MaxBlockVersion = uint32(*v)
		}
	}
	nonNeg := func(field string, p *int) int {
		if p == nil {
			return 0
		}
		if *p < 0 {
			bad(field, "%d is negative", *p)
		}
		return *p
	}
	c.BlockTime = nonNeg("blockTime", f.BlockTime)
	c.P2PPort = nonNeg("p2pPort", f.P2PPort)
	c.RPCPort = nonNeg("rpcPort", f.RPCPort)
	for _, p := range []struct {
		field string
		v     int
	}{{"p2pPort", c.P2PPort}, {"rpcPort", c.RPCPort}} {
		if p.v > 65535 {
			bad(p.field, "%d is not a port", p.v)
		}
	}
	if f.MPOSDiffMultiplier != nil {
		if c.MPOSDiffMultiplier = *f.MPOSDiffMultiplier; !(c.MPOSDiffMultiplier > 0) {
			bad("mposDiffMultiplier", "%v is not positive", c.MPOSDiffMultiplier)
		}
	}
	if f.ChainStartTime != nil {
		c.Params.ChainStartTime = *f.ChainStartTime
	}
	c.Params.NMin = nonNeg("nMin", f.NMin)
	c.Params.NMax = nonNeg("nMax", f.NMax)
	if c.Params.NMax != 0 && c.Params.NMin > c.Params.NMax {
		bad("nMin", "%d is above nMax %d", c.Params.NMin, c.Params.NMax)
	}
	c.Params.TimeTable = f.TimeTable
	c.Params.NormalHashing = f.NormalHashing != nil && *f.NormalHashing
	if f.DiffShift != nil {
		c.Params.DiffShift = *f.DiffShift
	}
	if c.algo != nil && c.algo.HashAt != nil && (c.Params.ChainStartTime != 0 || c.Params.NMin != 0 || c.Params.NMax != 0 || len(c.Params.TimeTable) > 0) {
		// Time-dependent algorithms (scrypt-jane, scrypt-n) take the coin's own schedule.
		a, err := pow.ForParams(c.Algorithm, pow.Params{ChainStartTime: c.Params.ChainStartTime,
			NMin: c.Params.NMin, NMax: c.Params.NMax, TimeTable: c.Params.TimeTable})
		if err != nil {
			errs = append(errs, &FileError{File: file, Field: "algorithm", Err: err})
		} else {
			c.algo = a
		}
	}
	if c.algo != nil {
		c.parseChainHashes(&f, bad)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// parseChainHashes sets BlockHash, TxHash and AddressChecksum from the
// file or, where it is silent, from the algorithm's conventions.
func (c *Coin) parseChainHashes(f *coinFile, bad func(string, string, ...any)) {
	c.BlockHash = "sha256d"
	if c.algo.BlockIDIsPoW {
		c.BlockHash = "pow"
	}
	if f.BlockHash != nil {
		switch v := strings.ToLower(strings.TrimSpace(*f.BlockHash)); v {
		case "sha256d", "pow":
			c.BlockHash = v
		default:
			bad("blockHash", "%q is neither \"sha256d\" nor \"pow\"", *f.BlockHash)
		}
	}
	c.txHash, c.TxHash = c.algo.TxHasher(), "sha256d"
	if c.algo.TxHash != nil {
		c.TxHash = "sha256"
	}
	if f.TxHash != nil {
		v := strings.ToLower(strings.TrimSpace(*f.TxHash))
		if h, ok := chainHashes[v]; ok {
			c.txHash, c.TxHash = h, v
		} else {
			bad("txHash", "%q is neither \"sha256d\" nor \"sha256\"", *f.TxHash)
		}
	}
	c.addrChecksum, c.AddressChecksum = c.algo.AddressChecksummer(), "sha256d"
	if c.algo.AddressChecksum != nil {
		c.AddressChecksum = c.algo.Name
	}
	if f.AddressChecksum != nil {
		v := strings.ToLower(strings.TrimSpace(*f.AddressChecksum))
		switch {
		case v == "sha256d":
			c.addrChecksum, c.AddressChecksum = pow.Sha256d, v
		case v == "groestl":
			a, _ := pow.Lookup(v)
			c.addrChecksum, c.AddressChecksum = a.Hash, v
		default:
			bad("addressChecksum", "%q is neither \"sha256d\" nor \"groestl\"", *f.AddressChecksum)
		}
	}
}

// parseVersions fills the address parameters from the top-level fields or,
// for NOMP files, from the "mainnet"/"testnet" object matching the network.
func (c *Coin) parseVersions(f *coinFile, bad func(string, string, ...any)) {
	byteField := func(field string, v int) byte {
		if v < 0 || v > 255 {
			bad(field, "%d is not a byte (0..255)", v)
		}
		return byte(v)
	}
	hexByte := func(field, s string) (byte, bool) {
		b, err := hex.DecodeString(s)
		if err != nil || len(b) != 1 {
			bad(field, "%q is not one byte of hex", s)
			return 0, false
		}
		return b[0], true
	}
	nomp, nompName := f.Mainnet, "mainnet"
	if c.Testnet {
		nomp, nompName = f.Testnet, "testnet"
	}
	var havePKH, haveSH bool
	if f.PubKeyHashVersion != nil {
		c.PubKeyHashVersion, havePKH = byteField("pubKeyHashVersion", *f.PubKeyHashVersion), true
	} else if nomp != nil && nomp.PubKeyHash != nil {
		c.PubKeyHashVersion, havePKH = hexByte(nompName+".pubKeyHash", *nomp.PubKeyHash)
	}
	if f.ScriptHashVersion != nil {
		c.ScriptHashVersion, haveSH = byteField("scriptHashVersion", *f.ScriptHashVersion), true
	} else if nomp != nil && nomp.ScriptHash != nil {
		c.ScriptHashVersion, haveSH = hexByte(nompName+".scriptHash", *nomp.ScriptHash)
	}
	if !havePKH {
		bad("pubKeyHashVersion", "missing: the P2PKH version byte is needed to check addresses (NOMP files may give %q: {\"pubKeyHash\": \"hex\"})", nompName)
	}
	if !haveSH {
		bad("scriptHashVersion", "missing: the P2SH version byte is needed to check addresses (NOMP files may give %q: {\"scriptHash\": \"hex\"})", nompName)
	}
	for i, v := range f.LegacyScriptHashVersions {
		field := fmt.Sprintf("legacyScriptHashVersions[%d]", i)
		b := byteField(field, v)
		if slices.Contains(c.ScriptHashVersions(), b) {
			bad(field, "%d is listed twice", v)
		}
		c.LegacyScriptHashVersions = append(c.LegacyScriptHashVersions, b)
	}
	if havePKH && slices.Contains(c.ScriptHashVersions(), c.PubKeyHashVersion) {
		bad("pubKeyHashVersion", "%d is also a P2SH version", c.PubKeyHashVersion)
	}
	hrp := func(field string, p *string) string {
		if p == nil {
			return ""
		}
		h := *p
		if h == "" || h != strings.ToLower(h) {
			bad(field, "%q must be a non-empty lower-case prefix", h)
			return ""
		}
		for i := 0; i < len(h); i++ {
			if h[i] < 33 || h[i] > 126 || h[i] == '1' && i == len(h)-1 {
				bad(field, "%q has a character bech32 does not allow", h)
				return ""
			}
		}
		return h
	}
	switch {
	case f.Bech32HRP != nil:
		c.Bech32HRP = hrp("bech32HRP", f.Bech32HRP)
	case nomp != nil && nomp.Bech32 != nil:
		c.Bech32HRP = hrp(nompName+".bech32", nomp.Bech32)
	}
	c.MWEBHRP = hrp("mwebHRP", f.MWEBHRP)
	if c.MWEBHRP != "" && c.MWEBHRP == c.Bech32HRP {
		bad("mwebHRP", "%q is also the segwit prefix", c.MWEBHRP)
	}
}

// sortCoins orders coins by key.
func sortCoins(cs []*Coin) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Key < cs[j].Key })
}
