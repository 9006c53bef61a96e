package stratum

import (
	"net"
	"testing"
	"time"
)

func TestBanList(t *testing.T) {
	clock := newFakeClock()
	b := newBanList(BanConfig{Enabled: true, Time: time.Minute, InvalidPercent: 50, CheckThreshold: 4, PurgeInterval: time.Minute}, clock.Now)

	// 1 of 4 invalid: no ban, and the count starts over.
	for _, valid := range []bool{true, false, true, true} {
		if b.record("1.2.3.4", valid) {
			t.Fatal("banned at 25% invalid")
		}
	}
	// 2 of 4 invalid reaches 50%.
	for i, valid := range []bool{false, true, false, true} {
		if got := b.record("1.2.3.4", valid); got != (i == 3) {
			t.Fatalf("share %d: banned %v", i, got)
		}
	}
	if !b.isBanned("1.2.3.4") || b.isBanned("5.6.7.8") {
		t.Fatal("wrong ban state")
	}
	b.record("5.6.7.8", false)
	clock.advance(time.Minute)
	if b.isBanned("1.2.3.4") {
		t.Fatal("ban did not expire")
	}
	clock.advance(2 * time.Minute)
	b.purge()
	if banned, scored := b.size(); banned != 0 || scored != 0 {
		t.Fatalf("after purge: %d banned, %d scored", banned, scored)
	}

	var off *banList = newBanList(BanConfig{}, clock.Now)
	if off.record("x", false) || off.isBanned("x") {
		t.Fatal("disabled ban list bans")
	}
	off.purge()
}

func TestIPOf(t *testing.T) {
	tests := []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 5}, "10.0.0.1"},
		{&net.TCPAddr{IP: net.ParseIP("2001:db8::1"), Port: 5}, "2001:db8::1"},
		{&net.UnixAddr{Name: "/tmp/x", Net: "unix"}, "/tmp/x"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := ipOf(tt.addr); got != tt.want {
			t.Errorf("%v: %q", tt.addr, got)
		}
	}
}
