package ledger

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/multipool/multipool/payout/ledger/ledgertest"
)

func BenchmarkRecordShare(b *testing.B) {
	l, err := New(Config{Addr: "127.0.0.1:1"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	s := Share{Coin: "ltc", Worker: "addr.rig", Address: "addr", Difficulty: 16, Status: StatusValid, Time: time.Now()}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		// Take batches out as the writer would, outside the timing.
		if i%l.cfg.BatchSize == 0 {
			b.StopTimer()
			l.done(len(l.take(l.cfg.BatchSize, false)))
			b.StartTimer()
		}
		if err := l.RecordShare(s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRecordShareParallel(b *testing.B) {
	l, err := New(Config{Addr: "127.0.0.1:1"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	// A drain goroutine stands in for the writer.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-l.notify:
			}
			for recs := l.take(1000, false); recs != nil; recs = l.take(1000, false) {
				l.done(len(recs))
			}
		}
	})
	s := Share{Coin: "ltc", Worker: "addr.rig", Address: "addr", Difficulty: 16, Status: StatusValid, Time: time.Now()}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := l.RecordShare(s); err != nil && !errors.Is(err, ErrBufferFull) {
				b.Error(err)
				return
			}
		}
	})
	close(stop)
	wg.Wait()
	b.ReportMetric(float64(l.Refused())/float64(b.N), "refused/op")
}

// BenchmarkWriteBatch measures the write path against a real Redis: encode
// and write one batch of 1000 valid shares from 100 workers.
func BenchmarkWriteBatch(b *testing.B) {
	srv := ledgertest.Redis(b)
	l, err := New(Config{Addr: srv.Addr}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	ctx := context.Background()
	recs := make([]record, 1000)
	now := time.Now()
	for i := range recs {
		w := "addr" + strconv.Itoa(i%100)
		recs[i] = record{share: Share{Coin: "ltc", Worker: w + ".rig", Address: w, Difficulty: 16,
			Status: StatusValid, Time: now.Add(time.Duration(i) * time.Millisecond)}}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.write(ctx, l.encode(recs, time.Now())); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(recs))/b.Elapsed().Seconds(), "shares/s")
}
