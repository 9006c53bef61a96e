package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

const (
	bitcoinGenesis = "0100000000000000000000000000000000000000000000000000000000000000000000003ba3edfd7a7b12b27ac72c3e67768f617fc81bc3888a51323a9fb8aa4b1e5e4a29ab5f49ffff001d1dac2b7c"
	yacoinGenesis  = "0100000000000000000000000000000000000000000000000000000000000000000000004f24f24c9df325e9dd69ccb721806db2f7d7579dfad391a57666f09f41768b67b4e38951ffff0f1e7df10100"
	monacoin2500k  = "0000002090e6bb1219ae932a0e3530daa87b6d0246d6f6fa699adec5c58de15c5586f92041a2019ddd9f37689db385749587624f9193b68772222fb2a43c2f901df6ab4d0af495616079061ac26fbcbd"
	dashGenesis    = "010000000000000000000000000000000000000000000000000000000000000000000000c762a6567f3cc092f0684bb62b7e00a84890b990f07cc71a6bb58d64b98e02e0022ddb52f0ff0f1ec23fb901"
)

func TestHashCmd(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		want     string // stdout
		usage    string // a usageError containing this
		stderrIs string // stderr contains this
	}{
		{name: "sha256d bitcoin genesis", args: []string{"sha256d", bitcoinGenesis},
			want: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f\n"},
		{name: "alias and 0x prefix", args: []string{"SHA256", "0x" + bitcoinGenesis},
			want: "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f\n"},
		{name: "x11 dash genesis", args: []string{"x11", dashGenesis},
			want: "00000ffd590b1485b3caadc19b22e6379c733355108f107a430458cdf3407ab6\n"},
		{name: "lyra2rev2 monacoin block 2,500,000", args: []string{"Lyra2REv2", monacoin2500k},
			want: "00000000000003061e02b6031e7ab6bee17c70ab4b6ad18cdc347be6e8029911\n"},
		{name: "scrypt-jane yacoin genesis", args: []string{"scrypt-jane", yacoinGenesis},
			want: "0000060fc90618113cde415ead019a1052a9abc43afcccff38608ff8751353e5\n"},
		{name: "time flag first", args: []string{"--time", "1367991220", "scryptjane", yacoinGenesis},
			want: "0000060fc90618113cde415ead019a1052a9abc43afcccff38608ff8751353e5\n"},
		{name: "time flag between", args: []string{"scryptjane", "-time=1367991220", yacoinGenesis},
			want: "0000060fc90618113cde415ead019a1052a9abc43afcccff38608ff8751353e5\n"},
		{name: "time ignored", args: []string{"sha256d", bitcoinGenesis, "--time", "5"},
			want:     "000000000019d6689c085ae165831e934ff763ae46a2a6c172b3f1b60a8ce26f\n",
			stderrIs: "--time ignored: sha256d does not depend on the block time"},
		{name: "bad hex", args: []string{"sha256d", "zz" + bitcoinGenesis[2:]}, usage: "header is not hex"},
		{name: "odd hex", args: []string{"sha256d", bitcoinGenesis[1:]}, usage: "header is not hex"},
		{name: "short header", args: []string{"sha256d", bitcoinGenesis[:158]}, usage: "header is 79 bytes (158 hex digits); sha256d takes 80 bytes"},
		{name: "84 bytes for x11", args: []string{"x11", dashGenesis + "00000000"}, usage: "x11 takes 80 bytes"},
		{name: "81 bytes for scrypt-jane", args: []string{"scrypt-jane", yacoinGenesis + "00"}, usage: "scrypt-jane takes 80 or 84 bytes"},
		{name: "unknown algorithm", args: []string{"blake3", bitcoinGenesis}, usage: `unknown algorithm "blake3" (known: groestl, lyra2rev2, neoscrypt, quark, scrypt, scrypt-jane`},
		{name: "no header", args: []string{"sha256d"}, usage: "want ALGO and HEADER_HEX, got 1 arguments"},
		{name: "too many", args: []string{"sha256d", bitcoinGenesis, "extra"}, usage: "got 3 arguments"},
		{name: "bad time", args: []string{"scrypt-jane", yacoinGenesis, "--time", "soon"}, usage: `--time "soon" is not a unix time`},
		{name: "negative time", args: []string{"scrypt-jane", yacoinGenesis, "--time=-5"}, usage: "is not a unix time"},
		{name: "unknown flag", args: []string{"sha256d", bitcoinGenesis, "--nonce", "5"}, usage: "flag provided but not defined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := hashCmd(context.Background(), tt.args, &stdout, &stderr)
			if tt.usage != "" {
				var u usageError
				if !errors.As(err, &u) {
					t.Fatalf("hashCmd(%q) = %v, want a usageError", tt.args, err)
				}
				if !strings.Contains(err.Error(), tt.usage) {
					t.Errorf("error %q does not say %q", err, tt.usage)
				}
				if stdout.Len() != 0 {
					t.Errorf("stdout %q on error", stdout.String())
				}
				return
			}
			if err != nil {
				t.Fatalf("hashCmd(%q): %v (stderr %q)", tt.args, err, stderr.String())
			}
			if stdout.String() != tt.want {
				t.Errorf("stdout %q, want %q", stdout.String(), tt.want)
			}
			if !strings.Contains(stderr.String(), tt.stderrIs) {
				t.Errorf("stderr %q does not say %q", stderr.String(), tt.stderrIs)
			}
		})
	}
}

// --time changes the N factor and so the hash.
func TestHashCmdTime(t *testing.T) {
	var a, b bytes.Buffer
	if err := hashCmd(context.Background(), []string{"scrypt-jane", yacoinGenesis}, &a, &b); err != nil {
		t.Fatal(err)
	}
	var c bytes.Buffer
	if err := hashCmd(context.Background(), []string{"scrypt-jane", yacoinGenesis, "--time", "1368515488"}, &c, &b); err != nil {
		t.Fatal(err)
	}
	if a.String() == c.String() {
		t.Errorf("N factor 5 gave the N factor 4 hash %s", a.String())
	}
}

func TestHashCmdHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if err := hashCmd(context.Background(), []string{"-h"}, &stdout, &stderr); err != nil {
		t.Fatalf("-h: %v", err)
	}
	if !strings.Contains(stderr.String(), "usage: multipool hash ALGO HEADER_HEX") || !strings.Contains(stderr.String(), "scrypt-jane") {
		t.Errorf("help text %q", stderr.String())
	}
}

func TestHashCmdCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	if err := hashCmd(ctx, []string{"sha256d", bitcoinGenesis}, &stdout, &stderr); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v, want context.Canceled", err)
	}
}
