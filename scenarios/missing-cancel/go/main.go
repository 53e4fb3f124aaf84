// missing-cancel, the Go original: a background goroutine nobody tells to
// stop (../README.md).  One /work request opens a session, whose heartbeat
// goroutine ticks every 30 s until the session's context is canceled,
// serves it and closes it; the leaky Close never cancels, the fixed one
// (-fixed) does, exactly as leaky.c and fixed.c.  No fault is involved:
// every leaky request leaves its heartbeat behind.
package main

import (
	"context"
	"sync/atomic"
	"time"

	"drip.example/goserve"
)

const (
	sessionBytes = 512              // params: { session_bytes: 512, heartbeat_s: 30 }
	heartbeat    = 30 * time.Second // longer than the run: the goroutine only waits
)

// Session is one user's session.
type Session struct {
	id     uint64
	buf    []byte
	cancel context.CancelFunc
	pings  uint64
}

var (
	closeSession = (*Session).closeLeaky
	served       uint64 // keeps the request's work real
)

func Open(id uint64) *Session {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{id: id, buf: make([]byte, sessionBytes), cancel: cancel}
	go s.heartbeat(ctx)
	return s
}

func (s *Session) heartbeat(ctx context.Context) {
	t := time.NewTicker(heartbeat)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			atomic.AddUint64(&s.pings, 1) // s.ping()
		case <-ctx.Done():
			return
		}
	}
}

func (s *Session) serve() {
	for k := range s.buf {
		s.buf[k] = byte(s.id) + byte(k)
	}
	atomic.AddUint64(&served, uint64(s.buf[0]))
}

// closeLeaky releases the session's resources but not its goroutine.
func (s *Session) closeLeaky() {
	// missing: s.cancel()
}

// closeFixed cancels the context: the heartbeat returns.
func (s *Session) closeFixed() {
	s.cancel()
}

func main() {
	goserve.Main(goserve.Program{
		Name: "missing-cancel",
		Setup: func(o *goserve.Options) error {
			if o.Fixed {
				closeSession = (*Session).closeFixed
			}
			return nil
		},
		Work: func(o *goserve.Options, i uint64) error {
			s := Open(i)
			s.serve()
			closeSession(s)
			return nil
		},
	})
}
