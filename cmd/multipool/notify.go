package main

import (
	"bufio"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"
)

// blockNotice is one line on the block notify listener: the form NOMP's
// blockNotify script sends ({"password","coin","hash"}).
type blockNotice struct {
	Password string `json:"password"`
	Coin     string `json:"coin"`
	Hash     string `json:"hash"`
}

// notifyListener accepts block notifications (from a daemon's -blocknotify
// running `multipool blocknotify`) and refreshes the named coin's pool.
type notifyListener struct {
	addr     string
	password string
	refresh  func(coin string) bool // false: no such coin
	log      *slog.Logger

	ready chan struct{}
	bound net.Addr
}

func (n *notifyListener) Run(ctx context.Context) error {
	ln, err := net.Listen("tcp", n.addr)
	if err != nil {
		return fmt.Errorf("block notify listener: %w", err)
	}
	n.bound = ln.Addr()
	close(n.ready)
	n.log.Info("block notify listener up", "addr", ln.Addr().String())
	var wg sync.WaitGroup
	go func() { <-ctx.Done(); ln.Close() }()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				wg.Wait()
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			n.log.Warn("block notify accept", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(100 * time.Millisecond):
			}
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.handle(c)
		}()
	}
}

func (n *notifyListener) handle(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 4096)).ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return
	}
	var msg blockNotice
	reply := "ok"
	switch {
	case json.Unmarshal(line, &msg) != nil:
		reply = "error: expected {\"password\",\"coin\",\"hash\"}"
	case subtle.ConstantTimeCompare([]byte(msg.Password), []byte(n.password)) != 1:
		reply = "error: wrong password"
	case !n.refresh(msg.Coin):
		reply = "error: no pool for coin " + msg.Coin
	default:
		n.log.Info("block notification", "coin", msg.Coin, "hash", msg.Hash, "from", c.RemoteAddr().String())
	}
	if reply != "ok" {
		n.log.Warn("block notification refused", "from", c.RemoteAddr().String(), "reason", reply)
	}
	fmt.Fprintln(c, reply)
}

// blocknotifyCmd is `multipool blocknotify`, for a daemon's -blocknotify:
//
//	multipool blocknotify -listener 127.0.0.1:8117 -password P -coin ltc %s
func blocknotifyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("blocknotify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("listener", "127.0.0.1:8117", "host:port of the pool's blockNotifyListener")
	password := fs.String("password", "", "the listener's password")
	coin := fs.String("coin", "", "coin symbol or name of the pool to refresh")
	if err := fs.Parse(args); err != nil {
		return usageError{err}
	}
	if *coin == "" || fs.NArg() != 1 {
		return usageError{errors.New("usage: multipool blocknotify -listener HOST:PORT -password P -coin COIN BLOCKHASH")}
	}
	d := net.Dialer{Timeout: 5 * time.Second}
	c, err := d.DialContext(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("blocknotify: %w", err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	msg, _ := json.Marshal(blockNotice{Password: *password, Coin: *coin, Hash: fs.Arg(0)})
	if _, err := c.Write(append(msg, '\n')); err != nil {
		return fmt.Errorf("blocknotify: %w", err)
	}
	reply, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return fmt.Errorf("blocknotify: no reply: %w", err)
	}
	reply = strings.TrimSpace(reply)
	if reply != "ok" {
		return fmt.Errorf("blocknotify: %s", reply)
	}
	return nil
}
