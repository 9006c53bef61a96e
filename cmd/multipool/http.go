package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/multipool/multipool/cmd/multipool/config"
)

// httpServer serves what exists of the website so far: the admin API of
// the switch ports (under website.adminCenter's password) and a health
// check. The dashboard and the public JSON API will mount here too.
type httpServer struct {
	addr  string
	h     http.Handler
	log   *slog.Logger
	ready chan struct{}
	bound net.Addr
}

func newHTTPServer(w config.Website, sw *switching, log *slog.Logger) *httpServer {
	r := chi.NewRouter()
	r.Use(middleware.Recoverer)
	r.Get("/healthz", func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/plain")
		fmt.Fprintln(rw, "ok")
	})
	if w.AdminCenter.Enabled {
		r.Mount("/api/admin", newSwitchAdmin(sw, w.AdminCenter.Password))
	}
	return &httpServer{addr: w.Addr(), h: r, log: log.With("component", "http"), ready: make(chan struct{})}
}

// Run serves until ctx ends, then shuts down gracefully.
func (s *httpServer) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", s.addr)
	if err != nil {
		return fmt.Errorf("website: %w", err)
	}
	s.bound = ln.Addr()
	close(s.ready)
	srv := &http.Server{Handler: s.h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	s.log.Info("website listening", "addr", ln.Addr().String())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
