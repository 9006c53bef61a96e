package coins

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"
)

// embedded holds the definitions shipped with the binary.
//
//go:embed *.json
var embedded embed.FS

// ErrUnknownCoin is returned by Registry.Get for a key no definition has.
var ErrUnknownCoin = errors.New("coins: unknown coin")

// Registry is a read-only set of coin definitions, keyed by file name.
// It is safe for concurrent use.
type Registry struct {
	byKey  map[string]*Coin
	sorted []*Coin
}

// Load reads the embedded definitions and then every *.json file directly
// in dir, which adds coins or replaces embedded ones of the same file name
// (case-insensitively). dir "" means the embedded definitions only. Every
// file is validated; the error joins one error per bad field, each naming
// the file and the field.
func Load(dir string) (*Registry, error) {
	if dir == "" {
		return LoadFS(nil, "")
	}
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("coins: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("coins: %s is not a directory", dir)
	}
	return LoadFS(os.DirFS(dir), dir)
}

// LoadFS is Load for any file system: the embedded definitions, then the
// *.json files at the top of fsys (nil: none). label is how errors name
// fsys: label "coins" gives "coins/foo.json: ...".
func LoadFS(fsys fs.FS, label string) (*Registry, error) {
	r := &Registry{byKey: map[string]*Coin{}}
	var errs []error
	load := func(fsys fs.FS, label string) {
		names, err := fs.Glob(fsys, "*")
		if err != nil {
			errs = append(errs, fmt.Errorf("coins: list %s: %w", label, err))
			return
		}
		seen := map[string]string{}
		for _, name := range names {
			if !strings.EqualFold(path.Ext(name), ".json") {
				continue
			}
			file := path.Join(label, name)
			if st, err := fs.Stat(fsys, name); err != nil || st.IsDir() {
				continue
			}
			key := strings.ToLower(strings.TrimSuffix(name, path.Ext(name)))
			if other, dup := seen[key]; dup {
				errs = append(errs, &FileError{File: file, Err: fmt.Errorf("same coin key %q as %s", key, other)})
				continue
			}
			seen[key] = file
			src, err := fs.ReadFile(fsys, name)
			if err != nil {
				errs = append(errs, &FileError{File: file, Err: err})
				continue
			}
			c, err := parseCoin(file, key, src)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			r.byKey[key] = c // a later file system replaces an earlier one's definition
		}
	}
	load(embedded, "coins")
	if fsys != nil {
		load(fsys, label)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	for _, c := range r.byKey {
		r.sorted = append(r.sorted, c)
	}
	sortCoins(r.sorted)
	return r, nil
}

// normalizeKey turns "Litecoin.json", "coins/litecoin.json" or "litecoin"
// into "litecoin".
func normalizeKey(key string) string {
	k := strings.ToLower(strings.TrimSpace(key))
	k = path.Base(strings.ReplaceAll(k, "\\", "/"))
	return strings.TrimSuffix(k, ".json")
}

// Get returns the coin for a key: the file name with or without ".json",
// case-insensitively ("litecoin", "litecoin.json", "Litecoin").
func (r *Registry) Get(key string) (*Coin, error) {
	if c, ok := r.byKey[normalizeKey(key)]; ok {
		return c, nil
	}
	keys := make([]string, len(r.sorted))
	for i, c := range r.sorted {
		keys[i] = c.Key
	}
	return nil, fmt.Errorf("%w %q (known: %s)", ErrUnknownCoin, key, strings.Join(keys, ", "))
}

// All returns every coin, sorted by key. The slice is a copy.
func (r *Registry) All() []*Coin {
	return append([]*Coin(nil), r.sorted...)
}

// Siblings returns the other networks of c's family (for litecoin:
// litecoin-regtest, litecoin-testnet), sorted by key.
func (r *Registry) Siblings(c *Coin) []*Coin {
	var out []*Coin
	for _, o := range r.sorted {
		if o.Family == c.Family && o.Key != c.Key {
			out = append(out, o)
		}
	}
	return out
}

// ForNetwork returns the coin of c's family on a network, named as a
// definition does ("main", "test", "regtest", "simnet", "signet") or as a
// daemon's getblockchaininfo "chain" does ("main", "test", "regtest",
// "testnet3", "testnet4", "mainnet", "simnet", "signet"). It lets a pool
// follow the network its daemon is actually on.
func (r *Registry) ForNetwork(c *Coin, network string) (*Coin, error) {
	n := strings.ToLower(strings.TrimSpace(network))
	switch n {
	case "mainnet":
		n = NetworkMain
	case "testnet", "testnet3", "testnet4":
		n = NetworkTest
	}
	if c.Network == n {
		return c, nil
	}
	for _, o := range r.Siblings(c) {
		if o.Network == n {
			return o, nil
		}
	}
	return nil, fmt.Errorf("%w: no %s definition for network %q", ErrUnknownCoin, c.Family, network)
}
