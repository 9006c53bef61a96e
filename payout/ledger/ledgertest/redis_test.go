package ledgertest

import "testing"

func TestRedisStopStart(t *testing.T) {
	for _, tc := range []struct {
		name    string
		persist bool
		kill    bool
	}{
		{"ephemeral stop", false, false},
		{"persist kill", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := RedisWith(t, Options{Persist: tc.persist})
			if !s.Running() {
				t.Fatal("not running after start")
			}
			if tc.kill {
				s.Kill(t)
			} else {
				s.Stop(t)
			}
			if s.Running() {
				t.Fatal("running after stop")
			}
			if err := ping(s.Addr); err == nil {
				t.Fatal("PING answered after stop")
			}
			s.Start(t)
			if err := ping(s.Addr); err != nil {
				t.Fatalf("PING after restart: %v", err)
			}
		})
	}
}
