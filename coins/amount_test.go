package coins

import (
	"errors"
	"math"
	"testing"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		in   string
		dec  int
		want Amount
	}{
		{"0.01", 8, 1_000_000},
		{"70", 8, 7_000_000_000},
		{"1.5", 8, 150_000_000},
		{"0.00000001", 8, 1},
		{"0.000000010", 8, 1},
		{".5", 8, 50_000_000},
		{"007", 2, 700},
		{"92233720368.54775807", 8, math.MaxInt64},
		{"0", 0, 0},
	}
	for _, tt := range tests {
		got, err := ParseAmount(tt.in, tt.dec)
		if err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q, %d) = %d, %v; want %d", tt.in, tt.dec, got, err, tt.want)
		}
	}
	for _, in := range []string{"", ".", "1.", "-1", "+1", "1e3", "0.000000001", "1,5", " 1", "92233720368.54775808", "0x10"} {
		if got, err := ParseAmount(in, 8); !errors.Is(err, ErrBadAmount) {
			t.Errorf("ParseAmount(%q) = %d, %v; want ErrBadAmount", in, got, err)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	tests := []struct {
		a    Amount
		dec  int
		want string
	}{
		{150_000_000, 8, "1.50000000"},
		{1, 8, "0.00000001"},
		{0, 8, "0.00000000"},
		{-5, 2, "-0.05"},
		{42, 0, "42"},
		{math.MinInt64, 8, "-92233720368.54775808"},
	}
	for _, tt := range tests {
		if got := tt.a.Format(tt.dec); got != tt.want {
			t.Errorf("Format(%d, %d) = %q, want %q", tt.a, tt.dec, got, tt.want)
		}
		if tt.a >= 0 {
			if back, err := ParseAmount(tt.want, tt.dec); err != nil || back != tt.a {
				t.Errorf("round trip %q = %d, %v", tt.want, back, err)
			}
		}
	}
}
