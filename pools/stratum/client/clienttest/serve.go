package clienttest

import (
	"context"
	"testing"
	"time"

	"github.com/multipool/multipool/pools/stratum"
)

// ServeStratum runs the project's own stratum.Server on a free loopback
// port with one port at difficulty diff, fed by src, until the test ends;
// it returns the host:port to dial.
func ServeStratum(tb testing.TB, diff float64, src stratum.WorkSource) string {
	tb.Helper()
	srv, err := stratum.NewServer(stratum.Config{
		Name:  "clienttest",
		Ports: []stratum.PortConfig{{Addr: "127.0.0.1:0", Diff: diff}},
	}, src, stratum.NewExtranonceAllocator(7), nil)
	if err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			tb.Error(err)
		}
	})
	select {
	case <-srv.Ready():
	case err := <-done:
		tb.Fatalf("stratum server: %v", err)
	case <-time.After(10 * time.Second):
		tb.Fatal("stratum server not ready")
	}
	return srv.Addrs()[0].String()
}
