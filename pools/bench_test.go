package pools

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/multipool/multipool/coins"
	"github.com/multipool/multipool/payout/ledger"
	"github.com/multipool/multipool/pools/stratum"
)

// countRecorder counts records, like a ledger that never fills up.
type countRecorder struct{ shares, blocks int }

func (c *countRecorder) RecordShare(ledger.Share) error { c.shares++; return nil }
func (c *countRecorder) RecordBlock(ledger.Block) error { c.blocks++; return nil }

// benchPool builds a pool for coin on a captured template with hard bits.
func benchPool(b *testing.B, coinKey, tmplFile string) (*Pool, *countRecorder) {
	b.Helper()
	coin := testCoin(b, coinKey)
	tmpl := loadTemplate(&testing.T{}, tmplFile)
	tmpl.Bits = "1d00ffff"
	rec := &countRecorder{}
	kind := coins.WitnessV0KeyHash
	if coin.Bech32HRP == "" {
		kind = coins.P2PKH
		tmpl.DefaultWitnessCommitment = ""
	}
	addr, err := coin.EncodeAddress(coins.Address{Kind: kind, Hash: make([]byte, 20)})
	if err != nil {
		b.Fatal(err)
	}
	p := startPool(b, Config{Coin: coin, Address: addr}, StaticDaemon{tmpl}, rec)
	return p, rec
}

// BenchmarkShareValidation measures Pool.Submit for a share that meets its
// (very low) difficulty: job lookup, duplicate check, coinbase and merkle
// root, header, PoW hash, target comparison and the ledger record.
func BenchmarkShareValidation(b *testing.B) {
	for _, c := range []struct{ algo, coin, tmpl string }{
		{"sha256d", "bitcoin-regtest", "btcd-simnet-getblocktemplate-with-tx.json"},
		{"scrypt", "litecoin-regtest", "ltc-getblocktemplate-post-mweb-with-tx.json"},
		{"x11", "dash-regtest", "btcd-simnet-getblocktemplate-with-tx.json"},
		{"quark", "quarkcoin", "btcd-simnet-getblocktemplate-with-tx.json"},
		{"lyra2rev2", "monacoin", "btcd-simnet-getblocktemplate-witness-tx.json"},
	} {
		b.Run(c.algo, func(b *testing.B) {
			p, rec := benchPool(b, c.coin, c.tmpl)
			job := p.current.Load()
			w := &stratum.Worker{Name: "bench.w", Address: "bench"}
			s := &stratum.Share{
				Worker: w, JobID: job.notify.ID, Extranonce1: []byte{0, 0, 0, 1},
				Extranonce2: make([]byte, 4), NTime: job.curTime, Difficulty: 1e-12,
			}
			ctx := context.Background()
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				binary.BigEndian.PutUint32(s.Extranonce2, uint32(i))
				s.Nonce = uint32(i >> 32)
				if r := p.Submit(ctx, s); r.Err != nil {
					b.Fatalf("share %d: %v", i, r.Err)
				}
			}
			b.StopTimer()
			if rec.shares != b.N {
				b.Fatal(fmt.Sprintf("%d shares recorded of %d", rec.shares, b.N))
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "shares/s")
		})
	}
}
