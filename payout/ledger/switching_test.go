package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/multipool/multipool/payout/ledger/ledgertest"
)

func TestSwitchState(t *testing.T) {
	srv := ledgertest.Redis(t)
	l := newLedger(t, srv.Addr, nil, func(c *Config) { c.KeyPrefix = "p1" })
	ctx := context.Background()

	st, err := l.SwitchState(ctx, "scrypt")
	if err != nil || st != (SwitchState{}) {
		t.Fatalf("unsaved state: %+v, %v; want zero", st, err)
	}
	since := time.UnixMilli(1_700_000_000_123)
	if err := l.SaveSwitchCoin(ctx, "scrypt", "litecoin", since); err != nil {
		t.Fatal(err)
	}
	at := since.Add(time.Minute)
	if err := l.SetSwitchOverride(ctx, "scrypt", "dogecoin", at); err != nil {
		t.Fatal(err)
	}
	st, err = l.SwitchState(ctx, "scrypt")
	if err != nil {
		t.Fatal(err)
	}
	want := SwitchState{Coin: "litecoin", Since: since, Override: "dogecoin", OverrideAt: at}
	if !st.Since.Equal(want.Since) || !st.OverrideAt.Equal(want.OverrideAt) || st.Coin != want.Coin || st.Override != want.Override {
		t.Fatalf("state %+v, want %+v", st, want)
	}
	// Back to automatic; the coin stays.
	if err := l.SetSwitchOverride(ctx, "scrypt", "", at); err != nil {
		t.Fatal(err)
	}
	if st, _ = l.SwitchState(ctx, "scrypt"); st.Override != "" || st.Coin != "litecoin" {
		t.Fatalf("after auto: %+v", st)
	}
	// The key carries the prefix.
	if n, _ := l.rdb.Exists(ctx, "p1:switch:scrypt").Result(); n != 1 {
		t.Fatal("state not under p1:switch:scrypt")
	}

	for _, tc := range []struct {
		name string
		err  error
	}{
		{"bad name", l.SaveSwitchCoin(ctx, "a:b", "litecoin", since)},
		{"bad coin", l.SaveSwitchCoin(ctx, "scrypt", "", since)},
		{"bad override", l.SetSwitchOverride(ctx, "scrypt", "x y", at)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !errors.Is(tc.err, ErrInvalidRecord) {
				t.Fatalf("err %v, want ErrInvalidRecord", tc.err)
			}
		})
	}
}

func TestSwitchLogBounded(t *testing.T) {
	srv := ledgertest.Redis(t)
	l := newLedger(t, srv.Addr, nil, nil)
	ctx := context.Background()
	base := time.UnixMilli(1_700_000_000_000)
	for i := range SwitchLogLimit + 5 {
		e := SwitchEvent{Time: base.Add(time.Duration(i) * time.Second), From: "a", To: fmt.Sprint("c", i), Reason: "r"}
		if err := l.AppendSwitchEvent(ctx, "g", e); err != nil {
			t.Fatal(err)
		}
	}
	all, err := l.SwitchEvents(ctx, "g", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != SwitchLogLimit {
		t.Fatalf("%d events kept, want %d", len(all), SwitchLogLimit)
	}
	if all[0].To != fmt.Sprint("c", SwitchLogLimit+4) || !all[0].Time.Equal(base.Add(time.Duration(SwitchLogLimit+4)*time.Second)) {
		t.Fatalf("newest event %+v", all[0])
	}
	two, _ := l.SwitchEvents(ctx, "g", 2)
	if len(two) != 2 || two[1].To != fmt.Sprint("c", SwitchLogLimit+3) {
		t.Fatalf("two newest: %+v", two)
	}
}

func TestProfitHistoryAndCache(t *testing.T) {
	srv := ledgertest.Redis(t)
	l := newLedger(t, srv.Addr, nil, nil)
	ctx := context.Background()
	for i := range 3 {
		if err := l.AppendProfitHistory(ctx, "scrypt", []byte(fmt.Sprintf(`{"n":%d}`, i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.AppendProfitHistory(ctx, "scrypt", []byte(`{"n":`)); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("malformed document: %v", err)
	}
	h, err := l.ProfitHistory(ctx, "scrypt", 0)
	if err != nil || len(h) != 3 {
		t.Fatalf("history %v, %v", h, err)
	}
	var doc struct{ N int }
	if err := json.Unmarshal(h[0], &doc); err != nil || doc.N != 2 {
		t.Fatalf("newest %s", h[0])
	}

	if _, _, ok, err := l.SourceCache(ctx, "coinwarz"); ok || err != nil {
		t.Fatalf("empty cache: ok %v, %v", ok, err)
	}
	at := time.UnixMilli(1_700_000_000_000)
	if err := l.SaveSourceCache(ctx, "coinwarz", at, []byte(`{"Success":true}`), time.Hour); err != nil {
		t.Fatal(err)
	}
	body, got, ok, err := l.SourceCache(ctx, "coinwarz")
	if err != nil || !ok || string(body) != `{"Success":true}` || !got.Equal(at) {
		t.Fatalf("cache %q %v %v %v", body, got, ok, err)
	}
	if ttl, _ := l.rdb.PTTL(ctx, "profit:cache:coinwarz").Result(); ttl <= 0 || ttl > time.Hour {
		t.Fatalf("cache ttl %v", ttl)
	}
}

func TestUnresolvedPayees(t *testing.T) {
	srv := ledgertest.Redis(t)
	l := newLedger(t, srv.Addr, nil, nil)
	ctx := context.Background()
	if err := l.SetUnresolvedPayee(ctx, "dogecoin", "tb1pxyz.rig", "taproot login"); err != nil {
		t.Fatal(err)
	}
	m, err := l.UnresolvedPayees(ctx, "dogecoin")
	if err != nil || m["tb1pxyz.rig"] != "taproot login" {
		t.Fatalf("unresolved %v, %v", m, err)
	}
	if err := l.SetUnresolvedPayee(ctx, "dogecoin", "tb1pxyz.rig", ""); err != nil {
		t.Fatal(err)
	}
	if m, _ = l.UnresolvedPayees(ctx, "dogecoin"); len(m) != 0 {
		t.Fatalf("after clearing: %v", m)
	}
}
